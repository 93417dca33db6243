//! Azure Pipelines YAML → [`Pipeline`].
//!
//! The file is walked as stages → jobs → steps, with the short forms (a file of only `jobs:`
//! or only `steps:`) as one implicit stage or job. Local templates are expanded where they are
//! used; `${{ if }}` / `${{ each }}` keys are opened with every branch taken (conservative:
//! an element that may run is analysed), and a note says so.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::sync::Arc;

use annexa_model::observation::{Via, ViaKind};
use annexa_model::pipeline::{
    Artifact, Environment, Event, ExternalKind, ExternalRef, Input, Job, Mapped, Pinning, Pipeline,
    PipelineKind, Runner, RunnerKind, SecretRef, SecurityTool, Site, SourceText, Step, StepAction,
    ToolCategory, Trigger, Unanalysed, Variable, classify_script, classify_uses,
};
use annexa_model::{DiagnosticKind, Platform, Route};
use annexa_source::{LocalFiles, Refusal, YamlFile};
use yaml_serde::Value;

use crate::local_template;
use crate::node::{FileRef, Node, Origin, is_expr_key};

/// Deepest template nesting followed (Azure's own limit is 100 files and 20 levels).
const MAX_DEPTH: usize = 16;
/// Most template expansions per pipeline.
const MAX_EXPANSIONS: usize = 200;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Stage,
    Job,
    Step,
    Variable,
}

impl Level {
    fn key(self) -> &'static str {
        match self {
            Level::Stage => "stages",
            Level::Job => "jobs",
            Level::Step => "steps",
            Level::Variable => "variables",
        }
    }
}

/// What a job inherits from the pipeline and its stage.
#[derive(Clone, Default)]
struct Scope {
    pool: Option<Runner>,
    variables: Vec<Variable>,
    groups: Vec<SecretRef>,
    stage: Option<String>,
    stage_needs: Vec<String>,
    stage_condition: Option<String>,
    stage_gate: Option<Site>,
}

/// A mapped job with what the gate pass needs afterwards.
struct JobOut {
    job: Job,
    stage: Option<String>,
    stage_needs: Vec<String>,
    /// A `ManualValidation` step in this job: later jobs that depend on it wait for a human.
    validation: Option<Site>,
}

struct Repo {
    name: String,
    reference: Option<String>,
}

struct Cx<'a> {
    files: &'a dyn LocalFiles,
    notes: Vec<String>,
    sources: Vec<SourceText>,
    externals: Vec<ExternalRef>,
    unanalysed: Vec<Unanalysed>,
    repos: BTreeMap<String, Repo>,
    /// `resources.containers` aliases.
    containers: BTreeSet<String>,
    expansions: usize,
    fragment: bool,
    /// Set when the last template asked for could not be read.
    missing: bool,
}

fn not_understood(msg: impl Into<String>) -> Refusal {
    Refusal {
        kind: DiagnosticKind::NotUnderstood,
        message: msg.into(),
    }
}

/// Keys that only a pipeline (not a template) has.
const ENTRY_KEYS: &[&str] = &["trigger", "pr", "schedules", "extends", "resources"];
/// Keys an Azure Pipelines file is recognised by.
const KNOWN_KEYS: &[&str] = &[
    "trigger",
    "pr",
    "schedules",
    "extends",
    "resources",
    "stages",
    "jobs",
    "steps",
    "variables",
    "parameters",
    "pool",
];

pub(crate) fn map(path: &str, file: &YamlFile, files: &dyn LocalFiles) -> Result<Mapped, Refusal> {
    let Value::Mapping(top) = &file.value else {
        return Err(not_understood(
            "an Azure Pipelines file must be a mapping at the top level",
        ));
    };
    let has = |k: &str| top.contains_key(k);
    if !KNOWN_KEYS.iter().any(|k| has(k)) {
        return Err(not_understood(
            "none of `stages:`, `jobs:`, `steps:`, `extends:`, `variables:` or `trigger:`: not an Azure Pipelines file",
        ));
    }
    let body_keys = ["stages", "jobs", "steps", "extends"];
    // A template found alone: it declares parameters (or only variables) and nothing that
    // only a pipeline has. Its triggers and pool are the including pipeline's.
    let fragment = !ENTRY_KEYS.iter().any(|k| has(k))
        && (has("parameters") || !body_keys.iter().any(|k| has(k)));
    let path_arc: Arc<str> = Arc::from(path);
    let origin = Rc::new(Origin {
        file: FileRef::Root(file),
        path: path_arc.clone(),
        own: true,
        via: Vec::new(),
        params: BTreeMap::new(),
        chain: vec![path_arc],
    });
    let root = Node::new(file.value.clone(), origin, Route::root());
    let mut cx = Cx {
        files,
        notes: Vec::new(),
        sources: Vec::new(),
        externals: Vec::new(),
        unanalysed: Vec::new(),
        repos: BTreeMap::new(),
        containers: BTreeSet::new(),
        expansions: 0,
        fragment,
        missing: false,
    };
    cx.resources(&root);
    let triggers = if fragment {
        Vec::new()
    } else {
        cx.triggers(&root)
    };
    let mut scope = Scope::default();
    let mut pipeline_vars = Vec::new();
    if let Some(v) = root.get("variables") {
        cx.variables(&v, &mut pipeline_vars, &mut scope.groups);
    }
    let mut out = Vec::new();
    match root.get("extends") {
        Some(ext) => cx.extends(&ext, &mut scope, &mut pipeline_vars, &mut out),
        None => cx.body(&root, &scope, &mut out),
    }
    if !fragment && out.is_empty() && cx.unanalysed.is_empty() {
        cx.notes
            .push("no stages, jobs or steps found in the pipeline".to_owned());
    }
    gates(&mut out);
    let mut jobs: Vec<Job> = out.into_iter().map(|j| j.job).collect();
    for job in &mut jobs {
        job_triggers(job, &triggers);
    }
    let mut seen = BTreeSet::new();
    let notes = cx
        .notes
        .into_iter()
        .filter(|n| seen.insert(n.clone()))
        .collect();
    Ok(Mapped {
        pipeline: Pipeline {
            triggers,
            variables: pipeline_vars,
            jobs,
            externals: cx.externals,
            sources: cx.sources,
            unanalysed: cx.unanalysed,
            ..Pipeline::new(
                Platform::AzurePipelines,
                if fragment {
                    PipelineKind::Fragment
                } else {
                    PipelineKind::Pipeline
                },
                path,
            )
        },
        notes,
    })
}

/// Jobs that depend on a job (or sit in a stage that depends on a stage) with a
/// `ManualValidation` step wait for a human approval.
fn gates(out: &mut [JobOut]) {
    let by_job: BTreeMap<String, Site> = out
        .iter()
        .filter_map(|j| j.validation.clone().map(|s| (j.job.id.clone(), s)))
        .collect();
    let by_stage: BTreeMap<String, Site> = out
        .iter()
        .filter_map(|j| Some((j.stage.clone()?, j.validation.clone()?)))
        .collect();
    for j in out.iter_mut() {
        if j.job.manual_gate.is_some() {
            continue;
        }
        let gate = j
            .job
            .needs
            .iter()
            .find_map(|n| by_job.get(n))
            .or_else(|| j.stage_needs.iter().find_map(|s| by_stage.get(s)));
        if let Some(g) = gate {
            j.job.manual_gate = Some(g.clone());
        }
    }
}

/// A job whose condition keeps it off pull-request builds runs only for the other triggers.
fn job_triggers(job: &mut Job, triggers: &[Trigger]) {
    let Some(c) = &job.condition else { return };
    let c: String = c
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
        .replace('"', "'");
    if c.contains("or(") {
        return;
    }
    let excludes = c.contains("ne(variables['build.reason'],'pullrequest')")
        || c.contains("ne(variables.build.reason,'pullrequest')")
        || (c.contains("eq(variables['build.reason'],'") && !c.contains("'pullrequest')"))
        || c.contains("eq(variables['build.sourcebranch'],'refs/heads/")
        || c.contains("startswith(variables['build.sourcebranch'],'refs/heads/")
        || c.contains("startswith(variables['build.sourcebranch'],'refs/tags/')");
    if excludes {
        job.triggers = Some(
            triggers
                .iter()
                .filter(|t| !t.event.untrusted())
                .cloned()
                .collect(),
        );
    }
}

fn is_true(n: &Node<'_>) -> bool {
    match &n.v {
        Value::Bool(b) => *b,
        Value::String(s) => !matches!(s.trim().to_ascii_lowercase().as_str(), "false" | ""),
        _ => false,
    }
}

fn nonempty(s: String) -> Option<String> {
    (!s.trim().is_empty()).then_some(s)
}

/// Tasks that ship with Azure DevOps (microsoft/azure-pipelines-tasks): the platform's own
/// code, selected by major version only. Marketplace tasks (`publisher.extension.Task`, or any
/// name not listed here) are third-party code.
fn builtin_task(name: &str) -> bool {
    const BUILTIN: &[&str] = &[
        "ant",
        "archivefiles",
        "azureappservicemanage",
        "azureappservicesettings",
        "azurecli",
        "azurecontainerapps",
        "azurefilecopy",
        "azurefunctionapp",
        "azurefunctionappcontainer",
        "azurekeyvault",
        "azurepowershell",
        "azureresourcemanagertemplatedeployment",
        "azurermwebappdeployment",
        "azurestaticwebapp",
        "azurewebapp",
        "azurewebappcontainer",
        "bash",
        "batchscript",
        "cache",
        "cachebeta",
        "cmake",
        "cmdline",
        "copyfiles",
        "copyfilesoverssh",
        "deletefiles",
        "docker",
        "dockercompose",
        "dockerinstaller",
        "dotnetcorecli",
        "dotnetcoreinstaller",
        "downloadbuildartifacts",
        "downloadpipelineartifact",
        "downloadsecurefile",
        "extractfiles",
        "githubrelease",
        "go",
        "gotool",
        "gradle",
        "helmdeploy",
        "helminstaller",
        "installapplecertificate",
        "installappleprovisioningprofile",
        "installsshkey",
        "javatoolinstaller",
        "kubectlinstaller",
        "kubernetes",
        "kubernetesmanifest",
        "manualvalidation",
        "maven",
        "msbuild",
        "nodetool",
        "npm",
        "npmauthenticate",
        "nugetauthenticate",
        "nugetcommand",
        "nugettoolinstaller",
        "pipauthenticate",
        "powershell",
        "publishbuildartifacts",
        "publishcodecoverageresults",
        "publishpipelineartifact",
        "publishsymbols",
        "publishtestresults",
        "pythonscript",
        "shellscript",
        "sqlazuredacpacdeployment",
        "twineauthenticate",
        "usedotnet",
        "usenode",
        "usepythonversion",
        "userubyversion",
        "vsbuild",
        "vstest",
        "xcode",
    ];
    let n = name.trim().to_ascii_lowercase();
    !n.contains('.') && BUILTIN.contains(&n.as_str())
}

/// Whether a string is computed when the run starts or runs.
fn dynamic(s: &str) -> bool {
    s.contains("${{") || s.contains("$(") || s.contains("$[")
}

/// How firmly a `resources.repositories` ref names one commit.
fn ref_pinning(r: Option<&str>) -> Pinning {
    let Some(r) = r.map(str::trim).filter(|r| !r.is_empty()) else {
        return Pinning::Mutable;
    };
    if dynamic(r) {
        Pinning::Dynamic
    } else if r.starts_with("refs/tags/") {
        Pinning::Version
    } else if r.starts_with("refs/heads/") {
        Pinning::Mutable
    } else {
        Pinning::of_git_ref(Some(r))
    }
}

/// Azure tasks known to run security tooling (prefixes of the lower-cased task name).
const SECURITY_TASKS: &[(&str, ToolCategory, &str)] = &[
    (
        "advancedsecurity-codeql-analyze",
        ToolCategory::Sast,
        "CodeQL",
    ),
    ("codeql3000finalize", ToolCategory::Sast, "CodeQL"),
    ("sonarqubeanalyze", ToolCategory::Sast, "SonarQube"),
    ("sonarcloudanalyze", ToolCategory::Sast, "SonarCloud"),
    (
        "microsoftsecuritydevops",
        ToolCategory::Sast,
        "Microsoft Security DevOps",
    ),
    ("semmle", ToolCategory::Sast, "Semmle"),
    ("roslynanalyzers", ToolCategory::Sast, "Roslyn analyzers"),
    ("binskim", ToolCategory::Sast, "BinSkim"),
    (
        "advancedsecurity-dependency-scanning",
        ToolCategory::Sca,
        "Advanced Security dependency scanning",
    ),
    (
        "componentgovernancecomponentdetection",
        ToolCategory::Sca,
        "Component Governance",
    ),
    ("whitesource", ToolCategory::Sca, "Mend"),
    ("snyksecurityscan", ToolCategory::Sca, "Snyk"),
    (
        "dependency-check",
        ToolCategory::Sca,
        "OWASP Dependency-Check",
    ),
    ("trivy", ToolCategory::Sca, "Trivy"),
    ("credscan", ToolCategory::SecretScan, "CredScan"),
    ("manifestgeneratortask", ToolCategory::Sbom, "SBOM tool"),
];

fn task_tools(name: &str) -> Vec<SecurityTool> {
    let lower = name.to_ascii_lowercase();
    // `publisher.extension.Task` names: the task is the last part.
    let short = lower.rsplit('.').next().unwrap_or(&lower);
    let mut tools: Vec<SecurityTool> = SECURITY_TASKS
        .iter()
        .filter(|(p, ..)| short.starts_with(p))
        .map(|&(_, category, name)| SecurityTool {
            category,
            name,
            command: "",
        })
        .take(1)
        .collect();
    if tools.is_empty() {
        tools = classify_uses(name);
    }
    tools
}

/// Whether a variable name looks like it holds a credential (Azure secret variables are not
/// marked in the file: only names tell). `System.AccessToken` is the job's own token, scoped
/// to the run like GitHub's `GITHUB_TOKEN`.
fn secret_like(name: &str) -> bool {
    annexa_model::pipeline::secret_like_name(name)
}

/// Variable names referenced as `$(name)`, `$[variables.name]` or `${{ variables.name }}`.
fn variable_refs(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    let mut rest = s;
    while let Some(i) = rest.find("$(") {
        rest = &rest[i + 2..];
        if let Some(end) = rest.find(')') {
            let name = &rest[..end];
            if !name.is_empty() && name.chars().all(valid) {
                out.push(name.to_owned());
            }
        }
    }
    for marker in ["variables.", "variables['"] {
        let mut rest = s;
        while let Some(i) = rest.find(marker) {
            rest = &rest[i + marker.len()..];
            let name: String = rest.chars().take_while(|c| valid(*c)).collect();
            if !name.is_empty() {
                out.push(name.trim_end_matches('.').to_owned());
            }
        }
    }
    out
}

impl<'a> Cx<'a> {
    fn note(&mut self, n: &Node<'_>, what: impl std::fmt::Display) {
        self.notes.push(format!("{}: {what}", n.at()));
    }

    /// Note the `${{ }}` keys of a mapping whose contents are taken conservatively.
    fn conditionals(&mut self, n: &Node<'_>) {
        if !n.has_expr_keys() {
            return;
        }
        let mut c = Vec::new();
        n.entries(&mut c);
        for k in c {
            self.notes.push(format!(
                "{k}: template expression; every branch is analysed"
            ));
        }
    }

    fn resources(&mut self, root: &Node<'a>) {
        let Some(res) = root.get("resources") else {
            return;
        };
        if let Some(repos) = res.get("repositories") {
            for r in repos.items() {
                let Some(alias) = r.get_text("repository") else {
                    continue;
                };
                self.repos.insert(
                    alias.clone(),
                    Repo {
                        name: r.get_text("name").unwrap_or(alias),
                        reference: r.get_text("ref"),
                    },
                );
            }
        }
        if let Some(cs) = res.get("containers") {
            for c in cs.items() {
                if let Some(alias) = c.get_text("container") {
                    self.containers.insert(alias);
                }
                if let Some(img) = c.get("image")
                    && let Some(raw) = img.text()
                {
                    self.externals.push(image_ref(&raw, img.site()));
                }
            }
        }
    }

    fn triggers(&mut self, root: &Node<'a>) -> Vec<Trigger> {
        let mut out = Vec::new();
        let none = |n: &Node<'_>| n.str().is_some_and(|s| s.trim() == "none");
        match root.get("trigger") {
            // No `trigger:` at all: Azure's default CI trigger builds every branch.
            None => out.push(Trigger {
                event: Event::Push,
                name: "trigger (default: every branch)".to_owned(),
                release: false,
                site: Site {
                    route: Route::root().key("trigger"),
                    ..Site::default()
                },
            }),
            Some(t) if none(&t) || t.is_null() => {}
            Some(t) => {
                let list = |n: Option<Node<'_>>| -> Vec<String> {
                    let Some(n) = n else { return Vec::new() };
                    match n.get("include") {
                        Some(inc) => inc.items().iter().filter_map(Node::text).collect(),
                        None => {
                            let items: Vec<String> =
                                n.items().iter().filter_map(Node::text).collect();
                            if items.is_empty() {
                                n.text().into_iter().collect()
                            } else {
                                items
                            }
                        }
                    }
                };
                let tags_only = |b: &[String]| {
                    !b.is_empty() && b.iter().all(|b| b.trim().starts_with("refs/tags/"))
                };
                match &t.v {
                    Value::Mapping(_) => {
                        self.conditionals(&t);
                        let branches = t.get("branches");
                        let tags = t.get("tags");
                        let has_tags = !list(tags.clone()).is_empty();
                        if branches.is_some() || !has_tags {
                            let b = list(branches.clone());
                            out.push(Trigger {
                                event: Event::Push,
                                name: "trigger".to_owned(),
                                release: tags_only(&b),
                                site: branches.as_ref().unwrap_or(&t).key_site(),
                            });
                        }
                        if let Some(tags) = tags.filter(|_| has_tags) {
                            out.push(Trigger {
                                event: Event::Push,
                                name: "trigger.tags".to_owned(),
                                release: true,
                                site: tags.key_site(),
                            });
                        }
                    }
                    _ => {
                        let b = list(Some(t.clone()));
                        out.push(Trigger {
                            event: Event::Push,
                            name: "trigger".to_owned(),
                            release: tags_only(&b),
                            site: t.key_site(),
                        });
                    }
                }
            }
        }
        // Without `pr:`, whether pull requests are built depends on the repository's settings
        // (GitHub repositories build them by default, Azure Repos only through branch
        // policies): nothing in the file says so, so no trigger is recorded.
        if let Some(pr) = root.get("pr")
            && !none(&pr)
        {
            out.push(Trigger {
                event: Event::PullRequest,
                name: "pr".to_owned(),
                release: false,
                site: pr.key_site(),
            });
        }
        if let Some(s) = root.get("schedules") {
            for item in s.items() {
                out.push(Trigger {
                    event: Event::Schedule,
                    name: "schedules".to_owned(),
                    release: false,
                    site: item.key_site(),
                });
            }
        }
        if let Some(res) = root.get("resources") {
            for (kind, name) in [
                ("pipelines", "pipeline-completion"),
                ("repositories", "repository-push"),
                ("webhooks", "webhook"),
            ] {
                let Some(list) = res.get(kind) else { continue };
                for item in list.items() {
                    let Some(t) = item.get("trigger") else {
                        if kind == "webhooks" {
                            out.push(Trigger {
                                event: Event::Other(name.to_owned()),
                                name: name.to_owned(),
                                release: false,
                                site: item.key_site(),
                            });
                        }
                        continue;
                    };
                    if none(&t) || matches!(t.v, Value::Bool(false)) {
                        continue;
                    }
                    out.push(Trigger {
                        event: Event::Other(name.to_owned()),
                        name: name.to_owned(),
                        release: false,
                        site: t.key_site(),
                    });
                }
            }
        }
        out
    }

    /// `variables:` in the mapping form or the list form (`name`/`value`, `group`,
    /// `template`).
    fn variables(&mut self, n: &Node<'a>, vars: &mut Vec<Variable>, groups: &mut Vec<SecretRef>) {
        let mut items = Vec::new();
        match &n.v {
            Value::Mapping(_) => items.push(n.clone()),
            _ => self.expand(n, Level::Variable, &mut items),
        }
        for item in items {
            if let Some(g) = item.get("group") {
                let name = g.text().unwrap_or_default();
                groups.push(SecretRef {
                    name: format!("group:{name}"),
                    site: g.site(),
                });
            } else if let Some(name) = item.get_text("name").and_then(nonempty) {
                let value = item.get("value");
                vars.push(Variable {
                    name,
                    value: value.as_ref().and_then(Node::text).unwrap_or_default(),
                    site: value.as_ref().unwrap_or(&item).site(),
                });
            } else {
                let mut c = Vec::new();
                for (k, v) in item.entries(&mut c) {
                    match v.text() {
                        Some(value) => vars.push(Variable {
                            name: k,
                            value,
                            site: v.site(),
                        }),
                        None if v.is_null() => vars.push(Variable {
                            name: k,
                            value: String::new(),
                            site: v.site(),
                        }),
                        None => self.note(&v, "variable value is not a scalar; skipped"),
                    }
                }
                for k in c {
                    self.notes.push(format!(
                        "{k}: template expression; every branch is analysed"
                    ));
                }
            }
        }
    }

    /// Expand a list of stages / jobs / steps / variables: local templates inserted in place,
    /// conditional entries opened, parameter lists spliced.
    fn expand(&mut self, list: &Node<'a>, level: Level, out: &mut Vec<Node<'a>>) {
        match &list.v {
            Value::Sequence(_) => {
                for item in list.items() {
                    self.expand_item(item, level, out, 0);
                }
            }
            Value::Null => {}
            Value::String(s) if s.contains("${{") => {
                self.note(
                    list,
                    format!(
                        "`{}` is expanded from parameters not known here; not analysed",
                        s.trim()
                    ),
                );
            }
            Value::Mapping(_) if level == Level::Variable => out.push(list.clone()),
            Value::Mapping(_) => self.expand_item(list.clone(), level, out, 0),
            _ => self.note(list, format!("`{}` is not a list; skipped", level.key())),
        }
    }

    fn expand_item(&mut self, item: Node<'a>, level: Level, out: &mut Vec<Node<'a>>, depth: usize) {
        if depth > MAX_DEPTH {
            self.note(&item, "template expressions nest too deep; skipped");
            return;
        }
        match &item.v {
            Value::Sequence(_) => {
                for x in item.items() {
                    self.expand_item(x, level, out, depth + 1);
                }
            }
            Value::Mapping(m)
                if !m.is_empty() && m.keys().all(|k| k.as_str().is_some_and(is_expr_key)) =>
            {
                for (k, x) in m {
                    let Some(k) = k.as_str() else { continue };
                    self.notes.push(format!(
                        "{}: `{}`: template expression; every branch is analysed",
                        item.at(),
                        k.trim()
                    ));
                    let child = Node::new(x.clone(), item.o.clone(), item.r.key(k));
                    self.expand_item(child, level, out, depth + 1);
                }
            }
            Value::Mapping(m) if m.contains_key("template") => self.template(&item, level, out),
            Value::Mapping(_) => out.push(item),
            Value::Null => {}
            Value::String(s) if s.contains("${{") => self.note(
                &item,
                format!(
                    "`{}` is expanded from parameters not known here; not analysed",
                    s.trim()
                ),
            ),
            _ => self.note(&item, "not a mapping; skipped"),
        }
    }

    /// A `template:` entry: a local file is read and its list inserted; a file in another
    /// repository is recorded as an external reference and listed as not analysed.
    fn template(&mut self, item: &Node<'a>, level: Level, out: &mut Vec<Node<'a>>) {
        let Some(tnode) = item.get("template") else {
            return;
        };
        let raw = tnode.text().unwrap_or_default();
        self.missing = false;
        let Some(origin) = self.instantiate(item, &tnode, &raw, ViaKind::TemplateOf) else {
            // A stage or job template that could not be read still stands for a job, so the
            // pipeline keeps its shape (the job is listed as not analysed).
            if self.missing && matches!(level, Level::Stage | Level::Job) {
                out.push(item.clone());
            }
            return;
        };
        let troot = Node::new(origin.file.get().value.clone(), origin, Route::root());
        match troot.get(level.key()) {
            Some(list) => self.expand(&list, level, out),
            None => self.note(
                &troot,
                format!(
                    "template used for {} has no `{}:`; nothing inserted",
                    level.key(),
                    level.key()
                ),
            ),
        }
    }

    /// Read a template and bind its parameters: the caller's values over the template's
    /// defaults. `None` (with a note or an external reference) when it is not expanded.
    fn instantiate(
        &mut self,
        caller: &Node<'a>,
        tnode: &Node<'a>,
        raw: &str,
        kind: ViaKind,
    ) -> Option<Rc<Origin<'a>>> {
        let raw = raw.trim();
        if raw.is_empty() {
            self.note(tnode, "empty template reference; skipped");
            return None;
        }
        if raw.contains("${{") || raw.contains("$(") {
            self.unanalysed.push(Unanalysed {
                site: tnode.site(),
                what: format!("template `{raw}` chosen by an expression"),
            });
            return None;
        }
        if let Some((p, alias)) = raw.rsplit_once('@')
            && alias != "self"
        {
            // The part not analysed is the whole entry (`- template:`, `extends:`).
            self.remote_template(tnode, raw, p, alias, caller.key_site());
            return None;
        }
        let Some(path) = local_template(&caller.o.path, raw) else {
            self.note(
                tnode,
                format!("template `{raw}` leaves the repository; skipped"),
            );
            return None;
        };
        let path: Arc<str> = Arc::from(path.as_str());
        if caller.o.chain.contains(&path) {
            self.note(
                tnode,
                format!("template `{path}` includes itself (a cycle); not expanded again"),
            );
            return None;
        }
        if caller.o.chain.len() > MAX_DEPTH {
            self.note(
                tnode,
                format!("template `{path}` nests more than {MAX_DEPTH} deep; not expanded"),
            );
            return None;
        }
        if self.expansions >= MAX_EXPANSIONS {
            self.note(
                tnode,
                format!("more than {MAX_EXPANSIONS} template expansions; `{path}` not expanded"),
            );
            return None;
        }
        self.expansions += 1;
        let file = match self.files.yaml(&path) {
            Ok(f) => f,
            Err(e) => {
                self.note(
                    tnode,
                    format!("template `{path}` not found or not read: {e}"),
                );
                // What it would add is unknown: the pipeline's conclusions cannot be complete.
                self.unanalysed.push(Unanalysed {
                    site: tnode.site(),
                    what: format!("template `{path}` (not found or not read)"),
                });
                self.missing = true;
                return None;
            }
        };
        if !self.sources.iter().any(|s| s.path == path) {
            self.sources.push(SourceText {
                path: path.clone(),
                text: file.text.clone(),
            });
        }
        let mut via = caller.o.via.clone();
        via.push(Via {
            kind,
            path: caller.o.path.to_string(),
            span: tnode.key_site().span.or(caller.key_site().span),
        });
        let mut chain = caller.o.chain.clone();
        chain.push(path.clone());
        // Defaults are written in the template; they are bound without parameters of their own.
        let base = Rc::new(Origin {
            file: FileRef::Other(file.clone()),
            path: path.clone(),
            own: false,
            via: via.clone(),
            params: BTreeMap::new(),
            chain: chain.clone(),
        });
        let mut params = BTreeMap::new();
        let declared = Node::new(file.value.clone(), base, Route::root()).get("parameters");
        if let Some(d) = declared {
            match &d.v {
                Value::Sequence(_) => {
                    for p in d.items() {
                        if let (Some(name), Some(def)) = (p.get_text("name"), p.get("default")) {
                            params.insert(name, def);
                        }
                    }
                }
                Value::Mapping(_) => {
                    let mut c = Vec::new();
                    for (k, v) in d.entries(&mut c) {
                        params.insert(k, v);
                    }
                }
                _ => {}
            }
        }
        if let Some(given) = caller.get("parameters") {
            let mut c = Vec::new();
            for (k, v) in given.entries(&mut c) {
                params.insert(k, v);
            }
            for k in c {
                self.notes.push(format!(
                    "{k}: template expression; every branch is analysed"
                ));
            }
        }
        Some(Rc::new(Origin {
            file: FileRef::Other(file),
            path,
            own: false,
            via,
            params,
            chain,
        }))
    }

    fn remote_template(&mut self, tnode: &Node<'a>, raw: &str, path: &str, alias: &str, at: Site) {
        let (name, reference) = match self.repos.get(alias) {
            Some(r) => (r.name.clone(), r.reference.clone()),
            None => {
                self.note(
                    tnode,
                    format!("repository `{alias}` is not declared in `resources.repositories`"),
                );
                (alias.to_owned(), None)
            }
        };
        let target = format!("{name}/{}", path.trim_start_matches('/'));
        self.externals.push(ExternalRef {
            kind: ExternalKind::Template,
            pinning: ref_pinning(reference.as_deref()),
            name: target.clone(),
            reference,
            raw: raw.to_owned(),
            site: tnode.site(),
        });
        if !self
            .unanalysed
            .iter()
            .any(|u| u.what.contains(&format!("`{raw}`")))
        {
            self.unanalysed.push(Unanalysed {
                site: at,
                what: format!("template `{raw}` from repository `{name}` (not fetched)"),
            });
        }
    }

    /// `extends: template:`: a local template becomes the pipeline's body; for a template in
    /// another repository, the stages / jobs / steps passed to it as parameters are analysed
    /// as written.
    fn extends(
        &mut self,
        ext: &Node<'a>,
        scope: &mut Scope,
        vars: &mut Vec<Variable>,
        out: &mut Vec<JobOut>,
    ) {
        let Some(tnode) = ext.get("template") else {
            self.note(ext, "`extends:` without `template:`; skipped");
            return;
        };
        let raw = tnode.text().unwrap_or_default();
        match self.instantiate(ext, &tnode, &raw, ViaKind::ExtendedBy) {
            Some(origin) => {
                let troot = Node::new(origin.file.get().value.clone(), origin, Route::root());
                self.resources(&troot);
                if let Some(v) = troot.get("variables") {
                    self.variables(&v, vars, &mut scope.groups);
                }
                match troot.get("extends") {
                    Some(inner) => self.extends(&inner, scope, vars, out),
                    None => self.body(&troot, scope, out),
                }
            }
            None => {
                if let Some(params) = ext.get("parameters") {
                    let before = out.len();
                    self.body(&params, scope, out);
                    if out.len() > before {
                        self.note(
                            &params,
                            format!("stages, jobs and steps passed to `{}` are analysed as written; what the template adds is not", raw.trim()),
                        );
                    }
                }
            }
        }
    }

    /// `stages:`, or the short forms `jobs:` and `steps:`, of a pipeline or extended template.
    fn body(&mut self, n: &Node<'a>, scope: &Scope, out: &mut Vec<JobOut>) {
        let mut scope = scope.clone();
        if let Some(p) = n.get("pool") {
            scope.pool = self.pool(&p);
        }
        if let Some(stages) = n.get("stages") {
            self.stages(&stages, &scope, out);
        } else if let Some(jobs) = n.get("jobs") {
            self.jobs(&jobs, &scope, out);
        } else if n.get("steps").is_some() {
            // One implicit job; its settings are the file's top-level keys.
            let job = self.job(n, 0, &scope, true);
            out.push(job);
        }
    }

    fn stages(&mut self, list: &Node<'a>, scope: &Scope, out: &mut Vec<JobOut>) {
        let mut items = Vec::new();
        self.expand(list, Level::Stage, &mut items);
        let mut prev: Option<String> = None;
        for (i, st) in items.into_iter().enumerate() {
            if st.get("template").is_some() {
                out.push(self.missing_job(&st, scope));
                continue;
            }
            self.conditionals(&st);
            let name = st
                .get_text("stage")
                .and_then(nonempty)
                .unwrap_or_else(|| format!("stage{}", i + 1));
            let st = st.renamed("stage", &name);
            let mut s = scope.clone();
            s.stage = Some(name.clone());
            // Without `dependsOn`, a stage runs after the one before it.
            s.stage_needs = match st.get("dependsOn") {
                Some(d) => names(&d),
                None => prev.iter().cloned().collect(),
            };
            s.stage_condition = st.get_text("condition");
            if let Some(p) = st.get("pool") {
                s.pool = self.pool(&p);
            }
            if let Some(v) = st.get("variables") {
                self.variables(&v, &mut s.variables, &mut s.groups);
            }
            if let Some(t) = st.get("trigger")
                && t.str().is_some_and(|x| x.trim() == "manual")
            {
                s.stage_gate = Some(t.site());
            }
            match st.get("jobs") {
                Some(jobs) => self.jobs(&jobs, &s, out),
                None => self.note(&st, "stage without `jobs:`"),
            }
            prev = Some(name);
        }
    }

    fn jobs(&mut self, list: &Node<'a>, scope: &Scope, out: &mut Vec<JobOut>) {
        let mut items = Vec::new();
        self.expand(list, Level::Job, &mut items);
        for (i, jn) in items.iter().enumerate() {
            let job = self.job(jn, i, scope, false);
            out.push(job);
        }
    }

    fn pool(&mut self, n: &Node<'a>) -> Option<Runner> {
        let (name, image, demands) = match &n.v {
            Value::String(s) => (Some(s.clone()), None, Vec::new()),
            Value::Mapping(_) => (
                n.get_text("name"),
                n.get_text("vmImage"),
                n.get("demands")
                    .map(|d| {
                        let items: Vec<String> = d.items().iter().filter_map(Node::text).collect();
                        if items.is_empty() {
                            d.text().into_iter().collect()
                        } else {
                            items
                        }
                    })
                    .unwrap_or_default(),
            ),
            _ => (None, None, Vec::new()),
        };
        if name.as_deref().is_some_and(|s| s.trim() == "server") {
            // Agentless: nothing runs on a machine.
            return None;
        }
        let mut labels = Vec::new();
        let kind = match (&name, &image) {
            (Some(p), _) if dynamic(p) => RunnerKind::Unknown,
            (Some(p), _) if !p.trim().eq_ignore_ascii_case("Azure Pipelines") => {
                RunnerKind::SelfHosted
            }
            (_, Some(i)) if dynamic(i) => RunnerKind::Unknown,
            (_, Some(_)) => RunnerKind::Hosted,
            (Some(_), None) => RunnerKind::Hosted,
            // `pool: {demands: ..}` alone, or a template's own pool keys (`type:`).
            (None, None) => RunnerKind::Unknown,
        };
        labels.extend(name);
        labels.extend(image);
        labels.extend(demands);
        Some(Runner {
            kind,
            labels,
            site: n.site(),
        })
    }

    /// A job standing for a stage or job template that could not be read.
    fn missing_job(&mut self, item: &Node<'a>, scope: &Scope) -> JobOut {
        let tnode = item.get("template").unwrap_or_else(|| item.clone());
        let raw = tnode.text().unwrap_or_default();
        let mut job = Job::new(raw.trim(), item.key_site());
        job.runner = scope.pool.clone();
        job.variables = scope.variables.clone();
        job.secrets = scope.groups.clone();
        job.manual_gate = scope.stage_gate.clone();
        job.calls = Some(ExternalRef {
            kind: ExternalKind::Template,
            name: raw.trim().to_owned(),
            reference: None,
            pinning: Pinning::Local,
            raw: raw.trim().to_owned(),
            site: tnode.site(),
        });
        JobOut {
            job,
            stage: scope.stage.clone(),
            stage_needs: scope.stage_needs.clone(),
            validation: None,
        }
    }

    fn job(&mut self, jn: &Node<'a>, index: usize, scope: &Scope, implicit: bool) -> JobOut {
        if !implicit && jn.get("template").is_some() {
            return self.missing_job(jn, scope);
        }
        self.conditionals(jn);
        let deployment = jn.get("deployment").is_some();
        let field = if deployment { "deployment" } else { "job" };
        let raw_id = if implicit {
            "Job".to_owned()
        } else {
            jn.get_text(field)
                .and_then(nonempty)
                .unwrap_or_else(|| format!("Job{}", index + 1))
        };
        let jn = if implicit {
            jn.clone()
        } else {
            jn.renamed(field, &raw_id)
        };
        let qualify = |id: &str| match &scope.stage {
            Some(s) => format!("{s}.{id}"),
            None => id.to_owned(),
        };
        let site = if implicit {
            jn.get("steps")
                .map_or_else(|| jn.key_site(), |s| s.key_site())
        } else {
            jn.key_site()
        };
        let mut job = Job::new(qualify(&raw_id), site);
        job.name = jn.get_text("displayName");
        job.needs = jn
            .get("dependsOn")
            .map(|d| names(&d).iter().map(|x| qualify(x)).collect())
            .unwrap_or_default();
        job.condition = jn
            .get_text("condition")
            .or_else(|| scope.stage_condition.clone());
        job.continue_on_error = jn.get("continueOnError").is_some_and(|c| is_true(&c));
        job.runner = match jn.get("pool") {
            Some(p) => self.pool(&p),
            None => scope.pool.clone(),
        };
        if job.runner.is_none() && jn.get("pool").is_none() && !self.fragment {
            // No pool anywhere: Azure runs the job on its hosted pool (ubuntu-latest).
            job.runner = Some(Runner {
                kind: RunnerKind::Hosted,
                labels: vec!["Azure Pipelines (default)".to_owned()],
                site: job.site.clone(),
            });
        }
        if let Some(c) = jn.get("container") {
            let img = match &c.v {
                Value::Mapping(_) => c.get("image"),
                _ => Some(c.clone()),
            };
            if let Some(img) = img
                && let Some(raw) = img.text()
                && !self.containers.contains(raw.trim())
            {
                job.images.push(image_ref(&raw, img.site()));
            }
        }
        if let Some(sv) = jn.get("services") {
            let mut c = Vec::new();
            for (_, v) in sv.entries(&mut c) {
                if let Some(raw) = v.text()
                    && !self.containers.contains(raw.trim())
                {
                    job.images.push(image_ref(&raw, v.site()));
                }
            }
        }
        job.variables = scope.variables.clone();
        job.secrets = scope.groups.clone();
        if let Some(v) = jn.get("variables") {
            self.variables(&v, &mut job.variables, &mut job.secrets);
        }
        if deployment && let Some(env) = jn.get("environment") {
            let name_node = match &env.v {
                Value::Mapping(_) => env.get("name"),
                _ => Some(env.clone()),
            };
            if let Some(name) = name_node.as_ref().and_then(Node::text) {
                job.environment = Some(Environment {
                    name,
                    url: None,
                    tier: None,
                    site: name_node.as_ref().unwrap_or(&env).site(),
                });
            }
        }
        job.manual_gate = scope.stage_gate.clone();
        let mut step_nodes = Vec::new();
        if deployment {
            match jn.get("strategy") {
                Some(strategy) => {
                    let mut c = Vec::new();
                    for (_, s) in strategy.entries(&mut c) {
                        // runOnce / rolling / canary: every lifecycle hook's steps.
                        for hook in ["preDeploy", "deploy", "routeTraffic", "postRouteTraffic"] {
                            if let Some(steps) = s.get(hook).and_then(|h| h.get("steps")) {
                                self.expand(&steps, Level::Step, &mut step_nodes);
                            }
                        }
                        if let Some(on) = s.get("on") {
                            for hook in ["failure", "success"] {
                                if let Some(steps) = on.get(hook).and_then(|h| h.get("steps")) {
                                    self.expand(&steps, Level::Step, &mut step_nodes);
                                }
                            }
                        }
                    }
                }
                None => self.note(&jn, "deployment job without `strategy:`"),
            }
        } else if let Some(steps) = jn.get("steps") {
            self.expand(&steps, Level::Step, &mut step_nodes);
        }
        let mut validation = None;
        for (i, sn) in step_nodes.iter().enumerate() {
            let (step, kind) = self.step(i, sn);
            match kind {
                StepKind::Upload => job.artifacts.push(Artifact {
                    upload: true,
                    site: step.site.clone(),
                }),
                StepKind::Download => job.artifacts.push(Artifact {
                    upload: false,
                    site: step.site.clone(),
                }),
                StepKind::Cache => job.caches.push(step.site.clone()),
                StepKind::Validation => {
                    validation.get_or_insert_with(|| step.site.clone());
                }
                StepKind::Plain => {}
            }
            job.steps.push(step);
        }
        secret_refs(&mut job);
        JobOut {
            job,
            stage: scope.stage.clone(),
            stage_needs: scope.stage_needs.clone(),
            validation,
        }
    }

    fn step(&mut self, index: usize, sn: &Node<'a>) -> (Step, StepKind) {
        self.conditionals(sn);
        let task_raw = sn.get_text("task");
        let sn = if let Some(n) = sn.get_text("name").and_then(nonempty) {
            sn.renamed("name", &n)
        } else if let Some(t) = &task_raw {
            sn.renamed("task", t.split('@').next().unwrap_or(t).trim())
        } else {
            sn.clone()
        };
        let mut kind = StepKind::Plain;
        let mut tools = Vec::new();
        let action = if let Some((key, body)) = ["script", "bash", "pwsh", "powershell"]
            .iter()
            .find_map(|k| sn.get(k).map(|b| (*k, b)))
        {
            let script = body.text().unwrap_or_default();
            tools = classify_script(&script);
            StepAction::Run {
                script,
                shell: Some(key.to_owned()),
                site: body.site(),
            }
        } else if let Some(raw) = task_raw {
            let tnode = sn.get("task").unwrap_or_else(|| sn.clone());
            let (name, version) = match raw.split_once('@') {
                Some((n, v)) => (n.trim().to_owned(), Some(v.trim().to_owned())),
                None => (raw.trim().to_owned(), None),
            };
            let lower = name.to_ascii_lowercase();
            let short = lower.rsplit('.').next().unwrap_or(&lower).to_owned();
            let inputs = inputs(&sn);
            kind = match short.as_str() {
                "publishpipelineartifact" | "publishbuildartifacts" => StepKind::Upload,
                "downloadpipelineartifact" | "downloadbuildartifacts" => StepKind::Download,
                "cache" | "cachebeta" => StepKind::Cache,
                "manualvalidation" => StepKind::Validation,
                _ => StepKind::Plain,
            };
            let inline = inputs
                .iter()
                .find(|i| matches!(i.name.as_str(), "script" | "inlineScript"))
                .cloned();
            let target_type = inputs
                .iter()
                .find(|i| i.name == "targetType")
                .map(|i| i.value.trim().to_ascii_lowercase());
            let shell_task = matches!(short.as_str(), "bash" | "cmdline" | "powershell");
            match inline {
                // The built-in shell tasks with an inline script are scripts: the script
                // checks read them like `script:` steps.
                Some(script) if shell_task && target_type.as_deref() != Some("filepath") => {
                    tools = classify_script(&script.value);
                    StepAction::Run {
                        script: script.value,
                        shell: Some(raw.trim().to_owned()),
                        site: script.site,
                    }
                }
                inline => {
                    tools = task_tools(&name);
                    if let Some(s) = inline {
                        tools.extend(classify_script(&s.value));
                    }
                    let pinning = match &version {
                        _ if builtin_task(&name) => Pinning::Platform,
                        None => Pinning::Mutable,
                        Some(v) if dynamic(v) => Pinning::Dynamic,
                        // `@2`, `@2.1.0`: a task version, which the task's publisher can
                        // replace within the major version.
                        Some(_) => Pinning::Version,
                    };
                    StepAction::Uses {
                        target: ExternalRef {
                            kind: ExternalKind::Task,
                            name,
                            reference: version,
                            pinning,
                            raw: raw.trim().to_owned(),
                            site: tnode.site(),
                        },
                        inputs,
                    }
                }
            }
        } else if let Some(c) = sn.get("checkout") {
            let repo = c.text().unwrap_or_default();
            if repo.trim() == "none" {
                StepAction::Other("checkout: none".to_owned())
            } else {
                // The checkout is the platform's own step; its options are inputs so the
                // credential checks can read `persistCredentials`.
                let mut inputs = Vec::new();
                let mut cnd = Vec::new();
                for (k, v) in sn.entries(&mut cnd) {
                    if matches!(
                        k.as_str(),
                        "checkout" | "displayName" | "name" | "condition" | "env"
                    ) {
                        continue;
                    }
                    if let Some(value) = v.text() {
                        inputs.push(Input {
                            name: k,
                            value,
                            site: v.site(),
                        });
                    }
                }
                StepAction::Uses {
                    target: ExternalRef {
                        kind: ExternalKind::Task,
                        name: "checkout".to_owned(),
                        reference: None,
                        pinning: Pinning::Local,
                        raw: format!("checkout: {}", repo.trim()),
                        site: c.site(),
                    },
                    inputs,
                }
            }
        } else if let Some((k, _)) = [
            "publish",
            "download",
            "downloadBuild",
            "getPackage",
            "restoreCache",
            "saveCache",
            "reviewApp",
        ]
        .iter()
        .find_map(|k| sn.get(k).map(|v| (*k, v)))
        {
            kind = match k {
                "publish" => StepKind::Upload,
                "download" | "downloadBuild" => StepKind::Download,
                "restoreCache" | "saveCache" => StepKind::Cache,
                _ => StepKind::Plain,
            };
            StepAction::Other(k.to_owned())
        } else {
            self.note(&sn, "step of an unrecognised kind");
            StepAction::Other("unrecognised step".to_owned())
        };
        let mut variables = Vec::new();
        if let Some(env) = sn.get("env") {
            let mut c = Vec::new();
            for (k, v) in env.entries(&mut c) {
                variables.push(Variable {
                    name: k,
                    value: v.text().unwrap_or_default(),
                    site: v.site(),
                });
            }
        }
        let continue_on_error = sn
            .get("continueOnError")
            .filter(|c| {
                !matches!(&c.v, Value::Bool(false))
                    && !c
                        .str()
                        .is_some_and(|s| s.trim().eq_ignore_ascii_case("false"))
            })
            .map(|c| c.site());
        let step = Step {
            index,
            id: sn.get_text("name"),
            name: sn.get_text("displayName"),
            site: sn.key_site(),
            action,
            variables,
            condition: sn.get_text("condition"),
            continue_on_error,
            tools,
        };
        (step, kind)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum StepKind {
    Plain,
    Upload,
    Download,
    Cache,
    Validation,
}

/// Task `inputs:` (scalars only).
fn inputs(sn: &Node<'_>) -> Vec<Input> {
    let Some(m) = sn.get("inputs") else {
        return Vec::new();
    };
    let mut c = Vec::new();
    m.entries(&mut c)
        .into_iter()
        .filter_map(|(k, v)| {
            Some(Input {
                name: k,
                value: v.text()?,
                site: v.site(),
            })
        })
        .collect()
}

/// `dependsOn:` as a list of names.
fn names(n: &Node<'_>) -> Vec<String> {
    match &n.v {
        Value::Sequence(_) => n.items().iter().filter_map(Node::text).collect(),
        _ => n.text().and_then(nonempty).into_iter().collect(),
    }
}

fn image_ref(raw: &str, site: Site) -> ExternalRef {
    let raw = raw.trim();
    let (name, reference) = match raw.split_once('@') {
        Some((n, d)) => (n.to_owned(), Some(d.to_owned())),
        None => match annexa_model::pipeline::image_tag(raw) {
            Some(tag) => (
                raw[..raw.len() - tag.len() - 1].to_owned(),
                Some(tag.to_owned()),
            ),
            None => (raw.to_owned(), None),
        },
    };
    ExternalRef {
        kind: ExternalKind::Image,
        pinning: Pinning::of_image(raw),
        name,
        reference,
        raw: raw.to_owned(),
        site,
    }
}

/// Secret variables referenced in the job. Azure marks secrets outside the file, so a
/// reference counts when its name looks like a credential and the file does not define it.
fn secret_refs(job: &mut Job) {
    let defined: BTreeSet<String> = job
        .variables
        .iter()
        .map(|v| v.name.to_ascii_lowercase())
        .collect();
    let mut texts: Vec<(&str, &Site)> = job
        .variables
        .iter()
        .map(|v| (v.value.as_str(), &v.site))
        .collect();
    for s in &job.steps {
        match &s.action {
            StepAction::Run { script, site, .. } => texts.push((script, site)),
            StepAction::Uses { inputs, .. } => {
                texts.extend(inputs.iter().map(|i| (i.value.as_str(), &i.site)))
            }
            StepAction::Other(_) => {}
        }
        texts.extend(s.variables.iter().map(|v| (v.value.as_str(), &v.site)));
    }
    let mut found: Vec<SecretRef> = Vec::new();
    for (text, site) in texts {
        if !text.contains('$') && !text.contains("variables") {
            continue;
        }
        for name in variable_refs(text) {
            if secret_like(&name)
                && !defined.contains(&name.to_ascii_lowercase())
                && !found.iter().any(|f| f.name == name)
            {
                found.push(SecretRef {
                    name,
                    site: site.clone(),
                });
            }
        }
    }
    job.secrets.extend(found);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        assert!(secret_like("NPM_TOKEN"));
        assert!(secret_like("my-pat"));
        assert!(!secret_like("System.AccessToken"));
        assert!(!secret_like("workPath"));
        assert!(!secret_like("Build.SourcesDirectory"));
        assert_eq!(
            variable_refs("echo $(NPM_TOKEN) $[variables.a] ${{ variables['b'] }}"),
            vec!["NPM_TOKEN", "a", "b"]
        );
    }

    #[test]
    fn refs() {
        assert_eq!(ref_pinning(Some("refs/tags/v1")), Pinning::Version);
        assert_eq!(ref_pinning(Some("refs/heads/main")), Pinning::Mutable);
        assert_eq!(ref_pinning(None), Pinning::Mutable);
        assert_eq!(
            ref_pinning(Some("8e5e7e5ab8b370d6c329ec480221332ada57f0ab")),
            Pinning::Immutable
        );
    }
}
