use annexa_model::pipeline::Event;
use annexa_model::{Outcome, Platform};

use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// In `workflow_run` workflows, finds steps that download artifacts of the run that
    /// triggered them (`actions/download-artifact` with a `run-id`,
    /// `dawidd6/action-download-artifact`, `gh run download`).
    ///
    /// ## Why is this bad?
    /// The triggering run may be a fork's pull request: its artifacts are whatever the
    /// contributor's code wrote. The `workflow_run` job then unpacks them with secrets and a
    /// write token — a file named to overwrite a script, or a value read into the environment,
    /// becomes code execution ("artifact poisoning").
    ///
    /// ## Example
    /// ```yaml
    /// on: workflow_run
    /// jobs:
    ///   comment:
    ///     steps:
    ///       - uses: actions/download-artifact@<sha>
    ///         with:
    ///           run-id: ${{ github.event.workflow_run.id }}
    /// ```
    ///
    /// ## Fix
    /// Treat the artifact as untrusted data: extract it into a temporary folder outside the
    /// workspace, validate every value, and never execute or source anything from it.
    pub struct ArtifactFromUntrustedRun {
        id: ArtifactFromUntrustedRun,
        summary: "privileged workflow consumes another run's artifacts",
        severity: Medium,
        confidence: Medium,
        scope: Pipeline,
        platforms: &[Platform::GithubActions],
        controls: [A8_25, A5_21],
    }
}

impl Check for ArtifactFromUntrustedRun {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        if !cx
            .pipeline
            .triggers
            .iter()
            .any(|t| t.event == Event::WorkflowRun)
        {
            out.file(cx.file, Outcome::NotRelevant, "not a workflow_run workflow");
            return;
        }
        let mut any = false;
        for (job, step) in cx.pipeline.steps() {
            let name = step.uses_name().unwrap_or_default();
            let downloads = (name.starts_with("actions/download-artifact")
                && step.input("run-id").is_some())
                || name.starts_with("dawidd6/action-download-artifact")
                || step.script().is_some_and(|s| s.contains("gh run download"));
            if downloads {
                any = true;
                out.at(cx.file, &step.site, Outcome::Fail, format!("job `{}` downloads artifacts of the triggering run, which may come from a fork", job.id));
            }
        }
        if !any {
            out.file(
                cx.file,
                Outcome::Pass,
                "this workflow_run workflow downloads no artifacts of the triggering run",
            );
        }
    }
}
