use annexa_model::{Outcome, Platform};
use annexa_platform::Tri;

use crate::check::{Check, GithubRepoCx, GitlabProjectCx, RepoCx, Sink, check};

check! {
    /// ## What it does
    /// Checks that the default branch is protected against direct pushes, force pushes and
    /// deletion, and that merges need an approving review — by classic branch protection,
    /// rulesets, or GitLab protected branches.
    ///
    /// ## Why is this bad?
    /// Without protection, anyone with write access can change production code and pipeline
    /// definitions with no review and no record of approval: change management and segregation
    /// of duties exist only on paper.
    ///
    /// Branch protection lives in the platform, not in any file. Without platform state this
    /// check is always `unknown` — it never guesses from files, and it never counts as a pass.
    /// With a snapshot (`--snapshot`), GitHub's *effective* protection is judged: classic branch
    /// protection, repository rulesets and organisation rulesets combined, so a branch protected
    /// only by a ruleset passes. On GitLab the default branch must be a protected branch whose
    /// push access is limited to Maintainers or no one.
    ///
    /// ## Example
    /// A repository whose default branch accepts direct pushes.
    ///
    /// ## Fix
    /// Protect the default branch (or add a ruleset) requiring a pull request with at least one
    /// approval, dismissing stale approvals, and blocking force pushes and deletion.
    pub struct UnprotectedDefaultBranch {
        id: UnprotectedDefaultBranch,
        summary: "default branch not protected",
        severity: High,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform, Platform::GitlabPlatform],
        controls: [A8_32, A8_4, A5_3],
    }
}

impl Check for UnprotectedDefaultBranch {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn repository(&self, cx: &RepoCx<'_>, out: &mut Sink) {
        if cx.platform_covered {
            return;
        }
        out.repo(
            cx,
            Outcome::Unknown,
            "branch protection is platform state and no platform snapshot was given; the repository's files cannot show it",
            Vec::new(),
        );
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let e = cx.effective;
        let res = cx.resource();
        let Some(branch) = &e.branch else {
            out.api_unknown(
                cx.host,
                &res,
                "/default_branch/protection",
                "the default branch",
                &cx.repo.info,
            );
            return;
        };
        let pointer = "/default_branch/protection";
        let evidence: Vec<_> = e.sources.iter().collect();
        match &e.pull_request {
            Tri::Yes => {
                out.api(
                    cx.host,
                    &res,
                    pointer,
                    Outcome::Pass,
                    format!("`{branch}` requires a pull request before merging"),
                    &evidence,
                );
            }
            Tri::No => {
                out.api(cx.host, &res, pointer, Outcome::Fail, format!("`{branch}` accepts changes without a pull request: no classic protection or ruleset requires one"), &evidence);
            }
            Tri::Unknown(why) => {
                out.api(
                    cx.host,
                    &res,
                    pointer,
                    Outcome::Unknown,
                    format!(
                        "cannot tell whether `{branch}` requires a pull request: {why} ({})",
                        e.gaps.join("; ")
                    ),
                    &evidence,
                );
            }
        }
    }

    fn gitlab_project(&self, cx: &GitlabProjectCx<'_>, out: &mut Sink) {
        super::platform::gitlab::unprotected_default_branch_project(cx, out);
    }
}
