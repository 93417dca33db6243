use annexa_model::pipeline::{ExternalKind, Pinning};
use annexa_model::{Outcome, Platform};

use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Checks that container images a pipeline runs jobs or services in (and Docker-based
    /// steps) are pinned by content digest (`@sha256:...`).
    ///
    /// ## Why is this bad?
    /// Image tags are mutable: `node:20` today is not `node:20` next week, and whoever can push
    /// to the registry can change what runs in your build. A digest names exactly one image, so
    /// a change of build environment becomes a reviewed change.
    ///
    /// Images chosen at run time (`${{ matrix.image }}`, `$IMAGE`) are reported as `unknown`.
    ///
    /// ## Example
    /// ```yaml
    /// jobs:
    ///   test:
    ///     container: node:20
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// jobs:
    ///   test:
    ///     container: node:20@sha256:<digest> # node:20 as of 2026-11-01
    /// ```
    pub struct UnpinnedImage {
        id: UnpinnedImage,
        summary: "container image not pinned by digest",
        severity: Low,
        confidence: High,
        scope: Pipeline,
        platforms: Platform::CI,
        controls: [A5_21, A8_9],
    }
}

impl Check for UnpinnedImage {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        let mut any = false;
        for r in cx
            .pipeline
            .all_externals()
            .filter(|r| r.kind == ExternalKind::Image)
        {
            let (outcome, msg) = match r.pinning {
                Pinning::Immutable | Pinning::Local | Pinning::Platform => (
                    Outcome::Pass,
                    format!("image `{}` is pinned by digest", r.name),
                ),
                Pinning::Version => (
                    Outcome::Fail,
                    format!(
                        "image `{}` uses the tag `{}`, which can be re-pushed",
                        r.name,
                        r.reference.as_deref().unwrap_or_default()
                    ),
                ),
                Pinning::Mutable => (
                    Outcome::Fail,
                    format!("image `{}` has no tag or digest, or uses `latest`", r.name),
                ),
                Pinning::Dynamic => (
                    Outcome::Unknown,
                    format!(
                        "image `{}` is chosen at run time and cannot be checked",
                        r.raw
                    ),
                ),
            };
            any = true;
            out.at(cx.file, &r.site, outcome, msg);
        }
        if !any {
            out.file(
                cx.file,
                Outcome::NotRelevant,
                "no container images referenced",
            );
        }
    }
}
