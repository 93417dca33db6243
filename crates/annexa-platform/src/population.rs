//! Populations over the audit period (DESIGN.md §3): the sets an auditor samples, each with its
//! query, period, counts, reconciliation against an independent total, extraction time,
//! collector identity, and every exception with its link. Built from a GitHub snapshot's
//! history; nothing here judges beyond the definitions written on each field.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::github::{Github, Org, Repo, Review};
use crate::known::Known;
use crate::snapshot::Manifest;

/// A population and how it was obtained.
#[derive(Clone, Debug, Serialize)]
pub struct Population<T> {
    pub name: &'static str,
    /// The API queries the items come from.
    pub query: Vec<String>,
    pub filters: String,
    pub period: Option<(String, String)>,
    pub extracted_at: String,
    pub collector: Option<String>,
    pub items: Vec<T>,
    /// Items meeting the population's requirement / all items.
    pub meeting: usize,
    pub exceptions: usize,
    /// Reconciliation against an independent total: what it was compared with and the result.
    pub reconciliation: Vec<String>,
    /// What could not be read (repository: reason).
    pub unreadable: Vec<String>,
}

impl<T> Population<T> {
    /// A population with its counts: `exception` says whether an item misses the requirement.
    #[allow(clippy::too_many_arguments)]
    fn assemble(
        name: &'static str,
        query: &[&str],
        filters: String,
        manifest: &Manifest,
        items: Vec<T>,
        reconciliation: Vec<String>,
        unreadable: Vec<String>,
        exception: impl Fn(&T) -> bool,
    ) -> Population<T> {
        let exceptions = items.iter().filter(|i| exception(i)).count();
        Population {
            name,
            query: query.iter().map(|q| q.to_string()).collect(),
            filters,
            period: period_of(manifest),
            extracted_at: manifest
                .finished_at
                .clone()
                .unwrap_or(manifest.collected_at.clone()),
            collector: manifest.collector.login.clone(),
            meeting: items.len() - exceptions,
            exceptions,
            items,
            reconciliation,
            unreadable,
        }
    }
}

/// Every repository's part of a population, gathered.
type Part<T> = (Vec<T>, Vec<String>, Vec<String>);

fn gather<T>(
    gh: &Github,
    manifest: &Manifest,
    part: impl Fn(&Repo, Option<&(String, String)>) -> Part<T>,
) -> Part<T> {
    let period = period_of(manifest);
    let (mut items, mut reconciliation, mut unreadable) = (Vec::new(), Vec::new(), Vec::new());
    for r in &gh.repos {
        let (i, rec, un) = part(r, period.as_ref());
        items.extend(i);
        reconciliation.extend(rec);
        unreadable.extend(un);
    }
    (items, reconciliation, unreadable)
}

/// One merged change.
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    pub repo: String,
    /// `#123` for a pull request, the short sha for a direct push.
    pub id: String,
    pub link: Option<String>,
    pub author: Option<String>,
    pub merged_by: Option<String>,
    pub merged_at: Option<String>,
    /// Approvals that count: latest review per reviewer is APPROVED, by someone else than the
    /// author. `login @ time (commit)`.
    pub approvals: Vec<String>,
    /// The commit the last independent approval applies to vs the head merged.
    pub approved_commit: Option<String>,
    pub merged_head: Option<String>,
    /// The change's requirement: independently approved, and the approval was of the head
    /// that merged (not stale).
    pub independent: bool,
    pub stale_approval: bool,
    /// Author merged their own change (allowed, but listed).
    pub self_merged: bool,
    /// The production deployment of the merge commit, with who approved it
    /// (`deployment 100 to production, approved by carol`), when one was found.
    pub deployed: Option<String>,
    /// Why it is an exception (empty when it meets the requirement).
    pub exception: Option<String>,
    /// The exception is that its evidence could not be read: it neither meets nor fails.
    pub undecided: bool,
}

/// What a pull request's reviews show.
fn independent_approvals<'a>(reviews: &'a [Review], author: Option<&str>) -> Vec<&'a Review> {
    // The latest non-comment review of each reviewer decides.
    let mut latest: BTreeMap<&str, &Review> = BTreeMap::new();
    for r in reviews {
        let Some(login) = r.user.as_ref().map(|u| u.login.as_str()) else {
            continue;
        };
        if r.state == "COMMENTED" || r.state == "PENDING" {
            continue;
        }
        latest.insert(login, r);
    }
    latest
        .into_iter()
        .filter(|(login, r)| r.state == "APPROVED" && Some(*login) != author)
        .map(|(_, r)| r)
        .collect()
}

fn in_period(at: Option<&str>, period: Option<&(String, String)>) -> bool {
    let (Some(at), Some((from, to))) = (at, period) else {
        return true;
    };
    let day = at.get(..10).unwrap_or(at);
    day >= from.get(..10).unwrap_or(from) && day <= to.get(..10).unwrap_or(to)
}

fn period_of(m: &Manifest) -> Option<(String, String)> {
    m.period.as_ref().map(|p| (p.from.clone(), p.to.clone()))
}

/// The changes of one repository in the period.
pub fn repo_changes(
    repo: &Repo,
    period: Option<&(String, String)>,
) -> (Vec<Change>, Vec<String>, Vec<String>) {
    let mut items = Vec::new();
    let mut reconciliation = Vec::new();
    let mut unreadable = Vec::new();
    let Some(h) = &repo.history else {
        return (items, reconciliation, unreadable);
    };
    let pulls = match &h.pulls {
        Known::Yes(l, _) => &l.0,
        Known::Unknown { reason, .. } => {
            unreadable.push(format!("{}: pull requests: {reason}", repo.full_name));
            return (items, reconciliation, unreadable);
        }
    };
    let mut merge_shas = BTreeSet::new();
    for p in pulls
        .iter()
        .filter(|p| p.merged_at.is_some() && in_period(p.merged_at.as_deref(), period))
    {
        let detail = h.pull_details.get(&p.number).and_then(|d| d.value());
        let author = p.user.as_ref().map(|u| u.login.clone());
        let merged_by = detail
            .and_then(|d| d.merged_by.as_ref())
            .map(|u| u.login.clone());
        let head = detail
            .and_then(|d| d.head.as_ref())
            .or(p.head.as_ref())
            .and_then(|h| h.sha.clone());
        if let Some(sha) = detail
            .and_then(|d| d.merge_commit_sha.clone())
            .or(p.merge_commit_sha.clone())
        {
            merge_shas.insert(sha);
        }
        let mut change = Change {
            repo: repo.full_name.clone(),
            id: format!("#{}", p.number),
            link: p.html_url.clone(),
            author: author.clone(),
            merged_by: merged_by.clone(),
            merged_at: p.merged_at.clone(),
            approvals: Vec::new(),
            approved_commit: None,
            merged_head: head.clone(),
            independent: false,
            stale_approval: false,
            self_merged: merged_by.is_some() && merged_by == author,
            deployed: None,
            exception: None,
            undecided: false,
        };
        match h.reviews.get(&p.number) {
            Some(Known::Yes(reviews, _)) => {
                let ok = independent_approvals(&reviews.0, author.as_deref());
                change.approvals = ok
                    .iter()
                    .map(|r| {
                        format!(
                            "{} @ {} ({})",
                            r.user.as_ref().map_or("?", |u| u.login.as_str()),
                            r.submitted_at.as_deref().unwrap_or("?"),
                            r.commit_id
                                .as_deref()
                                .map_or("?", |c| c.get(..7).unwrap_or(c))
                        )
                    })
                    .collect();
                // The latest approval (by time, not by reviewer name).
                change.approved_commit = ok
                    .iter()
                    .max_by(|a, b| a.submitted_at.cmp(&b.submitted_at))
                    .and_then(|r| r.commit_id.clone());
                change.independent = !ok.is_empty();
                change.stale_approval =
                    change.independent && head.is_some() && !ok.iter().any(|r| r.commit_id == head);
                change.exception = if !change.independent {
                    Some(
                        "merged without an approving review by someone other than the author"
                            .to_owned(),
                    )
                } else if head.is_none() {
                    // Without the merged head, whether the approval covered it is not known.
                    Some("merged head not readable: cannot tell whether the approval was of the code merged".to_owned())
                } else if change.stale_approval {
                    Some("approved, but not at the head that was merged (commits after the approval)".to_owned())
                } else {
                    None
                };
                change.undecided = change.independent && head.is_none();
            }
            Some(Known::Unknown { reason, .. }) => {
                change.undecided = true;
                change.exception = Some(format!("reviews not readable: {reason}"));
                unreadable.push(format!(
                    "{} {}: reviews: {reason}",
                    repo.full_name, change.id
                ));
            }
            None => {
                change.undecided = true;
                change.exception = Some("reviews not collected".to_owned());
                unreadable.push(format!(
                    "{} {}: reviews not collected",
                    repo.full_name, change.id
                ));
            }
        }
        items.push(change);
    }
    // The production deployment that shipped each merge commit, and who approved it: the
    // author must not be the one who approved its release.
    let (deployments, ..) = repo_deployments(repo, period);
    for c in items.iter_mut() {
        let Some(sha) = h
            .pull_details
            .get(&c.id.trim_start_matches('#').parse().unwrap_or(0))
            .and_then(|d| d.value())
            .and_then(|d| d.merge_commit_sha.clone())
        else {
            continue;
        };
        let Some(d) = deployments
            .iter()
            .find(|d| d.sha.as_deref() == Some(sha.as_str()))
        else {
            continue;
        };
        let approvers: Vec<&str> = d
            .approvals
            .iter()
            .filter_map(|a| a.strip_suffix(": approved"))
            .collect();
        c.deployed = Some(format!(
            "deployment {} to {}, approved by {}",
            d.id,
            d.environment,
            if approvers.is_empty() {
                "nobody".to_owned()
            } else {
                approvers.join(", ")
            }
        ));
        if c.exception.is_none() && c.author.as_deref().is_some_and(|a| approvers.contains(&a)) {
            c.exception = Some(format!(
                "its author approved the production deployment that shipped it ({})",
                d.id
            ));
        }
    }
    // Reconcile with the default branch's commits: every commit in the period either came
    // through a pull request or was pushed directly (an exception of its own).
    match &h.commits {
        Known::Yes(commits, _) => {
            let mut direct = 0;
            let mut via_pr = 0;
            let default = repo.default_branch.as_deref();
            for c in &commits.0 {
                // Through a pull request: the merge commit of one we know, or a pull request
                // merged *into the default branch* that contains the commit.
                let into_default = |p: &crate::github::PullSummary| {
                    p.merged_at.is_some()
                        && p.base.as_ref().and_then(|b| b.reference.as_deref()) == default
                };
                let lookup = h.commit_pulls.get(&c.sha);
                if let Some(Known::Unknown { reason, .. }) = lookup {
                    unreadable.push(format!(
                        "{} {}: pull requests of the commit: {reason}",
                        repo.full_name,
                        c.sha.get(..7).unwrap_or(&c.sha)
                    ));
                    continue;
                }
                let through_pr = merge_shas.contains(&c.sha)
                    || matches!(lookup, Some(Known::Yes(prs, _)) if prs.0.iter().any(into_default));
                let looked_up = merge_shas.contains(&c.sha) || lookup.is_some();
                if through_pr {
                    via_pr += 1;
                } else if looked_up {
                    direct += 1;
                    let who = c.author.as_ref().map(|u| u.login.clone());
                    items.push(Change {
                        repo: repo.full_name.clone(),
                        id: c.sha.get(..7).unwrap_or(&c.sha).to_owned(),
                        link: c.html_url.clone(),
                        author: who.clone(),
                        merged_by: c.committer.as_ref().map(|u| u.login.clone()),
                        merged_at: c
                            .commit
                            .as_ref()
                            .and_then(|d| d.committer.as_ref())
                            .and_then(|p| p.date.clone()),
                        approvals: Vec::new(),
                        approved_commit: None,
                        merged_head: Some(c.sha.clone()),
                        independent: false,
                        stale_approval: false,
                        self_merged: true,
                        deployed: None,
                        exception: Some(
                            "pushed to the default branch without a pull request".to_owned(),
                        ),
                        undecided: false,
                    });
                } else {
                    unreadable.push(format!(
                        "{} {}: not looked up (commit → pull request)",
                        repo.full_name,
                        c.sha.get(..7).unwrap_or(&c.sha)
                    ));
                }
            }
            reconciliation.push(format!(
                "{}: {} commit(s) on the default branch in the period: {via_pr} through merged pull requests, {direct} pushed directly",
                repo.full_name,
                commits.0.len()
            ));
        }
        Known::Unknown { reason, .. } => {
            reconciliation.push(format!(
                "{}: default-branch commits not readable ({reason}): not reconciled",
                repo.full_name
            ));
            // Direct pushes were not examined: the population is not complete.
            unreadable.push(format!(
                "{}: default-branch commits: {reason}",
                repo.full_name
            ));
        }
    }
    (items, reconciliation, unreadable)
}

/// Every merged change in the period, across the snapshot's repositories.
pub fn changes(gh: &Github, manifest: &Manifest) -> Population<Change> {
    let (items, reconciliation, unreadable) = gather(gh, manifest, repo_changes);
    Population::assemble(
        "changes",
        &[
            "GET /repos/{o}/{r}/pulls?state=closed&base={default}&sort=updated&direction=desc",
            "GET /repos/{o}/{r}/pulls/{n}, GET /repos/{o}/{r}/pulls/{n}/reviews",
            "GET /repos/{o}/{r}/commits?sha={default}&since&until, GET .../commits/{sha}/pulls",
        ],
        "pull requests into the default branch merged in the period, and default-branch commits in the period that no merged pull request brought".into(),
        manifest,
        items,
        reconciliation,
        unreadable,
        |c| c.exception.is_some(),
    )
}

/// One deployment to a production environment.
#[derive(Clone, Debug, Serialize)]
pub struct DeploymentItem {
    pub repo: String,
    pub id: u64,
    pub environment: String,
    pub sha: Option<String>,
    pub created_at: Option<String>,
    pub creator: Option<String>,
    /// Approvers recorded on the workflow run behind it (`login: state`).
    pub approvals: Vec<String>,
    pub run: Option<u64>,
    pub final_state: Option<String>,
    pub exception: Option<String>,
    /// The exception is that its evidence could not be read: it neither meets nor fails.
    pub undecided: bool,
}

/// One repository's deployments to production in the period: items, reconciliation, unreadable.
pub fn repo_deployments(
    r: &Repo,
    period: Option<&(String, String)>,
) -> (Vec<DeploymentItem>, Vec<String>, Vec<String>) {
    let mut items = Vec::new();
    let mut unreadable = Vec::new();
    let mut reconciliation = Vec::new();
    let Some(h) = &r.history else {
        return (items, reconciliation, unreadable);
    };
    let prod_envs: BTreeSet<String> = r
        .environments
        .value()
        .map(|l| {
            l.0.iter()
                .filter(|e| e.looks_production())
                .map(|e| e.name.clone())
                .collect()
        })
        .unwrap_or_default();
    if let Some(reason) = r.environments.reason() {
        // Environments marked production under another name cannot be told.
        unreadable.push(format!("{}: environments: {reason}", r.full_name));
    }
    let list = match &h.deployments {
        Known::Yes(l, _) => &l.0,
        Known::Unknown { reason, .. } => {
            unreadable.push(format!("{}: deployments: {reason}", r.full_name));
            return (items, reconciliation, unreadable);
        }
    };
    let mut n = 0;
    for d in list
        .iter()
        .filter(|d| in_period(d.created_at.as_deref(), period))
    {
        let env = d.environment.clone().unwrap_or_default();
        // Production by the platform's flag, the environment's settings, or its name (so an
        // unreadable environments list does not hide a deployment to `production`).
        let production = d.production_environment == Some(true)
            || prod_envs.contains(&env)
            || crate::github::production_name(&env);
        if !production {
            continue;
        }
        n += 1;
        let statuses = h.deployment_statuses.get(&d.id).and_then(|s| s.value());
        let run = statuses.and_then(|s| s.0.iter().find_map(|s| s.run_id()));
        let final_state = statuses
            .and_then(|s| s.0.first())
            .and_then(|s| s.state.clone());
        let mut approvals = Vec::new();
        let exception;
        // No run or unreadable approvals: whether it was approved cannot be told.
        let undecided = !matches!(
            run.map(|id| h.run_approvals.get(&id)),
            Some(Some(Known::Yes(..)))
        );
        match run.map(|id| h.run_approvals.get(&id)) {
            Some(Some(Known::Yes(a, _))) => {
                approvals = a
                    .0
                    .iter()
                    .filter(|a| a.environments.is_empty() || a.environments.iter().any(|e| e.name == env))
                    .map(|a| format!("{}: {}", a.user.as_ref().map_or("?", |u| u.login.as_str()), a.state.as_deref().unwrap_or("?")))
                    .collect();
                exception = (!approvals.iter().any(|a| a.ends_with(": approved")))
                    .then(|| "no approval recorded on the run that deployed".to_owned());
            }
            Some(Some(Known::Unknown { reason, .. })) => {
                exception = Some(format!("run approvals not readable: {reason}"));
            }
            Some(None) => exception = Some("run approvals not collected".to_owned()),
            None => {
                exception = Some("no workflow run found for the deployment (not made by Actions, or statuses not collected)".to_owned())
            }
        }
        items.push(DeploymentItem {
            repo: r.full_name.clone(),
            id: d.id,
            environment: env,
            sha: d.sha.clone(),
            created_at: d.created_at.clone(),
            creator: d.creator.as_ref().map(|u| u.login.clone()),
            approvals,
            run,
            final_state,
            exception,
            undecided,
        });
    }
    reconciliation.push(format!(
        "{}: {} deployment(s) listed, {n} to production in the period",
        r.full_name,
        list.len()
    ));
    (items, reconciliation, unreadable)
}

/// Deployments to production environments in the period with their approvals.
pub fn deployments(gh: &Github, manifest: &Manifest) -> Population<DeploymentItem> {
    let (items, reconciliation, unreadable) = gather(gh, manifest, repo_deployments);
    Population::assemble(
        "deployments",
        &[
            "GET /repos/{o}/{r}/deployments, GET .../deployments/{id}/statuses",
            "GET /repos/{o}/{r}/actions/runs/{run}/approvals",
        ],
        "deployments created in the period to environments marked production or named production/prod/prd/live".into(),
        manifest,
        items,
        reconciliation,
        unreadable,
        |d| d.exception.is_some(),
    )
}

/// Who holds write or more on a repository, and how.
#[derive(Clone, Debug, Serialize)]
pub struct AccessItem {
    pub repo: String,
    pub login: String,
    /// `admin`, `maintain`, `write`.
    pub permission: String,
    /// `direct`, `team <slug>`, `outside collaborator`, `organisation owner`.
    pub through: Vec<String>,
    /// Latest audit-log event by this account in the period, where the audit log was read.
    pub last_activity: Option<String>,
    /// Whether the audit log was read (so a missing `last_activity` means no activity).
    pub activity_known: bool,
    pub exception: Option<String>,
}

/// The latest audit-log event per actor (milliseconds), when the audit log was read.
fn last_activity(org: Option<&Org>) -> Option<BTreeMap<String, i64>> {
    let Some(Known::Yes(events, _)) = org.and_then(|o| o.audit_log.as_ref()) else {
        return None;
    };
    let mut last: BTreeMap<String, i64> = BTreeMap::new();
    for e in &events.0 {
        let (Some(actor), Some(ms)) = (
            e.get("actor").and_then(|a| a.as_str()),
            e.get("@timestamp").and_then(|t| t.as_i64()),
        ) else {
            continue;
        };
        let slot = last.entry(actor.to_owned()).or_insert(ms);
        *slot = (*slot).max(ms);
    }
    Some(last)
}

/// Activity seen for each account in one repository's history over the period: pull requests
/// opened or merged, reviews, commits (milliseconds since the epoch).
fn history_activity(r: &Repo) -> BTreeMap<String, i64> {
    let mut last: BTreeMap<String, i64> = BTreeMap::new();
    let mut see = |who: Option<&str>, at: Option<&str>| {
        let (Some(who), Some(at)) = (who, at) else {
            return;
        };
        if let Ok(t) = at.parse::<jiff::Timestamp>() {
            let ms = t.as_millisecond();
            let slot = last.entry(who.to_owned()).or_insert(ms);
            *slot = (*slot).max(ms);
        }
    };
    let Some(h) = &r.history else {
        return last;
    };
    for p in h.pulls.value().map(|l| l.0.as_slice()).unwrap_or(&[]) {
        see(
            p.user.as_ref().map(|u| u.login.as_str()),
            p.created_at.as_deref(),
        );
    }
    for d in h.pull_details.values().filter_map(|d| d.value()) {
        see(
            d.merged_by.as_ref().map(|u| u.login.as_str()),
            d.merged_at.as_deref(),
        );
    }
    for rv in h.reviews.values().filter_map(|r| r.value()) {
        for x in &rv.0 {
            see(
                x.user.as_ref().map(|u| u.login.as_str()),
                x.submitted_at.as_deref(),
            );
        }
    }
    for c in h.commits.value().map(|l| l.0.as_slice()).unwrap_or(&[]) {
        let at = c
            .commit
            .as_ref()
            .and_then(|d| d.committer.as_ref())
            .and_then(|p| p.date.as_deref());
        see(c.author.as_ref().map(|u| u.login.as_str()), at);
    }
    last
}

/// One repository's write-or-more grants: items, reconciliation, unreadable. Activity comes
/// from the organisation audit log and the repository's own history in the period; it is
/// *known* only when that evidence reaches at least `inactive_days` back from `as_of`
/// (`period_from`), otherwise "no activity seen" proves nothing.
pub fn repo_access(
    org: Option<&Org>,
    r: &Repo,
    inactive_days: i64,
    as_of: jiff::Timestamp,
    period_from: Option<&str>,
) -> Part<AccessItem> {
    let mut unreadable = Vec::new();
    let mut items = Vec::new();
    let mut reconciliation = Vec::new();
    let audit = last_activity(org);
    let mut last = history_activity(r);
    for (who, ms) in audit.iter().flatten() {
        let slot = last.entry(who.clone()).or_insert(*ms);
        *slot = (*slot).max(*ms);
    }
    let now_ms = as_of.as_millisecond();
    let window_days = period_from
        .and_then(|f| {
            let f = if f.len() == 10 {
                format!("{f}T00:00:00Z")
            } else {
                f.to_owned()
            };
            f.parse::<jiff::Timestamp>().ok()
        })
        .map(|f| now_ms.saturating_sub(f.as_millisecond()) / 86_400_000);
    let activity_known =
        (audit.is_some() || r.history.is_some()) && window_days.is_some_and(|w| w >= inactive_days);
    let mut logins = |what: &str,
                      k: Option<&Known<crate::github::List<crate::github::User>>>|
     -> BTreeSet<String> {
        match k {
            Some(Known::Yes(l, _)) => l.0.iter().map(|u| u.login.clone()).collect(),
            Some(Known::Unknown { reason, .. }) => {
                unreadable.push(format!("{what}: {reason}"));
                BTreeSet::new()
            }
            None => BTreeSet::new(),
        }
    };
    let owners = logins("organisation owners", org.map(|o| &o.admins));
    let outside = logins(
        "outside collaborators",
        org.map(|o| &o.outside_collaborators),
    );
    let collabs = match &r.collaborators {
        Known::Yes(l, _) => &l.0,
        Known::Unknown { reason, .. } => {
            unreadable.push(format!("{}: collaborators: {reason}", r.full_name));
            return (items, reconciliation, unreadable);
        }
    };
    // Teams with access to this repository and their members.
    let mut via_team: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(reason) = r.teams.reason() {
        unreadable.push(format!("{}: teams: {reason}", r.full_name));
    }
    if let (Some(org), Some(teams)) = (org, r.teams.value()) {
        for t in &teams.0 {
            match org.team_members.get(&t.slug) {
                Some(Known::Yes(members, _)) => {
                    for m in &members.0 {
                        via_team.entry(m.login.clone()).or_default().push(format!(
                            "team {} ({})",
                            t.slug,
                            t.permission.as_deref().unwrap_or("?")
                        ));
                    }
                }
                Some(Known::Unknown { reason, .. }) => {
                    unreadable.push(format!("team {} members: {reason}", t.slug));
                }
                None => unreadable.push(format!("team {} members: not collected", t.slug)),
            }
        }
    }
    let mut n = 0;
    for u in collabs {
        // The effective permissions, else the role name GitHub gives.
        let level = match (&u.permissions, u.role_name.as_deref()) {
            (Some(p), _) => p.level(),
            (None, Some("admin")) => "admin",
            (None, Some("maintain")) => "maintain",
            (None, Some("write")) => "write",
            (None, Some("triage" | "read")) => "read",
            (None, _) => {
                unreadable.push(format!(
                    "{}: permission of {} not given",
                    r.full_name, u.login
                ));
                continue;
            }
        };
        if !matches!(level, "admin" | "maintain" | "write") {
            continue;
        }
        n += 1;
        let mut through = via_team.get(&u.login).cloned().unwrap_or_default();
        if owners.contains(&u.login) {
            through.push("organisation owner".into());
        }
        if outside.contains(&u.login) {
            through.push("outside collaborator".into());
        }
        if through.is_empty() {
            through.push("direct".into());
        }
        // A timestamp after the reference instant is not believed as "recent".
        let seen = last.get(&u.login).copied().filter(|ms| *ms <= now_ms);
        let last_activity = seen.map(|ms| {
            jiff::Timestamp::from_millisecond(ms)
                .map(|t| t.to_string())
                .unwrap_or_default()
        });
        let idle = seen.map(|ms| now_ms.saturating_sub(ms) / 86_400_000);
        let exception = if outside.contains(&u.login) {
            Some("outside collaborator with write access".to_owned())
        } else if activity_known {
            match idle {
                None => Some(format!("no activity seen in the last {inactive_days} days")),
                Some(d) if d > inactive_days => {
                    Some(format!("no activity in the last {inactive_days} days"))
                }
                _ => None,
            }
        } else {
            None
        };
        items.push(AccessItem {
            repo: r.full_name.clone(),
            login: u.login.clone(),
            permission: level.to_owned(),
            through,
            // Recent activity is known whenever it was seen; its absence only over a long
            // enough window.
            activity_known: activity_known || idle.is_some_and(|d| d <= inactive_days),
            last_activity,
            exception,
        });
    }
    reconciliation.push(format!(
        "{}: {} collaborator(s) listed, {n} with write or more",
        r.full_name,
        collabs.len()
    ));
    (items, reconciliation, unreadable)
}

/// Write-or-more access per repository: the extract an access review starts from.
pub fn access(
    gh: &Github,
    manifest: &Manifest,
    inactive_days: i64,
    as_of: jiff::Timestamp,
) -> Population<AccessItem> {
    let (items, reconciliation, mut unreadable) = gather(gh, manifest, |r, p| {
        repo_access(
            gh.org.as_ref(),
            r,
            inactive_days,
            as_of,
            p.map(|(f, _)| f.as_str()),
        )
    });
    if last_activity(gh.org.as_ref()).is_none() {
        unreadable.push("audit log not read: last activity unknown (GitHub's REST API gives it only through the Enterprise Cloud audit log)".to_owned());
    }
    Population::assemble(
        "access",
        &[
            "GET /repos/{o}/{r}/collaborators?affiliation=all, GET /repos/{o}/{r}/teams",
            "GET /orgs/{org}/teams/{team}/members, GET /orgs/{org}/members?role=admin, GET /orgs/{org}/outside_collaborators",
            "GET /orgs/{org}/audit-log (last activity)",
        ],
        format!(
            "accounts with write, maintain or admin on a repository in scope; inactive = no audit-log event in {inactive_days} days"
        ),
        manifest,
        items,
        reconciliation,
        unreadable,
        |a| a.exception.is_some(),
    )
}

/// One vulnerability alert and its age against the deadline for its severity.
#[derive(Clone, Debug, Serialize)]
pub struct AlertItem {
    pub repo: String,
    /// `dependabot`, `code-scanning`, `secret-scanning`.
    pub kind: &'static str,
    pub number: u64,
    pub severity: String,
    pub state: String,
    pub created_at: Option<String>,
    pub closed_at: Option<String>,
    /// Days open: until it closed, or until the reference instant.
    pub age_days: Option<i64>,
    pub sla_days: Option<u32>,
    pub link: Option<String>,
    pub exception: Option<String>,
}

/// Every alert of the repositories in scope (open, and closed ones created or closed in the
/// period when there is one), with its age against `sla(severity)`, measured at `as_of`.
pub fn alerts(
    gh: &Github,
    manifest: &Manifest,
    as_of: jiff::Timestamp,
    sla: impl Fn(&str) -> Option<u32>,
) -> Population<AlertItem> {
    let period = period_of(manifest);
    let scope: BTreeSet<&str> = gh.repos.iter().map(|r| r.full_name.as_str()).collect();
    let mut items = Vec::new();
    let mut reconciliation = Vec::new();
    let mut unreadable = Vec::new();
    let days = |from: &str, to: jiff::Timestamp| -> Option<i64> {
        let t: jiff::Timestamp = from.parse().ok()?;
        Some((to.as_second() - t.as_second()) / 86_400)
    };
    if let Some(org) = &gh.org {
        for (what, list) in [
            ("Dependabot", &org.dependabot_alerts),
            ("code-scanning", &org.code_scanning_alerts),
            ("secret-scanning", &org.secret_scanning_alerts),
        ] {
            let all = match list {
                Known::Yes(a, _) => a,
                Known::Unknown { key, reason, .. } => {
                    unreadable.push(format!("{key}: {reason}"));
                    continue;
                }
            };
            let mut n = 0;
            for a in all.iter().filter(|a| scope.contains(a.repo.as_str())) {
                let open = a.closed_at.is_none() && matches!(a.state.as_str(), "open" | "");
                if !open
                    && !in_period(a.closed_at.as_deref(), period.as_ref())
                    && !in_period(a.created_at.as_deref(), period.as_ref())
                {
                    continue;
                }
                n += 1;
                let end = a
                    .closed_at
                    .as_deref()
                    .and_then(|c| c.parse::<jiff::Timestamp>().ok())
                    .unwrap_or(as_of);
                let age_days = a.created_at.as_deref().and_then(|c| days(c, end));
                let sla_days = sla(&a.severity);
                let late = matches!((age_days, sla_days), (Some(age), Some(limit)) if age > i64::from(limit));
                items.push(AlertItem {
                    repo: a.repo.clone(),
                    kind: a.kind.as_str(),
                    number: a.number,
                    severity: a.severity.clone(),
                    state: a.state.clone(),
                    created_at: a.created_at.clone(),
                    closed_at: a.closed_at.clone(),
                    age_days,
                    sla_days,
                    link: a.html_url.clone(),
                    exception: if open && (age_days.is_none() || sla_days.is_none()) {
                        Some("age or deadline unknown (no creation time, or a severity without a deadline)".to_owned())
                    } else {
                        late.then(|| {
                        if open {
                            "open past its deadline".to_owned()
                        } else {
                            "closed after its deadline".to_owned()
                        }
                    })
                    },
                });
            }
            reconciliation.push(format!(
                "{} {what} alert(s) listed for the organisation, {n} of them in scope",
                all.len()
            ));
        }
    }
    items.sort_by(|a, b| (&a.repo, a.kind, a.number).cmp(&(&b.repo, b.kind, b.number)));
    Population::assemble(
        "alerts",
        &[
            "GET /orgs/{org}/dependabot/alerts, GET /orgs/{org}/code-scanning/alerts",
            "GET /orgs/{org}/secret-scanning/alerts",
        ],
        "alerts of the repositories in scope: open ones, and closed ones created or closed in the period; age until closed or until the reference instant".into(),
        manifest,
        items,
        reconciliation,
        unreadable,
        |a| a.exception.is_some(),
    )
}
