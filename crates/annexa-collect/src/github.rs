//! The GitHub crawl plan for one organisation. Organisation-level endpoints come first because
//! they replace per-repository calls (alerts, runners, secrets); then each repository.
//! Dependent resources (a team's members, a ruleset by id, a pull request's reviews) are
//! derived from the stored parent bodies, so a resumed run plans exactly the same requests.

use std::collections::BTreeSet;

use annexa_platform::keys::github as k;
use serde_json::Value;

use crate::crawl::{Ctx, Identity, Spec, time_of};
use crate::{CollectError, Window};

/// Secret scanning alerts carry the leaked secret unless asked not to; the member is also
/// removed in case a server ignores the parameter.
const HIDE_SECRET: &[(&str, &str)] = &[("hide_secret", "true")];
const SECRET: &[&str] = &["secret"];

/// `GET /user`; the scopes of a classic token come from `X-OAuth-Scopes` (see `lib.rs`).
pub(crate) fn identity(ctx: &mut Ctx) -> Result<Identity, CollectError> {
    let fetched = ctx.fetch(Spec::one(k::USER))?;
    let login = fetched
        .ok()
        .and_then(|u| u.get("login"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(Identity {
        fetched,
        login,
        scopes: Vec::new(),
    })
}

/// Crawl the organisation; returns the repositories collected (`owner/name`).
pub(crate) fn crawl(
    ctx: &mut Ctx,
    org: &str,
    given: &[String],
    period: Option<&Window>,
) -> Result<Vec<String>, CollectError> {
    ctx.label = org.to_owned();
    ctx.fetch(Spec::one(&k::org(org)))?;
    let repos: Vec<String> = if given.is_empty() {
        let list = ctx.fetch(Spec::list(&k::org_repos(org)))?;
        let mut seen = BTreeSet::new();
        list.items()
            .iter()
            .filter_map(|r| r.get("full_name").and_then(Value::as_str))
            .filter(|n| seen.insert(n.to_string()))
            .map(str::to_owned)
            .collect()
    } else {
        given.to_vec()
    };
    ctx.progress.set_length(repos.len() as u64 + 1);

    for key in [
        k::org_members(org),
        k::org_members_without_2fa(org),
        k::org_admins(org),
        k::org_outside_collaborators(org),
    ] {
        ctx.fetch(Spec::list(&key))?;
    }
    let teams = ctx.fetch(Spec::list(&k::org_teams(org)))?;
    for slug in strings(teams.items(), "slug") {
        ctx.fetch(Spec::list(&k::team_members(org, &slug)))?;
        ctx.fetch(Spec::list(&k::team_repos(org, &slug)))?;
    }
    let rulesets = ctx.fetch(Spec::list(&k::org_rulesets(org)))?;
    for id in ids(rulesets.items(), "id") {
        ctx.fetch(Spec::one(&k::org_ruleset(org, id)))?;
    }
    for key in [
        k::org_actions_permissions(org),
        k::org_workflow_permissions(org),
        k::org_selected_actions(org),
        k::org_fork_pr_approval(org),
    ] {
        ctx.fetch(Spec::one(&key))?;
    }
    let groups = ctx.fetch(Spec::list(&k::org_runner_groups(org)))?;
    // Only groups limited to selected repositories have a repository list.
    let selected: Vec<u64> = groups
        .items()
        .iter()
        .filter(|g| g.get("visibility").and_then(Value::as_str) == Some("selected"))
        .filter_map(|g| g.get("id").and_then(Value::as_u64))
        .collect();
    for id in selected {
        ctx.fetch(Spec::list(&k::org_runner_group_repos(org, id)))?;
    }
    for key in [k::org_runners(org), k::org_secrets(org), k::org_hooks(org)] {
        ctx.fetch(Spec::list(&key))?;
    }
    // All states: no `state` filter.
    ctx.fetch(Spec::list(&k::org_dependabot_alerts(org)))?;
    ctx.fetch(Spec::list(&k::org_code_scanning_alerts(org)))?;
    ctx.fetch(
        Spec::list(&k::org_secret_scanning_alerts(org))
            .extra(HIDE_SECRET)
            .strip(SECRET),
    )?;
    if let Some(w) = period {
        ctx.fetch(Spec::list(&k::org_audit_log(org, &w.from_date, &w.to_date)))?;
    }
    ctx.progress.step();

    for full in &repos {
        ctx.label = full.clone();
        repository(ctx, full, period)?;
        ctx.progress.step();
    }
    Ok(repos)
}

fn repository(ctx: &mut Ctx, full: &str, period: Option<&Window>) -> Result<(), CollectError> {
    let repo = ctx.fetch(Spec::one(&k::repo(full)))?;
    if repo.ok().is_none() {
        // Missing (listed as incomplete) or an error answer (a fact: not found, no access):
        // every other resource of the repository would answer the same.
        return Ok(());
    }
    let default = repo
        .ok()
        .and_then(|r| r.get("default_branch"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(b) = &default {
        ctx.fetch(Spec::one(&k::branch_protection(full, b)))?;
        ctx.fetch(Spec::list(&k::branch_rules(full, b)))?;
    }
    let rulesets = ctx.fetch(Spec::list(&k::repo_rulesets(full)))?;
    for id in ids(rulesets.items(), "id") {
        ctx.fetch(Spec::one(&k::repo_ruleset(full, id)))?;
    }
    for key in [
        k::collaborators(full),
        k::outside_collaborators(full),
        k::repo_teams(full),
    ] {
        ctx.fetch(Spec::list(&key))?;
    }
    let envs = ctx.fetch(Spec::list(&k::environments(full)))?;
    for name in strings(envs.items(), "name") {
        ctx.fetch(Spec::list(&k::environment_branch_policies(full, &name)))?;
        ctx.fetch(Spec::list(&k::environment_secrets(full, &name)))?;
    }
    for key in [
        k::repo_secrets(full),
        k::repo_org_secrets(full),
        k::deploy_keys(full),
        k::repo_hooks(full),
    ] {
        ctx.fetch(Spec::list(&key))?;
    }
    for key in [
        k::repo_actions_permissions(full),
        k::repo_workflow_permissions(full),
        k::repo_fork_pr_approval(full),
    ] {
        ctx.fetch(Spec::one(&key))?;
    }
    ctx.fetch(Spec::list(&k::repo_runners(full)))?;
    ctx.fetch(Spec::one(&k::codeowners_errors(full)))?;
    // 204 when Dependabot alerts are on, 404 "Vulnerability alerts are disabled" when off.
    ctx.fetch(Spec::one(&k::vulnerability_alerts(full)))?;

    let Some(w) = period else {
        return Ok(());
    };
    // Merge commits of pull requests: commits that are one of them came through a PR.
    let mut merge_shas = BTreeSet::new();
    if let Some(b) = &default {
        let pulls =
            ctx.fetch(Spec::list(&k::pulls_closed(full, b)).stop_before("updated_at", w.from))?;
        let mut merged_in_period = Vec::new();
        for pr in pulls.items() {
            if pr.get("merged_at").is_some_and(|m| !m.is_null()) {
                if let Some(sha) = pr.get("merge_commit_sha").and_then(Value::as_str) {
                    merge_shas.insert(sha.to_owned());
                }
                if time_of(pr, "merged_at").is_some_and(|t| w.contains(t))
                    && let Some(n) = pr.get("number").and_then(Value::as_u64)
                {
                    merged_in_period.push(n);
                }
            }
        }
        for n in merged_in_period {
            let pull = ctx.fetch(Spec::one(&k::pull(full, n)))?;
            if let Some(sha) = pull
                .ok()
                .and_then(|p| p.get("merge_commit_sha"))
                .and_then(Value::as_str)
            {
                merge_shas.insert(sha.to_owned());
            }
            ctx.fetch(Spec::list(&k::pull_reviews(full, n)))?;
        }
    }

    let deployments =
        ctx.fetch(Spec::list(&k::deployments(full)).stop_before("created_at", w.from))?;
    let in_period: Vec<u64> = deployments
        .items()
        .iter()
        .filter(|d| time_of(d, "created_at").is_some_and(|t| w.contains(t)))
        .filter_map(|d| d.get("id").and_then(Value::as_u64))
        .collect();
    let mut runs = BTreeSet::new();
    for id in in_period {
        let statuses = ctx.fetch(Spec::list(&k::deployment_statuses(full, id)))?;
        for s in statuses.items() {
            for field in ["log_url", "target_url"] {
                if let Some(run) = s.get(field).and_then(Value::as_str).and_then(run_id) {
                    runs.insert(run);
                }
            }
        }
    }
    for run in runs {
        ctx.fetch(Spec::list(&k::run_approvals(full, run)))?;
    }

    if let Some(b) = &default {
        let commits = ctx.fetch(Spec::list(&k::commits(full, b, &w.from_s, &w.to_s)))?;
        let direct: Vec<String> = strings(commits.items(), "sha")
            .into_iter()
            .filter(|sha| !merge_shas.contains(sha))
            .collect();
        for sha in direct {
            ctx.fetch(Spec::list(&k::commit_pulls(full, &sha)))?;
        }
    }
    Ok(())
}

/// The workflow run id in an Actions URL (`.../actions/runs/<id>[/...]`).
fn run_id(url: &str) -> Option<u64> {
    let (_, rest) = url.split_once("/actions/runs/")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A string member of each item, de-duplicated, in order.
pub(crate) fn strings(items: &[Value], field: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    items
        .iter()
        .filter_map(|i| i.get(field).and_then(Value::as_str))
        .filter(|s| !s.is_empty() && seen.insert(s.to_string()))
        .map(str::to_owned)
        .collect()
}

/// A numeric member of each item, de-duplicated, in order.
pub(crate) fn ids(items: &[Value], field: &str) -> Vec<u64> {
    let mut seen = BTreeSet::new();
    items
        .iter()
        .filter_map(|i| i.get(field).and_then(Value::as_u64))
        .filter(|n| seen.insert(*n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn run_ids_from_status_urls() {
        assert_eq!(
            run_id("https://github.com/acme/app/actions/runs/777/job/1"),
            Some(777)
        );
        assert_eq!(
            run_id("https://github.com/acme/app/actions/runs/42"),
            Some(42)
        );
        assert_eq!(run_id("https://example.com/deployment/42/output"), None);
        assert_eq!(run_id("https://github.com/a/b/actions/runs/x"), None);
    }

    #[test]
    fn members_are_deduplicated() {
        let items = [
            json!({"slug": "a", "id": 2}),
            json!({"slug": "a", "id": 2}),
            json!({"slug": "b"}),
            json!({"id": 3}),
        ];
        assert_eq!(strings(&items, "slug"), ["a", "b"]);
        assert_eq!(ids(&items, "id"), [2, 3]);
    }
}
