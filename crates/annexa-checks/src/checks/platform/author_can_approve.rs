use annexa_model::Platform;

use crate::check::{Check, GitlabProjectCx, Sink, check};

check! {
    /// ## What it does
    /// Checks the project's merge request approval settings: `merge_requests_author_approval`
    /// must be off, so the author of a merge request cannot count as one of its approvers.
    ///
    /// ## Why is this bad?
    /// If authors may approve their own merge requests, a required approval can be satisfied
    /// by the person who wrote the change: the review exists on paper only. That breaks the
    /// segregation of duties ISO 27001 A.5.3 asks for and the independent review of changes in
    /// A.8.32; an auditor sampling merged changes cannot rely on "approved" meaning "reviewed
    /// by someone else".
    ///
    /// ## Example
    /// `GET /projects/acme%2Fapp/approvals` answers `"merge_requests_author_approval": true`.
    ///
    /// ## Fix
    /// Settings → Merge requests → Approval settings: tick "Prevent approval by merge request
    /// creator" (or enforce it for every project from the group or instance settings).
    pub struct AuthorCanApprove {
        id: AuthorCanApprove,
        summary: "merge request authors can approve their own changes",
        severity: High,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GitlabPlatform],
        controls: [A5_3, A8_32],
    }
}

impl Check for AuthorCanApprove {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn gitlab_project(&self, cx: &GitlabProjectCx<'_>, out: &mut Sink) {
        super::gitlab::approval_setting(
            cx,
            out,
            "whether authors may approve their own merge requests",
            |a| a.merge_requests_author_approval,
            |_, allowed| {
                if allowed {
                    "authors may approve their own merge requests (`merge_requests_author_approval`)".to_owned()
                } else {
                    "authors cannot approve their own merge requests".to_owned()
                }
            },
            false,
        );
    }
}
