use annexa_model::{Outcome, Platform};
use annexa_platform::Known;

use crate::check::{Check, GithubOrgCx, GitlabGroupCx, GitlabProjectCx, Sink, check};

check! {
    /// ## What it does
    /// Checks that the organisation (GitHub) or top-level group (GitLab) requires two-factor
    /// authentication of all its members.
    ///
    /// ## Why is this bad?
    /// A password alone protects the accounts that can change code, approve changes and deploy.
    /// A.8.5 (secure authentication) expects strong authentication for access to source code and
    /// production tooling; a leaked password is then enough to push to production.
    ///
    /// ## Example
    /// `GET /orgs/acme` answers `"two_factor_requirement_enabled": false`.
    ///
    /// ## Fix
    /// Organisation settings → Authentication security → Require two-factor authentication (GitLab:
    /// group settings → Require all users in this group to set up two-factor authentication).
    pub struct Org2faNotRequired {
        id: Org2faNotRequired,
        summary: "the organisation does not require two-factor authentication",
        severity: High,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform, Platform::GitlabPlatform],
        controls: [A8_5, A5_17],
    }
}

impl Check for Org2faNotRequired {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_org(&self, cx: &GithubOrgCx<'_>, out: &mut Sink) {
        let res = cx.resource();
        let pointer = "/two_factor_requirement_enabled";
        match &cx.org.info {
            Known::Yes(info, src) => match info.two_factor_requirement_enabled {
                Some(true) => {
                    out.api(
                        cx.host,
                        &res,
                        pointer,
                        Outcome::Pass,
                        format!(
                            "`{}` requires two-factor authentication of every member",
                            cx.org.login
                        ),
                        &[src],
                    );
                }
                Some(false) => {
                    out.api(
                        cx.host,
                        &res,
                        pointer,
                        Outcome::Fail,
                        format!(
                            "`{}` does not require two-factor authentication",
                            cx.org.login
                        ),
                        &[src],
                    );
                }
                // GitHub only shows the setting to organisation owners.
                None => {
                    out.api(cx.host, &res, pointer, Outcome::Unknown, format!("`{}`: the answer has no `two_factor_requirement_enabled` (GitHub shows it to organisation owners only)", cx.org.login), &[src]);
                }
            },
            unknown => {
                out.api_unknown(
                    cx.host,
                    &res,
                    pointer,
                    "whether two-factor authentication is required",
                    unknown,
                );
            }
        }
    }

    fn gitlab_group(&self, cx: &GitlabGroupCx<'_>, out: &mut Sink) {
        super::gitlab::org_2fa_not_required_group(cx, out);
    }

    fn gitlab_project(&self, cx: &GitlabProjectCx<'_>, out: &mut Sink) {
        super::gitlab::org_2fa_not_required_project(cx, out);
    }
}
