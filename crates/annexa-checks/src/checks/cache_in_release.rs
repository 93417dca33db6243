use annexa_model::{Outcome, Platform};

use super::deploy_without_gate::deploys;
use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// In pipelines that release or publish (release events, tag pushes, publishing jobs),
    /// finds jobs that restore build caches (`actions/cache`, `Swatinem/rust-cache`, setup
    /// actions with `cache:`).
    ///
    /// ## Why is this bad?
    /// Caches are shared with less trusted runs: a pull-request or branch workflow can write a
    /// cache entry that the release job later restores. A poisoned cache turns into poisoned
    /// release artefacts, signed and published as if they were built from reviewed code.
    /// Release builds should start clean.
    ///
    /// ## Example
    /// ```yaml
    /// on:
    ///   push:
    ///     tags: ["v*"]
    /// jobs:
    ///   release:
    ///     steps:
    ///       - uses: actions/setup-node@<sha>
    ///         with:
    ///           cache: npm
    /// ```
    ///
    /// ## Fix
    /// Remove caching from release and publish jobs (keep it for test jobs).
    pub struct CacheInRelease {
        id: CacheInRelease,
        summary: "release job restores a shared build cache",
        severity: Medium,
        confidence: Medium,
        scope: Pipeline,
        platforms: Platform::CI,
        controls: [A8_32, A8_25],
    }
}

impl Check for CacheInRelease {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        let releases = cx.pipeline.releases();
        let mut any = false;
        for job in &cx.pipeline.jobs {
            // In a release pipeline, the jobs that build what is released: those that publish
            // or upload artifacts (lint and test jobs may keep their caches).
            let builds_release = job.artifacts.iter().any(|a| a.upload);
            let why = match deploys(job) {
                Some(why) => Some(why),
                None if releases && builds_release => Some("builds release artifacts".to_owned()),
                None => None,
            };
            let Some(why) = why else { continue };
            any = true;
            if job.caches.is_empty() {
                out.at(
                    cx.file,
                    &job.site,
                    Outcome::Pass,
                    format!("job `{}` {why} and restores no build cache", job.id),
                );
            }
            for site in &job.caches {
                out.at(
                    cx.file,
                    site,
                    Outcome::Fail,
                    format!("job `{}` {why} and restores a build cache", job.id),
                );
            }
        }
        if !any {
            out.file(
                cx.file,
                Outcome::NotRelevant,
                "no release or publishing jobs",
            );
        }
    }
}
