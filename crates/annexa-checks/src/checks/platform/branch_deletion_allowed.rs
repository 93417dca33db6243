use annexa_model::Platform;

use super::support::branch_property;
use crate::check::{Check, GithubRepoCx, Sink, check};

check! {
    /// ## What it does
    /// Checks that the default branch cannot be deleted (classic protection without
    /// `allow_deletions`, or a `deletion` ruleset rule).
    ///
    /// ## Why is this bad?
    /// Deleting the default branch removes the production code line and its protection in one step;
    /// recreating it starts without the history the change record points at (A.8.32, A.8.4).
    ///
    /// ## Example
    /// A repository whose only protection is a ruleset without the `deletion` rule and no classic
    /// protection.
    ///
    /// ## Fix
    /// Enable "Restrict deletions" in the ruleset or keep classic protection's default.
    pub struct BranchDeletionAllowed {
        id: BranchDeletionAllowed,
        summary: "the default branch can be deleted",
        severity: Medium,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A8_32, A8_4],
    }
}

impl Check for BranchDeletionAllowed {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let value = cx.effective.deletion_blocked.clone();
        branch_property(
            cx,
            out,
            "/default_branch/deletion",
            &value,
            "the branch cannot be deleted",
            "the branch can be deleted by anyone with write access",
        );
    }
}
