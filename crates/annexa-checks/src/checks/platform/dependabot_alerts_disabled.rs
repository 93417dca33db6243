use annexa_model::{Outcome, Platform};
use annexa_platform::Known;

use crate::check::{Check, GithubRepoCx, Sink, check};

check! {
    /// ## What it does
    /// Reads whether Dependabot alerts are on for the repository (`GET
    /// /repos/{o}/{r}/vulnerability-alerts`: `204` on, `404` "Vulnerability alerts are disabled"
    /// off) and fails where they are off. Any other error answer is `unknown`.
    ///
    /// ## Why is this bad?
    /// Dependabot alerts are how GitHub tells the team that a dependency in the manifest or lock
    /// file has a published vulnerability. Without them, known vulnerabilities are found only by
    /// someone who looks on their own, and there is no record of when the organisation learnt of
    /// one and how long it took to fix. Evidence for A.8.8 (management of technical
    /// vulnerabilities).
    ///
    /// ## Example
    /// `acme/app` answers `404 {"message": "Vulnerability alerts are disabled."}`.
    ///
    /// ## Fix
    /// Settings → Code security → Dependabot alerts: enable, best for the whole organisation
    /// (with "automatically enable for new repositories").
    pub struct DependabotAlertsDisabled {
        id: DependabotAlertsDisabled,
        summary: "Dependabot vulnerability alerts are off",
        severity: Medium,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A8_8],
    }
}

const POINTER: &str = "/dependabot_alerts";

impl Check for DependabotAlertsDisabled {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let res = cx.resource();
        let repo = &cx.repo.full_name;
        match &cx.repo.dependabot_alerts_enabled {
            Known::Yes(true, s) => {
                out.api(
                    cx.host,
                    &res,
                    POINTER,
                    Outcome::Pass,
                    format!("Dependabot alerts are on for `{repo}`"),
                    &[s],
                );
            }
            Known::Yes(false, s) => {
                out.api(
                    cx.host,
                    &res,
                    POINTER,
                    Outcome::Fail,
                    format!("Dependabot alerts are off for `{repo}`: nobody is told when a dependency has a known vulnerability"),
                    &[s],
                );
            }
            unknown => {
                out.api_unknown(
                    cx.host,
                    &res,
                    POINTER,
                    "whether Dependabot alerts are on",
                    unknown,
                );
            }
        }
    }
}
