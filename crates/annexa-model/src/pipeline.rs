//! The normalised pipeline model. Every CI system maps into it, keeping source sites, so that
//! a check written here runs on all six systems unchanged.

use std::sync::Arc;

use crate::check::Platform;
use crate::observation::{Route, Span, Via};

/// Where an element is written: its semantic route, its byte span when the span layer could
/// place it, and how it got into the pipeline (includes, templates, anchors).
///
/// Construct with `..Default::default()` so fields added later do not break mappers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Site {
    pub route: Route,
    pub span: Option<Span>,
    pub via: Vec<Via>,
    /// Repository-relative path of the file the element is written in, when that is not the
    /// pipeline's own file (an included file, a template). Its text is in
    /// [`Pipeline::sources`]; `span` and `route` are relative to that file.
    pub file: Option<Arc<str>>,
}

impl Site {
    /// The span of the first occurrence of `needle` (trimmed) inside this element, searching
    /// from byte `from` of the element: for pointing at part of a value (one expression, one
    /// line of a script). `None` when the element has no span or does not contain it.
    pub fn find_span(&self, source: &str, needle: &str, from: usize) -> Option<Span> {
        let needle = needle.trim();
        let s = self.span?;
        let hay = source.get(s.start..s.end)?;
        let i = from + hay.get(from..)?.find(needle)?;
        Some(Span {
            start: s.start + i,
            end: s.start + i + needle.len(),
        })
    }
}

/// What kind of file a pipeline came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PipelineKind {
    /// A top-level pipeline definition (GitHub workflow, `.gitlab-ci.yml`, ...).
    Pipeline,
    /// A workflow others call (`on: workflow_call`).
    Reusable,
    /// Action metadata (`action.yml`) with composite steps, or other step-bundles.
    Action,
    /// A file reached only through an include or template.
    Fragment,
}

impl PipelineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PipelineKind::Pipeline => "pipeline",
            PipelineKind::Reusable => "reusable",
            PipelineKind::Action => "action",
            PipelineKind::Fragment => "fragment",
        }
    }
}

/// One pipeline file in the normalised model.
#[derive(Clone, Debug)]
pub struct Pipeline {
    pub platform: Platform,
    pub kind: PipelineKind,
    /// Repository-relative path, `/`-separated.
    pub path: String,
    pub name: Option<String>,
    pub triggers: Vec<Trigger>,
    /// Token permissions declared for the whole pipeline.
    pub permissions: Permissions,
    pub variables: Vec<Variable>,
    pub jobs: Vec<Job>,
    /// External references at pipeline level (includes, templates, orbs, libraries).
    pub externals: Vec<ExternalRef>,
    /// Other repository files this pipeline was assembled from (local includes, templates),
    /// in the order they were read. Elements written there name the file in [`Site::file`].
    pub sources: Vec<SourceText>,
    /// Parts of the pipeline annexa could not analyse (a scripted Jenkins block, jobs from a
    /// remote include it does not fetch). Every pipeline check reports `unknown` for them.
    pub unanalysed: Vec<Unanalysed>,
}

/// The text of a file a pipeline was assembled from.
#[derive(Clone, Debug)]
pub struct SourceText {
    pub path: Arc<str>,
    pub text: Arc<str>,
}

/// A construct left out of the analysis, with what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unanalysed {
    pub site: Site,
    /// What was not analysed, for the message (`script block in stage 'Deploy'`).
    pub what: String,
}

/// A file mapped into the model: the pipeline, and notes on elements that were mapped
/// leniently or skipped (empty when the whole file was understood). The notes become the
/// file's "partly understood" diagnostic.
#[derive(Debug)]
pub struct Mapped {
    pub pipeline: Pipeline,
    pub notes: Vec<String>,
}

impl Pipeline {
    /// An empty pipeline of `platform` for `path`.
    pub fn new(platform: Platform, kind: PipelineKind, path: &str) -> Pipeline {
        Pipeline {
            platform,
            kind,
            path: path.to_owned(),
            name: None,
            triggers: Vec::new(),
            permissions: Permissions::default(),
            variables: Vec::new(),
            jobs: Vec::new(),
            externals: Vec::new(),
            sources: Vec::new(),
            unanalysed: Vec::new(),
        }
    }

    /// The text an element's span points into: its own file's, or the pipeline file's
    /// (`own`).
    pub fn source_of<'a>(&'a self, site: &Site, own: &'a str) -> &'a str {
        match &site.file {
            Some(f) => self
                .sources
                .iter()
                .find(|s| s.path == *f)
                .map_or("", |s| &s.text),
            None => own,
        }
    }

    /// The triggers a job runs for: its own (GitLab `rules`, Bitbucket sections, Jenkins
    /// `when`) where it declares them, else the pipeline's.
    pub fn job_triggers<'a>(&'a self, job: &'a Job) -> &'a [Trigger] {
        job.triggers.as_deref().unwrap_or(&self.triggers)
    }

    /// Whether the pipeline runs for releases (release events or tag pushes).
    pub fn releases(&self) -> bool {
        self.triggers.iter().any(|t| t.release)
    }

    /// Whether anybody outside the organisation can start this pipeline with their own code
    /// or text (fork pull requests, issue comments, ...).
    pub fn untrusted_triggers(&self) -> impl Iterator<Item = &Trigger> {
        self.triggers.iter().filter(|t| t.event.untrusted())
    }

    /// Every variable: pipeline, job and step level.
    pub fn all_variables(&self) -> impl Iterator<Item = &Variable> {
        self.variables.iter().chain(self.jobs.iter().flat_map(|j| {
            j.variables
                .iter()
                .chain(j.steps.iter().flat_map(|s| s.variables.iter()))
        }))
    }

    /// The variables a step sees: pipeline, job and step level.
    pub fn variables_in_scope<'a>(
        &'a self,
        job: &'a Job,
        step: &'a Step,
    ) -> impl Iterator<Item = &'a Variable> {
        self.variables
            .iter()
            .chain(&job.variables)
            .chain(&step.variables)
    }

    /// Every text value a check may search for expressions or secrets: variables, scripts
    /// and step inputs, each with where it is.
    pub fn texts(&self) -> Vec<(&str, &Site)> {
        let mut out: Vec<(&str, &Site)> = self
            .all_variables()
            .map(|v| (v.value.as_str(), &v.site))
            .collect();
        for (_, step) in self.steps() {
            match &step.action {
                StepAction::Run { script, site, .. } => out.push((script, site)),
                StepAction::Uses { inputs, .. } => {
                    out.extend(inputs.iter().map(|i| (i.value.as_str(), &i.site)))
                }
                StepAction::Other(_) => {}
            }
        }
        out
    }

    /// Every job and step condition (`if:`), with where it is and what it guards.
    pub fn conditions(&self) -> Vec<(&str, &Site, String)> {
        let mut out = Vec::new();
        for job in &self.jobs {
            if let Some(c) = &job.condition {
                out.push((c.as_str(), &job.site, format!("job `{}`", job.id)));
            }
            for s in &job.steps {
                if let Some(c) = &s.condition {
                    out.push((
                        c.as_str(),
                        &s.site,
                        format!("step `{}` of job `{}`", s.label(), job.id),
                    ));
                }
            }
        }
        out
    }

    /// All steps with their job.
    pub fn steps(&self) -> impl Iterator<Item = (&Job, &Step)> {
        self.jobs
            .iter()
            .flat_map(|j| j.steps.iter().map(move |s| (j, s)))
    }

    /// Every external reference: pipeline level, jobs (images, called workflows) and steps.
    pub fn all_externals(&self) -> impl Iterator<Item = &ExternalRef> {
        self.externals.iter().chain(self.jobs.iter().flat_map(|j| {
            j.images
                .iter()
                .chain(j.calls.iter())
                .chain(j.steps.iter().filter_map(|s| match &s.action {
                    StepAction::Uses { target, .. } => Some(target),
                    _ => None,
                }))
        }))
    }
}

/// An event that starts a pipeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trigger {
    pub event: Event,
    /// The platform's own name for the trigger (`pull_request_target`, `merge_request_event`).
    pub name: String,
    /// Whether the trigger fires for releases: a release event, or pushes limited to tags.
    pub release: bool,
    pub site: Site,
}

/// Trigger events, normalised across CI systems.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Push,
    /// Pull / merge request, run in the context of the contributor's code without secrets
    /// (GitHub `pull_request`; fork MRs on GitLab).
    PullRequest,
    /// Pull request event run in the base repository's privileged context
    /// (GitHub `pull_request_target`).
    PullRequestTarget,
    /// Run after another workflow, in the privileged context (GitHub `workflow_run`).
    WorkflowRun,
    /// Called by another pipeline (GitHub `workflow_call`).
    Call,
    /// Started by hand (`workflow_dispatch`, manual pipelines).
    Manual,
    Schedule,
    /// Issue or pull-request comments and other text anybody can post.
    Comment,
    Release,
    /// Anything else, by its platform name.
    Other(String),
}

impl Event {
    /// Whether an outside contributor can cause this event with content they control.
    pub fn untrusted(&self) -> bool {
        matches!(
            self,
            Event::PullRequest | Event::PullRequestTarget | Event::WorkflowRun | Event::Comment
        )
    }

    /// Whether the event runs with the base repository's secrets and a write token although
    /// an outsider can cause it.
    pub fn privileged_untrusted(&self) -> bool {
        matches!(
            self,
            Event::PullRequestTarget | Event::WorkflowRun | Event::Comment
        )
    }

    pub fn name(&self) -> &str {
        match self {
            Event::Push => "push",
            Event::PullRequest => "pull_request",
            Event::PullRequestTarget => "pull_request_target",
            Event::WorkflowRun => "workflow_run",
            Event::Call => "workflow_call",
            Event::Manual => "manual",
            Event::Schedule => "schedule",
            Event::Comment => "comment",
            Event::Release => "release",
            Event::Other(s) => s,
        }
    }
}

/// Token permissions as declared (GitHub `permissions:`; `None` site when not declared).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Permissions {
    pub set: PermissionSet,
    pub site: Option<Site>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PermissionSet {
    /// Not declared: whatever the platform's default is (platform state decides).
    #[default]
    Undeclared,
    ReadAll,
    WriteAll,
    /// Per scope; scopes not listed have no access.
    Scoped(Vec<(String, Access)>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    None,
    Read,
    Write,
}

impl PermissionSet {
    /// Scopes with write access, or `["*"]` for write-all.
    pub fn write_scopes(&self) -> Vec<&str> {
        match self {
            PermissionSet::WriteAll => vec!["*"],
            PermissionSet::Scoped(s) => s
                .iter()
                .filter(|(_, a)| *a == Access::Write)
                .map(|(k, _)| k.as_str())
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// A unit of work scheduled on one runner.
#[derive(Clone, Debug)]
pub struct Job {
    /// The job's key (GitHub job id, GitLab job name, ...).
    pub id: String,
    pub name: Option<String>,
    pub site: Site,
    pub runner: Option<Runner>,
    pub permissions: Permissions,
    pub environment: Option<Environment>,
    pub needs: Vec<String>,
    pub condition: Option<String>,
    pub steps: Vec<Step>,
    /// Container and service images.
    pub images: Vec<ExternalRef>,
    /// A called reusable workflow / template the job consists of.
    pub calls: Option<ExternalRef>,
    /// Where the job passes all of the caller's secrets on (`secrets: inherit`).
    pub secrets_inherit: Option<Site>,
    /// Secrets referenced anywhere in the job.
    pub secrets: Vec<SecretRef>,
    pub variables: Vec<Variable>,
    /// A human approval before the job runs (manual job, approval job, `input`).
    pub manual_gate: Option<Site>,
    /// Build caches the job restores or saves.
    pub caches: Vec<Site>,
    /// Artifacts the job uploads or downloads.
    pub artifacts: Vec<Artifact>,
    pub continue_on_error: bool,
    /// The triggers this job is limited to, when it says (GitLab `rules:` / `only:`, Bitbucket
    /// pipeline sections, Jenkins `when`, CircleCI filters); `None` runs on every pipeline
    /// trigger. See [`Pipeline::job_triggers`].
    pub triggers: Option<Vec<Trigger>>,
}

impl Job {
    /// A job with nothing but its id and site.
    pub fn new(id: impl Into<String>, site: Site) -> Job {
        Job {
            id: id.into(),
            name: None,
            site,
            runner: None,
            permissions: Permissions::default(),
            environment: None,
            needs: Vec::new(),
            condition: None,
            steps: Vec::new(),
            images: Vec::new(),
            calls: None,
            secrets_inherit: None,
            secrets: Vec::new(),
            variables: Vec::new(),
            manual_gate: None,
            caches: Vec::new(),
            artifacts: Vec::new(),
            continue_on_error: false,
            triggers: None,
        }
    }

    /// The environment or approval that gates this job, if any.
    pub fn gated(&self) -> bool {
        self.environment.is_some() || self.manual_gate.is_some()
    }

    /// Text a reader would use to recognise what the job does.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}

/// An artifact a job passes on or receives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    /// `true` for uploads, `false` for downloads.
    pub upload: bool,
    pub site: Site,
}

/// Where a job runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Runner {
    pub kind: RunnerKind,
    pub labels: Vec<String>,
    pub site: Site,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunnerKind {
    /// Provided by the CI service.
    Hosted,
    /// The organisation's own machine.
    SelfHosted,
    /// Decided at run time (an expression) or not recognised.
    Unknown,
}

/// A deployment environment a job targets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    pub name: String,
    pub url: Option<String>,
    /// GitLab `deployment_tier` and similar.
    pub tier: Option<String>,
    pub site: Site,
}

/// One step of a job.
#[derive(Clone, Debug)]
pub struct Step {
    pub index: usize,
    pub id: Option<String>,
    pub name: Option<String>,
    pub site: Site,
    pub action: StepAction,
    pub variables: Vec<Variable>,
    pub condition: Option<String>,
    /// Where the step says its failure is ignored (`continue-on-error`, `allow_failure`).
    pub continue_on_error: Option<Site>,
    /// Security tooling this step runs.
    pub tools: Vec<SecurityTool>,
}

impl Step {
    /// The packaged step's name (`actions/checkout`), lower-cased; `None` for scripts.
    pub fn uses_name(&self) -> Option<String> {
        match &self.action {
            StepAction::Uses { target, .. } => Some(target.name.to_ascii_lowercase()),
            _ => None,
        }
    }

    /// The value of input `name`, if given.
    pub fn input(&self, name: &str) -> Option<&Input> {
        match &self.action {
            StepAction::Uses { inputs, .. } => inputs.iter().find(|i| i.name == name),
            _ => None,
        }
    }

    /// The script of a `run` step.
    pub fn script(&self) -> Option<&str> {
        match &self.action {
            StepAction::Run { script, .. } => Some(script),
            _ => None,
        }
    }

    /// How messages name the step: its `name`, else what it uses, else its position. A script
    /// is never quoted here, since scripts can hold secrets.
    pub fn label(&self) -> String {
        if let Some(n) = &self.name {
            return n.clone();
        }
        match &self.action {
            StepAction::Uses { target, .. } => target.raw.clone(),
            StepAction::Run { .. } => format!("#{} (script)", self.index + 1),
            StepAction::Other(kind) => kind.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub enum StepAction {
    /// A shell script.
    Run {
        script: String,
        shell: Option<String>,
        site: Site,
    },
    /// A packaged step (action, task, pipe, orb command) with its inputs.
    Uses {
        target: ExternalRef,
        inputs: Vec<Input>,
    },
    /// A platform step with no script (e.g. `checkout`, `save_cache`).
    Other(String),
}

/// A named input to a packaged step (`with:`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    pub name: String,
    pub value: String,
    pub site: Site,
}

/// An environment variable or pipeline variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    pub value: String,
    pub site: Site,
}

/// A reference to a secret by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretRef {
    pub name: String,
    pub site: Site,
}

/// Code or images the pipeline pulls from outside the repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternalRef {
    pub kind: ExternalKind,
    /// What is referenced, without version (`actions/checkout`, `node`, `circleci/node`).
    pub name: String,
    /// The version part as written (`v4`, a SHA, `sha256:...`, `1.2`), if any.
    pub reference: Option<String>,
    pub pinning: Pinning,
    /// The reference as written.
    pub raw: String,
    pub site: Site,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExternalKind {
    Action,
    ReusableWorkflow,
    Image,
    Include,
    Template,
    Orb,
    Pipe,
    Task,
    SharedLibrary,
}

impl ExternalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ExternalKind::Action => "action",
            ExternalKind::ReusableWorkflow => "reusable workflow",
            ExternalKind::Image => "image",
            ExternalKind::Include => "include",
            ExternalKind::Template => "template",
            ExternalKind::Orb => "orb",
            ExternalKind::Pipe => "pipe",
            ExternalKind::Task => "task",
            ExternalKind::SharedLibrary => "shared library",
        }
    }

    /// Whether this is code that runs in the pipeline (as opposed to a container image).
    pub fn is_code(self) -> bool {
        !matches!(self, ExternalKind::Image)
    }
}

/// How firmly a reference names one immutable thing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pinning {
    /// Full commit SHA or content digest.
    Immutable,
    /// A version tag: conventionally stable, but its owner can move it.
    Version,
    /// A branch, `latest`, or no version at all.
    Mutable,
    /// Inside the repository itself.
    Local,
    /// Computed at run time (an expression or variable).
    Dynamic,
    /// Shipped and versioned by the CI service itself (Azure DevOps' built-in tasks): part of
    /// the platform, covered by the supplier relationship with the CI provider, with no pin
    /// the pipeline could set beyond the major version.
    Platform,
}

impl Pinning {
    pub fn as_str(self) -> &'static str {
        match self {
            Pinning::Immutable => "immutable",
            Pinning::Version => "version tag",
            Pinning::Mutable => "mutable",
            Pinning::Local => "local",
            Pinning::Dynamic => "dynamic",
            Pinning::Platform => "platform",
        }
    }

    /// Classify a git-style reference (action / workflow / orb / include ref).
    pub fn of_git_ref(reference: Option<&str>) -> Pinning {
        match reference {
            None | Some("") => Pinning::Mutable,
            Some(r) if r.contains("${") || r.contains("$(") => Pinning::Dynamic,
            Some(r) if r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Pinning::Immutable
            }
            Some(r) if looks_like_version(r) => Pinning::Version,
            Some(_) => Pinning::Mutable,
        }
    }

    /// Classify a container image reference (`name[:tag][@digest]`).
    pub fn of_image(image: &str) -> Pinning {
        if image.contains("${") || image.starts_with('$') || image.contains("$(") {
            Pinning::Dynamic
        } else if image.contains("@sha256:") || image.contains("@sha512:") {
            Pinning::Immutable
        } else {
            match image_tag(image) {
                None | Some("latest") => Pinning::Mutable,
                Some(_) => Pinning::Version,
            }
        }
    }
}

/// The tag of an image reference, if any (`ghcr.io:443/x/y:1.2` → `1.2`).
pub fn image_tag(image: &str) -> Option<&str> {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    last.split_once(':').map(|(_, t)| t)
}

fn looks_like_version(r: &str) -> bool {
    let r = r.strip_prefix('v').unwrap_or(r);
    r.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// Whether a variable name reads like a credential. Outside GitHub, CI systems keep secrets as
/// project, group, context or library variables that the pipeline file names but never marks,
/// so the name is all a mapper can go by. Platform variables (`CI_JOB_TOKEN`,
/// `System.AccessToken`, `CIRCLE_*`, `BITBUCKET_*`) are scoped to the run and excluded, and so
/// are names of where a credential is rather than what it is (`*_FILE`, `*_PATH`, `*_NAME`).
pub fn secret_like_name(name: &str) -> bool {
    const PLATFORM: &[&str] = &[
        "ci_",
        "gitlab_",
        "circle_",
        "bitbucket_",
        "build.",
        "system.",
        "agent.",
        "pipeline.",
        "release.",
        "environment.",
        "resources.",
        "parameters.",
    ];
    const WORDS: &[&str] = &[
        "token",
        "password",
        "passwd",
        "pass",
        "pwd",
        "secret",
        "apikey",
        "credential",
        "credentials",
        "connectionstring",
        "privatekey",
        "pat",
        "sas",
    ];
    let n = name.trim().to_ascii_lowercase();
    if PLATFORM.iter().any(|p| n.starts_with(p)) {
        return false;
    }
    let segs: Vec<&str> = n.split(['_', '.', '-']).filter(|s| !s.is_empty()).collect();
    if matches!(
        segs.last(),
        Some(&("file" | "path" | "name" | "url" | "dir" | "type" | "user" | "username"))
    ) {
        return false;
    }
    segs.iter().any(|s| {
        WORDS.contains(s)
            || s.ends_with("token")
            || s.ends_with("password")
            || s.ends_with("secret")
    }) || [
        "api_key",
        "private_key",
        "access_key",
        "auth_key",
        "secret_key",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// The variables a script reads as `$NAME` or `${NAME}` whose names read like credentials
/// ([`secret_like_name`]), in order of first use.
pub fn secret_variables(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        if bytes.get(j) == Some(&b'{') {
            j += 1;
        }
        let start = j;
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
            j += 1;
        }
        if j > start && !bytes[start].is_ascii_digit() {
            let name = &text[start..j];
            if secret_like_name(name) && !out.iter().any(|n| n == name) {
                out.push(name.to_owned());
            }
        }
        i = j.max(i + 1);
    }
    out
}

/// A category of security tooling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ToolCategory {
    /// Static application security testing.
    Sast,
    /// Software composition analysis / dependency review.
    Sca,
    /// Secret scanning.
    SecretScan,
    Sbom,
    /// Build provenance and signing.
    Provenance,
}

impl ToolCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            ToolCategory::Sast => "SAST",
            ToolCategory::Sca => "SCA",
            ToolCategory::SecretScan => "secret scanning",
            ToolCategory::Sbom => "SBOM",
            ToolCategory::Provenance => "provenance",
        }
    }
}

/// Security tooling a step runs, recognised by [`classify_uses`] or [`classify_script`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecurityTool {
    pub category: ToolCategory,
    pub name: &'static str,
    /// The command in the script that runs it (empty for packaged steps).
    pub command: &'static str,
}

/// Packaged steps (actions, orbs, pipes, tasks, templates) known to run security tooling,
/// matched as a prefix of the lower-cased reference name.
const KNOWN_PACKAGES: &[(&str, ToolCategory, &str)] = &[
    ("github/codeql-action/analyze", ToolCategory::Sast, "CodeQL"),
    ("semgrep/semgrep-action", ToolCategory::Sast, "Semgrep"),
    ("returntocorp/semgrep-action", ToolCategory::Sast, "Semgrep"),
    (
        "sonarsource/sonarcloud-github-action",
        ToolCategory::Sast,
        "SonarCloud",
    ),
    (
        "sonarsource/sonarqube-scan-action",
        ToolCategory::Sast,
        "SonarQube",
    ),
    ("securego/gosec", ToolCategory::Sast, "gosec"),
    ("pycqa/bandit-action", ToolCategory::Sast, "Bandit"),
    ("mdegis/bandit-action", ToolCategory::Sast, "Bandit"),
    (
        "devmasx/brakeman-linter-action",
        ToolCategory::Sast,
        "Brakeman",
    ),
    ("zizmorcore/zizmor-action", ToolCategory::Sast, "zizmor"),
    (
        "actions/dependency-review-action",
        ToolCategory::Sca,
        "dependency-review",
    ),
    (
        "google/osv-scanner-action",
        ToolCategory::Sca,
        "OSV-Scanner",
    ),
    ("aquasecurity/trivy-action", ToolCategory::Sca, "Trivy"),
    ("anchore/scan-action", ToolCategory::Sca, "Grype"),
    ("snyk/actions", ToolCategory::Sca, "Snyk"),
    (
        "gitleaks/gitleaks-action",
        ToolCategory::SecretScan,
        "gitleaks",
    ),
    (
        "trufflesecurity/trufflehog",
        ToolCategory::SecretScan,
        "TruffleHog",
    ),
    ("anchore/sbom-action", ToolCategory::Sbom, "Syft"),
    ("cyclonedx/", ToolCategory::Sbom, "CycloneDX"),
    (
        "actions/attest-build-provenance",
        ToolCategory::Provenance,
        "attest-build-provenance",
    ),
    (
        "slsa-framework/slsa-github-generator",
        ToolCategory::Provenance,
        "SLSA generator",
    ),
    (
        "sigstore/cosign-installer",
        ToolCategory::Provenance,
        "cosign",
    ),
];

/// Commands known to run security tooling, matched as whole words in a script.
const KNOWN_COMMANDS: &[(&str, ToolCategory, &str)] = &[
    ("semgrep", ToolCategory::Sast, "Semgrep"),
    ("codeql", ToolCategory::Sast, "CodeQL"),
    ("bandit", ToolCategory::Sast, "Bandit"),
    ("gosec", ToolCategory::Sast, "gosec"),
    ("brakeman", ToolCategory::Sast, "Brakeman"),
    ("sonar-scanner", ToolCategory::Sast, "SonarQube"),
    ("zizmor", ToolCategory::Sast, "zizmor"),
    ("osv-scanner", ToolCategory::Sca, "OSV-Scanner"),
    ("trivy", ToolCategory::Sca, "Trivy"),
    ("grype", ToolCategory::Sca, "Grype"),
    ("cargo-audit", ToolCategory::Sca, "cargo-audit"),
    ("cargo-deny", ToolCategory::Sca, "cargo-deny"),
    ("pip-audit", ToolCategory::Sca, "pip-audit"),
    ("npm audit", ToolCategory::Sca, "npm audit"),
    ("govulncheck", ToolCategory::Sca, "govulncheck"),
    ("snyk test", ToolCategory::Sca, "Snyk"),
    ("gitleaks", ToolCategory::SecretScan, "gitleaks"),
    ("trufflehog", ToolCategory::SecretScan, "TruffleHog"),
    ("syft", ToolCategory::Sbom, "Syft"),
    ("cyclonedx", ToolCategory::Sbom, "CycloneDX"),
    ("cosign sign", ToolCategory::Provenance, "cosign"),
];

/// Security tooling run by a packaged step, by its reference name.
pub fn classify_uses(name: &str) -> Vec<SecurityTool> {
    let lower = name.to_ascii_lowercase();
    KNOWN_PACKAGES
        .iter()
        .filter(|(prefix, ..)| lower.starts_with(prefix))
        .map(|&(_, category, name)| SecurityTool {
            category,
            name,
            command: "",
        })
        .take(1)
        .collect()
}

/// Security tooling a script runs. Matches whole words, ignoring case (`cargo deny` counts as
/// `cargo-deny`), in one pass over the script.
pub fn classify_script(script: &str) -> Vec<SecurityTool> {
    static MATCHER: std::sync::LazyLock<aho_corasick::AhoCorasick> =
        std::sync::LazyLock::new(|| {
            let patterns = KNOWN_COMMANDS
                .iter()
                .map(|(cmd, ..)| *cmd)
                .chain(["cargo audit", "cargo deny"]);
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(patterns)
                .expect("static patterns compile")
        });
    let boundary = |c: Option<u8>| {
        c.is_none_or(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/')))
    };
    let bytes = script.as_bytes();
    let mut found: Vec<SecurityTool> = Vec::new();
    for m in MATCHER.find_overlapping_iter(script) {
        if !boundary(m.start().checked_sub(1).map(|i| bytes[i]))
            || !boundary(bytes.get(m.end()).copied())
        {
            continue;
        }
        // The two spellings with a space map onto their hyphenated commands.
        let idx = match m.pattern().as_usize() {
            i if i == KNOWN_COMMANDS.len() => KNOWN_COMMANDS
                .iter()
                .position(|c| c.0 == "cargo-audit")
                .unwrap_or(i),
            i if i == KNOWN_COMMANDS.len() + 1 => KNOWN_COMMANDS
                .iter()
                .position(|c| c.0 == "cargo-deny")
                .unwrap_or(i),
            i => i,
        };
        let Some(&(command, category, name)) = KNOWN_COMMANDS.get(idx) else {
            continue;
        };
        if !found.iter().any(|t| t.name == name) {
            // The spelling used in the script (`cargo audit` for `cargo-audit`).
            let extra = m.pattern().as_usize().checked_sub(KNOWN_COMMANDS.len());
            let command = extra.map_or(command, |e| ["cargo audit", "cargo deny"][e.min(1)]);
            found.push(SecurityTool {
                category,
                name,
                command,
            });
        }
    }
    // Report in the table's order, whatever order the script mentions them in.
    found.sort_by_key(|t| KNOWN_COMMANDS.iter().position(|c| c.2 == t.name));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinning() {
        assert_eq!(Pinning::of_git_ref(Some("v4")), Pinning::Version);
        assert_eq!(Pinning::of_git_ref(Some("main")), Pinning::Mutable);
        assert_eq!(Pinning::of_git_ref(None), Pinning::Mutable);
        assert_eq!(
            Pinning::of_git_ref(Some("8e5e7e5ab8b370d6c329ec480221332ada57f0ab")),
            Pinning::Immutable
        );
        assert_eq!(Pinning::of_image("node:20"), Pinning::Version);
        assert_eq!(Pinning::of_image("node"), Pinning::Mutable);
        assert_eq!(Pinning::of_image("localhost:5000/node"), Pinning::Mutable);
        assert_eq!(Pinning::of_image("node:latest"), Pinning::Mutable);
        assert_eq!(Pinning::of_image("node@sha256:abcd"), Pinning::Immutable);
        assert_eq!(Pinning::of_image("${{ matrix.image }}"), Pinning::Dynamic);
    }

    #[test]
    fn secret_names() {
        for yes in [
            "NPM_TOKEN",
            "my-pat",
            "AWS_SECRET_ACCESS_KEY",
            "DB_PASS",
            "GITHUB_TOKEN",
            "sonarToken",
            "ARM_CLIENT_SECRET",
        ] {
            assert!(secret_like_name(yes), "{yes}");
        }
        for no in [
            "System.AccessToken",
            "CI_JOB_TOKEN",
            "CIRCLE_TOKEN",
            "TOKEN_FILE",
            "workPath",
            "Build.SourcesDirectory",
            "CACHE_KEY",
            "HOME",
            "BYPASS_CACHE",
        ] {
            assert!(!secret_like_name(no), "{no}");
        }
        assert_eq!(
            secret_variables(
                "npm publish --token $NPM_TOKEN ${AWS_SECRET_ACCESS_KEY} $HOME $CIRCLE_TOKEN $NPM_TOKEN"
            ),
            vec!["NPM_TOKEN", "AWS_SECRET_ACCESS_KEY"]
        );
    }

    #[test]
    fn tooling() {
        assert_eq!(
            classify_uses("github/codeql-action/analyze")[0].name,
            "CodeQL"
        );
        assert_eq!(
            classify_script("semgrep ci --config auto")[0].category,
            ToolCategory::Sast
        );
        assert!(classify_script("echo semgrepped").is_empty());
        assert!(classify_script("./my-trivy-wrapper.sh").is_empty());
        assert_eq!(classify_script("cargo deny check")[0].name, "cargo-deny");
    }
}
