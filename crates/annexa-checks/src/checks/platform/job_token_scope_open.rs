use annexa_model::{Outcome, Platform};

use crate::check::{Check, GitlabProjectCx, Sink, check};

check! {
    /// ## What it does
    /// Checks whether a GitLab project limits its CI job token to an allow-list. Where GitLab
    /// reports the inbound setting (`ci_inbound_job_token_scope_enabled`: only allow-listed
    /// projects' job tokens may reach this project), that is judged; older GitLab reports only
    /// the outbound one (`ci_job_token_scope_enabled`: this project's token reaches only
    /// allow-listed projects), which is judged then.
    ///
    /// ## Why is this bad?
    /// `CI_JOB_TOKEN` acts with the rights of the user who ran the job. Without an allow-list,
    /// a job in any project that user can reach — including one a compromised dependency or a
    /// careless script runs in — can read this project's code, packages and artifacts. ISO
    /// 27001 A.5.15 (access control) asks for access on least privilege, and A.8.25 (secure
    /// development life cycle) for build credentials that cannot wander between projects.
    ///
    /// ## Example
    /// `GET /projects/acme%2Fapp` answers `"ci_job_token_scope_enabled": false` (and no inbound
    /// setting).
    ///
    /// ## Fix
    /// Settings → CI/CD → Job token permissions: turn on "Limit access to this project" and
    /// add only the projects whose pipelines need it.
    pub struct JobTokenScopeOpen {
        id: JobTokenScopeOpen,
        summary: "CI job tokens can reach projects not on an allow-list",
        severity: Medium,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GitlabPlatform],
        controls: [A5_15, A8_25],
    }
}

impl Check for JobTokenScopeOpen {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn gitlab_project(&self, cx: &GitlabProjectCx<'_>, out: &mut Sink) {
        super::gitlab::project_setting(
            cx,
            out,
            "/ci_job_token_scope",
            "whether the CI job token is limited to an allow-list",
            |i| {
                // The inbound allow-list is the control current GitLab enforces; the outbound
                // one is its deprecated predecessor.
                let (on, field) = match (
                    i.ci_inbound_job_token_scope_enabled,
                    i.ci_job_token_scope_enabled,
                ) {
                    (Some(v), _) => (v, "ci_inbound_job_token_scope_enabled"),
                    (None, Some(v)) => (v, "ci_job_token_scope_enabled"),
                    (None, None) => return None,
                };
                Some(if on {
                    (
                        Outcome::Pass,
                        format!("the CI job token is limited to allow-listed projects (`{field}`)"),
                    )
                } else {
                    (
                        Outcome::Fail,
                        format!(
                            "the CI job token is not limited to an allow-list (`{field}` false)"
                        ),
                    )
                })
            },
        );
    }
}
