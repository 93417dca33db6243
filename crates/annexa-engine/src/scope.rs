//! Scope reconciliation (ISO/IEC 27001:2022 4.3): the declared scope (`[scope]`) against the
//! estate the scan reveals — every repository scanned, and every repository or project a
//! platform snapshot lists — so that what is in scope but not examined, and what the scope
//! does not mention at all, is never silent.

use std::collections::BTreeMap;

use annexa_config::{InScope, Scope};

use crate::platform::SnapshotSummary;
use crate::scan::Repository;

/// One repository of the estate and where it stands.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScopeEntry {
    /// `host/owner/name` (`local/<folder>` for a folder without a remote).
    pub repository: String,
    /// `in-scope`, `out-of-scope` or `undeclared`.
    pub status: &'static str,
    /// The matching pattern, and for exclusions the reason.
    pub pattern: Option<String>,
    pub reason: Option<String>,
    /// Its files were scanned.
    pub files_examined: bool,
    /// Its platform state was examined (a snapshot covered it).
    pub platform_examined: bool,
    /// Where annexa learnt of it: `scan`, `snapshot <folder>`.
    pub found_in: Vec<String>,
}

/// The reconciliation of a scan.
#[derive(Clone, Debug, Default)]
pub struct Reconciliation {
    /// Whether annexa.toml declares a scope at all.
    pub declared: bool,
    pub statement: Option<String>,
    pub entries: Vec<ScopeEntry>,
    /// In-scope patterns that matched nothing the scan or a snapshot revealed.
    pub unmatched: Vec<String>,
    /// Snapshots whose organisation / group repository list could not be read: the estate is
    /// only what was collected or scanned.
    pub estate_unlisted: Vec<String>,
    /// Self-hosted runners the pipelines target. A runner processes the code and secrets of
    /// the repositories whose jobs run there, so it is in scope when one of them is; annexa
    /// never examines the machine itself.
    pub runners: Vec<RunnerEntry>,
}

/// A self-hosted runner (by its labels) and where it stands.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RunnerEntry {
    /// The labels jobs select it by, sorted, `, `-joined.
    pub labels: String,
    /// `owner/name` of the repositories whose jobs run there.
    pub repositories: Vec<String>,
    /// `in-scope` (a repository using it is in scope), `out-of-scope` (all are out),
    /// `undeclared` otherwise (including a runner a platform lists that no scanned pipeline
    /// targets).
    pub status: &'static str,
    /// The runners a platform snapshot lists that can serve these labels (their labels
    /// include all of them): `name (org acme)`.
    pub registered: Vec<String>,
}

impl Reconciliation {
    /// In scope, but neither the files nor the platform state were examined.
    pub fn in_scope_not_examined(&self) -> impl Iterator<Item = &ScopeEntry> {
        self.entries
            .iter()
            .filter(|e| e.status == "in-scope" && !e.files_examined && !e.platform_examined)
    }

    pub fn undeclared(&self) -> impl Iterator<Item = &ScopeEntry> {
        self.entries.iter().filter(|e| e.status == "undeclared")
    }

    /// Place the self-hosted runners by the repositories that use them, and reconcile them
    /// with the runners the platform snapshots list (`name`, labels, where registered).
    pub(crate) fn add_runners(
        &mut self,
        self_hosted: &[(String, Vec<String>)],
        listed: &[(String, Vec<String>, String)],
    ) {
        let status_of = |repo: &str| {
            self.entries
                .iter()
                .find(|e| e.repository == repo || e.repository.ends_with(&format!("/{repo}")))
                .map_or("undeclared", |e| e.status)
        };
        self.runners = self_hosted
            .iter()
            .map(|(labels, repos)| {
                let statuses: Vec<&str> = repos.iter().map(|r| status_of(r)).collect();
                let status = if statuses.contains(&"in-scope") {
                    "in-scope"
                } else if !statuses.is_empty() && statuses.iter().all(|s| *s == "out-of-scope") {
                    "out-of-scope"
                } else {
                    "undeclared"
                };
                let wanted: Vec<String> = labels
                    .split(", ")
                    .filter(|l| !l.is_empty())
                    .map(str::to_ascii_lowercase)
                    .collect();
                // A registered runner can serve these jobs when its labels include every label
                // they ask for and it is registered where they run: an organisation runner for
                // a repository of that organisation, a repository runner for that repository.
                let reachable = |at: &str| match at.split_once(' ') {
                    Some(("org", org)) => repos.iter().any(|r| {
                        r.split_once('/')
                            .is_some_and(|(o, _)| o.eq_ignore_ascii_case(org))
                    }),
                    Some(("repo", full)) => repos.iter().any(|r| r.eq_ignore_ascii_case(full)),
                    _ => false,
                };
                let mut registered: Vec<String> = listed
                    .iter()
                    .filter(|(_, have, at)| {
                        !wanted.is_empty()
                            && wanted.iter().all(|w| have.contains(w))
                            && reachable(at)
                    })
                    .map(|(name, _, at)| format!("{name} ({at})"))
                    .collect();
                registered.sort();
                registered.dedup();
                RunnerEntry {
                    labels: labels.clone(),
                    repositories: repos.clone(),
                    status,
                    registered,
                }
            })
            .collect();
        // Runners the platform lists that no scanned pipeline targets: part of the estate,
        // their scope unknown.
        let mut unused: Vec<RunnerEntry> = listed
            .iter()
            .filter(|(name, _, at)| {
                let me = format!("{name} ({at})");
                !self.runners.iter().any(|r| r.registered.contains(&me))
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|(name, labels, at)| RunnerEntry {
                labels: labels.join(", "),
                repositories: Vec::new(),
                status: "undeclared",
                registered: vec![format!("{name} ({at})")],
            })
            .collect();
        self.runners.append(&mut unused);
        self.runners.sort();
        self.runners.dedup();
    }
}

pub(crate) fn reconcile(
    scope: Option<&Scope>,
    repos: &[Repository],
    snapshots: &[SnapshotSummary],
) -> Reconciliation {
    // host/owner/name → (owner/name, entry)
    let mut estate: BTreeMap<String, (String, ScopeEntry)> = BTreeMap::new();
    fn touch<'a>(
        estate: &'a mut BTreeMap<String, (String, ScopeEntry)>,
        host: &str,
        full: &str,
    ) -> &'a mut ScopeEntry {
        let key = format!(
            "{}/{}",
            host.to_ascii_lowercase(),
            full.to_ascii_lowercase()
        );
        &mut estate
            .entry(key)
            .or_insert_with(|| {
                (
                    full.to_owned(),
                    ScopeEntry {
                        repository: format!("{host}/{full}"),
                        status: "undeclared",
                        pattern: None,
                        reason: None,
                        files_examined: false,
                        platform_examined: false,
                        found_in: Vec::new(),
                    },
                )
            })
            .1
    }
    for r in repos {
        let full = if r.identity.owner.is_empty() {
            r.identity.name.to_string()
        } else {
            format!("{}/{}", r.identity.owner, r.identity.name)
        };
        let e = touch(&mut estate, &r.identity.host, &full);
        e.files_examined = true;
        e.found_in.push("scan".to_owned());
    }
    for s in snapshots {
        let host = s.manifest.host.clone();
        for full in &s.estate {
            let e = touch(&mut estate, &host, full);
            e.found_in.push(format!("snapshot {}", s.display));
            if s.examined.iter().any(|x| x.eq_ignore_ascii_case(full)) {
                e.platform_examined = true;
            }
        }
    }
    // A repository without an owner (a folder with no remote) is named by its folder; a
    // pattern may also name it as it is displayed, `local/<folder>`.
    let names = |key: &str, full: &str| -> Vec<String> {
        if full.contains('/') {
            vec![full.to_owned()]
        } else {
            vec![full.to_owned(), key.to_owned()]
        }
    };
    let mut matched = std::collections::BTreeSet::new();
    if let Some(sc) = scope {
        for (key, (full, _)) in &estate {
            for n in names(key, full) {
                matched.extend(sc.matching(&n));
            }
        }
    }
    let unmatched = scope
        .map(|sc| {
            sc.repositories
                .iter()
                .enumerate()
                .filter(|(i, _)| !matched.contains(i))
                .map(|(_, p)| p.clone())
                .collect()
        })
        .unwrap_or_default();
    let estate_unlisted = snapshots
        .iter()
        .filter(|s| {
            let m = &s.manifest;
            let key = match (&m.scope.org, &m.scope.group) {
                (Some(o), _) => annexa_platform::keys::github::org_repos(o),
                (None, Some(g)) => annexa_platform::keys::gitlab::group_projects(g),
                _ => return false,
            };
            let canonical = annexa_platform::canonical_key(&key).unwrap_or(key);
            m.resources.get(&canonical).is_none_or(|r| r.status != 200)
        })
        .map(|s| s.display.clone())
        .collect();
    let entries = estate
        .into_iter()
        .map(|(key, (full, mut e))| {
            e.found_in.sort();
            e.found_in.dedup();
            if let Some(sc) = scope {
                let placed = names(&key, &full)
                    .iter()
                    .map(|n| sc.classify(n))
                    .find(|c| !matches!(c, InScope::Undeclared))
                    .unwrap_or(InScope::Undeclared);
                match placed {
                    InScope::Yes(p) => {
                        e.status = "in-scope";
                        e.pattern = Some(p);
                    }
                    InScope::Excluded(p, r) => {
                        e.status = "out-of-scope";
                        e.pattern = Some(p);
                        e.reason = Some(r);
                    }
                    InScope::Undeclared => {}
                }
            }
            e
        })
        .collect();
    Reconciliation {
        declared: scope.is_some(),
        statement: scope.and_then(|s| s.statement.clone()),
        entries,
        unmatched,
        estate_unlisted,
        runners: Vec::new(),
    }
}
