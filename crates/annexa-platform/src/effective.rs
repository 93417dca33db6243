//! The protection in force on a GitHub branch: classic branch protection, repository rulesets
//! and organisation rulesets combined. Rules add up (the most restrictive wins), so a property
//! holds when *any* enforced source gives it; it is known not to hold only when *every* source
//! was read. Bypass actors are read from the rulesets' details.

use crate::github::{BypassActor, Protection, Repo, Rule, Ruleset};
use crate::known::{Known, Source};

/// Three-valued: a property holds, does not, or could not be told (and why).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tri {
    Yes,
    No,
    Unknown(String),
}

/// One way a change can reach the branch around the protection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bypass {
    /// `classic protection` or `ruleset "<name>" (<source>)`.
    pub via: String,
    pub who: String,
    /// Whether it is organisation or repository administrators.
    pub admins: bool,
}

/// The combined view of a repository's default branch.
#[derive(Clone, Debug)]
pub struct Effective {
    pub branch: Option<String>,
    /// A pull request is required before merging.
    pub pull_request: Tri,
    /// The most approvals any source requires (0 when none does); `None` if not known.
    pub approvals: Option<u32>,
    pub dismiss_stale: Tri,
    pub code_owner_review: Tri,
    pub last_push_approval: Tri,
    pub force_push_blocked: Tri,
    pub deletion_blocked: Tri,
    /// Admins are held to classic protection (`enforce_admins`); `Yes` when classic protection
    /// is absent and rulesets give no admin bypass.
    pub admins_enforced: Tri,
    pub required_checks: Vec<String>,
    /// Whether `required_checks` is complete (every source read).
    pub required_checks_known: bool,
    pub bypasses: Vec<Bypass>,
    /// Bypass actors could not be read for these rulesets.
    pub bypass_unknown: Vec<String>,
    /// The resources this view rests on.
    pub sources: Vec<Source>,
    /// Why parts of it are unknown.
    pub gaps: Vec<String>,
}

fn any(values: &[Option<bool>], complete: bool, what: &str) -> Tri {
    if values.contains(&Some(true)) {
        Tri::Yes
    } else if complete {
        Tri::No
    } else {
        Tri::Unknown(format!(
            "{what}: not every source of branch protection could be read"
        ))
    }
}

/// The ruleset a rule came from, where its details were read.
fn ruleset_of<'a>(
    repo: &'a Repo,
    org_rulesets: Option<&'a [Ruleset]>,
    rule: &Rule,
) -> Option<&'a Ruleset> {
    let id = rule.ruleset_id?;
    let in_repo = repo
        .rulesets
        .value()
        .and_then(|l| l.0.iter().find(|r| r.id == id && r.bypass_actors.is_some()));
    in_repo.or_else(|| {
        org_rulesets?
            .iter()
            .find(|r| r.id == id && r.bypass_actors.is_some())
    })
}

impl Effective {
    pub fn of(repo: &Repo, org_rulesets: Option<&[Ruleset]>) -> Effective {
        let mut sources = Vec::new();
        let mut gaps = Vec::new();
        let classic: Option<Option<&Protection>> = match &repo.protection {
            Known::Yes(p, s) => {
                sources.push(s.clone());
                Some(p.as_ref())
            }
            Known::Unknown { reason, source, .. } => {
                sources.extend(source.clone());
                gaps.push(format!("classic branch protection: {reason}"));
                None
            }
        };
        let rules: Option<Vec<&Rule>> = match &repo.branch_rules {
            Known::Yes(l, s) => {
                sources.push(s.clone());
                Some(l.0.iter().collect())
            }
            Known::Unknown { reason, source, .. } => {
                sources.extend(source.clone());
                gaps.push(format!("rules in force on the branch: {reason}"));
                None
            }
        };
        let complete = classic.is_some() && rules.is_some();
        let cp = classic.flatten();
        let reviews = cp.and_then(|p| p.required_pull_request_reviews.as_ref());
        let pr_rules: Vec<&Rule> = rules
            .iter()
            .flatten()
            .copied()
            .filter(|r| r.kind == "pull_request")
            .collect();
        let has_rule = |kind: &str| rules.as_ref().map(|rs| rs.iter().any(|r| r.kind == kind));

        let pull_request = any(
            &[
                classic.map(|_| reviews.is_some()),
                rules.as_ref().map(|_| !pr_rules.is_empty()),
            ],
            complete,
            "pull request requirement",
        );
        let mut approvals_seen = Vec::new();
        if let Some(r) = reviews {
            approvals_seen.push(r.required_approving_review_count.unwrap_or(0));
        }
        for r in &pr_rules {
            approvals_seen.push(r.param_u32("required_approving_review_count").unwrap_or(0));
        }
        let best = approvals_seen.iter().copied().max();
        let approvals = match best {
            Some(n) if n > 0 => Some(n),
            _ if complete => Some(0),
            _ => None,
        };
        let rule_flag = |name: &str| -> Option<bool> {
            rules
                .as_ref()
                .map(|_| pr_rules.iter().any(|r| r.param_bool(name) == Some(true)))
        };
        let classic_flag =
            |f: fn(&crate::github::RequiredReviews) -> Option<bool>| -> Option<bool> {
                classic.map(|_| reviews.and_then(f) == Some(true))
            };
        let dismiss_stale = any(
            &[
                classic_flag(|r| r.dismiss_stale_reviews),
                rule_flag("dismiss_stale_reviews_on_push"),
            ],
            complete,
            "stale-approval dismissal",
        );
        let code_owner_review = any(
            &[
                classic_flag(|r| r.require_code_owner_reviews),
                rule_flag("require_code_owner_review"),
            ],
            complete,
            "code-owner review",
        );
        let last_push_approval = any(
            &[
                classic_flag(|r| r.require_last_push_approval),
                rule_flag("require_last_push_approval"),
            ],
            complete,
            "last-push approval",
        );
        // Classic protection blocks force pushes and deletion unless it allows them; without
        // classic protection nothing does, unless a rule does. A field classic protection did
        // not answer is not a fact either way.
        let classic_blocks = |field: fn(&Protection) -> Option<bool>| -> Option<bool> {
            match classic {
                None => None,
                Some(None) => Some(false),
                Some(Some(p)) => field(p).map(|allowed| !allowed),
            }
        };
        let fields_complete = classic.is_some_and(|p| {
            p.is_none_or(|p| p.allow_force_pushes.0.is_some() && p.allow_deletions.0.is_some())
        });
        let force_push_blocked = any(
            &[
                classic_blocks(|p| p.allow_force_pushes.0),
                has_rule("non_fast_forward"),
            ],
            complete && fields_complete,
            "force-push blocking",
        );
        let deletion_blocked = any(
            &[
                classic_blocks(|p| p.allow_deletions.0),
                has_rule("deletion"),
            ],
            complete && fields_complete,
            "deletion blocking",
        );

        let mut required_checks: Vec<String> = Vec::new();
        if let Some(sc) = cp.and_then(|p| p.required_status_checks.as_ref()) {
            required_checks.extend(sc.contexts.iter().cloned());
            required_checks.extend(sc.checks.iter().map(|c| c.context.clone()));
        }
        for r in rules
            .iter()
            .flatten()
            .filter(|r| r.kind == "required_status_checks")
        {
            required_checks.extend(r.status_checks());
        }
        required_checks.sort();
        required_checks.dedup();

        let mut bypasses = Vec::new();
        let mut bypass_unknown = Vec::new();
        let mut admin_field_unknown = false;
        if let Some(p) = cp {
            if p.enforce_admins.0.is_none() {
                admin_field_unknown = true;
            } else if p.enforce_admins.0 == Some(false) {
                bypasses.push(Bypass {
                    via: "classic protection (enforce_admins off)".to_owned(),
                    who: "repository administrators".to_owned(),
                    admins: true,
                });
            }
            if let Some(allow) = reviews.and_then(|r| r.bypass_pull_request_allowances.as_ref()) {
                for (kind, field) in [("user", "users"), ("team", "teams"), ("app", "apps")] {
                    for a in allow
                        .get(field)
                        .and_then(|v| v.as_array())
                        .into_iter()
                        .flatten()
                    {
                        let name = a
                            .get("login")
                            .or_else(|| a.get("slug"))
                            .and_then(|v| v.as_str())
                            .unwrap_or("?");
                        bypasses.push(Bypass {
                            via: "classic protection (pull request bypass allowance)".to_owned(),
                            who: format!("{kind} {name}"),
                            admins: false,
                        });
                    }
                }
            }
        }
        let mut seen_rulesets = std::collections::BTreeSet::new();
        for r in rules.iter().flatten() {
            let Some(id) = r.ruleset_id else { continue };
            if !seen_rulesets.insert(id) {
                continue;
            }
            let label = format!(
                "ruleset {} ({} {})",
                id,
                r.ruleset_source_type.as_deref().unwrap_or("?"),
                r.ruleset_source.as_deref().unwrap_or("?")
            );
            match ruleset_of(repo, org_rulesets, r) {
                Some(rs) => {
                    let via = format!(
                        "ruleset \"{}\" ({})",
                        rs.name,
                        rs.source
                            .as_deref()
                            .or(r.ruleset_source.as_deref())
                            .unwrap_or("?")
                    );
                    // The bypass list is evidence too (an edited one must show as such).
                    if let Some(src) = &rs.detail_source
                        && !sources.contains(src)
                    {
                        sources.push(src.clone());
                    }
                    // Both modes bypass: `always` around pull requests, `pull_request` the
                    // rules on pull requests (merging without the required reviews).
                    for a in rs.bypass_actors.iter().flatten() {
                        bypasses.push(Bypass {
                            via: via.clone(),
                            who: a.describe(),
                            admins: is_admin(a),
                        });
                    }
                }
                None => bypass_unknown.push(label),
            }
        }
        let admins_enforced = if bypasses.iter().any(|b| b.admins) {
            Tri::No
        } else if !bypass_unknown.is_empty() {
            Tri::Unknown(format!(
                "bypass actors of {} could not be read",
                bypass_unknown.join(", ")
            ))
        } else if admin_field_unknown {
            Tri::Unknown("classic protection's answer has no `enforce_admins`".to_owned())
        } else if !complete {
            Tri::Unknown("not every source of branch protection could be read".to_owned())
        } else {
            Tri::Yes
        };
        Effective {
            branch: repo.default_branch.clone(),
            pull_request,
            approvals,
            dismiss_stale,
            code_owner_review,
            last_push_approval,
            force_push_blocked,
            deletion_blocked,
            admins_enforced,
            required_checks,
            required_checks_known: complete,
            bypasses,
            bypass_unknown,
            sources,
            gaps,
        }
    }
}

fn is_admin(a: &BypassActor) -> bool {
    match a.actor_type.as_deref() {
        Some("OrganizationAdmin") => true,
        Some("RepositoryRole") => a.actor_id == Some(5),
        _ => false,
    }
}
