use annexa_model::{Outcome, Platform};

use crate::check::{Check, RepoCx, Sink, check};

check! {
    /// ## What it does
    /// In repositories with GitHub Actions workflows and a dependency-update configuration,
    /// checks that the configuration updates GitHub Actions too (Dependabot's
    /// `github-actions` ecosystem; Renovate's `github-actions` manager, on unless
    /// `enabledManagers` leaves it out or it is disabled).
    ///
    /// ## Why is this bad?
    /// Pinning actions to commit SHAs is only safe when something keeps the pins current:
    /// otherwise the pipeline keeps running old versions with known vulnerabilities, and
    /// pinning turns into rot. The update bot is what makes SHA pinning sustainable.
    ///
    /// ## Example
    /// ```yaml
    /// version: 2
    /// updates:
    ///   - package-ecosystem: npm
    ///     directory: /
    ///     schedule: {interval: weekly}
    /// ```
    ///
    /// ## Fix
    /// Add an entry for `github-actions` (directory `/`).
    pub struct DependencyUpdatesSkipActions {
        id: DependencyUpdatesSkipActions,
        summary: "dependency updates leave GitHub Actions out",
        severity: Low,
        confidence: High,
        scope: Repository,
        platforms: &[Platform::Repository],
        controls: [A8_8, A5_21],
    }
}

impl Check for DependencyUpdatesSkipActions {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn repository(&self, cx: &RepoCx<'_>, out: &mut Sink) {
        let has_workflows = cx.pipelines.iter().any(|(_, p)| {
            p.platform == Platform::GithubActions
                && p.kind != annexa_model::pipeline::PipelineKind::Action
        });
        if !has_workflows || cx.updates.is_empty() {
            out.repo(
                cx,
                Outcome::NotRelevant,
                "no GitHub Actions workflows, or no update configuration",
                Vec::new(),
            );
            return;
        }
        let active: Vec<_> = cx.updates.iter().filter(|u| !u.parsed.disabled).collect();
        let locations = active
            .iter()
            .map(|u| u.file.location(&u.parsed.site))
            .collect();
        match active.iter().find(|u| u.parsed.covers_actions) {
            Some(u) => out.repo(
                cx,
                Outcome::Pass,
                format!(
                    "{} in {} updates GitHub Actions",
                    u.parsed.tool, u.file.path
                ),
                locations,
            ),
            None if active.is_empty() => out.repo(
                cx,
                Outcome::NotRelevant,
                "every update configuration is disabled",
                Vec::new(),
            ),
            None => out.repo(
                cx,
                Outcome::Fail,
                "no active update configuration updates GitHub Actions",
                locations,
            ),
        };
    }
}
