use annexa_model::{Outcome, Platform};

use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Finds `actions/checkout` steps that leave the job's token in `.git/config`
    /// (GitHub `actions/checkout` without `persist-credentials: false`; Azure `checkout:` with
    /// `persistCredentials: true`) in jobs that upload artifacts.
    ///
    /// ## Why is this bad?
    /// By default `actions/checkout` writes the `GITHUB_TOKEN` into the repository's git
    /// configuration so later steps can push. When the job then uploads its workspace (or part
    /// of it) as an artifact, the token can travel with it to anyone who can download the
    /// artifact — for public repositories, everyone ("ArtiPACKED").
    ///
    /// ## Example
    /// ```yaml
    /// steps:
    ///   - uses: actions/checkout@<sha>
    ///   - uses: actions/upload-artifact@<sha>
    ///     with:
    ///       path: .
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    ///   - uses: actions/checkout@<sha>
    ///     with:
    ///       persist-credentials: false
    /// ```
    pub struct PersistedCheckoutCredentials {
        id: PersistedCheckoutCredentials,
        summary: "checkout keeps the token where an artifact can carry it",
        severity: Medium,
        confidence: Medium,
        scope: Pipeline,
        platforms: &[Platform::GithubActions, Platform::AzurePipelines],
        controls: [A5_17, A8_12],
    }
}

impl Check for PersistedCheckoutCredentials {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        let mut any = false;
        for job in &cx.pipeline.jobs {
            let uploads = job.artifacts.iter().any(|a| a.upload);
            for step in job.steps.iter().filter(|s| {
                matches!(
                    s.uses_name().as_deref(),
                    Some("actions/checkout" | "checkout")
                )
            }) {
                // GitHub persists the token unless told not to; Azure only when told to.
                let persisted = if step.uses_name().as_deref() == Some("checkout") {
                    step.input("persistCredentials")
                        .is_some_and(|i| i.value.trim().eq_ignore_ascii_case("true"))
                } else {
                    step.input("persist-credentials")
                        .is_none_or(|i| !i.value.trim().eq_ignore_ascii_case("false"))
                };
                match (persisted, uploads) {
                    (false, _) => {
                        out.at(
                            cx.file,
                            &step.site,
                            Outcome::Pass,
                            format!("checkout in job `{}` does not persist the token", job.id),
                        );
                    }
                    (true, true) => {
                        out.at(cx.file, &step.site, Outcome::Fail, format!("checkout in job `{}` persists the token and the job uploads artifacts", job.id));
                    }
                    (true, false) => continue,
                }
                any = true;
            }
        }
        if !any {
            out.file(
                cx.file,
                Outcome::NotRelevant,
                "no checkout in a job that uploads artifacts",
            );
        }
    }
}
