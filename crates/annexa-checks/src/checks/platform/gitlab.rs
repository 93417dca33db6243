//! The GitLab halves of platform checks shared with GitHub. Each shared check's
//! `gitlab_group` / `gitlab_project` calls the function here of the same name. The helpers at
//! the bottom are shared with the GitLab-only checks in this folder.
//!
//! Pointers: `/protected_branches/<default branch>` for branch protection, `/approvals` for the
//! project's merge request approval settings, `/members` for admin counts,
//! `/environments/<name>` per production environment, `/merge_requests/<iid>` per merged
//! merge request, `/variables/<KEY>` per variable (`/variables/<KEY>/<scope>` when it is scoped
//! to an environment), `/audit_events` for audit event availability.

use annexa_model::Outcome;
use annexa_model::pipeline::secret_like_name;
use annexa_platform::gitlab::{
    AccessLevel, ApprovalSettings, AuditEvent, Environment, Project, ProtectedBranch,
    ProtectedEnvironment, Variable, access,
};
use annexa_platform::keys::seg;
use annexa_platform::{Known, Period, Source};

use crate::check::{GitlabGroupCx, GitlabProjectCx, PlatformPolicy, Sink};

// ---------------------------------------------------------------------------------------------
// Shared checks.

/// Approval rules (Premium) that govern merges into the default branch, or the deprecated
/// `approvals_before_merge`: at least one approval must be required.
pub(crate) fn insufficient_required_approvals_project(cx: &GitlabProjectCx<'_>, out: &mut Sink) {
    let p = cx.project;
    let res = cx.resource();
    let pointer = "/approvals";
    let branch = p.default_branch.as_deref().unwrap_or("");
    let target = if branch.is_empty() {
        "the project".to_owned()
    } else {
        format!("`{branch}`")
    };
    // Whether the default branch is protected decides rules that apply to "all protected
    // branches"; when that is not known such a rule is not counted (no pass on a guess).
    let branch_protected = matches!(&p.protected_branches, Known::Yes(list, _) if list.iter().any(|b| b.matches(branch)));
    // The deprecated project-wide count still works where rules are absent.
    let legacy: Vec<(i64, &Source)> = [
        p.approvals
            .value()
            .and_then(|a| a.approvals_before_merge)
            .zip(p.approvals.source()),
        p.info
            .value()
            .and_then(|i| i.approvals_before_merge)
            .zip(p.info.source()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let legacy_max = legacy.iter().map(|(n, _)| *n).max().unwrap_or(0);
    match &p.approval_rules {
        Known::Yes(rules, s) => {
            let governing: Vec<_> = rules
                .iter()
                .filter(|r| r.governs(branch, branch_protected))
                .collect();
            let best = governing
                .iter()
                .filter_map(|r| r.approvals_required.map(|n| (n, r.name.as_str())))
                .max_by_key(|(n, _)| *n);
            let mut evidence = vec![s];
            if let Some(ps) = p.protected_branches.source() {
                evidence.push(ps);
            }
            match best {
                Some((n, name)) if n >= 1 => {
                    let msg = format!(
                        "merge requests into {target} need {n} approval{} (rule `{name}`)",
                        plural(n)
                    );
                    out.api(cx.host, &res, pointer, Outcome::Pass, msg, &evidence);
                }
                _ if legacy_max >= 1 => {
                    evidence.extend(legacy.iter().map(|(_, s)| *s));
                    let msg = format!(
                        "merge requests into {target} need {legacy_max} approval{} (`approvals_before_merge`)",
                        plural(legacy_max)
                    );
                    out.api(cx.host, &res, pointer, Outcome::Pass, msg, &evidence);
                }
                _ => {
                    evidence.extend(legacy.iter().map(|(_, s)| *s));
                    let seen = if governing.is_empty() {
                        "no approval rule applies to it".to_owned()
                    } else {
                        format!(
                            "its rules require none ({})",
                            governing
                                .iter()
                                .map(|r| format!(
                                    "`{}`: {}",
                                    r.name,
                                    r.approvals_required.unwrap_or(0)
                                ))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    };
                    let msg = format!(
                        "merge requests into {target} can be merged with no approval: {seen}"
                    );
                    out.api(cx.host, &res, pointer, Outcome::Fail, msg, &evidence);
                }
            }
        }
        Known::Unknown { .. } if legacy_max >= 1 => {
            let evidence: Vec<&Source> = legacy.iter().map(|(_, s)| *s).collect();
            let msg = format!(
                "merge requests into {target} need {legacy_max} approval{} (`approvals_before_merge`; approval rules not readable)",
                plural(legacy_max)
            );
            out.api(cx.host, &res, pointer, Outcome::Pass, msg, &evidence);
        }
        Known::Unknown { .. } => {
            out.api_unknown(
                cx.host,
                &res,
                pointer,
                "how many approvals merge requests need",
                &p.approval_rules,
            );
        }
    }
}

/// Nothing at group level: approval rules and their counts are project settings in what the
/// snapshot collects (group-level merge request approval settings are not collected).
pub(crate) fn insufficient_required_approvals_group(_cx: &GitlabGroupCx<'_>, _out: &mut Sink) {}

/// `reset_approvals_on_push`: new commits must void earlier approvals.
pub(crate) fn stale_approvals_kept_project(cx: &GitlabProjectCx<'_>, out: &mut Sink) {
    approval_setting(
        cx,
        out,
        "whether new commits reset approvals",
        |a| a.reset_approvals_on_push,
        |a, on| {
            if on {
                "new commits remove earlier approvals (`reset_approvals_on_push`)".to_owned()
            } else if a.selective_code_owner_removals == Some(true) {
                "approvals survive new commits: only code owners' approvals are removed, and only on their files (`reset_approvals_on_push` false)".to_owned()
            } else {
                "approvals survive new commits: a change can be approved, then altered and merged unreviewed (`reset_approvals_on_push` false)".to_owned()
            }
        },
        true,
    );
}

/// Nothing at group level: the setting is per project in what the snapshot collects.
pub(crate) fn stale_approvals_kept_group(_cx: &GitlabGroupCx<'_>, _out: &mut Sink) {}

/// The default branch's protection must require code owners' approval (Premium).
pub(crate) fn code_owner_review_not_required_project(cx: &GitlabProjectCx<'_>, out: &mut Sink) {
    let Some(b) = branch_rules(cx, out, "whether code owners must approve") else {
        return;
    };
    let no_codeowners = match &cx.files {
        Some(f) if !f.has_codeowners => " (the scanned repository has no CODEOWNERS file either)",
        _ => "",
    };
    let (outcome, msg) = if b.rules.is_empty() {
        (
            Outcome::Fail,
            format!(
                "`{}` is not a protected branch, so no code-owner approval is required{no_codeowners}",
                b.branch
            ),
        )
    } else if b
        .rules
        .iter()
        .any(|r| r.code_owner_approval_required == Some(true))
    {
        (
            Outcome::Pass,
            format!(
                "merges into `{}` need a code owner's approval{no_codeowners}",
                b.branch
            ),
        )
    } else if b
        .rules
        .iter()
        .all(|r| r.code_owner_approval_required.is_none())
    {
        // GitLab omits the member on Free, where the feature does not exist: not required.
        (
            Outcome::Fail,
            format!(
                "GitLab does not report code-owner approval for `{}` (a Premium setting): code owners' approval is not required{no_codeowners}",
                b.branch
            ),
        )
    } else {
        (
            Outcome::Fail,
            format!(
                "`{}` is protected without `code_owner_approval_required`: changes to owned files merge without their owners{no_codeowners}",
                b.branch
            ),
        )
    };
    out.api(cx.host, &b.resource, &b.pointer, outcome, msg, &b.evidence);
}

/// Nothing at group level: group-level protected branches are not collected.
pub(crate) fn code_owner_review_not_required_group(_cx: &GitlabGroupCx<'_>, _out: &mut Sink) {}

/// `allow_force_push` on the default branch's protection. Where several protections match,
/// GitLab allows a force push only if every one of them does.
pub(crate) fn force_push_allowed_project(cx: &GitlabProjectCx<'_>, out: &mut Sink) {
    let Some(b) = branch_rules(cx, out, "whether force pushes are allowed") else {
        return;
    };
    let (outcome, msg) = if b.rules.is_empty() {
        (
            Outcome::Fail,
            format!(
                "`{}` is not a protected branch: anyone with the Developer role can force-push and rewrite its history",
                b.branch
            ),
        )
    } else if b.rules.iter().any(|r| r.allow_force_push == Some(false)) {
        (
            Outcome::Pass,
            format!("force pushes to `{}` are blocked", b.branch),
        )
    } else if b.rules.iter().any(|r| r.allow_force_push.is_none()) {
        (
            Outcome::Unknown,
            format!(
                "cannot tell whether force pushes to `{}` are allowed: the protection does not report `allow_force_push`",
                b.branch
            ),
        )
    } else {
        (
            Outcome::Fail,
            format!(
                "`{}` allows force pushes (`allow_force_push`) by {}: history can be rewritten after review",
                b.branch,
                who(b.rules.iter().flat_map(|r| &r.push_access_levels))
            ),
        )
    };
    out.api(cx.host, &b.resource, &b.pointer, outcome, msg, &b.evidence);
}

/// Nothing at group level: group-level protected branches are not collected.
pub(crate) fn force_push_allowed_group(_cx: &GitlabGroupCx<'_>, _out: &mut Sink) {}

/// Group Owners, inherited ones included, against `max_org_admins`.
pub(crate) fn excessive_admins_group(cx: &GitlabGroupCx<'_>, out: &mut Sink) {
    let g = cx.group;
    admins(
        cx.host,
        &cx.resource(),
        out,
        &g.members_all,
        &g.members,
        access::OWNER,
        "Owner",
        cx.policy.max_org_admins,
        "the group's limit (`max_org_admins`)",
    );
}

/// Maintainers and Owners of a project (group Owners inherit Owner on every project) against
/// `max_repo_admins`.
pub(crate) fn excessive_admins_project(cx: &GitlabProjectCx<'_>, out: &mut Sink) {
    let p = cx.project;
    admins(
        cx.host,
        &cx.resource(),
        out,
        &p.members_all,
        &p.members,
        access::MAINTAINER,
        "Maintainer or Owner",
        cx.policy.max_repo_admins,
        "the project limit (`max_repo_admins`)",
    );
}

/// Each production environment must be protected and need at least one approval per
/// deployment (`required_approval_count` or approval rules).
pub(crate) fn production_environment_without_reviewers_project(
    cx: &GitlabProjectCx<'_>,
    out: &mut Sink,
) {
    for_production_environments(
        cx,
        out,
        "whether deployments need an approval",
        |env, found| {
            let name = &env.name;
            if found.is_empty() {
                return (
                    Outcome::Fail,
                    format!(
                        "production environment `{name}` is not protected, so its deployments need no approval"
                    ),
                );
            }
            let n = found
                .iter()
                .map(|p| p.approvals_required())
                .max()
                .unwrap_or(0);
            if n >= 1 {
                (
                    Outcome::Pass,
                    format!("deployments to `{name}` need {n} approval{}", plural(n)),
                )
            } else {
                (
                    Outcome::Fail,
                    format!(
                        "production environment `{name}` is protected but its deployments need no approval (no `required_approval_count` or approval rules)"
                    ),
                )
            }
        },
    );
}

/// Nothing at group level: group-level protected environments are not collected.
pub(crate) fn production_environment_without_reviewers_group(
    _cx: &GitlabGroupCx<'_>,
    _out: &mut Sink,
) {
}

/// `require_two_factor_authentication` on the group.
pub(crate) fn org_2fa_not_required_group(cx: &GitlabGroupCx<'_>, out: &mut Sink) {
    let g = cx.group;
    let res = cx.resource();
    let pointer = "/require_two_factor_authentication";
    let Known::Yes(info, s) = &g.info else {
        out.api_unknown(
            cx.host,
            &res,
            pointer,
            "whether the group requires two-factor authentication",
            &g.info,
        );
        return;
    };
    let (outcome, msg) = match info.require_two_factor_authentication {
        Some(true) => (
            Outcome::Pass,
            match info.two_factor_grace_period {
                Some(h) => format!(
                    "group `{}` requires two-factor authentication (grace period {h} hours)",
                    g.path
                ),
                None => format!("group `{}` requires two-factor authentication", g.path),
            },
        ),
        Some(false) => (
            Outcome::Fail,
            format!(
                "group `{}` does not require two-factor authentication: a phished password is enough to act as a member",
                g.path
            ),
        ),
        None => (
            Outcome::Unknown,
            format!(
                "cannot tell whether group `{}` requires two-factor authentication: the answer has no `require_two_factor_authentication`",
                g.path
            ),
        ),
    };
    out.api(cx.host, &res, pointer, outcome, msg, &[s]);
}

/// Nothing at project level: two-factor authentication is required per group (or instance).
pub(crate) fn org_2fa_not_required_project(_cx: &GitlabProjectCx<'_>, _out: &mut Sink) {}

/// Group audit events for the period: served (pass), or not on this tier (fail unless the
/// policy names an archive).
pub(crate) fn audit_log_retention_insufficient_group(cx: &GitlabGroupCx<'_>, out: &mut Sink) {
    audit_events(
        cx.host,
        &cx.resource(),
        out,
        cx.group.audit_events.as_ref(),
        cx.policy,
        cx.period,
        &format!("group `{}`", cx.group.path),
    );
}

/// Project audit events for the period (they record project settings changes, which group
/// events do not).
pub(crate) fn audit_log_retention_insufficient_project(cx: &GitlabProjectCx<'_>, out: &mut Sink) {
    audit_events(
        cx.host,
        &cx.resource(),
        out,
        cx.project.history.as_ref().map(|h| &h.audit_events),
        cx.policy,
        cx.period,
        &format!("project `{}`", cx.project.path),
    );
}

/// Nothing at group level: merge requests belong to projects.
pub(crate) fn unapproved_changes_group(_cx: &GitlabGroupCx<'_>, _out: &mut Sink) {}

/// With a period: every merge request merged into the default branch in the period must have
/// an approval from someone other than its author.
pub(crate) fn unapproved_changes_project(cx: &GitlabProjectCx<'_>, out: &mut Sink) {
    let p = cx.project;
    let Some(h) = &p.history else {
        return;
    };
    let res = cx.resource();
    let Known::Yes(mrs, list_source) = &h.merge_requests else {
        out.api_unknown(
            cx.host,
            &res,
            "/merge_requests",
            "which merge requests were merged in the period",
            &h.merge_requests,
        );
        return;
    };
    let branch = p.default_branch.as_deref();
    let window = cx.period.and_then(window);
    let merged: Vec<_> = mrs
        .iter()
        .filter(|m| m.iid > 0)
        .filter(|m| m.state.as_deref().is_none_or(|s| s == "merged"))
        .filter(|m| match (branch, m.target_branch.as_deref()) {
            (Some(b), Some(t)) => b == t,
            _ => true,
        })
        // The list is selected by `updated_at`; keep those merged inside the period.
        .filter(|m| match (window, m.merged_at.as_deref().and_then(ts)) {
            (Some((from, to)), Some(at)) => from <= at && at <= to,
            _ => true,
        })
        .collect();
    let into = branch.map(|b| format!(" into `{b}`")).unwrap_or_default();
    if merged.is_empty() {
        let msg = format!("no merge request was merged{into} in the period");
        out.api(
            cx.host,
            &res,
            "/merge_requests",
            Outcome::Pass,
            msg,
            &[list_source],
        );
        return;
    }
    for mr in merged {
        let pointer = format!("/merge_requests/{}", mr.iid);
        let Some(approvals) = h.mr_approvals.get(&mr.iid) else {
            continue;
        };
        let Known::Yes(a, a_source) = approvals else {
            out.api_unknown(
                cx.host,
                &res,
                &pointer,
                &format!("who approved !{}", mr.iid),
                approvals,
            );
            continue;
        };
        let evidence = [list_source, a_source];
        let merger = mr
            .merger()
            .map(|u| format!(", merged by {}", u.label()))
            .unwrap_or_default();
        let at = mr
            .merged_at
            .as_deref()
            .map(|t| format!(" at {t}"))
            .unwrap_or_default();
        let Some(author) = &mr.author else {
            let msg = format!(
                "cannot tell whether !{} was approved by someone other than its author: the answer names no author",
                mr.iid
            );
            out.api(cx.host, &res, &pointer, Outcome::Unknown, msg, &evidence);
            continue;
        };
        let others: Vec<String> = a
            .approved_by
            .iter()
            .filter(|x| !x.user.same_as(author))
            .map(|x| x.user.label())
            .collect();
        if others.is_empty() {
            let seen = if a.approved_by.is_empty() {
                "no approval at all".to_owned()
            } else {
                format!(
                    "only its author's approval ({})",
                    a.approved_by
                        .iter()
                        .map(|x| x.user.label())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let msg = format!(
                "!{} by {}{merger}{at}: merged{into} with {seen}",
                mr.iid,
                author.label()
            );
            out.api(cx.host, &res, &pointer, Outcome::Fail, msg, &evidence);
        } else {
            let msg = format!(
                "!{} by {}{merger}{at}: approved by {}",
                mr.iid,
                author.label(),
                others.join(", ")
            );
            out.api(cx.host, &res, &pointer, Outcome::Pass, msg, &evidence);
        }
    }
}

/// The default branch must be a protected branch on which only Maintainers (or no one, or
/// named users, groups and deploy keys) may push. Where several protections match, GitLab
/// lets in everyone any of them lets in.
pub(crate) fn unprotected_default_branch_project(cx: &GitlabProjectCx<'_>, out: &mut Sink) {
    let Some(b) = branch_rules(cx, out, "whether the default branch is protected") else {
        return;
    };
    let pushers: Vec<&AccessLevel> = b.rules.iter().flat_map(|r| &r.push_access_levels).collect();
    let (outcome, msg) = if b.rules.is_empty() {
        (
            Outcome::Fail,
            format!(
                "`{}` is not a protected branch: anyone with the Developer role can push to it, force-push and delete it",
                b.branch
            ),
        )
    } else if pushers.iter().any(|a| a.admits_below_maintainer()) {
        (
            Outcome::Fail,
            format!(
                "`{}` is protected, but {} may push to it",
                b.branch,
                who(pushers.iter().copied())
            ),
        )
    } else if pushers.iter().all(|a| a.is_no_one()) {
        (
            Outcome::Pass,
            format!(
                "`{}` is protected and no one may push to it directly",
                b.branch
            ),
        )
    } else {
        (
            Outcome::Pass,
            format!(
                "`{}` is protected; pushes limited to {}",
                b.branch,
                who(pushers.iter().copied().filter(|a| !a.is_no_one()))
            ),
        )
    };
    out.api(cx.host, &b.resource, &b.pointer, outcome, msg, &b.evidence);
}

// ---------------------------------------------------------------------------------------------
// Helpers (also used by the GitLab-only checks).

/// The protections that apply to a project's default branch, with the subject and evidence.
pub(crate) struct BranchRules<'a> {
    pub branch: &'a str,
    pub resource: String,
    pub pointer: String,
    /// Empty: the branch is not protected.
    pub rules: Vec<&'a ProtectedBranch>,
    pub evidence: Vec<&'a Source>,
}

/// The default branch's protections, or `None` after saying why they cannot be judged
/// (nothing at all for a project without a default branch: an empty repository has nothing to
/// protect).
pub(crate) fn branch_rules<'a>(
    cx: &'a GitlabProjectCx<'_>,
    out: &mut Sink,
    decide: &str,
) -> Option<BranchRules<'a>> {
    let p: &'a Project = cx.project;
    let resource = cx.resource();
    let Some(branch) = p.default_branch.as_deref() else {
        if p.info.value().is_none() {
            out.api_unknown(cx.host, &resource, "/default_branch", decide, &p.info);
        }
        return None;
    };
    let pointer = format!("/protected_branches/{}", seg(branch));
    let Known::Yes(list, s) = &p.protected_branches else {
        out.api_unknown(cx.host, &resource, &pointer, decide, &p.protected_branches);
        return None;
    };
    let mut evidence = vec![s];
    evidence.extend(p.info.source());
    Some(BranchRules {
        branch,
        resource,
        pointer,
        rules: list.iter().filter(|b| b.matches(branch)).collect(),
        evidence,
    })
}

/// Who an access list lets in, for messages (`No one` for an empty list).
pub(crate) fn who<'a>(levels: impl IntoIterator<Item = &'a AccessLevel>) -> String {
    let mut names: Vec<String> = Vec::new();
    for l in levels {
        let n = l.label();
        if !names.contains(&n) {
            names.push(n);
        }
    }
    if names.is_empty() {
        "No one".to_owned()
    } else {
        names.join(", ")
    }
}

/// Judge one boolean of the project's approval settings at `/approvals`: `good` is the value
/// that passes; `say` words the outcome (given the settings and the value seen).
pub(crate) fn approval_setting(
    cx: &GitlabProjectCx<'_>,
    out: &mut Sink,
    decide: &str,
    field: impl Fn(&ApprovalSettings) -> Option<bool>,
    say: impl Fn(&ApprovalSettings, bool) -> String,
    good: bool,
) {
    let p = cx.project;
    let res = cx.resource();
    let pointer = "/approvals";
    let Known::Yes(a, s) = &p.approvals else {
        out.api_unknown(cx.host, &res, pointer, decide, &p.approvals);
        return;
    };
    let (outcome, msg) = match field(a) {
        Some(v) if v == good => (Outcome::Pass, say(a, v)),
        Some(v) => (Outcome::Fail, say(a, v)),
        None => (
            Outcome::Unknown,
            format!("cannot tell {decide}: the approval settings do not say"),
        ),
    };
    out.api(cx.host, &res, pointer, outcome, msg, &[s]);
}

/// Judge one boolean of the project's own settings (`GET /projects/:id`) at `pointer`.
pub(crate) fn project_setting(
    cx: &GitlabProjectCx<'_>,
    out: &mut Sink,
    pointer: &str,
    decide: &str,
    judge: impl Fn(&annexa_platform::gitlab::ProjectInfo) -> Option<(Outcome, String)>,
) {
    let p = cx.project;
    let res = cx.resource();
    let Known::Yes(info, s) = &p.info else {
        out.api_unknown(cx.host, &res, pointer, decide, &p.info);
        return;
    };
    let (outcome, msg) = judge(info).unwrap_or_else(|| {
        (
            Outcome::Unknown,
            format!(
                "cannot tell {decide}: the project's answer does not say (older GitLab, or a token whose role cannot see the setting)"
            ),
        )
    });
    out.api(cx.host, &res, pointer, outcome, msg, &[s]);
}

/// Count accounts at `min` or above among active members (inherited ones where known) against
/// `limit`, at `/members`.
#[allow(clippy::too_many_arguments)]
fn admins(
    host: &str,
    res: &str,
    out: &mut Sink,
    all: &Known<Vec<annexa_platform::gitlab::Member>>,
    direct: &Known<Vec<annexa_platform::gitlab::Member>>,
    min: i64,
    role: &str,
    limit: u32,
    limit_name: &str,
) {
    let pointer = "/members";
    let (list, s, complete) = match (all, direct) {
        (Known::Yes(l, s), _) => (l, s, true),
        // Direct members alone can still show too many; they cannot show few enough.
        (Known::Unknown { .. }, Known::Yes(l, s)) => (l, s, false),
        _ => {
            out.api_unknown(host, res, pointer, "who holds admin rights", all);
            return;
        }
    };
    let mut names: Vec<String> = list
        .iter()
        .filter(|m| m.is_active() && m.access_level.is_some_and(|l| l >= min))
        .map(|m| m.label())
        .collect();
    names.sort();
    names.dedup();
    let n = names.len();
    let shown = if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    };
    let basis = if complete {
        ""
    } else {
        " among direct members (inherited members not readable)"
    };
    if u32::try_from(n).unwrap_or(u32::MAX) > limit {
        let msg = format!(
            "{n} active accounts with {role} rights{basis} ({shown}), more than {limit_name} of {limit}"
        );
        out.api(host, res, pointer, Outcome::Fail, msg, &[s]);
    } else if complete {
        let msg = format!(
            "{n} active account{} with {role} rights ({shown}), within {limit_name} of {limit}",
            plural(n as i64)
        );
        out.api(host, res, pointer, Outcome::Pass, msg, &[s]);
    } else {
        out.api_unknown(
            host,
            res,
            pointer,
            "who holds admin rights, inherited ones included",
            all,
        );
    }
}

/// Walk a project's production environments with the protections that match each one, and
/// let `judge` decide. Says `unknown` when the environments or protections cannot be read;
/// says nothing when the project has no production environment.
pub(crate) fn for_production_environments(
    cx: &GitlabProjectCx<'_>,
    out: &mut Sink,
    decide: &str,
    judge: impl Fn(&Environment, &[&ProtectedEnvironment]) -> (Outcome, String),
) {
    let p = cx.project;
    let res = cx.resource();
    let Known::Yes(envs, env_source) = &p.environments else {
        out.api_unknown(cx.host, &res, "/environments", decide, &p.environments);
        return;
    };
    for env in envs.iter().filter(|e| e.is_production()) {
        let pointer = format!("/environments/{}", seg(&env.name));
        let Known::Yes(protected, ps) = &p.protected_environments else {
            out.api_unknown(
                cx.host,
                &res,
                &pointer,
                &format!("{decide} for `{}`", env.name),
                &p.protected_environments,
            );
            continue;
        };
        let found: Vec<&ProtectedEnvironment> = protected
            .iter()
            .filter(|pe| pe.matches(&env.name))
            .collect();
        let (outcome, msg) = judge(env, &found);
        out.api(cx.host, &res, &pointer, outcome, msg, &[env_source, ps]);
    }
}

/// Judge secret-like variables one by one: `ok` says whether one is handled (`None`:
/// unknown). With no secret-like variable, one pass at `/variables` says so.
pub(crate) fn secret_variables(
    host: &str,
    res: &str,
    out: &mut Sink,
    vars: &Known<Vec<Variable>>,
    decide: &str,
    ok: impl Fn(&Variable) -> Option<bool>,
    say: impl Fn(&Variable, Option<bool>) -> String,
) {
    let Known::Yes(list, s) = vars else {
        out.api_unknown(host, res, "/variables", decide, vars);
        return;
    };
    let secrets: Vec<&Variable> = list.iter().filter(|v| secret_like_name(&v.key)).collect();
    if secrets.is_empty() {
        let msg = if list.is_empty() {
            "no CI/CD variables".to_owned()
        } else {
            format!(
                "none of the {} CI/CD variable{} has a name that reads like a credential",
                list.len(),
                plural(list.len() as i64)
            )
        };
        out.api(host, res, "/variables", Outcome::Pass, msg, &[s]);
        return;
    }
    for v in secrets {
        let pointer = match v.scope() {
            Some(scope) => format!("/variables/{}/{}", seg(&v.key), seg(scope)),
            None => format!("/variables/{}", seg(&v.key)),
        };
        let verdict = ok(v);
        let outcome = match verdict {
            Some(true) => Outcome::Pass,
            Some(false) => Outcome::Fail,
            None => Outcome::Unknown,
        };
        out.api(host, res, &pointer, outcome, say(v, verdict), &[s]);
    }
}

/// `KEY` or `KEY` (environment `scope`), for messages.
pub(crate) fn variable_name(v: &Variable) -> String {
    match v.scope() {
        Some(scope) => format!("`{}` (environment `{scope}`)", v.key),
        None => format!("`{}`", v.key),
    }
}

fn audit_events(
    host: &str,
    res: &str,
    out: &mut Sink,
    events: Option<&Known<Vec<AuditEvent>>>,
    policy: &PlatformPolicy,
    period: Option<&Period>,
    what: &str,
) {
    // Without a period nothing asked for the audit trail, so there is nothing to judge.
    let (Some(events), Some(period)) = (events, period) else {
        return;
    };
    let pointer = "/audit_events";
    let span = format!("{}..{}", period.from, period.to);
    match events {
        Known::Yes(list, s) => {
            let oldest = list
                .iter()
                .filter_map(|e| e.created_at.as_deref())
                .min()
                .map(|t| format!(", oldest {t}"))
                .unwrap_or_default();
            let msg = format!(
                "GitLab serves {what}'s audit events for the period {span} ({} event{}{oldest})",
                list.len(),
                plural(list.len() as i64)
            );
            out.api(host, res, pointer, Outcome::Pass, msg, &[s]);
        }
        Known::Unknown {
            source: Some(s), ..
        } if matches!(s.status, 403 | 404) => {
            let why = format!(
                "GitLab did not serve {what}'s audit events ({}): audit events are a Premium/Ultimate feature, or the token's role is too low",
                s.status
            );
            match &policy.audit_log_archive {
                Some(archive) => {
                    let msg = format!(
                        "{why}; the policy says the audit trail for {span} is archived at {archive}"
                    );
                    out.api(host, res, pointer, Outcome::Pass, msg, &[s]);
                }
                None => {
                    let msg = format!(
                        "{why}, and nothing archives them (`audit_log_archive` is not set): the period {span} has no audit trail from the platform"
                    );
                    out.api(host, res, pointer, Outcome::Fail, msg, &[s]);
                }
            }
        }
        unknown => {
            out.api_unknown(
                host,
                res,
                pointer,
                &format!("whether {what}'s audit events cover the period"),
                unknown,
            );
        }
    }
}

/// The period as instants (a date `from` starts at midnight UTC, a date `to` ends at the end of
/// that day).
fn window(p: &Period) -> Option<(jiff::Timestamp, jiff::Timestamp)> {
    let from = ts(&p.from).or_else(|| ts(&format!("{}T00:00:00Z", p.from)))?;
    let to = ts(&p.to).or_else(|| ts(&format!("{}T23:59:59Z", p.to)))?;
    Some((from, to))
}

fn ts(s: &str) -> Option<jiff::Timestamp> {
    s.parse().ok()
}

pub(crate) fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
