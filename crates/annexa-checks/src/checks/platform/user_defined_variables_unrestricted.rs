use annexa_model::{Outcome, Platform};

use crate::check::{Check, GitlabProjectCx, Sink, check};

check! {
    /// ## What it does
    /// Checks whether a GitLab project lets anyone who can run a pipeline set its variables:
    /// `restrict_user_defined_variables` must be on, and where GitLab reports
    /// `ci_pipeline_variables_minimum_override_role` it must be Maintainer, Owner or "no one".
    ///
    /// ## Why is this bad?
    /// A pipeline variable set by hand, by the API or by a trigger overrides the ones in
    /// `.gitlab-ci.yml`: a Developer can switch off a scan, point a deploy at another target
    /// or inject a command into a script that expands the variable — without a merge request.
    /// ISO 27001 A.8.9 (configuration management) asks that configuration is changed only
    /// through a controlled process, and A.8.25 (secure development life cycle) that the build
    /// cannot be bent by whoever starts it.
    ///
    /// ## Example
    /// `GET /projects/acme%2Fapp` answers `"restrict_user_defined_variables": false`.
    ///
    /// ## Fix
    /// Settings → CI/CD → Variables: set "Minimum role to use pipeline variables" to
    /// Maintainer or "No one allowed" (older GitLab: tick "Limit who can override variables").
    pub struct UserDefinedVariablesUnrestricted {
        id: UserDefinedVariablesUnrestricted,
        summary: "anyone who can run a pipeline can override its variables",
        severity: Medium,
        confidence: Medium,
        scope: Platform,
        platforms: &[Platform::GitlabPlatform],
        controls: [A8_9, A8_25],
    }
}

impl Check for UserDefinedVariablesUnrestricted {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn gitlab_project(&self, cx: &GitlabProjectCx<'_>, out: &mut Sink) {
        super::gitlab::project_setting(
            cx,
            out,
            "/pipeline_variables",
            "who may set pipeline variables",
            |i| {
                let role = i.ci_pipeline_variables_minimum_override_role.as_deref();
                Some(match (i.restrict_user_defined_variables?, role) {
                    (false, _) => (
                        Outcome::Fail,
                        "anyone who can run a pipeline can set its variables (`restrict_user_defined_variables` false)".to_owned(),
                    ),
                    (true, Some(r @ ("developer" | "reporter" | "planner" | "guest"))) => (
                        Outcome::Fail,
                        format!("pipeline variables are restricted, but to role `{r}` and above (`ci_pipeline_variables_minimum_override_role`)"),
                    ),
                    (true, Some(r)) => (
                        Outcome::Pass,
                        format!("only role `{r}` may set pipeline variables"),
                    ),
                    (true, None) => (
                        Outcome::Pass,
                        "only Maintainers may set pipeline variables (`restrict_user_defined_variables`)".to_owned(),
                    ),
                })
            },
        );
    }
}
