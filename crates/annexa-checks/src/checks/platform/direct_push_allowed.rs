use annexa_model::{Outcome, Platform};

use crate::check::{Check, GitlabProjectCx, Sink, check};

check! {
    /// ## What it does
    /// Checks who may push to a GitLab project's default branch without a merge request: the
    /// push access of the protected branch (and every wildcard protection matching it) must be
    /// "No one". Maintainers, named users, groups and deploy keys allowed to push are named in
    /// the finding; an unprotected default branch fails too (every Developer can push).
    ///
    /// ## Why is this bad?
    /// A direct push skips the merge request, and with it the approval, the pipeline gate and
    /// the record an auditor samples. ISO 27001 A.8.32 (change management) and A.5.3
    /// (segregation of duties) need every change to production code to pass a review by
    /// someone other than its author; A.8.4 (access to source code) limits who can write it.
    /// GitLab's default protection still lets Maintainers push, so the control is only as good
    /// as the trust in every Maintainer.
    ///
    /// ## Example
    /// `main` is protected with "Allowed to push: Maintainers" (access level 40), or with
    /// "Developers + Maintainers" (30).
    ///
    /// ## Fix
    /// Settings → Repository → Protected branches: set "Allowed to push and merge" for the
    /// default branch to "No one" and "Allowed to merge" to Maintainers (or a group). Give a
    /// release bot that must push a deploy key and accept it as a named exception.
    pub struct DirectPushAllowed {
        id: DirectPushAllowed,
        summary: "someone can push to the default branch without a merge request",
        severity: High,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GitlabPlatform],
        controls: [A8_32, A8_4, A5_3],
    }
}

impl Check for DirectPushAllowed {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn gitlab_project(&self, cx: &GitlabProjectCx<'_>, out: &mut Sink) {
        let Some(b) = super::gitlab::branch_rules(cx, out, "who may push to the default branch")
        else {
            return;
        };
        let pushers: Vec<_> = b
            .rules
            .iter()
            .flat_map(|r| &r.push_access_levels)
            .filter(|a| !a.is_no_one())
            .collect();
        let (outcome, msg) = if b.rules.is_empty() {
            (
                Outcome::Fail,
                format!(
                    "`{}` is not a protected branch: every Developer can push to it without a merge request",
                    b.branch
                ),
            )
        } else if pushers.is_empty() {
            (
                Outcome::Pass,
                format!(
                    "no one may push to `{}`: every change arrives through a merge request",
                    b.branch
                ),
            )
        } else {
            (
                Outcome::Fail,
                format!(
                    "{} may push to `{}` directly, without a merge request",
                    super::gitlab::who(pushers.iter().copied()),
                    b.branch
                ),
            )
        };
        out.api(cx.host, &b.resource, &b.pointer, outcome, msg, &b.evidence);
    }
}
