use annexa_model::pipeline::{Event, Job, PipelineKind, Trigger};
use annexa_model::{Outcome, Platform};

use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Finds jobs that read secrets and also run for pull or merge requests, with no
    /// environment or manual approval in between. Written on the pipeline model, so it runs on
    /// all six CI systems: GitHub `pull_request` / `pull_request_target`, GitLab
    /// `merge_request_event` rules, Azure `pr:`, Bitbucket `pull-requests:`, Jenkins
    /// `changeRequest()` and the like.
    ///
    /// ## Why is this bad?
    /// A pull-request build runs code — and on most systems the pipeline definition itself —
    /// from the branch being proposed, before anyone has reviewed it. A secret available to
    /// that build is available to everyone who can open a pull request: every developer of
    /// the repository, and outsiders wherever fork builds receive secrets
    /// (`pull_request_target`, or the platform setting that passes secrets to fork builds).
    /// Production credentials then bypass the review and approval that change management
    /// (A.8.32) puts in front of production.
    ///
    /// ## Example
    /// ```yaml
    /// deploy-preview:
    ///   rules:
    ///     - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    ///   script:
    ///     - ./deploy.sh --token "$PROD_DEPLOY_TOKEN"
    /// ```
    ///
    /// ## Fix
    /// Keep secrets out of pull-request builds: run the job only on protected branches or
    /// tags, or bind the secret to a deployment environment that requires approval and only
    /// admits protected branches (GitHub environment secrets, GitLab protected variables and
    /// environments, Azure environments and variable-group approvals, CircleCI restricted
    /// contexts, Bitbucket deployment variables).
    pub struct SecretOnUntrustedTrigger {
        id: SecretOnUntrustedTrigger,
        summary: "secret available to pull-request builds",
        severity: High,
        confidence: Medium,
        scope: Pipeline,
        platforms: Platform::CI,
        controls: [A5_17, A8_31],
    }
}

/// Secrets every run gets, scoped to that run (GitHub's own token).
fn run_scoped(name: &str) -> bool {
    name.eq_ignore_ascii_case("GITHUB_TOKEN")
}

/// Whether a job condition (GitHub `if:`, Azure `condition:`) keeps the job off
/// pull-request events. Only the common, unambiguous shapes are recognised; anything else is
/// taken to run.
fn condition_excludes_pull_requests(condition: &str) -> bool {
    let c: String = condition
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .replace('"', "'");
    let azure = c.to_ascii_lowercase();
    if [
        "eq(variables['build.sourcebranch'],'refs/heads/",
        "startswith(variables['build.sourcebranch'],'refs/tags/')",
        "ne(variables['build.reason'],'pullrequest')",
        "eq(variables['build.reason'],'individualci')",
        "eq(variables['build.reason'],'batchedci')",
        "eq(variables['build.reason'],'schedule')",
    ]
    .iter()
    .any(|p| azure.contains(p))
        && !azure.starts_with("or(")
    {
        return true;
    }
    [
        "github.event_name=='push'",
        "github.event_name=='release'",
        "github.event_name=='schedule'",
        "github.event_name=='workflow_dispatch'",
        "github.event_name!='pull_request'",
        "github.ref=='refs/heads/",
        "startsWith(github.ref,'refs/tags/')",
        "startsWith(github.ref,'refs/heads/",
        "github.ref_type=='tag'",
    ]
    .iter()
    .any(|p| c.contains(p))
        && !c.contains("||")
}

fn untrusted<'a>(triggers: &'a [Trigger], job: &Job) -> Option<&'a Trigger> {
    if job
        .condition
        .as_deref()
        .is_some_and(condition_excludes_pull_requests)
    {
        return None;
    }
    triggers.iter().find(|t| t.event.untrusted())
}

impl Check for SecretOnUntrustedTrigger {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        if cx.pipeline.kind == PipelineKind::Action {
            out.file(
                cx.file,
                Outcome::NotRelevant,
                "action metadata has no triggers: the calling workflow decides",
            );
            return;
        }
        let mut any = false;
        for job in &cx.pipeline.jobs {
            let mut names: Vec<&str> = job
                .secrets
                .iter()
                .map(|s| s.name.as_str())
                .filter(|n| !run_scoped(n))
                .collect();
            names.sort_unstable();
            names.dedup();
            if names.is_empty() {
                continue;
            }
            any = true;
            let list = names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let Some(trigger) = untrusted(cx.pipeline.job_triggers(job), job) else {
                out.at(
                    cx.file,
                    &job.site,
                    Outcome::Pass,
                    format!(
                        "job `{}` reads {list} and does not run for pull or merge requests",
                        job.id
                    ),
                );
                continue;
            };
            if let Some(env) = &job.environment {
                out.at(cx.file, &env.site, Outcome::Pass, format!("job `{}` reads {list} through environment `{}` (whether the environment admits pull-request refs is platform state)", job.id, env.name));
            } else if let Some(gate) = &job.manual_gate {
                out.at(
                    cx.file,
                    gate,
                    Outcome::Pass,
                    format!("job `{}` reads {list} only after a manual approval", job.id),
                );
            } else {
                let who = if trigger.event.privileged_untrusted()
                    || matches!(trigger.event, Event::PullRequestTarget)
                {
                    "anyone who can open one, forks included"
                } else {
                    "everyone who can push a branch, and fork authors where the platform passes secrets to fork builds"
                };
                out.at(
                    cx.file,
                    &job.site,
                    Outcome::Fail,
                    format!(
                        "job `{}` reads {list} and runs for `{}`, before review: {who}",
                        job.id, trigger.name
                    ),
                );
            }
        }
        if !any {
            out.file(
                cx.file,
                Outcome::NotRelevant,
                "no job reads a secret by name",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::condition_excludes_pull_requests as ex;

    #[test]
    fn conditions() {
        assert!(ex("github.event_name == 'push'"));
        assert!(ex("startsWith(github.ref, 'refs/tags/')"));
        assert!(!ex(
            "github.event_name == 'push' || github.event_name == 'pull_request'"
        ));
        assert!(!ex("always()"));
        assert!(ex(
            "and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/main'))"
        ));
    }
}
