use annexa_model::Platform;
use annexa_model::pipeline::ToolCategory;

use super::presence::{Where, presence};
use crate::check::{Check, RepoCx, Sink, check};

check! {
    /// ## What it does
    /// Looks across all of a repository's pipelines for static application security testing
    /// (CodeQL, Semgrep, SonarQube/SonarCloud, Bandit, gosec, Brakeman, zizmor, ...) that runs
    /// on pull requests. A pass points at the step that runs it.
    ///
    /// ## Why is this bad?
    /// Security testing belongs in the development process, before a change is merged
    /// (secure development life cycle, security testing in development and acceptance). A
    /// scan that runs only after merge, or on a schedule, finds problems once they are on the
    /// default branch.
    ///
    /// GitHub code scanning "default setup" is configured in the platform, not in a file; a
    /// repository that relies on it fails here until a platform snapshot shows it.
    ///
    /// ## Example
    /// A repository whose only workflow builds and tests, with no SAST step.
    ///
    /// ## Fix
    /// ```yaml
    /// on: [pull_request]
    /// jobs:
    ///   codeql:
    ///     runs-on: ubuntu-latest
    ///     permissions:
    ///       security-events: write
    ///     steps:
    ///       - uses: actions/checkout@<sha>
    ///       - uses: github/codeql-action/init@<sha>
    ///       - uses: github/codeql-action/analyze@<sha>
    /// ```
    pub struct MissingSast {
        id: MissingSast,
        summary: "no SAST runs on pull requests",
        severity: Medium,
        confidence: Medium,
        scope: Repository,
        platforms: Platform::CI,
        controls: [A8_29, A8_28, A8_25],
    }
}

impl Check for MissingSast {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn repository(&self, cx: &RepoCx<'_>, out: &mut Sink) {
        presence(cx, out, ToolCategory::Sast, Where::PullRequests);
    }
}
