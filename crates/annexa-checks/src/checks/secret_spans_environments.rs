use std::collections::BTreeMap;

use annexa_model::{Outcome, Platform};

use crate::check::{Check, PipelineCx, Sink, check, labelled};

check! {
    /// ## What it does
    /// For every secret that jobs with a deployment environment use, asks whether it is scoped
    /// to that environment or is one repository- or organisation-wide secret shared with other
    /// environments and with jobs that have no environment.
    ///
    /// ## Why is this bad?
    /// Environments separate test from production only if their credentials are separate: a
    /// production secret stored at repository level is readable by every job, including those
    /// that never pass the production approval gate ("environment bleed").
    ///
    /// Where a secret is stored is platform state. Without a platform snapshot this check is
    /// always `unknown` — it names each secret and the environments that use it, so the
    /// answer can be looked up — and it never counts as a pass.
    ///
    /// ## Example
    /// ```yaml
    /// jobs:
    ///   staging:
    ///     environment: staging
    ///     steps:
    ///       - run: deploy --token "${{ secrets.DEPLOY_TOKEN }}"
    ///   production:
    ///     environment: production
    ///     steps:
    ///       - run: deploy --token "${{ secrets.DEPLOY_TOKEN }}"
    /// ```
    ///
    /// ## Fix
    /// Store `DEPLOY_TOKEN` as an environment secret of each environment, with different
    /// values, and remove the repository-level secret.
    pub struct SecretSpansEnvironments {
        id: SecretSpansEnvironments,
        summary: "secret may be shared across environments",
        severity: Medium,
        confidence: Medium,
        scope: Pipeline,
        platforms: &[Platform::GithubActions, Platform::GithubPlatform],
        controls: [A8_31, A5_17],
    }
}

impl Check for SecretSpansEnvironments {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        if !cx.pipeline.jobs.iter().any(|j| j.environment.is_some()) {
            out.file(
                cx.file,
                Outcome::NotRelevant,
                "no job targets a deployment environment",
            );
            return;
        }
        // secret → (environments using it, first use)
        let mut uses: BTreeMap<&str, (Vec<String>, Vec<&annexa_model::pipeline::Site>)> =
            BTreeMap::new();
        for job in &cx.pipeline.jobs {
            let env = job
                .environment
                .as_ref()
                .map_or_else(|| "no environment".to_owned(), |e| format!("`{}`", e.name));
            for s in job.secrets.iter().filter(|s| s.name != "GITHUB_TOKEN") {
                let e = uses.entry(s.name.as_str()).or_default();
                if !e.0.contains(&env) {
                    e.0.push(env.clone());
                }
                e.1.push(&s.site);
            }
        }
        let mut any = false;
        for (name, (envs, sites)) in uses {
            if !envs.iter().any(|e| e != "no environment") {
                continue;
            }
            any = true;
            let obs = out.at(
                cx.file,
                sites[0],
                Outcome::Unknown,
                format!("`{name}` is used by {}; whether it is stored per environment or shared is platform state", envs.join(", ")),
            );
            for s in &sites[1..] {
                obs.locations.push(labelled(
                    cx.file.location(s),
                    format!("`{name}` also used here"),
                ));
            }
        }
        if !any {
            out.file(
                cx.file,
                Outcome::NotRelevant,
                "jobs with environments use no secrets",
            );
        }
    }
}
