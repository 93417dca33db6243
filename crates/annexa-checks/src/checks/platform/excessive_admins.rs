use annexa_model::{Outcome, Platform};
use annexa_platform::Known;

use crate::check::{Check, GithubOrgCx, GithubRepoCx, GitlabGroupCx, GitlabProjectCx, Sink, check};

check! {
    /// ## What it does
    /// Counts the accounts with administrative power — GitHub organisation owners and repository
    /// admins (directly, through teams or as owners), GitLab group Owners and project Maintainers and
    /// Owners including inherited membership — against the limits in `[platform]` (`max-org-admins`,
    /// `max-repo-admins`, default 3 each).
    ///
    /// ## Why is this bad?
    /// Administrators can change protection, secrets, runners and membership. Every extra one widens
    /// what a stolen account can do and what an access review must justify; A.8.2 expects privileged
    /// access to be restricted and A.5.15 that access follows need.
    ///
    /// ## Example
    /// An organisation with seven owners, or a repository where twelve people hold admin.
    ///
    /// ## Fix
    /// Reduce owners and admins to those who need them; give others maintain/write. If more are
    /// needed, raise the limit in `[platform]` so the decision is written down.
    pub struct ExcessiveAdmins {
        id: ExcessiveAdmins,
        summary: "more administrators than the organisation's limit",
        severity: Medium,
        confidence: Medium,
        scope: Platform,
        platforms: &[Platform::GithubPlatform, Platform::GitlabPlatform],
        controls: [A8_2, A5_15],
    }
}

impl Check for ExcessiveAdmins {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_org(&self, cx: &GithubOrgCx<'_>, out: &mut Sink) {
        let res = cx.resource();
        let max = cx.policy.max_org_admins;
        match &cx.org.admins {
            Known::Yes(list, src) => {
                let n = list.0.len();
                let names: Vec<&str> = list.0.iter().map(|u| u.login.as_str()).collect();
                let (outcome, verdict) = if n as u32 > max {
                    (Outcome::Fail, format!("more than the limit of {max}"))
                } else {
                    (Outcome::Pass, format!("within the limit of {max}"))
                };
                out.api(
                    cx.host,
                    &res,
                    "/owners",
                    outcome,
                    format!(
                        "`{}` has {n} owner(s), {verdict}: {}",
                        cx.org.login,
                        names.join(", ")
                    ),
                    &[src],
                );
            }
            unknown => {
                out.api_unknown(
                    cx.host,
                    &res,
                    "/owners",
                    "how many organisation owners there are",
                    unknown,
                );
            }
        }
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let res = cx.resource();
        let max = cx.policy.max_repo_admins;
        match &cx.repo.collaborators {
            Known::Yes(list, src) => {
                let admins: Vec<&str> = list
                    .0
                    .iter()
                    .filter(|u| {
                        u.permissions.as_ref().is_some_and(|p| p.admin)
                            || u.role_name.as_deref() == Some("admin")
                    })
                    .map(|u| u.login.as_str())
                    .collect();
                let n = admins.len();
                let outcome = if n as u32 > max {
                    Outcome::Fail
                } else {
                    Outcome::Pass
                };
                out.api(
                    cx.host,
                    &res,
                    "/admins",
                    outcome,
                    format!(
                        "{n} account(s) hold admin on `{}` (limit {max}): {}",
                        cx.repo.full_name,
                        admins.join(", ")
                    ),
                    &[src],
                );
            }
            unknown => {
                out.api_unknown(
                    cx.host,
                    &res,
                    "/admins",
                    "who holds admin on the repository",
                    unknown,
                );
            }
        }
    }

    fn gitlab_group(&self, cx: &GitlabGroupCx<'_>, out: &mut Sink) {
        super::gitlab::excessive_admins_group(cx, out);
    }

    fn gitlab_project(&self, cx: &GitlabProjectCx<'_>, out: &mut Sink) {
        super::gitlab::excessive_admins_project(cx, out);
    }
}
