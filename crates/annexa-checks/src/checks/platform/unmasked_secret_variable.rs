use annexa_model::Platform;

use crate::check::{Check, GitlabGroupCx, GitlabProjectCx, Sink, check};

check! {
    /// ## What it does
    /// Looks at the group's and each project's CI/CD variables whose names read like
    /// credentials and checks that each is *masked* (or masked and hidden), so GitLab replaces
    /// its value with `[MASKED]` in job logs. Only names and flags are read; values are never
    /// stored. With no secret-like variable, one pass says so.
    ///
    /// ## Why is this bad?
    /// Job logs are kept, downloaded and shared in tickets; an unmasked secret printed by a
    /// `set -x`, a verbose tool or an error message stays readable by everyone who can read the
    /// log. ISO 27001 A.5.17 (authentication information) requires secrets to be protected
    /// wherever they go, and A.8.12 (data leakage prevention) asks for measures that stop them
    /// leaking through ordinary output.
    ///
    /// ## Example
    /// `NPM_TOKEN` with `"masked": false` in `GET /groups/acme/variables`.
    ///
    /// ## Fix
    /// Settings → CI/CD → Variables: edit the variable and choose "Masked" (or "Masked and
    /// hidden"). Rotate the secret if it has already appeared in a log.
    pub struct UnmaskedSecretVariable {
        id: UnmaskedSecretVariable,
        summary: "a secret CI/CD variable is not masked in job logs",
        severity: Medium,
        confidence: Medium,
        scope: Platform,
        platforms: &[Platform::GitlabPlatform],
        controls: [A5_17, A8_12],
    }
}

impl Check for UnmaskedSecretVariable {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn gitlab_group(&self, cx: &GitlabGroupCx<'_>, out: &mut Sink) {
        judge(cx.host, &cx.resource(), &cx.group.variables, out);
    }

    fn gitlab_project(&self, cx: &GitlabProjectCx<'_>, out: &mut Sink) {
        judge(cx.host, &cx.resource(), &cx.project.variables, out);
    }
}

fn judge(
    host: &str,
    res: &str,
    vars: &annexa_platform::Known<Vec<annexa_platform::gitlab::Variable>>,
    out: &mut Sink,
) {
    super::gitlab::secret_variables(
        host,
        res,
        out,
        vars,
        "whether secret-like variables are masked",
        // Hidden variables are masked too; either flag set is enough.
        |v| match (v.masked, v.hidden) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), _) => Some(false),
            (None, _) => None,
        },
        |v, ok| {
            let name = super::gitlab::variable_name(v);
            match ok {
                Some(true) => format!("{name} is masked in job logs"),
                Some(false) => format!(
                    "{name} reads like a credential but is not masked: any job that prints it shows it in the log"
                ),
                None => format!("cannot tell whether {name} is masked: the answer has no `masked`"),
            }
        },
    );
}
