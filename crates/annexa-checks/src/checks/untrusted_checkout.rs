use annexa_model::pipeline::{Event, StepAction};
use annexa_model::{Outcome, Platform};

use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// In workflows started by `pull_request_target`, `workflow_run` or comment events — which
    /// run with the base repository's secrets and a write token although an outsider can
    /// trigger them — finds `actions/checkout` steps that check out the contributor's code
    /// (the pull request head).
    ///
    /// ## Why is this bad?
    /// Once the contributor's code is on disk, any later build, install or test step runs it
    /// with the privileged token and secrets ("pwn request", OWASP CICD-SEC-4 poisoned
    /// pipeline execution). Checking out the base branch is safe and passes.
    ///
    /// ## Example
    /// ```yaml
    /// on: pull_request_target
    /// jobs:
    ///   test:
    ///     runs-on: ubuntu-latest
    ///     steps:
    ///       - uses: actions/checkout@v4
    ///         with:
    ///           ref: ${{ github.event.pull_request.head.sha }}
    ///       - run: npm test
    /// ```
    ///
    /// ## Fix
    /// Test contributor code in a `pull_request` workflow (no secrets, read-only token), and
    /// keep `pull_request_target` for jobs that only label or comment without checking out.
    pub struct UntrustedCheckout {
        id: UntrustedCheckout,
        summary: "privileged workflow checks out untrusted code",
        severity: Critical,
        confidence: Medium,
        scope: Pipeline,
        platforms: &[Platform::GithubActions],
        controls: [A8_25, A8_28],
    }
}

const HEAD_REFS: &[&str] = &[
    "github.event.pull_request.head",
    "github.head_ref",
    "github.event.workflow_run.head",
    "refs/pull/",
    "github.event.issue.pull_request",
];

impl Check for UntrustedCheckout {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        // The trigger that runs pull-request code with privileges is the one to name.
        let mut privileged: Vec<_> = cx
            .pipeline
            .triggers
            .iter()
            .filter(|t| t.event.privileged_untrusted())
            .collect();
        privileged
            .sort_by_key(|t| !matches!(t.event, Event::PullRequestTarget | Event::WorkflowRun));
        let Some(trigger) = privileged.first() else {
            out.file(
                cx.file,
                Outcome::NotRelevant,
                "no privileged trigger an outsider can cause",
            );
            return;
        };
        let mut any = false;
        for (job, step) in cx.pipeline.steps() {
            let StepAction::Uses { target, inputs } = &step.action else {
                continue;
            };
            if !target.name.eq_ignore_ascii_case("actions/checkout") {
                continue;
            }
            any = true;
            let head = inputs
                .iter()
                .filter(|i| i.name == "ref" || i.name == "repository")
                .find(|i| HEAD_REFS.iter().any(|h| i.value.contains(h)));
            match head {
                Some(input) => {
                    out.at(cx.file, &input.site, Outcome::Fail, format!("job `{}` checks out the contributor's code (`{}`) in a workflow started by `{}`", job.id, input.value, trigger.name))
                        .locations
                        .push(crate::check::labelled(cx.file.location(&trigger.site), "privileged trigger"));
                }
                None => {
                    out.at(
                        cx.file,
                        &step.site,
                        Outcome::Pass,
                        format!(
                            "job `{}` checks out the base repository, not the contributor's code",
                            job.id
                        ),
                    );
                }
            }
        }
        if !any {
            out.file(
                cx.file,
                Outcome::NotRelevant,
                "privileged workflow without a checkout step",
            );
        }
    }
}
