use annexa_model::{Outcome, Platform};
use annexa_platform::Known;

use crate::check::{Check, GithubOrgCx, Sink, check};

check! {
    /// ## What it does
    /// Lists the organisation members GitHub reports as having no two-factor authentication
    /// (`GET /orgs/{org}/members?filter=2fa_disabled`): one `fail` per member, or one `pass` when
    /// the list is empty. Only organisation owners may read that list; when the token could not,
    /// the result is `unknown`, never a pass.
    ///
    /// ## Why is this bad?
    /// A member's password is then the only thing between an attacker and the organisation's
    /// code, pipelines and secrets. Evidence for A.8.5 (secure authentication) and A.5.17
    /// (authentication information): an auditor wants the named accounts that log in with a
    /// single factor, not only the organisation-wide setting, because the setting can be turned
    /// on after the fact and members may have been let in before it.
    ///
    /// ## Example
    /// `bob` is a member of `acme` and has not enabled two-factor authentication.
    ///
    /// ## Fix
    /// Ask the listed members to enable 2FA, or remove them; then turn on "Require two-factor
    /// authentication" for the organisation so GitHub removes anyone who disables it.
    pub struct MembersWithout2fa {
        id: MembersWithout2fa,
        summary: "organisation members without two-factor authentication",
        severity: High,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A8_5, A5_17],
    }
}

impl Check for MembersWithout2fa {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_org(&self, cx: &GithubOrgCx<'_>, out: &mut Sink) {
        let res = cx.resource();
        let org = &cx.org.login;
        let (list, src) = match &cx.org.members_without_2fa {
            Known::Yes(list, src) => (list, src),
            unknown => {
                // GitHub shows this list to organisation owners only: a 403 says nothing about
                // the members, so it stays unknown.
                out.api_unknown(
                    cx.host,
                    &res,
                    "/members",
                    "which members have no two-factor authentication (only organisation owners may list them)",
                    unknown,
                );
                return;
            }
        };
        if list.0.is_empty() {
            let counted = match &cx.org.members {
                Known::Yes(m, _) => format!(" (of {} members)", m.0.len()),
                Known::Unknown { .. } => String::new(),
            };
            out.api(
                cx.host,
                &res,
                "/members",
                Outcome::Pass,
                format!(
                    "GitHub lists no member of `{org}` without two-factor authentication{counted}"
                ),
                &[src],
            );
            return;
        }
        // Say so when the organisation does not require 2FA either: then nothing stops more
        // members from joining without it.
        let mut evidence = vec![src];
        let note = match &cx.org.info {
            Known::Yes(i, s) if i.two_factor_requirement_enabled == Some(false) => {
                evidence.push(s);
                "; the organisation does not require 2FA"
            }
            _ => "",
        };
        for u in &list.0 {
            out.api(
                cx.host,
                &res,
                &format!("/members/{}", u.login),
                Outcome::Fail,
                format!(
                    "`{}` is a member of `{org}` without two-factor authentication{note}",
                    u.login
                ),
                &evidence,
            );
        }
    }
}
