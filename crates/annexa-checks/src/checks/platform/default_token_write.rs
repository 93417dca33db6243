use annexa_model::{Outcome, Platform};
use annexa_platform::Known;
use annexa_platform::github::WorkflowPermissions;

use crate::check::{Check, GithubOrgCx, GithubRepoCx, Sink, check};

check! {
    /// ## What it does
    /// Reads the default permission of the `GITHUB_TOKEN` (`default_workflow_permissions`) of
    /// the organisation and of each repository, and fails where it is `write`.
    ///
    /// ## Why is this bad?
    /// With a `write` default, every workflow job that does not declare `permissions:` gets a
    /// token that can push code, create releases and change issues and packages. One
    /// compromised dependency, action or injected script in any job can then modify the
    /// repository. Least privilege for automated identities is evidence for A.8.2 (privileged
    /// access rights) and A.5.15 (access control); an auditor expects the default to be
    /// read-only, with write granted per job where it is needed.
    ///
    /// ## Example
    /// Organisation `acme` has "Workflow permissions: Read and write permissions" selected.
    ///
    /// ## Fix
    /// Settings → Actions → General → Workflow permissions: choose "Read repository contents and
    /// packages permissions" at the organisation (repositories then cannot choose write), and
    /// give jobs that must write an explicit `permissions:` block.
    pub struct DefaultTokenWrite {
        id: DefaultTokenWrite,
        summary: "workflows get a read-write GITHUB_TOKEN by default",
        severity: Medium,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A8_2, A5_15],
    }
}

const POINTER: &str = "/default_workflow_permissions";

/// Judge one level's workflow permissions; `whose` names the organisation or repository.
fn judge(out: &mut Sink, host: &str, res: &str, whose: &str, known: &Known<WorkflowPermissions>) {
    let (wp, src) = match known {
        Known::Yes(wp, src) => (wp, src),
        unknown => {
            out.api_unknown(
                host,
                res,
                POINTER,
                &format!("the default GITHUB_TOKEN permission of {whose}"),
                unknown,
            );
            return;
        }
    };
    let approve = if wp.can_approve_pull_request_reviews == Some(true) {
        "; the token may also approve pull requests"
    } else {
        ""
    };
    let (outcome, message) = match wp.default_workflow_permissions.as_deref() {
        Some("write") => (
            Outcome::Fail,
            format!(
                "workflows in {whose} get a read-write GITHUB_TOKEN unless a job declares `permissions:`{approve}"
            ),
        ),
        Some("read") => (
            Outcome::Pass,
            format!("workflows in {whose} get a read-only GITHUB_TOKEN by default{approve}"),
        ),
        Some(other) => (
            Outcome::Unknown,
            format!(
                "cannot tell the default GITHUB_TOKEN permission of {whose}: unrecognised value `{other}`"
            ),
        ),
        None => (
            Outcome::Unknown,
            format!(
                "cannot tell the default GITHUB_TOKEN permission of {whose}: the answer has no `default_workflow_permissions`"
            ),
        ),
    };
    out.api(host, res, POINTER, outcome, message, &[src]);
}

impl Check for DefaultTokenWrite {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_org(&self, cx: &GithubOrgCx<'_>, out: &mut Sink) {
        let whose = format!("organisation `{}`", cx.org.login);
        judge(
            out,
            cx.host,
            &cx.resource(),
            &whose,
            &cx.org.workflow_permissions,
        );
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        // Judged on the repository's own answer: that is the setting its workflows run with.
        let whose = format!("`{}`", cx.repo.full_name);
        judge(
            out,
            cx.host,
            &cx.resource(),
            &whose,
            &cx.repo.workflow_permissions,
        );
    }
}
