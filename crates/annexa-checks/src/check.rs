//! The check trait, its contexts and the observation sink.

use annexa_github::CodeOwners;
use annexa_model::pipeline::{Job, Pipeline, Site, Step};
use annexa_model::{
    CheckMeta, FileLocation, Location, Observation, Outcome, Provenance, RepoIdentity, Route, Span,
    SubjectKey,
};
use annexa_platform::{Effective, Known, Period, Source, github, gitlab};
use annexa_repofiles::{Dockerfile, UpdateConfig};

/// What the engine knows about a file: where it is and how far it can be trusted as evidence.
#[derive(Clone, Debug)]
pub struct FileInfo {
    /// Index of the repository in the scan.
    pub repo: u32,
    pub identity: RepoIdentity,
    /// Repository-relative path, `/`-separated.
    pub path: String,
    pub provenance: Provenance,
    /// The commit the file was read at, for `repo-commit` files.
    pub commit: Option<String>,
}

impl FileInfo {
    fn subject(&self, site: &Site) -> SubjectKey {
        SubjectKey::Repo {
            repo: self.identity.clone(),
            commit: self.commit.clone(),
            path: self.path_of(site).to_owned(),
            route: site.route.clone(),
        }
    }

    /// The file an element is written in: its own (an included file, a template) or this one.
    fn path_of<'a>(&'a self, site: &'a Site) -> &'a str {
        site.file.as_deref().unwrap_or(&self.path)
    }

    /// A location in this file, or in the included file the element is written in.
    pub fn location(&self, site: &Site) -> Location {
        Location::File(FileLocation {
            repo: self.repo,
            path: self.path_of(site).to_owned(),
            route: site.route.clone(),
            span: site.span,
            via: site.via.clone(),
            label: None,
        })
    }
}

/// Context of a pipeline-level check: one pipeline and its source.
pub struct PipelineCx<'a> {
    pub file: &'a FileInfo,
    pub pipeline: &'a Pipeline,
    /// The pipeline file's text (see [`PipelineCx::source_of`] for included elements).
    pub source: &'a str,
}

impl PipelineCx<'_> {
    /// The text an element's span points into (the pipeline file or an included file).
    pub fn source_of(&self, site: &Site) -> &str {
        self.pipeline.source_of(site, self.source)
    }
}

/// A repository file that is not a pipeline, with its source.
pub struct RepoFile<'a, T> {
    pub file: &'a FileInfo,
    pub source: &'a str,
    pub parsed: &'a T,
}

/// Context of a repository-level check: everything known about one repository.
pub struct RepoCx<'a> {
    pub repo: u32,
    pub identity: &'a RepoIdentity,
    /// The commit of a clean checkout, `None` for a working tree.
    pub commit: Option<&'a str>,
    /// Provenance of repository-wide conclusions.
    pub provenance: Provenance,
    pub pipelines: Vec<(&'a FileInfo, &'a Pipeline)>,
    pub codeowners: Option<RepoFile<'a, CodeOwners>>,
    pub dockerfiles: Vec<RepoFile<'a, Dockerfile>>,
    /// Dependabot and Renovate configuration files.
    pub updates: Vec<RepoFile<'a, UpdateConfig>>,
    /// `SECURITY.md` (root, `.github/` or `docs/`), if any.
    pub security_policy: Option<&'a FileInfo>,
    /// A platform snapshot in this scan covers the repository: platform checks judge it there,
    /// so repository-level stand-ins for platform state stay silent.
    pub platform_covered: bool,
}

impl RepoCx<'_> {
    fn subject(&self) -> SubjectKey {
        SubjectKey::Repo {
            repo: self.identity.clone(),
            commit: self.commit.map(String::from),
            path: String::new(),
            route: Route::root(),
        }
    }
}

/// The organisation's own thresholds that platform checks judge against (`[platform]` in
/// `annexa.toml`), and the instant ages are measured at. Reports state them.
#[derive(Clone, Debug)]
pub struct PlatformPolicy {
    /// Days an open alert of each severity may stay open: critical, high, medium, low.
    pub alert_sla_days: [u32; 4],
    /// More organisation owners / group owners than this is a finding.
    pub max_org_admins: u32,
    /// More repository administrators than this is a finding.
    pub max_repo_admins: u32,
    /// Where the platform's audit log is archived beyond its own retention, if anywhere.
    pub audit_log_archive: Option<String>,
    /// An account with write access and no audit-log activity for this many days is inactive.
    pub inactive_days: u32,
    /// Ages and expiries are measured at this instant: `--as-of`, else when the snapshot was
    /// collected (so a report is reproducible).
    pub as_of: jiff::Timestamp,
}

impl PlatformPolicy {
    /// The SLA in days for a severity name, `None` for severities without one.
    pub fn sla_days(&self, severity: &str) -> Option<u32> {
        match severity {
            "critical" => Some(self.alert_sla_days[0]),
            "high" => Some(self.alert_sla_days[1]),
            "medium" | "moderate" => Some(self.alert_sla_days[2]),
            "low" => Some(self.alert_sla_days[3]),
            _ => None,
        }
    }

    /// Whole days from an RFC 3339 instant to `as_of` (`None` when it does not parse).
    pub fn age_days(&self, instant: &str) -> Option<i64> {
        let t: jiff::Timestamp = instant.parse().ok()?;
        Some(self.as_of.as_second().saturating_sub(t.as_second()) / 86_400)
    }
}

impl Default for PlatformPolicy {
    fn default() -> PlatformPolicy {
        PlatformPolicy {
            alert_sla_days: [15, 30, 90, 180],
            max_org_admins: 3,
            max_repo_admins: 3,
            audit_log_archive: None,
            inactive_days: 90,
            as_of: jiff::Timestamp::UNIX_EPOCH,
        }
    }
}

/// The files of a repository that a platform check joins its state to (the scan read them).
pub struct ScannedRepo<'a> {
    pub repo: u32,
    pub pipelines: Vec<(&'a FileInfo, &'a Pipeline)>,
    pub has_codeowners: bool,
}

/// Context of a platform check on one GitHub repository.
pub struct GithubRepoCx<'a> {
    pub host: &'a str,
    pub org: Option<&'a github::Org>,
    pub repo: &'a github::Repo,
    /// Classic protection and rulesets combined for the default branch.
    pub effective: &'a Effective,
    /// The repository's files, when the scan also read them.
    pub files: Option<ScannedRepo<'a>>,
    pub policy: &'a PlatformPolicy,
    pub period: Option<&'a Period>,
}

impl GithubRepoCx<'_> {
    /// The repository's resource (`/repos/owner/name`): the subject of repository-wide
    /// conclusions.
    pub fn resource(&self) -> String {
        annexa_platform::keys::github::repo(&self.repo.full_name)
    }
}

/// Context of a platform check on a GitHub organisation.
pub struct GithubOrgCx<'a> {
    pub host: &'a str,
    pub org: &'a github::Org,
    pub repos: &'a [github::Repo],
    pub policy: &'a PlatformPolicy,
    pub period: Option<&'a Period>,
}

impl GithubOrgCx<'_> {
    pub fn resource(&self) -> String {
        annexa_platform::keys::github::org(&self.org.login)
    }
}

/// Context of a platform check on one GitLab project.
pub struct GitlabProjectCx<'a> {
    pub host: &'a str,
    pub group: Option<&'a gitlab::Group>,
    pub project: &'a gitlab::Project,
    pub files: Option<ScannedRepo<'a>>,
    pub policy: &'a PlatformPolicy,
    pub period: Option<&'a Period>,
}

impl GitlabProjectCx<'_> {
    pub fn resource(&self) -> String {
        annexa_platform::keys::gitlab::project(&self.project.path)
    }
}

/// Context of a platform check on a GitLab group.
pub struct GitlabGroupCx<'a> {
    pub host: &'a str,
    pub group: &'a gitlab::Group,
    pub projects: &'a [gitlab::Project],
    pub policy: &'a PlatformPolicy,
    pub period: Option<&'a Period>,
}

impl GitlabGroupCx<'_> {
    pub fn resource(&self) -> String {
        annexa_platform::keys::gitlab::group(&self.group.path)
    }
}

/// Collects a check's observations, building subject keys and locations from the check's own
/// metadata and the context, so a check only says *what* it saw and *where*.
pub struct Sink {
    meta: &'static CheckMeta,
    pub(crate) observations: Vec<Observation>,
}

impl Sink {
    pub fn new(meta: &'static CheckMeta) -> Sink {
        Sink {
            meta,
            observations: Vec::new(),
        }
    }

    pub fn into_observations(self) -> Vec<Observation> {
        self.observations
    }

    fn push(
        &mut self,
        outcome: Outcome,
        subject: SubjectKey,
        message: String,
        locations: Vec<Location>,
        provenance: Provenance,
    ) -> &mut Observation {
        self.observations.push(Observation {
            check: self.meta.id,
            outcome,
            severity: self.meta.severity,
            subject,
            message,
            locations,
            provenance,
            suppression: None,
        });
        self.observations.last_mut().expect("just pushed")
    }

    /// An observation about an element of a file, located at `site`.
    pub fn at(
        &mut self,
        file: &FileInfo,
        site: &Site,
        outcome: Outcome,
        message: impl Into<String>,
    ) -> &mut Observation {
        self.at_span(file, site, None, outcome, message)
    }

    /// Like [`Sink::at`], with the primary span narrowed to part of the element (e.g. one
    /// expression inside a script); the subject stays the element.
    pub fn at_span(
        &mut self,
        file: &FileInfo,
        site: &Site,
        span: Option<Span>,
        outcome: Outcome,
        message: impl Into<String>,
    ) -> &mut Observation {
        let narrowed = Site {
            route: site.route.clone(),
            span: span.or(site.span),
            ..site.clone()
        };
        let loc = file.location(&narrowed);
        self.push(
            outcome,
            file.subject(site),
            message.into(),
            vec![loc],
            file.provenance,
        )
    }

    /// An observation about a whole file. A `not-relevant` one carries no location: there is
    /// nothing in the file to point at, and the subject key names the file.
    pub fn file(
        &mut self,
        file: &FileInfo,
        outcome: Outcome,
        message: impl Into<String>,
    ) -> &mut Observation {
        if outcome == Outcome::NotRelevant {
            return self.push(
                outcome,
                file.subject(&Site::default()),
                message.into(),
                Vec::new(),
                file.provenance,
            );
        }
        self.at(file, &Site::default(), outcome, message)
    }

    /// An observation about a whole repository, with evidence locations.
    pub fn repo(
        &mut self,
        cx: &RepoCx<'_>,
        outcome: Outcome,
        message: impl Into<String>,
        locations: Vec<Location>,
    ) -> &mut Observation {
        self.push(
            outcome,
            cx.subject(),
            message.into(),
            locations,
            cx.provenance,
        )
    }
}

impl Sink {
    /// An observation about platform state: the subject is `api:<host><resource>#<pointer>`
    /// (a stable, semantic pointer such as `/default_branch/protection` or
    /// `/collaborators/alice`), the locations are the resources the conclusion rests on. Its
    /// provenance is `hand-edited` when any of them was changed after collection.
    pub fn api(
        &mut self,
        host: &str,
        resource: &str,
        pointer: &str,
        outcome: Outcome,
        message: impl Into<String>,
        evidence: &[&Source],
    ) -> &mut Observation {
        let mut locations: Vec<Location> = Vec::new();
        for s in evidence {
            let loc = Location::Api {
                resource: s.key.clone(),
                pointer: String::new(),
                status: s.status,
                etag: s.etag.clone(),
            };
            if !locations.contains(&loc) {
                locations.push(loc);
            }
        }
        let provenance = if evidence
            .iter()
            .any(|s| s.provenance == Provenance::HandEdited)
        {
            Provenance::HandEdited
        } else {
            Provenance::SystemCollected
        };
        self.push(
            outcome,
            SubjectKey::Api {
                host: host.to_owned(),
                resource: resource.to_owned(),
                pointer: pointer.to_owned(),
            },
            message.into(),
            locations,
            provenance,
        )
    }

    /// An `unknown` about platform state because `what` is not known; the message says what
    /// could not be decided and why (a missing permission names it).
    pub fn api_unknown<T>(
        &mut self,
        host: &str,
        resource: &str,
        pointer: &str,
        decide: &str,
        what: &Known<T>,
    ) -> &mut Observation {
        let reason = what.reason().unwrap_or("not known");
        let evidence: Vec<&Source> = what.source().into_iter().collect();
        let message = format!("cannot tell {decide}: {} ({reason})", what.key());
        self.api(
            host,
            resource,
            pointer,
            Outcome::Unknown,
            message,
            &evidence,
        )
    }
}

/// Label a location (for secondary evidence).
pub(crate) fn labelled(mut loc: Location, label: impl Into<String>) -> Location {
    if let Location::File(f) = &mut loc {
        f.label = Some(label.into());
    }
    loc
}

/// A check. Override the level you care about; the defaults walk pipeline → job → step.
pub trait Check: Send + Sync {
    fn meta(&self) -> &'static CheckMeta;

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        for job in &cx.pipeline.jobs {
            self.job(cx, job, out);
        }
    }

    fn job(&self, cx: &PipelineCx<'_>, job: &Job, out: &mut Sink) {
        for step in &job.steps {
            self.step(cx, job, step, out);
        }
    }

    fn step(&self, _cx: &PipelineCx<'_>, _job: &Job, _step: &Step, _out: &mut Sink) {}

    fn repository(&self, _cx: &RepoCx<'_>, _out: &mut Sink) {}

    /// Once per GitHub organisation in a snapshot.
    fn github_org(&self, _cx: &GithubOrgCx<'_>, _out: &mut Sink) {}

    /// Once per GitHub repository in a snapshot.
    fn github_repo(&self, _cx: &GithubRepoCx<'_>, _out: &mut Sink) {}

    /// Once per GitLab group in a snapshot.
    fn gitlab_group(&self, _cx: &GitlabGroupCx<'_>, _out: &mut Sink) {}

    /// Once per GitLab project in a snapshot.
    fn gitlab_project(&self, _cx: &GitlabProjectCx<'_>, _out: &mut Sink) {}
}

/// Declares a check's unit struct and its `META` from the doc comment and fields.
macro_rules! check {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident {
            id: $id:ident,
            summary: $summary:literal,
            severity: $sev:ident,
            confidence: $conf:ident,
            scope: $scope:ident,
            platforms: $plat:expr,
            controls: [$($c:ident),* $(,)?]
            $(, population: $pop:ident)? $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            pub const META: annexa_model::CheckMeta = annexa_model::CheckMeta {
                id: annexa_model::CheckId::$id,
                summary: $summary,
                severity: annexa_model::Severity::$sev,
                confidence: annexa_model::Confidence::$conf,
                scope: annexa_model::check::CheckScope::$scope,
                platforms: $plat,
                controls: &[$(annexa_model::ControlId::$c),*],
                population: $crate::check::population!($($pop)?),
                doc: concat!($($doc, "\n"),*),
            };
        }
    };
}
pub(crate) use check;

/// `population!()` is `None`, `population!(Changes)` the population.
macro_rules! population {
    () => {
        None
    };
    ($p:ident) => {
        Some(annexa_model::Population::$p)
    };
}
pub(crate) use population;
