use annexa_model::Platform;

use super::support::branch_property;
use crate::check::{Check, GithubRepoCx, GitlabGroupCx, GitlabProjectCx, Sink, check};

check! {
    /// ## What it does
    /// Checks that the default branch requires review by the code owners of the changed files
    /// (GitHub `require_code_owner_reviews`; GitLab protected-branch `code_owner_approval_required`).
    ///
    /// ## Why is this bad?
    /// CODEOWNERS names who is accountable for pipelines and sensitive code; unless their review is
    /// required, any other approver will do, and a change to the deployment workflow can be approved
    /// by someone who does not own it (A.8.4 access to source code, A.8.32).
    ///
    /// ## Example
    /// A CODEOWNERS file assigning `.github/workflows/` to the platform team, and a branch rule that
    /// does not require code-owner review.
    ///
    /// ## Fix
    /// Require review from code owners in branch protection or the ruleset (GitLab Premium:
    /// "Code owner approval" on the protected branch).
    pub struct CodeOwnerReviewNotRequired {
        id: CodeOwnerReviewNotRequired,
        summary: "code owners' review is not required on the default branch",
        severity: Low,
        confidence: Medium,
        scope: Platform,
        platforms: &[Platform::GithubPlatform, Platform::GitlabPlatform],
        controls: [A8_32, A8_4],
    }
}

impl Check for CodeOwnerReviewNotRequired {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let value = cx.effective.code_owner_review.clone();
        branch_property(
            cx,
            out,
            "/default_branch/require_code_owner_reviews",
            &value,
            "changes need a review by their code owners",
            "code owners' review is not required: CODEOWNERS names owners nobody has to hear",
        );
    }

    fn gitlab_group(&self, cx: &GitlabGroupCx<'_>, out: &mut Sink) {
        super::gitlab::code_owner_review_not_required_group(cx, out);
    }

    fn gitlab_project(&self, cx: &GitlabProjectCx<'_>, out: &mut Sink) {
        super::gitlab::code_owner_review_not_required_project(cx, out);
    }
}
