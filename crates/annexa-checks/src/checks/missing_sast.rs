use annexa_model::pipeline::{Event, ToolCategory};
use annexa_model::{Outcome, Platform};

use crate::check::{Check, RepoCx, Sink, check, labelled};

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
        if cx.pipelines.is_empty() {
            out.repo(
                cx,
                Outcome::NotRelevant,
                "no pipelines in the repository",
                Vec::new(),
            );
            return;
        }
        let mut on_pr = Vec::new();
        let mut elsewhere = Vec::new();
        for (file, p) in &cx.pipelines {
            let pr = p
                .triggers
                .iter()
                .find(|t| matches!(t.event, Event::PullRequest | Event::PullRequestTarget));
            for (_, step) in p.steps() {
                let Some(tool) = step.tools.iter().find(|t| t.category == ToolCategory::Sast)
                else {
                    continue;
                };
                match pr {
                    Some(t) => on_pr.push((file, step, tool.name, t.name.clone())),
                    None => elsewhere.push((file, step, tool.name)),
                }
            }
        }
        if on_pr.is_empty() {
            let msg = if elsewhere.is_empty() {
                "no pipeline runs SAST".to_owned()
            } else {
                format!(
                    "SAST ({}) runs, but not on pull requests",
                    elsewhere.iter().map(|e| e.2).collect::<Vec<_>>().join(", ")
                )
            };
            let locs = elsewhere
                .iter()
                .map(|(f, s, n)| {
                    labelled(
                        f.location(&s.site),
                        format!("{n} runs here, not on pull requests"),
                    )
                })
                .collect();
            out.repo(cx, Outcome::Fail, msg, locs);
            return;
        }
        let (file, step, name, event) = &on_pr[0];
        let mut locs = vec![file.location(&step.site)];
        locs.extend(
            on_pr[1..]
                .iter()
                .map(|(f, s, n, _)| labelled(f.location(&s.site), format!("{n} also runs here"))),
        );
        out.repo(
            cx,
            Outcome::Pass,
            format!("{name} runs on {event} in {}", file.path),
            locs,
        );
    }
}
