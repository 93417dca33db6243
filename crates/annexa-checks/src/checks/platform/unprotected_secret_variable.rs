use annexa_model::Platform;

use crate::check::{Check, GitlabGroupCx, GitlabProjectCx, Sink, check};

check! {
    /// ## What it does
    /// Looks at the group's and each project's CI/CD variables whose names read like
    /// credentials (`DEPLOY_TOKEN`, `DB_PASSWORD`, `AWS_SECRET_ACCESS_KEY`, ...) and checks that
    /// each is *protected*, i.e. given only to pipelines on protected branches and tags. Only
    /// names and flags are read; values are never stored. With no secret-like variable, one
    /// pass says so.
    ///
    /// ## Why is this bad?
    /// An unprotected variable reaches a pipeline on any branch, and anyone with the Developer
    /// role can push a branch whose `.gitlab-ci.yml` prints or sends it away — no review, no
    /// merge. ISO 27001 A.5.17 (authentication information) requires secrets to be kept from
    /// people who do not need them, and A.8.31 separates production credentials from
    /// development work.
    ///
    /// ## Example
    /// `DEPLOY_TOKEN` with `"protected": false` in `GET /projects/acme%2Fapp/variables`.
    ///
    /// ## Fix
    /// Settings → CI/CD → Variables: edit the variable and tick "Protect variable"; make sure
    /// the branches that deploy are protected. Scope it to its environment as well.
    pub struct UnprotectedSecretVariable {
        id: UnprotectedSecretVariable,
        summary: "a secret CI/CD variable reaches unprotected branches",
        severity: High,
        confidence: Medium,
        scope: Platform,
        platforms: &[Platform::GitlabPlatform],
        controls: [A5_17, A8_31],
    }
}

impl Check for UnprotectedSecretVariable {
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
        "whether secret-like variables are protected",
        |v| v.protected,
        |v, ok| {
            let name = super::gitlab::variable_name(v);
            match ok {
                Some(true) => format!(
                    "{name} is protected: only pipelines on protected branches and tags receive it"
                ),
                Some(false) => format!(
                    "{name} reads like a credential but is not protected: a pipeline on any branch a Developer pushes receives it"
                ),
                None => format!(
                    "cannot tell whether {name} is protected: the answer has no `protected`"
                ),
            }
        },
    );
}
