use annexa_model::{Outcome, Platform};

use crate::check::{Check, RepoCx, Sink, check};

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
        scope: Repository,
        platforms: &[Platform::GithubPlatform, Platform::GitlabPlatform],
        controls: [A8_32, A8_4, A5_3],
    }
}

impl Check for UnprotectedDefaultBranch {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn repository(&self, cx: &RepoCx<'_>, out: &mut Sink) {
        out.repo(
            cx,
            Outcome::Unknown,
            "branch protection is platform state and no platform snapshot was given; the repository's files cannot show it",
            Vec::new(),
        );
    }
}
