use annexa_model::{Outcome, Platform};
use annexa_platform::Known;

use crate::check::{Check, GithubRepoCx, GitlabGroupCx, GitlabProjectCx, Sink, check};

check! {
    /// ## What it does
    /// Checks that every production environment (by name: `production`, `prod`, `prd`, `live`)
    /// requires a human approval before a deployment runs (GitHub required reviewers; GitLab protected
    /// environment approvals). When the scan also read the workflows, the message says whether jobs
    /// deploy to the environment.
    ///
    /// ## Why is this bad?
    /// Without an approval gate, whoever can push to a deploying branch (or run the workflow) changes
    /// production with nobody else involved. A.8.32 expects production changes to be authorised,
    /// A.8.31 that production is separated from development, and A.5.3 that one person cannot both
    /// make and release a change.
    ///
    /// ## Example
    /// Environment `production` with only a wait timer as protection rule.
    ///
    /// ## Fix
    /// Add required reviewers to the environment (and prevent self-review); on GitLab protect the
    /// environment and require approvals.
    pub struct ProductionEnvironmentWithoutReviewers {
        id: ProductionEnvironmentWithoutReviewers,
        summary: "production deployments need no human approval",
        severity: High,
        confidence: Medium,
        scope: Platform,
        platforms: &[Platform::GithubPlatform, Platform::GitlabPlatform],
        controls: [A8_32, A8_31, A5_3],
    }
}

impl Check for ProductionEnvironmentWithoutReviewers {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let res = cx.resource();
        let envs = match &cx.repo.environments {
            Known::Yes(l, src) => (l, src),
            unknown => {
                out.api_unknown(
                    cx.host,
                    &res,
                    "/environments",
                    "whether production deployments need approval",
                    unknown,
                );
                return;
            }
        };
        // Environments the workflows deploy to count as production when their name says so,
        // or when a deploying job targets them and nothing says otherwise.
        let deployed: Vec<String> = cx
            .files
            .iter()
            .flat_map(|f| &f.pipelines)
            .flat_map(|(_, p)| &p.jobs)
            .filter_map(|j| j.environment.as_ref().map(|e| e.name.to_ascii_lowercase()))
            .collect();
        for env in &envs.0.0 {
            if !env.looks_production() {
                continue;
            }
            let pointer = format!("/environments/{}", env.name);
            match env.required_reviewers() {
                Some(r) if !r.reviewers.is_empty() => {
                    out.api(
                        cx.host,
                        &res,
                        &pointer,
                        Outcome::Pass,
                        format!(
                            "deployments to `{}` wait for approval by {} reviewer(s)",
                            env.name,
                            r.reviewers.len()
                        ),
                        &[envs.1],
                    );
                }
                _ => {
                    let used = if deployed.contains(&env.name.to_ascii_lowercase()) {
                        " (workflows deploy to it)"
                    } else {
                        ""
                    };
                    out.api(
                        cx.host,
                        &res,
                        &pointer,
                        Outcome::Fail,
                        format!(
                            "deployments to `{}`{used} need no reviewer's approval",
                            env.name
                        ),
                        &[envs.1],
                    );
                }
            }
        }
    }

    fn gitlab_group(&self, cx: &GitlabGroupCx<'_>, out: &mut Sink) {
        super::gitlab::production_environment_without_reviewers_group(cx, out);
    }

    fn gitlab_project(&self, cx: &GitlabProjectCx<'_>, out: &mut Sink) {
        super::gitlab::production_environment_without_reviewers_project(cx, out);
    }
}
