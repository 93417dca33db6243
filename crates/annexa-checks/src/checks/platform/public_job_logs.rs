use annexa_model::{Outcome, Platform};

use crate::check::{Check, GitlabProjectCx, Sink, check};

check! {
    /// ## What it does
    /// Checks a GitLab project's "Public pipelines" setting (`public_jobs`). It fails when the
    /// setting is on and the project is public (anyone can read job logs and artifacts) or
    /// internal (every signed-in user of the instance can). On a private project the setting
    /// only opens logs to members with the Guest role, so it passes there, saying so.
    ///
    /// ## Why is this bad?
    /// Job logs and artifacts carry what a build saw: internal host names, dependency
    /// versions, test data, and any secret that was printed unmasked. Readable beyond the
    /// project's members, they leak it. ISO 27001 A.8.12 (data leakage prevention) and A.8.15
    /// (logging: protect log information from unauthorised access) both apply. Open-source
    /// projects often want public logs on purpose; suppress the finding there with a reason.
    ///
    /// ## Example
    /// An `internal` project whose `GET /projects/acme%2Fapp` answers `"public_jobs": true`.
    ///
    /// ## Fix
    /// Settings → CI/CD → General pipelines: untick "Public pipelines".
    pub struct PublicJobLogs {
        id: PublicJobLogs,
        summary: "job logs and artifacts are visible to non-members",
        severity: Medium,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GitlabPlatform],
        controls: [A8_12, A8_15],
    }
}

impl Check for PublicJobLogs {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn gitlab_project(&self, cx: &GitlabProjectCx<'_>, out: &mut Sink) {
        super::gitlab::project_setting(cx, out, "/public_jobs", "who can read job logs", |i| {
            let public = i.public_jobs?;
            let visibility = i.visibility.as_deref();
            Some(match (public, visibility) {
                    (false, _) => (
                        Outcome::Pass,
                        "job logs and artifacts are visible to project members only".to_owned(),
                    ),
                    (true, Some("public")) => (
                        Outcome::Fail,
                        "public project with public pipelines: anyone on the internet can read its job logs and artifacts".to_owned(),
                    ),
                    (true, Some("internal")) => (
                        Outcome::Fail,
                        "internal project with public pipelines: every signed-in user of the instance can read its job logs and artifacts".to_owned(),
                    ),
                    (true, Some("private")) => (
                        Outcome::Pass,
                        "public pipelines are on, but the project is private: only members (Guests included) can read job logs".to_owned(),
                    ),
                    (true, _) => return None,
                })
        });
    }
}
