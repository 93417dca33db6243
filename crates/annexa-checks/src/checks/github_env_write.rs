use annexa_model::{Outcome, Platform};

use crate::check::{Check, PipelineCx, Sink, check, labelled};

check! {
    /// ## What it does
    /// In workflows an outsider can start with privileges (`pull_request_target`,
    /// `workflow_run`, comment events), finds scripts that write to `$GITHUB_ENV` or
    /// `$GITHUB_PATH`.
    ///
    /// ## Why is this bad?
    /// Whatever is written there becomes environment variables or executable search paths for
    /// every later step of the job. In these workflows the written values often come from the
    /// contributor (branch names, artifact contents, PR text), so a value like
    /// `LD_PRELOAD=...` or a path to a downloaded file turns into code execution with the
    /// privileged token.
    ///
    /// ## Example
    /// ```yaml
    /// on: workflow_run
    /// jobs:
    ///   report:
    ///     steps:
    ///       - run: echo "PR_REF=$(cat pr/ref.txt)" >> "$GITHUB_ENV"
    /// ```
    ///
    /// ## Fix
    /// Pass values through step outputs and validate them before use; never write untrusted
    /// values to `$GITHUB_ENV` or `$GITHUB_PATH`.
    pub struct GithubEnvWrite {
        id: GithubEnvWrite,
        summary: "privileged workflow writes to GITHUB_ENV or GITHUB_PATH",
        severity: High,
        confidence: Medium,
        scope: Pipeline,
        platforms: &[Platform::GithubActions],
        controls: [A8_25, A8_28],
    }
}

impl Check for GithubEnvWrite {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        let Some(trigger) = cx
            .pipeline
            .triggers
            .iter()
            .find(|t| t.event.privileged_untrusted())
        else {
            out.file(
                cx.file,
                Outcome::NotRelevant,
                "no privileged trigger an outsider can cause",
            );
            return;
        };
        let mut any = false;
        for (job, step) in cx.pipeline.steps() {
            let (Some(script), annexa_model::pipeline::StepAction::Run { site, .. }) =
                (step.script(), &step.action)
            else {
                continue;
            };
            let writes = script.lines().any(|l| {
                l.contains(">>") && (l.contains("GITHUB_ENV") || l.contains("GITHUB_PATH"))
            });
            if writes {
                any = true;
                out.at(cx.file, site, Outcome::Fail, format!("step `{}` in job `{}` writes to GITHUB_ENV/GITHUB_PATH in a workflow started by `{}`", step.label(), job.id, trigger.name))
                    .locations
                    .push(labelled(cx.file.location(&trigger.site), "privileged trigger"));
            }
        }
        if !any {
            out.file(
                cx.file,
                Outcome::Pass,
                format!(
                    "no script writes to GITHUB_ENV or GITHUB_PATH in this `{}` workflow",
                    trigger.name
                ),
            );
        }
    }
}
