use annexa_model::{Outcome, Platform};
use annexa_platform::Known;
use annexa_platform::github::User;

use crate::check::{Check, GithubRepoCx, Sink, check};

check! {
    /// ## What it does
    /// Looks at every outside collaborator of a repository (someone who is not a member of the
    /// organisation, `GET /repos/{o}/{r}/collaborators?affiliation=outside`) and fails each one
    /// who can push, maintain or administer it. Read-only and triage collaborators pass one by
    /// one; a repository without outside collaborators passes once.
    ///
    /// ## Why is this bad?
    /// Outside collaborators sit outside the organisation's joiner/mover/leaver process: nobody
    /// removes them when a contract ends, they are not covered by the organisation's 2FA or SSO
    /// policies, and they rarely show up in access reviews. Write access lets them change code
    /// and, through workflows, reach the repository's secrets. Evidence for A.5.15 (access
    /// control) and A.5.18 (access rights): an auditor samples exactly these accounts.
    ///
    /// ## Example
    /// Contractor `dave` was added to `acme/app` with the `write` role and is not an organisation
    /// member.
    ///
    /// ## Fix
    /// Lower the collaborator to `read`, or make the person an organisation member in a team so
    /// the access is reviewed and removed with everyone else's. Record the business reason and an
    /// end date for any write access that must stay.
    pub struct OutsideCollaboratorWriteAccess {
        id: OutsideCollaboratorWriteAccess,
        summary: "outside collaborators can write to a repository",
        severity: Medium,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A5_15, A5_18],
    }
}

/// The collaborator's access level: from the effective permissions, else from a built-in role
/// name. `None` for a custom role without permissions (its base role is not in the answer).
fn level(u: &User) -> Option<&str> {
    if let Some(p) = &u.permissions {
        return Some(p.level());
    }
    match u.role_name.as_deref()? {
        "admin" => Some("admin"),
        "maintain" => Some("maintain"),
        "write" | "push" => Some("write"),
        "triage" => Some("triage"),
        "read" | "pull" => Some("read"),
        _ => None,
    }
}

impl Check for OutsideCollaboratorWriteAccess {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let res = cx.resource();
        let repo = &cx.repo.full_name;
        let (list, src) = match &cx.repo.outside_collaborators {
            Known::Yes(list, src) => (list, src),
            unknown => {
                out.api_unknown(
                    cx.host,
                    &res,
                    "/collaborators",
                    "which outside collaborators the repository has",
                    unknown,
                );
                return;
            }
        };
        if list.0.is_empty() {
            out.api(
                cx.host,
                &res,
                "/collaborators",
                Outcome::Pass,
                format!("`{repo}` has no outside collaborators"),
                &[src],
            );
            return;
        }
        for u in &list.0 {
            let pointer = format!("/collaborators/{}", u.login);
            // A custom role is named as well: its name says more to a reviewer than the level.
            let role = match u.role_name.as_deref() {
                Some(r) if !matches!(r, "admin" | "maintain" | "write" | "triage" | "read") => {
                    format!(" (role `{r}`)")
                }
                _ => String::new(),
            };
            match level(u) {
                Some(l @ ("admin" | "maintain" | "write")) => {
                    out.api(
                        cx.host,
                        &res,
                        &pointer,
                        Outcome::Fail,
                        format!(
                            "outside collaborator `{}` has {l} access to `{repo}`{role}: not an organisation member, yet can change its code",
                            u.login
                        ),
                        &[src],
                    );
                }
                Some(l) => {
                    out.api(
                        cx.host,
                        &res,
                        &pointer,
                        Outcome::Pass,
                        format!("outside collaborator `{}` has {l} access to `{repo}`{role}: cannot push", u.login),
                        &[src],
                    );
                }
                None => {
                    out.api(
                        cx.host,
                        &res,
                        &pointer,
                        Outcome::Unknown,
                        format!(
                            "cannot tell what outside collaborator `{}` may do in `{repo}`{role}: the answer gives no permissions and no built-in role",
                            u.login
                        ),
                        &[src],
                    );
                }
            }
        }
    }
}
