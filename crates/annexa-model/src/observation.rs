//! Observations, their subjects, locations and provenance (DESIGN.md §3).

use std::fmt::{self, Write as _};
use std::sync::Arc;

use crate::check::{CheckId, Severity};

/// Result of one check on one subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// The subject has the property the check wants; the locations are the evidence.
    Pass,
    /// The subject lacks it: a finding.
    Fail,
    /// The check could not decide; the message says why. Never counts as a pass.
    Unknown,
    /// The subject has nothing the check is about.
    NotRelevant,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Unknown => "unknown",
            Outcome::NotRelevant => "not-relevant",
        }
    }
}

/// Where evidence comes from, and so what it is worth to an auditor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Provenance {
    /// Read from a platform API by the collector.
    SystemCollected,
    /// A file as committed at a recorded commit.
    RepoCommit,
    /// An uncommitted or untracked file: never audit evidence.
    WorkingTree,
    /// A human record, hashed.
    Attested,
    /// A snapshot changed by hand: never system evidence.
    HandEdited,
}

impl Provenance {
    pub fn as_str(self) -> &'static str {
        match self {
            Provenance::SystemCollected => "system-collected",
            Provenance::RepoCommit => "repo-commit",
            Provenance::WorkingTree => "working-tree",
            Provenance::Attested => "attested",
            Provenance::HandEdited => "hand-edited",
        }
    }
}

/// Byte range in a file, end exclusive. Line and column are derived per output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// One step of a semantic route.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RouteSeg {
    Key(String),
    Index(usize),
    /// A sequence item that has a stable name (a step's `id`, `name` or `uses`): located by
    /// its index, identified by the name, so inserting an item before it does not change the
    /// subject key.
    Named {
        index: usize,
        field: String,
        value: String,
    },
}

/// A semantic route into a structured document, e.g. `jobs.build.steps[3].uses`. Routes name
/// elements by key and index, never by line, so they survive reformatting and line shifts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Route(pub Vec<RouteSeg>);

impl Route {
    pub fn root() -> Route {
        Route(Vec::new())
    }

    pub fn key(&self, k: impl Into<String>) -> Route {
        let mut r = self.0.clone();
        r.push(RouteSeg::Key(k.into()));
        Route(r)
    }

    pub fn index(&self, i: usize) -> Route {
        let mut r = self.0.clone();
        r.push(RouteSeg::Index(i));
        Route(r)
    }

    pub fn named(&self, index: usize, field: &str, value: impl Into<String>) -> Route {
        let mut r = self.0.clone();
        r.push(RouteSeg::Named {
            index,
            field: field.to_owned(),
            value: value.into(),
        });
        Route(r)
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, seg) in self.0.iter().enumerate() {
            match seg {
                RouteSeg::Index(i) => write!(f, "[{i}]")?,
                RouteSeg::Named { field, value, .. } => {
                    write!(f, "[{field}=\"")?;
                    for c in value.chars() {
                        if c == '"' || c == '\\' {
                            f.write_char('\\')?;
                        }
                        f.write_char(c)?;
                    }
                    f.write_str("\"]")?;
                }
                RouteSeg::Key(k) => {
                    let plain = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                    if plain {
                        if n > 0 {
                            f.write_char('.')?;
                        }
                        f.write_str(k)?;
                    } else {
                        f.write_str("[\"")?;
                        for c in k.chars() {
                            if c == '"' || c == '\\' {
                                f.write_char('\\')?;
                            }
                            f.write_char(c)?;
                        }
                        f.write_str("\"]")?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Which repository something belongs to: host, owner and name from the `origin` remote, or
/// `local/<folder>` when the folder has no remote.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RepoIdentity {
    pub host: Arc<str>,
    pub owner: Arc<str>,
    pub name: Arc<str>,
}

impl fmt::Display for RepoIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.owner.is_empty() {
            write!(f, "{}/{}", self.host, self.name)
        } else {
            write!(f, "{}/{}/{}", self.host, self.owner, self.name)
        }
    }
}

/// The stable identity of what an observation is about. Baseline fingerprints, OSCAL UUIDv5
/// ids, run-to-run diffs and sampling derive from it; it never contains a line number.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubjectKey {
    /// `repo:<host>/<owner>/<name>@<commit>:<path>#<route>` — a file element, a whole file
    /// (empty route) or the whole repository (empty path).
    Repo {
        repo: RepoIdentity,
        /// The commit the file was read at; `None` for working-tree files.
        commit: Option<String>,
        path: String,
        route: Route,
    },
    /// `api:<host><resource path>#<json pointer>` — platform state.
    Api {
        host: String,
        resource: String,
        pointer: String,
    },
    /// `isms:<kind>/<id>` — an ISMS record.
    Isms { kind: String, id: String },
}

impl SubjectKey {
    /// The key without its version (`@commit`): what stays the same when the same element is
    /// observed at another commit. Baseline fingerprints use this.
    pub fn locator(&self) -> String {
        match self {
            SubjectKey::Repo {
                repo, path, route, ..
            } => format_repo(repo, None, path, route),
            other => other.to_string(),
        }
    }
}

fn format_repo(repo: &RepoIdentity, version: Option<&str>, path: &str, route: &Route) -> String {
    let mut s = format!("repo:{repo}");
    if let Some(v) = version {
        s.push('@');
        s.push_str(v);
    }
    if !path.is_empty() {
        s.push(':');
        s.push_str(path);
    }
    if !route.is_root() {
        let _ = write!(s, "#{route}");
    }
    s
}

impl fmt::Display for SubjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubjectKey::Repo {
                repo,
                commit,
                path,
                route,
            } => f.write_str(&format_repo(
                repo,
                Some(commit.as_deref().unwrap_or("working-tree")),
                path,
                route,
            )),
            SubjectKey::Api {
                host,
                resource,
                pointer,
            } => write!(f, "api:{host}{resource}#{pointer}"),
            SubjectKey::Isms { kind, id } => write!(f, "isms:{kind}/{id}"),
        }
    }
}

/// How an element reached the file it is reported in (GitLab `include:`, `extends:`, Azure
/// templates, YAML anchors). Empty for elements written where they are reported.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Via {
    pub kind: ViaKind,
    pub path: String,
    pub span: Option<Span>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ViaKind {
    IncludedFrom,
    ExtendedBy,
    TemplateOf,
    Anchor,
    /// GitLab `!reference [job, key]`.
    Reference,
}

impl ViaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ViaKind::IncludedFrom => "included-from",
            ViaKind::ExtendedBy => "extended-by",
            ViaKind::TemplateOf => "template-of",
            ViaKind::Anchor => "anchor",
            ViaKind::Reference => "referenced-by",
        }
    }
}

/// A place in a repository file.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileLocation {
    /// Index of the repository in the scan.
    pub repo: u32,
    /// Repository-relative path, `/`-separated.
    pub path: String,
    pub route: Route,
    /// `None` when the element could not be placed (e.g. the span layer refused the file).
    pub span: Option<Span>,
    pub via: Vec<Via>,
    /// What this location shows, for secondary locations.
    pub label: Option<String>,
}

/// Where the evidence for an observation is.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Location {
    File(FileLocation),
    /// A platform API resource.
    Api {
        resource: String,
        pointer: String,
        status: u16,
        etag: Option<String>,
    },
    /// A ledger or attestation record.
    Record {
        id: String,
    },
}

/// Why a finding is not reported or gated. Suppression is always visible in reports and never
/// changes control status: the assessment ignores it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Suppression {
    /// `# annexa: ignore[check-id] reason` on or above the finding's line.
    Inline { reason: String },
    /// `--ignore` / `--select` or `[checks]` in the configuration.
    Deselected,
    /// Matched an entry of the baseline file given with `--baseline`.
    Baselined,
    /// Accepted by the organisation's configured policy (e.g. a trusted action owner).
    Policy { reason: String },
    /// Accepted risk: an approved `[[acceptance]]` covers it until `expires` (a date). Unlike
    /// the others this is a risk treatment decision (6.1.3), not a reporting choice; it still
    /// never changes control status, and it lapses on expiry.
    Accepted {
        id: String,
        expires: String,
        reason: String,
    },
}

impl Suppression {
    /// The human-written reason, where there is one.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Suppression::Inline { reason }
            | Suppression::Policy { reason }
            | Suppression::Accepted { reason, .. } => Some(reason),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Suppression::Inline { .. } => "inline",
            Suppression::Deselected => "deselected",
            Suppression::Baselined => "baselined",
            Suppression::Policy { .. } => "policy",
            Suppression::Accepted { .. } => "accepted-risk",
        }
    }
}

/// The result of one check on one subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    pub check: CheckId,
    pub outcome: Outcome,
    /// Effective severity (the check's, or an override from configuration).
    pub severity: Severity,
    pub subject: SubjectKey,
    /// What was observed; for `unknown`, why the check could not decide.
    pub message: String,
    /// Evidence locations, the primary one first.
    pub locations: Vec<Location>,
    pub provenance: Provenance,
    /// Set on findings that are suppressed, deselected or baselined.
    pub suppression: Option<Suppression>,
}

impl Observation {
    /// A finding that is reported and gated (a `fail` nobody suppressed).
    pub fn is_open_finding(&self) -> bool {
        self.outcome == Outcome::Fail && self.suppression.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> RepoIdentity {
        RepoIdentity {
            host: "github.com".into(),
            owner: "acme".into(),
            name: "app".into(),
        }
    }

    #[test]
    fn subject_key_format() {
        let route = Route::root()
            .key("jobs")
            .key("build")
            .key("steps")
            .index(3)
            .key("uses");
        let key = SubjectKey::Repo {
            repo: repo(),
            commit: Some("abc123".into()),
            path: ".github/workflows/ci.yml".into(),
            route,
        };
        assert_eq!(
            key.to_string(),
            "repo:github.com/acme/app@abc123:.github/workflows/ci.yml#jobs.build.steps[3].uses"
        );
        assert_eq!(
            key.locator(),
            "repo:github.com/acme/app:.github/workflows/ci.yml#jobs.build.steps[3].uses"
        );
        let whole = SubjectKey::Repo {
            repo: repo(),
            commit: None,
            path: String::new(),
            route: Route::root(),
        };
        assert_eq!(whole.to_string(), "repo:github.com/acme/app@working-tree");
    }

    #[test]
    fn named_items_do_not_show_their_index() {
        let a = Route::root()
            .key("steps")
            .named(3, "id", "build")
            .key("run");
        let b = Route::root()
            .key("steps")
            .named(7, "id", "build")
            .key("run");
        assert_eq!(a.to_string(), "steps[id=\"build\"].run");
        assert_eq!(a.to_string(), b.to_string());
    }

    #[test]
    fn route_quotes_odd_keys() {
        let r = Route::root().key("jobs").key("a.b \"c\"").index(0);
        assert_eq!(r.to_string(), "jobs[\"a.b \\\"c\\\"\"][0]");
    }
}
