//! Platform snapshots in a scan: read each into its model, run the platform checks on every
//! organisation / group and repository / project, joined to the repository's files when the
//! scan read them too.

use std::collections::BTreeSet;
use std::path::PathBuf;

use annexa_checks::{
    Check, FileInfo, GithubOrgCx, GithubRepoCx, GitlabGroupCx, GitlabProjectCx, PlatformPolicy,
    ScannedRepo, Sink,
};
use annexa_model::check::CheckScope;
use annexa_model::pipeline::Pipeline;
use annexa_model::{Observation, RepoIdentity};
use annexa_platform::github::Github;
use annexa_platform::gitlab::Gitlab;
use annexa_platform::{Effective, Manifest, PlatformKind, Snapshot};
use rayon::prelude::*;

use crate::scan::Repository;

/// A snapshot given to the scan.
#[derive(Debug)]
pub struct SnapshotInput {
    /// The folder as given on the command line.
    pub display: String,
    pub snapshot: Snapshot,
}

/// What a report says about a snapshot the scan read: what it is, how complete, and what in
/// it could not be used.
#[derive(Clone, Debug)]
pub struct SnapshotSummary {
    /// Self-hosted runners the platform lists (organisation and repository runners): name,
    /// labels (sorted, lower-case) and where registered (`org acme`, `repo acme/app`).
    pub runners: Vec<(String, Vec<String>, String)>,
    pub display: String,
    pub root: PathBuf,
    pub manifest: Manifest,
    /// SHA-256 of `snapshot.json` (which lists every body's digest).
    pub manifest_sha256: String,
    /// Repositories / projects the platform checks examined, `owner/name`.
    pub examined: Vec<String>,
    /// Every repository / project the platform lists for the organisation / group (the estate).
    pub estate: Vec<String>,
    /// Of those, the ones whose files the scan read too (joined), with the scan's index.
    pub joined: Vec<(String, u32)>,
    /// Resources answered with an error (status ≥ 400), key and status: not examined.
    pub errors: Vec<(String, u16)>,
    /// Resources whose body was changed after collection (`hand-edited`).
    pub edited: Vec<String>,
    /// Resources listed but unreadable, with the reason.
    pub unreadable: Vec<(String, String)>,
    /// The instant ages were measured at.
    pub as_of: String,
}

fn same_repo(identity: &RepoIdentity, host: &str, full: &str) -> bool {
    // GitLab projects nest (`acme/platform/app`): the name is the last part.
    let Some((owner, name)) = full.rsplit_once('/') else {
        return false;
    };
    identity.host.eq_ignore_ascii_case(host)
        && identity.owner.eq_ignore_ascii_case(owner)
        && identity.name.eq_ignore_ascii_case(name)
}

/// The repositories a snapshot covers, by `owner/name` (or GitLab full path).
fn covered_names(s: &Snapshot) -> Vec<String> {
    match s.platform() {
        PlatformKind::Github => Github::read_names(s),
        PlatformKind::Gitlab => Gitlab::read_names(s),
    }
}

/// Indexes of scanned repositories some snapshot covers.
pub(crate) fn covered(inputs: &[SnapshotInput], repos: &[Repository]) -> BTreeSet<u32> {
    let mut out = BTreeSet::new();
    for input in inputs {
        let host = &input.snapshot.manifest.host;
        for name in covered_names(&input.snapshot) {
            for (i, r) in repos.iter().enumerate() {
                if same_repo(&r.identity, host, &name) {
                    out.insert(i as u32);
                }
            }
        }
    }
    out
}

/// The files of the scanned repository with this name, if the scan read it.
fn files_of<'a>(
    repos: &[Repository],
    host: &str,
    full: &str,
    pipelines: &'a [(FileInfo, Pipeline)],
    codeowners: &BTreeSet<u32>,
) -> Option<ScannedRepo<'a>> {
    let i = repos
        .iter()
        .position(|r| same_repo(&r.identity, host, full))? as u32;
    let mut list: Vec<(&FileInfo, &Pipeline)> = pipelines
        .iter()
        .filter(|(f, _)| f.repo == i)
        .map(|(f, p)| (f, p))
        .collect();
    list.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    Some(ScannedRepo {
        repo: i,
        pipelines: list,
        has_codeowners: codeowners.contains(&i),
    })
}

fn run_sink(check: &dyn Check, f: impl FnOnce(&mut Sink)) -> Vec<Observation> {
    let mut sink = Sink::new(check.meta());
    f(&mut sink);
    sink.into_observations()
}

/// Run the platform checks over every snapshot.
pub(crate) fn run(
    inputs: &[SnapshotInput],
    base: &PlatformPolicy,
    as_of: Option<jiff::Timestamp>,
    checks: &[&'static dyn Check],
    repos: &[Repository],
    pipelines: &[(FileInfo, Pipeline)],
    codeowners: &BTreeSet<u32>,
) -> (Vec<Observation>, Vec<SnapshotSummary>) {
    let platform_checks: Vec<&'static dyn Check> = checks
        .iter()
        .copied()
        .filter(|c| c.meta().scope == CheckScope::Platform)
        .collect();
    let mut observations = Vec::new();
    let mut summaries = Vec::new();
    for input in inputs {
        let snap = &input.snapshot;
        let m = &snap.manifest;
        // Ages are measured at --as-of, else when the snapshot was collected: never "now", so
        // the same snapshot gives the same report.
        let when = as_of.or_else(|| {
            m.finished_at
                .as_deref()
                .unwrap_or(&m.collected_at)
                .parse()
                .ok()
        });
        let policy = PlatformPolicy {
            as_of: when.unwrap_or(jiff::Timestamp::UNIX_EPOCH),
            ..base.clone()
        };
        let period = m.period.as_ref();
        let host = m.host.as_str();
        let mut examined = Vec::new();
        let mut joined = Vec::new();
        let mut runners = Vec::new();
        match snap.platform() {
            PlatformKind::Github => {
                let gh = Github::read(snap);
                let mut listed = |list: &annexa_platform::Known<
                    annexa_platform::lenient::List<annexa_platform::github::Runner>,
                >,
                                  at: String| {
                    for r in list.value().map(|l| l.0.as_slice()).unwrap_or_default() {
                        let mut labels: Vec<String> = r
                            .labels
                            .iter()
                            .map(|l| l.name.to_ascii_lowercase())
                            .collect();
                        labels.sort();
                        labels.dedup();
                        runners.push((r.name.clone(), labels, at.clone()));
                    }
                };
                if let Some(org) = &gh.org {
                    listed(&org.runners, format!("org {}", org.login));
                }
                for r in &gh.repos {
                    listed(&r.runners, format!("repo {}", r.full_name));
                }
                let org_rulesets = gh
                    .org
                    .as_ref()
                    .and_then(|o| o.rulesets.value())
                    .map(|l| l.0.as_slice());
                if let Some(org) = &gh.org {
                    let cx = GithubOrgCx {
                        host,
                        org,
                        repos: &gh.repos,
                        policy: &policy,
                        period,
                    };
                    for c in &platform_checks {
                        observations.extend(run_sink(*c, |s| c.github_org(&cx, s)));
                    }
                }
                let per_repo: Vec<Vec<Observation>> = gh
                    .repos
                    .par_iter()
                    .map(|repo| {
                        let effective = Effective::of(repo, org_rulesets);
                        let cx = GithubRepoCx {
                            host,
                            org: gh.org.as_ref(),
                            repo,
                            effective: &effective,
                            files: files_of(repos, host, &repo.full_name, pipelines, codeowners),
                            policy: &policy,
                            period,
                        };
                        let mut out = Vec::new();
                        for c in &platform_checks {
                            out.extend(run_sink(*c, |s| c.github_repo(&cx, s)));
                        }
                        out
                    })
                    .collect();
                observations.extend(per_repo.into_iter().flatten());
                for r in &gh.repos {
                    examined.push(r.full_name.clone());
                    if let Some(f) = files_of(repos, host, &r.full_name, pipelines, codeowners) {
                        joined.push((r.full_name.clone(), f.repo));
                    }
                }
            }
            PlatformKind::Gitlab => {
                let gl = Gitlab::read(snap);
                if let Some(group) = &gl.group {
                    let cx = GitlabGroupCx {
                        host,
                        group,
                        projects: &gl.projects,
                        policy: &policy,
                        period,
                    };
                    for c in &platform_checks {
                        observations.extend(run_sink(*c, |s| c.gitlab_group(&cx, s)));
                    }
                }
                let per_project: Vec<Vec<Observation>> = gl
                    .projects
                    .par_iter()
                    .map(|project| {
                        let cx = GitlabProjectCx {
                            host,
                            group: gl.group.as_ref(),
                            project,
                            files: files_of(repos, host, &project.path, pipelines, codeowners),
                            policy: &policy,
                            period,
                        };
                        let mut out = Vec::new();
                        for c in &platform_checks {
                            out.extend(run_sink(*c, |s| c.gitlab_project(&cx, s)));
                        }
                        out
                    })
                    .collect();
                observations.extend(per_project.into_iter().flatten());
                for p in &gl.projects {
                    examined.push(p.path.clone());
                    if let Some(f) = files_of(repos, host, &p.path, pipelines, codeowners) {
                        joined.push((p.path.clone(), f.repo));
                    }
                }
            }
        }
        let seen = snap.seen();
        summaries.push(SnapshotSummary {
            runners,
            display: input.display.clone(),
            root: snap.root.clone(),
            manifest: m.clone(),
            manifest_sha256: snap.manifest_sha256.clone(),
            estate: match snap.platform() {
                PlatformKind::Github => Github::estate(snap),
                PlatformKind::Gitlab => Gitlab::estate(snap),
            },
            examined,
            joined,
            errors: m
                .resources
                .iter()
                .filter(|(_, r)| r.status >= 400)
                .map(|(k, r)| (k.clone(), r.status))
                .collect(),
            edited: seen.edited.into_iter().collect(),
            unreadable: seen.unreadable.into_iter().collect(),
            as_of: policy.as_of.to_string(),
        });
    }
    (observations, summaries)
}
