//! The check trait, its contexts and the observation sink.

use annexa_github::CodeOwners;
use annexa_model::pipeline::{Job, Pipeline, Site, Step};
use annexa_model::{
    CheckMeta, FileLocation, Location, Observation, Outcome, Provenance, RepoIdentity, Route, Span,
    SubjectKey,
};
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
            controls: [$($c:ident),* $(,)?] $(,)?
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
                doc: concat!($($doc, "\n"),*),
            };
        }
    };
}
pub(crate) use check;
