use annexa_model::pipeline::RunnerKind;
use annexa_model::{Outcome, Platform};

use crate::check::{Check, PipelineCx, Sink, check, labelled};

check! {
    /// ## What it does
    /// Finds jobs that run on self-hosted runners in pipelines an outsider can start (pull
    /// requests from forks, comments, `pull_request_target`, `workflow_run`).
    ///
    /// ## Why is this bad?
    /// A self-hosted runner is the organisation's own machine, usually inside its network and
    /// often not wiped between jobs. A fork pull request that runs on it runs the stranger's
    /// code there: persistence, lateral movement and stolen credentials follow. Hosted runners
    /// are fresh virtual machines per job.
    ///
    /// Whether forks can open pull requests at all (private repositories, fork-PR approval
    /// settings) is platform state; without it this check assumes they can. Runners chosen by
    /// an expression or a custom label are `unknown`.
    ///
    /// ## Example
    /// ```yaml
    /// on: pull_request
    /// jobs:
    ///   test:
    ///     runs-on: [self-hosted, linux]
    /// ```
    ///
    /// ## Fix
    /// Run untrusted events on hosted runners, or on ephemeral, isolated self-hosted runners in
    /// a runner group restricted to trusted workflows.
    pub struct SelfHostedRunnerExposed {
        id: SelfHostedRunnerExposed,
        summary: "self-hosted runner reachable by outsiders",
        severity: High,
        confidence: Medium,
        scope: Pipeline,
        platforms: Platform::CI,
        controls: [A8_31, A8_22],
    }
}

impl Check for SelfHostedRunnerExposed {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        let mut any = false;
        let mut exposed = false;
        for job in &cx.pipeline.jobs {
            // The job's own triggers where it limits them (GitLab rules, Bitbucket sections).
            let Some(trigger) = cx
                .pipeline
                .job_triggers(job)
                .iter()
                .find(|t| t.event.untrusted())
            else {
                continue;
            };
            exposed = true;
            let Some(runner) = &job.runner else { continue };
            any = true;
            let labels = runner.labels.join(", ");
            match runner.kind {
                RunnerKind::SelfHosted => {
                    out.at(cx.file, &runner.site, Outcome::Fail, format!("job `{}` runs on a self-hosted runner ({labels}) and the pipeline is started by `{}`", job.id, trigger.name))
                        .locations
                        .push(labelled(cx.file.location(&trigger.site), "untrusted trigger"));
                }
                RunnerKind::Hosted => {
                    out.at(
                        cx.file,
                        &runner.site,
                        Outcome::Pass,
                        format!("job `{}` runs on a hosted runner ({labels})", job.id),
                    );
                }
                RunnerKind::Unknown if labels.is_empty() => {
                    out.at(cx.file, &runner.site, Outcome::Unknown, format!("job `{}` runs on the CI instance's shared runners, which may be self-hosted; the runner inventory is platform state", job.id));
                }
                RunnerKind::Unknown => {
                    out.at(cx.file, &runner.site, Outcome::Unknown, format!("job `{}` runs on `{labels}`, which may be self-hosted; the runner inventory is platform state", job.id));
                }
            }
        }
        if !exposed {
            out.file(
                cx.file,
                Outcome::NotRelevant,
                "no job runs on a trigger an outsider can cause",
            );
        } else if !any {
            out.file(cx.file, Outcome::NotRelevant, "no job declares a runner");
        }
    }
}
