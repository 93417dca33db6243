use annexa_model::Platform;

use super::support::branch_property;
use crate::check::{Check, GithubRepoCx, GitlabGroupCx, GitlabProjectCx, Sink, check};

check! {
    /// ## What it does
    /// Checks that force pushes to the default branch are blocked (classic protection without
    /// `allow_force_pushes`, a `non_fast_forward` ruleset rule, or GitLab `allow_force_push: false`).
    ///
    /// ## Why is this bad?
    /// A force push rewrites history: the commits that were reviewed, scanned and deployed can be
    /// replaced, and the evidence of what was approved disappears with them (A.8.32, A.8.4).
    ///
    /// ## Example
    /// Classic protection with `allow_force_pushes: true`, or no protection at all.
    ///
    /// ## Fix
    /// Block force pushes (classic protection, a ruleset with "Block force pushes", GitLab
    /// "Allowed to force push" off).
    pub struct ForcePushAllowed {
        id: ForcePushAllowed,
        summary: "force pushes to the default branch are not blocked",
        severity: High,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform, Platform::GitlabPlatform],
        controls: [A8_32, A8_4],
    }
}

impl Check for ForcePushAllowed {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let value = cx.effective.force_push_blocked.clone();
        branch_property(
            cx,
            out,
            "/default_branch/force_push",
            &value,
            "force pushes are blocked",
            "force pushes are allowed: history (and the record of what was approved) can be rewritten",
        );
    }

    fn gitlab_group(&self, cx: &GitlabGroupCx<'_>, out: &mut Sink) {
        super::gitlab::force_push_allowed_group(cx, out);
    }

    fn gitlab_project(&self, cx: &GitlabProjectCx<'_>, out: &mut Sink) {
        super::gitlab::force_push_allowed_project(cx, out);
    }
}
