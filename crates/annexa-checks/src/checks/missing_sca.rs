use annexa_model::Platform;
use annexa_model::pipeline::ToolCategory;

use super::presence::{Where, presence};
use crate::check::{Check, RepoCx, Sink, check};

check! {
    /// ## What it does
    /// Looks across a repository's pipelines for software composition analysis or dependency
    /// review (dependency-review-action, OSV-Scanner, Trivy, Grype, Snyk, cargo-audit,
    /// cargo-deny, pip-audit, npm audit, govulncheck) that runs on pull requests or on a
    /// schedule. A pass points at the step that runs it.
    ///
    /// ## Why is this bad?
    /// Most of the code a build ships is other people's. Without dependency scanning, known
    /// vulnerabilities in dependencies go unnoticed until somebody exploits them; technical
    /// vulnerability management needs them found, and found continuously.
    ///
    /// Dependabot alerts and GitHub's dependency graph are platform features, not files; a
    /// repository that relies on them fails here until a platform snapshot shows them.
    ///
    /// ## Example
    /// A repository whose workflows build and test, with no dependency scanning step.
    ///
    /// ## Fix
    /// ```yaml
    /// on: pull_request
    /// jobs:
    ///   dependency-review:
    ///     runs-on: ubuntu-latest
    ///     steps:
    ///       - uses: actions/checkout@<sha>
    ///       - uses: actions/dependency-review-action@<sha>
    /// ```
    pub struct MissingSca {
        id: MissingSca,
        summary: "no dependency scanning on pull requests or on a schedule",
        severity: Medium,
        confidence: Medium,
        scope: Repository,
        platforms: Platform::CI,
        controls: [A8_8, A5_21],
    }
}

impl Check for MissingSca {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn repository(&self, cx: &RepoCx<'_>, out: &mut Sink) {
        presence(cx, out, ToolCategory::Sca, Where::PullRequestsOrSchedule);
    }
}
