use annexa_model::{Outcome, Platform};
use annexa_platform::Source;

use crate::check::{Check, GithubRepoCx, Sink, check};

check! {
    /// ## What it does
    /// Lists who other than administrators can get changes onto the default branch around its
    /// rules: ruleset bypass actors (teams, GitHub Apps, deploy keys, custom roles) with `always`
    /// bypass, and classic protection's pull-request bypass allowances. Administrators are
    /// `admins-bypass-protection`'s business.
    ///
    /// ## Why is this bad?
    /// Every bypass actor is a path to production without review. Automation that needs to push
    /// (release bots) is a legitimate exception, but it must be a decision the organisation made and
    /// reviews — an auditor will ask for the list and the reason for each entry (A.8.32, A.5.3).
    ///
    /// ## Example
    /// An organisation ruleset with `{"actor_type": "Team", "actor_id": 234, "bypass_mode": "always"}`.
    ///
    /// ## Fix
    /// Remove bypass actors that do not need it, or give them `pull_request` mode; record the
    /// remaining ones as risk acceptances with an owner and expiry.
    pub struct ProtectionBypassActors {
        id: ProtectionBypassActors,
        summary: "teams, apps or roles can bypass the default branch's rules",
        severity: Medium,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A8_32, A5_3],
    }
}

impl Check for ProtectionBypassActors {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let e = cx.effective;
        let Some(branch) = &e.branch else { return };
        let evidence: Vec<&Source> = e.sources.iter().collect();
        let res = cx.resource();
        let pointer = "/default_branch/bypass_actors";
        if super::support::nothing_to_bypass(cx, out, pointer) {
            return;
        }
        let others: Vec<String> = e
            .bypasses
            .iter()
            .filter(|b| !b.admins)
            .map(|b| format!("{} via {}", b.who, b.via))
            .collect();
        if !others.is_empty() {
            out.api(
                cx.host,
                &res,
                pointer,
                Outcome::Fail,
                format!(
                    "`{branch}`: these can bypass the rules (around or on pull requests): {}",
                    others.join("; ")
                ),
                &evidence,
            );
        } else if !e.bypass_unknown.is_empty() {
            out.api(cx.host, &res, pointer, Outcome::Unknown, format!("`{branch}`: the bypass lists of {} could not be read (reading a ruleset's bypass actors needs admin access)", e.bypass_unknown.join(", ")), &evidence);
        } else if e.gaps.is_empty() {
            out.api(cx.host, &res, pointer, Outcome::Pass, format!("`{branch}`: no team, app, deploy key or role other than administrators can bypass the rules"), &evidence);
        } else {
            out.api(
                cx.host,
                &res,
                pointer,
                Outcome::Unknown,
                format!(
                    "`{branch}`: cannot tell who can bypass: {}",
                    e.gaps.join("; ")
                ),
                &evidence,
            );
        }
    }
}
