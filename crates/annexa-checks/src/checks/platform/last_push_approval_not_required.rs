use annexa_model::Platform;

use super::support::branch_property;
use crate::check::{Check, GithubRepoCx, Sink, check};

check! {
    /// ## What it does
    /// Checks that the most recent push to a pull request must be approved by someone other than
    /// the person who pushed it (`require_last_push_approval`).
    ///
    /// ## Why is this bad?
    /// Without it, a reviewer can approve, and then the author — or anyone with push access to the
    /// branch — pushes one more commit and merges their own unreviewed change (A.5.3, A.8.32).
    ///
    /// ## Example
    /// A ruleset with `require_last_push_approval: false`.
    ///
    /// ## Fix
    /// Enable "Require approval of the most recent reviewable push".
    pub struct LastPushApprovalNotRequired {
        id: LastPushApprovalNotRequired,
        summary: "the last pusher can approve their own final changes",
        severity: Medium,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A8_32, A5_3],
    }
}

impl Check for LastPushApprovalNotRequired {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let value = cx.effective.last_push_approval.clone();
        branch_property(
            cx,
            out,
            "/default_branch/require_last_push_approval",
            &value,
            "the most recent push must be approved by someone other than its pusher",
            "whoever pushes last can merge without anyone approving that push",
        );
    }
}
