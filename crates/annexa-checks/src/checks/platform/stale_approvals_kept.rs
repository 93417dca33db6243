use annexa_model::Platform;

use super::support::branch_property;
use crate::check::{Check, GithubRepoCx, GitlabGroupCx, GitlabProjectCx, Sink, check};

check! {
    /// ## What it does
    /// Checks that approvals of a pull or merge request are dismissed when new commits are pushed
    /// (GitHub: `dismiss_stale_reviews` in classic protection or `dismiss_stale_reviews_on_push` in a
    /// ruleset; GitLab: `reset_approvals_on_push`).
    ///
    /// ## Why is this bad?
    /// An approval that survives later pushes approves code nobody reviewed: the author can push
    /// anything after the approval and merge. The review record then says a change was approved that
    /// was not (A.8.32 change management, A.5.3 segregation of duties).
    ///
    /// ## Example
    /// A ruleset requiring one approval with `dismiss_stale_reviews_on_push: false`.
    ///
    /// ## Fix
    /// Turn on "Dismiss stale pull request approvals when new commits are pushed" (GitHub) or
    /// "Reset approvals on push" (GitLab).
    pub struct StaleApprovalsKept {
        id: StaleApprovalsKept,
        summary: "approvals survive new commits pushed after them",
        severity: Medium,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform, Platform::GitlabPlatform],
        controls: [A8_32, A5_3],
    }
}

impl Check for StaleApprovalsKept {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let value = cx.effective.dismiss_stale.clone();
        branch_property(
            cx,
            out,
            "/default_branch/dismiss_stale_reviews",
            &value,
            "approvals are dismissed when new commits are pushed",
            "approvals stay valid after new commits are pushed: code can change after it was approved",
        );
    }

    fn gitlab_group(&self, cx: &GitlabGroupCx<'_>, out: &mut Sink) {
        super::gitlab::stale_approvals_kept_group(cx, out);
    }

    fn gitlab_project(&self, cx: &GitlabProjectCx<'_>, out: &mut Sink) {
        super::gitlab::stale_approvals_kept_project(cx, out);
    }
}
