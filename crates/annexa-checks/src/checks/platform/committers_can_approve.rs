use annexa_model::Platform;

use crate::check::{Check, GitlabProjectCx, Sink, check};

check! {
    /// ## What it does
    /// Checks the project's merge request approval settings:
    /// `merge_requests_disable_committers_approval` must be on, so anyone who pushed a commit
    /// to a merge request cannot approve it.
    ///
    /// ## Why is this bad?
    /// Preventing the author's approval is not enough when a second person can add commits
    /// and then approve the result: their own code goes in with only their own approval. ISO
    /// 27001 A.5.3 (segregation of duties) and A.8.32 (change management) expect every line of
    /// a change to be reviewed by someone who did not write it.
    ///
    /// ## Example
    /// `GET /projects/acme%2Fapp/approvals` answers
    /// `"merge_requests_disable_committers_approval": false`.
    ///
    /// ## Fix
    /// Settings → Merge requests → Approval settings: tick "Prevent approvals by users who add
    /// commits".
    pub struct CommittersCanApprove {
        id: CommittersCanApprove,
        summary: "committers can approve merge requests they contributed to",
        severity: Medium,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GitlabPlatform],
        controls: [A5_3, A8_32],
    }
}

impl Check for CommittersCanApprove {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn gitlab_project(&self, cx: &GitlabProjectCx<'_>, out: &mut Sink) {
        super::gitlab::approval_setting(
            cx,
            out,
            "whether committers may approve merge requests they added commits to",
            |a| a.merge_requests_disable_committers_approval,
            |_, prevented| {
                if prevented {
                    "people who add commits to a merge request cannot approve it".to_owned()
                } else {
                    "people who add commits to a merge request may still approve it (`merge_requests_disable_committers_approval` false)".to_owned()
                }
            },
            true,
        );
    }
}
