//! The GitLab crawl plan for one group: the group's own settings, members and variables, then
//! each project. CI/CD variable values are removed before anything is written.

use annexa_platform::keys::gitlab as k;
use serde_json::Value;

use crate::crawl::{Ctx, Fetched, Identity, Spec};
use crate::github::{ids, strings};
use crate::{CollectError, Window};

/// Never stored: the names, scopes and flags of a variable are evidence, its value a secret.
const VALUE: &[&str] = &["value"];
/// Audit events: offset pagination is deprecated (GitLab 17.8) in favour of keyset pagination,
/// which needs these parameters; a server that does not know them pages by offset as before.
const KEYSET: &[(&str, &str)] = &[
    ("pagination", "keyset"),
    ("order_by", "id"),
    ("sort", "desc"),
];

/// `GET /user` and the token's self-inspection (its scopes).
pub(crate) fn identity(ctx: &mut Ctx) -> Result<Identity, CollectError> {
    let fetched = ctx.fetch(Spec::one(k::USER))?;
    if matches!(fetched, Fetched::Missing) {
        return Ok(Identity {
            fetched,
            login: None,
            scopes: Vec::new(),
        });
    }
    let login = fetched
        .ok()
        .and_then(|u| u.get("username"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let token = ctx.fetch(Spec::one(k::TOKEN_SELF))?;
    let scopes = token
        .ok()
        .and_then(|t| t.get("scopes"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Ok(Identity {
        fetched,
        login,
        scopes,
    })
}

/// Crawl the group; returns the projects collected (full paths).
pub(crate) fn crawl(
    ctx: &mut Ctx,
    group: &str,
    given: &[String],
    period: Option<&Window>,
) -> Result<Vec<String>, CollectError> {
    ctx.label = group.to_owned();
    ctx.fetch(Spec::one(&k::group(group)))?;
    let projects = if given.is_empty() {
        let list = ctx.fetch(Spec::list(&k::group_projects(group)))?;
        strings(list.items(), "path_with_namespace")
    } else {
        given.to_vec()
    };
    ctx.progress.set_length(projects.len() as u64 + 1);
    ctx.fetch(Spec::list(&k::group_members(group)))?;
    ctx.fetch(Spec::list(&k::group_members_all(group)))?;
    ctx.fetch(Spec::list(&k::group_variables(group)).strip(VALUE))?;
    if let Some(w) = period {
        ctx.fetch(Spec::list(&k::group_audit_events(group, &w.from_s, &w.to_s)).extra(KEYSET))?;
    }
    ctx.progress.step();

    for p in &projects {
        ctx.label = p.clone();
        project(ctx, p, period)?;
        ctx.progress.step();
    }
    Ok(projects)
}

fn project(ctx: &mut Ctx, p: &str, period: Option<&Window>) -> Result<(), CollectError> {
    let project = ctx.fetch(Spec::one(&k::project(p)))?;
    if project.ok().is_none() {
        // Missing, or an error answer that every other request would repeat.
        return Ok(());
    }
    ctx.fetch(Spec::list(&k::protected_branches(p)))?;
    ctx.fetch(Spec::one(&k::approvals(p)))?;
    for key in [k::approval_rules(p), k::members(p), k::members_all(p)] {
        ctx.fetch(Spec::list(&key))?;
    }
    ctx.fetch(Spec::list(&k::variables(p)).strip(VALUE))?;
    ctx.fetch(Spec::list(&k::environments(p)))?;
    ctx.fetch(Spec::list(&k::protected_environments(p)))?;
    let Some(w) = period else {
        return Ok(());
    };
    ctx.fetch(Spec::list(&k::audit_events(p, &w.from_s, &w.to_s)).extra(KEYSET))?;
    let mrs = ctx.fetch(Spec::list(&k::merged_mrs(p, &w.from_s, &w.to_s)))?;
    for iid in ids(mrs.items(), "iid") {
        ctx.fetch(Spec::one(&k::mr_approvals(p, iid)))?;
    }
    let deployments = ctx.fetch(Spec::list(&k::deployments(p, &w.from_s, &w.to_s)))?;
    for id in ids(deployments.items(), "id") {
        ctx.fetch(Spec::one(&k::deployment(p, id)))?;
    }
    Ok(())
}
