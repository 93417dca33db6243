use annexa_model::{Outcome, Platform};

use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Finds calls to reusable workflows that pass on every secret of the caller with
    /// `secrets: inherit`.
    ///
    /// ## Why is this bad?
    /// The called workflow — possibly in another repository, possibly changed later — receives
    /// all of the caller's secrets, not just the ones it needs. That breaks least privilege for
    /// authentication information and widens what one compromised workflow can leak.
    ///
    /// ## Example
    /// ```yaml
    /// jobs:
    ///   deploy:
    ///     uses: acme/pipelines/.github/workflows/deploy.yml@v1
    ///     secrets: inherit
    /// ```
    ///
    /// ## Fix
    /// Name the secrets the called workflow needs:
    /// ```yaml
    ///     secrets:
    ///       DEPLOY_KEY: ${{ secrets.DEPLOY_KEY }}
    /// ```
    pub struct SecretsInherit {
        id: SecretsInherit,
        summary: "reusable workflow receives all secrets",
        severity: Medium,
        confidence: High,
        scope: Pipeline,
        platforms: &[Platform::GithubActions],
        controls: [A5_17, A8_2],
    }
}

impl Check for SecretsInherit {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        let mut any = false;
        for job in cx.pipeline.jobs.iter() {
            let Some(call) = &job.calls else { continue };
            any = true;
            match &job.secrets_inherit {
                Some(site) => out.at(
                    cx.file,
                    site,
                    Outcome::Fail,
                    format!("job `{}` passes all secrets to `{}`", job.id, call.raw),
                ),
                None => out.at(
                    cx.file,
                    &job.site,
                    Outcome::Pass,
                    format!(
                        "job `{}` passes only named secrets (if any) to `{}`",
                        job.id, call.raw
                    ),
                ),
            };
        }
        if !any {
            out.file(cx.file, Outcome::NotRelevant, "no reusable workflow calls");
        }
    }
}
