use annexa_model::{Outcome, Platform};

use crate::check::{Check, RepoCx, Sink, check};

check! {
    /// ## What it does
    /// Checks that the repository has automated dependency updates configured: Dependabot
    /// (`.github/dependabot.yml`) or Renovate (`renovate.json`, `.renovaterc`, ...), and that a
    /// Renovate configuration is not disabled.
    ///
    /// ## Why is this bad?
    /// Vulnerability fixes only help once they are installed. Without an update bot, updating
    /// dependencies — and the pinned actions and image digests other checks ask for — depends
    /// on somebody remembering, and known vulnerabilities stay in the product.
    ///
    /// Dependabot *security* updates can be switched on in the platform without a file; that
    /// is platform state.
    ///
    /// ## Example
    /// A repository with neither `.github/dependabot.yml` nor a Renovate configuration.
    ///
    /// ## Fix
    /// ```yaml
    /// # .github/dependabot.yml
    /// version: 2
    /// updates:
    ///   - package-ecosystem: github-actions
    ///     directory: /
    ///     schedule:
    ///       interval: weekly
    /// ```
    pub struct MissingDependencyUpdates {
        id: MissingDependencyUpdates,
        summary: "no automated dependency updates",
        severity: Medium,
        confidence: High,
        scope: Repository,
        platforms: &[Platform::Repository],
        controls: [A8_8, A5_21],
    }
}

impl Check for MissingDependencyUpdates {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn repository(&self, cx: &RepoCx<'_>, out: &mut Sink) {
        let active: Vec<_> = cx.updates.iter().filter(|u| !u.parsed.disabled).collect();
        if let Some(u) = active.first() {
            out.repo(
                cx,
                Outcome::Pass,
                format!("{} is configured in {}", u.parsed.tool, u.file.path),
                vec![u.file.location(&u.parsed.site)],
            );
        } else if let Some(u) = cx.updates.first() {
            out.repo(
                cx,
                Outcome::Fail,
                format!(
                    "{} in {} is disabled (`enabled: false`)",
                    u.parsed.tool, u.file.path
                ),
                vec![u.file.location(&u.parsed.site)],
            );
        } else {
            out.repo(
                cx,
                Outcome::Fail,
                "neither Dependabot nor Renovate is configured",
                Vec::new(),
            );
        }
    }
}
