use annexa_model::{Outcome, Platform};

use crate::check::{Check, RepoCx, Sink, check};

check! {
    /// ## What it does
    /// Checks dependency-update configuration for two supply-chain risks: Dependabot entries
    /// that let package-manager code run during updates (`insecure-external-code-execution:
    /// allow`), and updates that are proposed the moment a release appears (no Dependabot
    /// `cooldown`, no Renovate `minimumReleaseAge`).
    ///
    /// ## Why is this bad?
    /// Malicious releases are usually found and pulled within days. An update bot without a
    /// cooldown proposes them within hours, and a green pipeline invites a merge; letting the
    /// package manager execute code during the update runs the malicious release with the
    /// bot's credentials before anyone reviews anything.
    ///
    /// ## Example
    /// ```yaml
    /// updates:
    ///   - package-ecosystem: npm
    ///     directory: /
    ///     schedule: {interval: daily}
    ///     insecure-external-code-execution: allow
    /// ```
    ///
    /// ## Fix
    /// Remove `insecure-external-code-execution: allow`, and add a cooldown
    /// (`cooldown: {default-days: 7}`, or Renovate `minimumReleaseAge: "7 days"`).
    pub struct DependencyUpdateRisks {
        id: DependencyUpdateRisks,
        summary: "dependency updates without a cooldown or with code execution",
        severity: Low,
        confidence: High,
        scope: Repository,
        platforms: &[Platform::Repository],
        controls: [A5_21, A8_8],
    }
}

impl Check for DependencyUpdateRisks {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn repository(&self, cx: &RepoCx<'_>, out: &mut Sink) {
        let active: Vec<_> = cx.updates.iter().filter(|u| !u.parsed.disabled).collect();
        if active.is_empty() {
            out.repo(
                cx,
                Outcome::NotRelevant,
                "no active dependency-update configuration",
                Vec::new(),
            );
            return;
        }
        for u in active {
            for site in &u.parsed.code_execution {
                out.at(
                    u.file,
                    site,
                    Outcome::Fail,
                    format!(
                        "{} lets package-manager code run during updates",
                        u.parsed.tool
                    ),
                );
            }
            if u.parsed.cooldown {
                out.at(
                    u.file,
                    &u.parsed.site,
                    Outcome::Pass,
                    format!("{} waits before proposing new releases", u.parsed.tool),
                );
            } else {
                out.at(
                    u.file,
                    &u.parsed.site,
                    Outcome::Fail,
                    format!(
                        "{} proposes new releases immediately (no cooldown)",
                        u.parsed.tool
                    ),
                );
            }
        }
    }
}
