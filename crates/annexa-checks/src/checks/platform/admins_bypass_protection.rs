use annexa_model::{Outcome, Platform};
use annexa_platform::{Source, Tri};

use crate::check::{Check, GithubRepoCx, Sink, check};

check! {
    /// ## What it does
    /// Checks whether repository or organisation administrators can merge or push to the default
    /// branch around its protection: classic protection with `enforce_admins` off, or a ruleset whose
    /// bypass list has organisation admins or the repository admin role (`always`: around pull
    /// requests; `pull_request`: merging without the required reviews).
    ///
    /// ## Why is this bad?
    /// Administrators are the accounts most worth stealing; if they can skip review, one compromised
    /// admin account changes production unreviewed. Privileged access (A.8.2) must not switch off the
    /// change process (A.8.32) or segregation of duties (A.5.3). An admin merge leaves a trail, but
    /// no approval.
    ///
    /// ## Example
    /// An organisation ruleset whose bypass actors include `OrganizationAdmin` with
    /// `bypass_mode: always`.
    ///
    /// ## Fix
    /// Turn on "Do not allow bypassing the above settings" / "Include administrators" and remove
    /// administrators from rulesets' bypass lists. `pull_request` bypass mode is not a fix: it
    /// still lets them merge a pull request without the required reviews. Where an emergency
    /// path is needed, record it as a risk acceptance with an owner and an expiry.
    pub struct AdminsBypassProtection {
        id: AdminsBypassProtection,
        summary: "administrators can merge or push around branch protection",
        severity: Medium,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A8_2, A8_32, A5_3],
    }
}

impl Check for AdminsBypassProtection {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let e = cx.effective;
        let Some(branch) = &e.branch else { return };
        let evidence: Vec<&Source> = e.sources.iter().collect();
        let res = cx.resource();
        let pointer = "/default_branch/admin_bypass";
        if super::support::nothing_to_bypass(cx, out, pointer) {
            return;
        }
        let admins: Vec<String> = e
            .bypasses
            .iter()
            .filter(|b| b.admins)
            .map(|b| format!("{} via {}", b.who, b.via))
            .collect();
        let (outcome, message) = match &e.admins_enforced {
            Tri::Yes => (
                Outcome::Pass,
                format!("`{branch}`: administrators are held to the same rules"),
            ),
            Tri::No => (
                Outcome::Fail,
                format!(
                    "`{branch}`: administrators can bypass the protection: {}",
                    admins.join("; ")
                ),
            ),
            Tri::Unknown(why) => (
                Outcome::Unknown,
                format!("`{branch}`: cannot tell whether administrators can bypass: {why}"),
            ),
        };
        out.api(cx.host, &res, pointer, outcome, message, &evidence);
    }
}
