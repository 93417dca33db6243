use annexa_model::{Outcome, Platform};
use annexa_platform::Source;

use crate::check::{Check, GithubRepoCx, GitlabGroupCx, GitlabProjectCx, Sink, check};

check! {
    /// ## What it does
    /// Checks that merging into the default branch needs at least one approving review by someone
    /// other than the author — from classic protection, repository and organisation rulesets combined
    /// (the highest count wins), or GitLab approval rules.
    ///
    /// ## Why is this bad?
    /// A pull request nobody has to approve is a change nobody reviewed: the record shows a merge,
    /// not an independent decision. ISO/IEC 27001 A.8.32 expects changes to be reviewed and approved,
    /// and A.5.3 that the author is not the only person involved.
    ///
    /// ## Example
    /// A ruleset with `required_approving_review_count: 0`, or a pull-request requirement with no
    /// approvals.
    ///
    /// ## Fix
    /// Require at least one approving review (two for repositories that deploy to production).
    pub struct InsufficientRequiredApprovals {
        id: InsufficientRequiredApprovals,
        summary: "merges into the default branch need no approving review",
        severity: High,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform, Platform::GitlabPlatform],
        controls: [A8_32, A5_3, A8_4],
    }
}

impl Check for InsufficientRequiredApprovals {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let e = cx.effective;
        let Some(branch) = &e.branch else { return };
        let evidence: Vec<&Source> = e.sources.iter().collect();
        let res = cx.resource();
        let pointer = "/default_branch/required_approving_review_count";
        match e.approvals {
            Some(n) if n >= 1 => {
                out.api(
                    cx.host,
                    &res,
                    pointer,
                    Outcome::Pass,
                    format!("`{branch}`: merges need {n} approving review(s)"),
                    &evidence,
                );
            }
            Some(_) => {
                out.api(cx.host, &res, pointer, Outcome::Fail, format!("`{branch}`: merges need no approving review (no classic protection or ruleset requires one)"), &evidence);
            }
            None => {
                out.api(
                    cx.host,
                    &res,
                    pointer,
                    Outcome::Unknown,
                    format!(
                        "`{branch}`: cannot tell how many approvals are required ({})",
                        e.gaps.join("; ")
                    ),
                    &evidence,
                );
            }
        }
    }

    fn gitlab_group(&self, cx: &GitlabGroupCx<'_>, out: &mut Sink) {
        super::gitlab::insufficient_required_approvals_group(cx, out);
    }

    fn gitlab_project(&self, cx: &GitlabProjectCx<'_>, out: &mut Sink) {
        super::gitlab::insufficient_required_approvals_project(cx, out);
    }
}
