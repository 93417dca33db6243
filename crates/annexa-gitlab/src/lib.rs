//! GitLab CI input: `.gitlab-ci.yml` and the files it includes, mapped into the normalised
//! pipeline model.
//!
//! The configuration is assembled the way GitLab assembles it: local `include:` files first
//! (recursively, in order), the including file last, later definitions overriding earlier
//! ones key by key; then each job's `extends:` chain and `default:` values are layered under
//! it. Every element keeps the file it is written in ([`Site::file`]) and how it got into the
//! pipeline ([`Via`]: included from, extended by, referenced by, anchor). Remote, project,
//! template and component includes are external references with their pinning; annexa reads
//! no network, so their jobs are `unanalysed` — except GitLab's own security templates, whose
//! jobs are known and mapped as the scans they run.
//!
//! Architecture invariant: mapping never judges; it records what the file says.

mod rules;

use std::sync::Arc;

use annexa_model::observation::{Via, ViaKind};
use annexa_model::pipeline::{
    Artifact, Environment, ExternalKind, ExternalRef, Job, Mapped, Pinning, Pipeline, PipelineKind,
    Runner, RunnerKind, SecretRef, SecurityTool, Site, SourceText, Step, StepAction, ToolCategory,
    Unanalysed, Variable, classify_script, secret_variables,
};
use annexa_model::{DiagnosticKind, Platform, Route, Span};
use annexa_source::{LocalFiles, Refusal, YamlFile, resolve_path};
use yaml_serde::{Mapping, Value};

use rules::{Decision, Source};

/// Whether a repository-relative path is GitLab CI configuration by its name:
/// `.gitlab-ci.yml`, `*.gitlab-ci.yml`, or YAML under `.gitlab-ci/`, `.gitlab-ci.d/`,
/// `.gitlab/ci/` or `gitlab-ci/`.
pub fn classify_path(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    let yaml = file.ends_with(".yml") || file.ends_with(".yaml");
    file == ".gitlab-ci.yml"
        || file.ends_with(".gitlab-ci.yml")
        || (yaml
            && [".gitlab-ci/", ".gitlab-ci.d/", ".gitlab/ci/", "gitlab-ci/"]
                .iter()
                .any(|d| path.starts_with(d)))
}

/// Keys at the top level that are not jobs.
const GLOBAL_KEYS: &[&str] = &[
    "image",
    "services",
    "stages",
    "types",
    "before_script",
    "after_script",
    "variables",
    "cache",
    "include",
    "workflow",
    "default",
    "spec",
    "pages:deploy",
];

/// Job keys `default:` (and the deprecated top-level globals) can supply.
const DEFAULTABLE: &[&str] = &[
    "image",
    "services",
    "before_script",
    "after_script",
    "cache",
    "artifacts",
    "tags",
    "interruptible",
    "retry",
    "timeout",
    "hooks",
    "id_tokens",
];

/// GitLab's own security templates and the job each defines (all with `allow_failure: true`,
/// and each switched off by `<JOB>_DISABLED`, e.g. `SAST_DISABLED`).
const SECURITY_TEMPLATES: &[(&str, &str, ToolCategory, &str)] = &[
    ("Security/SAST", "sast", ToolCategory::Sast, "GitLab SAST"),
    ("Jobs/SAST", "sast", ToolCategory::Sast, "GitLab SAST"),
    (
        "Security/Dependency-Scanning",
        "dependency_scanning",
        ToolCategory::Sca,
        "GitLab Dependency Scanning",
    ),
    (
        "Jobs/Dependency-Scanning",
        "dependency_scanning",
        ToolCategory::Sca,
        "GitLab Dependency Scanning",
    ),
    (
        "Security/Secret-Detection",
        "secret_detection",
        ToolCategory::SecretScan,
        "GitLab Secret Detection",
    ),
    (
        "Jobs/Secret-Detection",
        "secret_detection",
        ToolCategory::SecretScan,
        "GitLab Secret Detection",
    ),
    (
        "Security/Container-Scanning",
        "container_scanning",
        ToolCategory::Sca,
        "GitLab Container Scanning",
    ),
    (
        "Jobs/Container-Scanning",
        "container_scanning",
        ToolCategory::Sca,
        "GitLab Container Scanning",
    ),
    // DAST tests a running application: no category here stands for it, so its template
    // stays an unanalysed include rather than passing for SAST.
];

const MAX_INCLUDE_DEPTH: usize = 16;
const MAX_INCLUDED_FILES: usize = 150;
const MAX_EXTENDS_DEPTH: usize = 11;
const REFERENCE_BUDGET: usize = 10_000;

/// Repository files this one includes directly (`include: local` and the string form), resolved to repository-relative paths; globs are
/// expanded through `files`.
pub fn references(path: &str, file: &YamlFile, files: &dyn LocalFiles) -> Vec<String> {
    let Value::Mapping(top) = &file.value else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut add = |target: &str| {
        if target.contains('*') {
            out.extend(files.glob(target));
        } else if let Some(p) = resolve_path(path, &format!("/{}", target.trim_start_matches('/')))
        {
            out.push(p);
        }
    };
    if let Some(inc) = top.get("include") {
        for entry in include_entries(inc) {
            if let Include::Local(p) = classify_include(entry) {
                add(&p);
            }
        }
    }
    // Child pipelines (`trigger: include:`) are separate pipelines, not part of this one: they
    // are analysed on their own where discovery finds them.
    out.sort();
    out.dedup();
    out
}

fn include_entries(v: &Value) -> Vec<&Value> {
    match v {
        Value::Sequence(s) => s.iter().collect(),
        other => vec![other],
    }
}

#[derive(Debug, PartialEq)]
enum Include {
    Local(String),
    Remote(String),
    Project {
        project: String,
        reference: Option<String>,
        files: Vec<String>,
    },
    Template(String),
    Component(String),
    Unknown,
}

fn classify_include(v: &Value) -> Include {
    match v {
        Value::String(s) if s.starts_with("http://") || s.starts_with("https://") => {
            Include::Remote(s.clone())
        }
        Value::String(s) => Include::Local(s.clone()),
        Value::Mapping(m) => {
            let s = |k: &str| m.get(k).and_then(Value::as_str).map(String::from);
            if let Some(l) = s("local") {
                Include::Local(l)
            } else if let Some(r) = s("remote") {
                Include::Remote(r)
            } else if let Some(t) = s("template") {
                Include::Template(t)
            } else if let Some(c) = s("component") {
                Include::Component(c)
            } else if let Some(p) = s("project") {
                let files = match m.get("file") {
                    Some(Value::String(f)) => vec![f.clone()],
                    Some(Value::Sequence(fs)) => fs
                        .iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect(),
                    _ => Vec::new(),
                };
                Include::Project {
                    project: p,
                    reference: s("ref"),
                    files,
                }
            } else {
                Include::Unknown
            }
        }
        _ => Include::Unknown,
    }
}

/// One file of the assembled configuration.
struct Doc<'a> {
    path: Arc<str>,
    file: DocFile<'a>,
    /// `true` for the file being mapped.
    main: bool,
}

/// The file being mapped is borrowed; included files are shared with the engine's cache.
#[derive(Clone)]
enum DocFile<'a> {
    Borrowed(&'a YamlFile),
    Shared(Arc<YamlFile>),
}

impl std::ops::Deref for DocFile<'_> {
    type Target = YamlFile;
    fn deref(&self) -> &YamlFile {
        match self {
            DocFile::Borrowed(f) => f,
            DocFile::Shared(f) => f,
        }
    }
}

/// One mapping that contributes keys to a job (or to the defaults): the job's own
/// definition in some file, an `extends:` parent, or a template's known job.
#[derive(Clone)]
struct Layer {
    map: Mapping,
    doc: usize,
    base: Route,
    via: Vec<Via>,
    /// For a security template's job: the tool it runs.
    tool: Option<(ToolCategory, &'static str, usize)>,
}

struct Cx<'a> {
    files: &'a dyn LocalFiles,
    docs: Vec<Doc<'a>>,
    /// Top-level keys in precedence order (later wins), each with its layers.
    entries: Vec<(String, Vec<Layer>)>,
    notes: Vec<String>,
    externals: Vec<ExternalRef>,
    unanalysed: Vec<Unanalysed>,
    /// `extends:` targets defined nowhere annexa can read: target → (first use, jobs).
    missing_extends: std::collections::BTreeMap<String, (Site, Vec<String>)>,
    /// Position of each top-level key in `entries`.
    index: std::collections::HashMap<String, usize>,
    /// `job_layers` results, so a wide `extends:` graph is resolved once per name.
    resolved: std::collections::HashMap<String, Vec<Layer>>,
    /// Names being resolved (an `extends:` cycle is cut, with a note).
    resolving: Vec<String>,
    /// `!reference` expansions left; a hostile file cannot make expansion explode.
    reference_budget: usize,
    /// Deprecated top-level `image`, `services`, `before_script`, `after_script`, `cache`,
    /// one layer per document, in precedence order.
    globals: Vec<Layer>,
}

impl Cx<'_> {
    fn site_in(&self, doc: usize, route: Route, via: &[Via], key: bool) -> Site {
        let d = &self.docs[doc];
        let mut span = if key {
            d.file.key_span(&route)
        } else {
            d.file.span(&route)
        };
        let mut via = via.to_vec();
        if span.is_none() {
            // A key merged in from a YAML anchor (`<<: *defaults`): point at the alias.
            let mut parent = route.clone();
            parent.0.pop();
            if let Some(alias) = d.file.span(&parent.key("<<")) {
                span = Some(alias);
                via.push(Via {
                    kind: ViaKind::Anchor,
                    path: d.path.to_string(),
                    span: Some(alias),
                });
            }
        }
        Site {
            route,
            span,
            via,
            file: (!d.main).then(|| d.path.clone()),
        }
    }

    fn site(&self, layer: &Layer, key: &str) -> Site {
        if layer.tool.is_some() {
            // A security template's job: what the template sets is where it is included.
            return self.site_in(layer.doc, layer.base.clone(), &layer.via, false);
        }
        self.site_in(layer.doc, layer.base.key(key), &layer.via, false)
    }

    fn entry(&self, name: &str) -> Option<&Vec<Layer>> {
        self.index.get(name).map(|&i| &self.entries[i].1)
    }

    fn add_entry(&mut self, key: String, layer: Layer) {
        match self.index.get(&key) {
            Some(&i) => self.entries[i].1.push(layer),
            None => {
                self.index.insert(key.clone(), self.entries.len());
                self.entries.push((key, vec![layer]));
            }
        }
    }

    /// Insert a layer under all others of `key` (a template's job under the file's settings).
    fn add_entry_below(&mut self, key: &str, layer: Layer) {
        match self.index.get(key) {
            Some(&i) => self.entries[i].1.insert(0, layer),
            None => self.add_entry(key.to_owned(), layer),
        }
    }

    /// Record a part of the configuration annexa did not read.
    fn unread(&mut self, site: &Site, what: String) {
        self.notes.push(what.clone());
        self.unanalysed.push(Unanalysed {
            site: site.clone(),
            what,
        });
    }

    /// Read one document's includes (recursively) and then its own top-level entries.
    fn assemble(&mut self, doc: usize, via: Vec<Via>, depth: usize) {
        let file = self.docs[doc].file.clone();
        let Value::Mapping(top) = &file.value else {
            return;
        };
        if let Some(inc) = top.get("include") {
            let entries = include_entries(inc);
            let single = !matches!(inc, Value::Sequence(_));
            for (i, entry) in entries.into_iter().enumerate() {
                let route = if single {
                    Route::root().key("include")
                } else {
                    Route::root().key("include").index(i)
                };
                let site = self.site_in(doc, route, &via, false);
                self.include(doc, entry, site, &via, depth);
            }
        }
        let mut globals = Mapping::new();
        for key in [
            "image",
            "services",
            "before_script",
            "after_script",
            "cache",
        ] {
            if let Some(v) = top.get(key) {
                globals.insert(Value::String(key.into()), v.clone());
            }
        }
        if !globals.is_empty() {
            self.globals.push(Layer {
                map: globals,
                doc,
                base: Route::root(),
                via: via.clone(),
                tool: None,
            });
        }
        for (k, v) in top {
            // Globals that are not mappings (`stages`, `image: x`) are read where needed.
            let (Some(key), Value::Mapping(map)) = (k.as_str(), v) else {
                continue;
            };
            if key == "include" {
                continue;
            }
            self.add_entry(
                key.to_owned(),
                Layer {
                    map: map.clone(),
                    doc,
                    base: Route::root().key(key),
                    via: via.clone(),
                    tool: None,
                },
            );
        }
    }

    fn include(&mut self, from: usize, entry: &Value, site: Site, via: &[Via], depth: usize) {
        let from_path = self.docs[from].path.clone();
        match classify_include(entry) {
            Include::Local(target) => {
                let targets = if target.contains('*') {
                    self.files.glob(&target)
                } else {
                    resolve_path(&from_path, &format!("/{}", target.trim_start_matches('/')))
                        .into_iter()
                        .collect()
                };
                if targets.is_empty() {
                    self.unread(&site, format!("local include `{target}` matches no file"));
                }
                for t in targets {
                    if depth >= MAX_INCLUDE_DEPTH || self.docs.len() >= MAX_INCLUDED_FILES {
                        self.unread(&site, format!(
                            "include `{t}` not followed: more than {MAX_INCLUDE_DEPTH} levels or {MAX_INCLUDED_FILES} files"
                        ));
                        continue;
                    }
                    if self.docs.iter().any(|d| *d.path == *t) {
                        // GitLab rejects duplicate and circular includes; annexa reads each
                        // file once.
                        continue;
                    }
                    match self.files.yaml(&t) {
                        Ok(file) => {
                            let doc = self.docs.len();
                            self.docs.push(Doc {
                                path: Arc::from(t.as_str()),
                                file: DocFile::Shared(file),
                                main: false,
                            });
                            let mut via = via.to_vec();
                            via.push(Via {
                                kind: ViaKind::IncludedFrom,
                                path: from_path.to_string(),
                                span: site.span,
                            });
                            self.assemble(doc, via, depth + 1);
                        }
                        Err(r) => self.unread(
                            &site,
                            format!("local include `{t}` not read: {}", r.message),
                        ),
                    }
                }
            }
            Include::Template(name) => {
                let stem = name
                    .trim_end_matches(".gitlab-ci.yml")
                    .trim_end_matches(".yml");
                self.externals.push(ExternalRef {
                    kind: ExternalKind::Template,
                    name: name.clone(),
                    reference: None,
                    // Templates ship with the GitLab instance: they change with its version,
                    // not on their own.
                    pinning: Pinning::Version,
                    raw: name.clone(),
                    site: site.clone(),
                });
                if let Some(&(_, job, category, tool)) =
                    SECURITY_TEMPLATES.iter().find(|(t, ..)| *t == stem)
                {
                    let mut map = Mapping::new();
                    map.insert("allow_failure".into(), Value::Bool(true));
                    map.insert("script".into(), Value::Sequence(Vec::new()));
                    let layer = Layer {
                        map,
                        doc: from,
                        base: site.route.clone(),
                        via: via.to_vec(),
                        tool: Some((category, tool, self.externals.len() - 1)),
                    };
                    // The template's job sits under whatever the file says about it.
                    self.add_entry_below(job, layer);
                } else {
                    self.unanalysed.push(Unanalysed {
                        site,
                        what: format!("jobs from GitLab template `{name}`"),
                    });
                }
            }
            Include::Remote(url) => {
                self.externals.push(ExternalRef {
                    kind: ExternalKind::Include,
                    name: url.clone(),
                    reference: None,
                    // A URL names whatever the server returns today.
                    pinning: Pinning::Mutable,
                    raw: url.clone(),
                    site: site.clone(),
                });
                self.unanalysed.push(Unanalysed {
                    site,
                    what: format!("jobs from remote include `{url}` (annexa reads no network)"),
                });
            }
            Include::Project {
                project,
                reference,
                files,
            } => {
                let raw = match &reference {
                    Some(r) => format!("{project}@{r}"),
                    None => project.clone(),
                };
                self.externals.push(ExternalRef {
                    kind: ExternalKind::Include,
                    name: project.clone(),
                    pinning: Pinning::of_git_ref(reference.as_deref()),
                    reference,
                    raw: raw.clone(),
                    site: site.clone(),
                });
                self.unanalysed.push(Unanalysed {
                    site,
                    what: format!(
                        "jobs from `{}` of project `{raw}` (another repository)",
                        files.join("`, `")
                    ),
                });
            }
            Include::Component(c) => {
                let (name, reference) = match c.rsplit_once('@') {
                    Some((n, r)) => (n.to_owned(), Some(r.to_owned())),
                    None => (c.clone(), None),
                };
                let pinning = match reference.as_deref() {
                    Some("~latest") => Pinning::Mutable,
                    r => Pinning::of_git_ref(r),
                };
                self.externals.push(ExternalRef {
                    kind: ExternalKind::Include,
                    name,
                    reference,
                    pinning,
                    raw: c.clone(),
                    site: site.clone(),
                });
                self.unanalysed.push(Unanalysed {
                    site,
                    what: format!("jobs from CI/CD component `{c}`"),
                });
            }
            Include::Unknown => self
                .notes
                .push(format!("{}: include entry not understood", site.route)),
        }
    }

    /// The layers of job `name`, lowest precedence first: `extends:` parents (recursively),
    /// then the job's own definitions in include order.
    fn job_layers(&mut self, name: &str, depth: usize) -> Vec<Layer> {
        if let Some(done) = self.resolved.get(name) {
            return done.clone();
        }
        if self.resolving.iter().any(|n| n == name) {
            self.notes
                .push(format!("`extends:` cycle through `{name}`; cut there"));
            return Vec::new();
        }
        self.resolving.push(name.to_owned());
        let layers = self.resolve_layers(name, depth);
        self.resolving.pop();
        self.resolved.insert(name.to_owned(), layers.clone());
        layers
    }

    fn resolve_layers(&mut self, name: &str, depth: usize) -> Vec<Layer> {
        let Some(own) = self.entry(name).cloned() else {
            return Vec::new();
        };
        let extends: Vec<String> = match own.iter().rev().find_map(|l| l.map.get("extends")) {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Sequence(s)) => s
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
            _ => Vec::new(),
        };
        let mut out = Vec::new();
        if !extends.is_empty() && depth >= MAX_EXTENDS_DEPTH {
            self.notes.push(format!(
                "`{name}`: `extends:` nests deeper than {MAX_EXTENDS_DEPTH} levels; not followed further"
            ));
        } else {
            let last = own.last().cloned();
            for parent in extends {
                if self.entry(&parent).is_none() {
                    if let Some(l) = &last {
                        let site = self.site(l, "extends");
                        self.missing_extends
                            .entry(parent.clone())
                            .or_insert_with(|| (site, Vec::new()))
                            .1
                            .push(name.to_owned());
                    }
                    continue;
                }
                let via = last.as_ref().map(|l| {
                    let site = self.site(l, "extends");
                    Via {
                        kind: ViaKind::ExtendedBy,
                        path: self.docs[l.doc].path.to_string(),
                        span: site.span,
                    }
                });
                for mut l in self.job_layers(&parent, depth + 1) {
                    l.via.extend(via.clone());
                    out.push(l);
                }
            }
        }
        out.extend(own);
        // The same parent reached twice merges the same keys twice: keep its last (highest)
        // occurrence only, which also bounds the layers by the number of definitions.
        let mut seen = std::collections::HashSet::new();
        let mut kept: Vec<Layer> = out
            .into_iter()
            .rev()
            .filter(|l| seen.insert((l.doc, l.base.clone())))
            .collect();
        kept.reverse();
        kept
    }
}

/// A job's layers with field lookup.
struct JobView<'c> {
    layers: Vec<Layer>,
    defaults: &'c [Layer],
    inherit_default: bool,
}

impl JobView<'_> {
    /// The value of `key` and the layer it comes from: the job's own layers first (last
    /// wins), then `default:` for the keys it can supply.
    fn get(&self, key: &str) -> Option<(&Value, &Layer)> {
        let own = self
            .layers
            .iter()
            .rev()
            .find_map(|l| l.map.get(key).map(|v| (v, l)));
        own.or_else(|| {
            if self.inherit_default && DEFAULTABLE.contains(&key) {
                self.defaults
                    .iter()
                    .rev()
                    .find_map(|l| l.map.get(key).map(|v| (v, l)))
            } else {
                None
            }
        })
    }
}

fn refusal(msg: impl Into<String>) -> Refusal {
    Refusal {
        kind: DiagnosticKind::NotUnderstood,
        message: msg.into(),
    }
}

/// Map `.gitlab-ci.yml` (or an included file found alone, as a fragment).
pub fn map(path: &str, file: &YamlFile, files: &dyn LocalFiles) -> Result<Mapped, Refusal> {
    if !matches!(file.value, Value::Mapping(_)) {
        return Err(refusal(
            "GitLab CI configuration must be a mapping at the top level",
        ));
    }
    // A GitLab file whose top-level is a `spec:` header followed by a second document is a
    // component or an `include` with inputs: the loader takes one document.
    let is_main = path
        .rsplit('/')
        .next()
        .is_some_and(|f| f.ends_with("gitlab-ci.yml"));
    let mut cx = Cx {
        files,
        docs: vec![Doc {
            path: Arc::from(path),
            file: DocFile::Borrowed(file),
            main: true,
        }],
        entries: Vec::new(),
        notes: Vec::new(),
        externals: Vec::new(),
        unanalysed: Vec::new(),
        missing_extends: Default::default(),
        index: Default::default(),
        resolved: Default::default(),
        resolving: Vec::new(),
        reference_budget: REFERENCE_BUDGET,
        globals: Vec::new(),
    };
    cx.assemble(0, Vec::new(), 0);

    // Defaults, lowest first: the deprecated top-level globals in include order, then
    // `default:` (which GitLab prefers).
    let mut defaults: Vec<Layer> = cx.globals.clone();
    for (k, layers) in &cx.entries {
        if k == "default" {
            defaults.extend(layers.iter().cloned());
        }
    }

    // Pipeline-level variables from every document, later wins.
    let mut variables: Vec<Variable> = Vec::new();
    for (k, layers) in &cx.entries {
        if k == "variables" {
            for l in layers {
                for (name, value) in &l.map {
                    let Some(name) = name.as_str() else { continue };
                    let site = cx.site_in(l.doc, l.base.key(name), &l.via, false);
                    variables.retain(|v| v.name != name);
                    variables.push(Variable {
                        name: name.to_owned(),
                        value: variable_value(value),
                        site,
                    });
                }
            }
        }
    }

    // Which pipelines run at all.
    let job_names: Vec<String> = cx
        .entries
        .iter()
        .filter(|(k, _)| !GLOBAL_KEYS.contains(&k.as_str()) && !k.starts_with('.'))
        .map(|(k, _)| k.clone())
        .collect();
    let mentions_mr = cx.entries.iter().any(|(_, ls)| {
        ls.iter().any(|l| {
            // `merge_request_event`, `$CI_MERGE_REQUEST_IID`, `only: [merge_requests]`.
            let asks = |r: &Value| {
                yaml_serde::to_string(r)
                    .is_ok_and(|s| s.to_ascii_lowercase().contains("merge_request"))
            };
            l.map.get("rules").is_some_and(asks) || l.map.get("only").is_some_and(asks)
        })
    });
    let workflow = cx.entry("workflow").and_then(|ls| {
        ls.iter()
            .rev()
            .find_map(|l| l.map.get("rules").map(|r| (r.clone(), l.clone())))
    });
    let workflow = workflow.map(|(r, l)| {
        let rules = match &r {
            Value::Sequence(items) => expand_rules(&mut cx, items, &l),
            other => expand_rules(&mut cx, std::slice::from_ref(other), &l),
        };
        (rules, l)
    });
    let (pipeline_sources, trigger_site) = match &workflow {
        Some((rules, l)) => (
            Source::ALL
                .into_iter()
                .filter(|s| rules::decide(rules, *s, "always") != Decision::No)
                .collect::<Vec<_>>(),
            cx.site(l, "rules"),
        ),
        None => (rules::default_sources(mentions_mr), Site::default()),
    };

    let kind = if is_main {
        PipelineKind::Pipeline
    } else {
        PipelineKind::Fragment
    };
    let mut pipeline = Pipeline {
        name: None,
        triggers: if kind == PipelineKind::Fragment {
            // A fragment found alone: whoever includes it decides when it runs.
            Vec::new()
        } else {
            rules::triggers(&pipeline_sources, &trigger_site)
        },
        variables,
        ..Pipeline::new(Platform::GitlabCi, kind, path)
    };

    let mut jobs = Vec::new();
    let mut overrides: Vec<String> = Vec::new();
    for name in job_names {
        let layers = cx.job_layers(&name, 0);
        if layers.is_empty() {
            continue;
        }
        let inherit_default = !layers.iter().rev().any(|l| {
            l.map
                .get("inherit")
                .and_then(|i| i.get("default"))
                .is_some_and(|d| d == &Value::Bool(false))
        });
        let view = JobView {
            layers,
            defaults: &defaults,
            inherit_default,
        };
        // A security template's job switched off with `<JOB>_DISABLED` does not run.
        if view.layers.iter().any(|l| l.tool.is_some()) {
            let switch = format!("{}_DISABLED", name.to_ascii_uppercase());
            let job_value = view.layers.iter().rev().find_map(|l| {
                l.map
                    .get("variables")
                    .and_then(|v| v.get(switch.as_str()))
                    .map(variable_value)
            });
            let value = job_value.or_else(|| {
                pipeline
                    .variables
                    .iter()
                    .find(|v| v.name == switch)
                    .map(|v| v.value.clone())
            });
            if value.is_some_and(|v| {
                matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes")
            }) {
                // Understood, not skipped: the scan simply does not run, and the presence
                // checks say so.
                continue;
            }
        }
        let incomplete = view.layers.iter().any(|l| match l.map.get("extends") {
            Some(Value::String(p)) => cx.entry(p).is_none(),
            Some(Value::Sequence(ps)) => ps
                .iter()
                .filter_map(Value::as_str)
                .any(|p| cx.entry(p).is_none()),
            _ => false,
        });
        if view.get("script").is_none()
            && view.get("trigger").is_none()
            && view.get("run").is_none()
            && !incomplete
        {
            // Settings for a job an unread include defines, a fragment's helper mapping, or
            // something GitLab would reject.
            if !cx.unanalysed.is_empty() {
                overrides.push(name);
            } else if kind != PipelineKind::Fragment {
                cx.notes.push(format!(
                    "`{name}`: no `script`, `run` or `trigger`; not a job"
                ));
            }
            continue;
        }
        let sources = if kind == PipelineKind::Fragment {
            None
        } else {
            Some(pipeline_sources.as_slice())
        };
        jobs.push(map_job(&mut cx, &name, &view, sources, &pipeline.variables));
    }
    pipeline.jobs = jobs;
    // GitLab creates no pipeline for a source no job runs for: without `workflow:rules`, the
    // pipeline's triggers are those of its jobs (a tag push with no tag job is no release).
    if workflow.is_none() && kind == PipelineKind::Pipeline && !pipeline.jobs.is_empty() {
        let runs = |t: &annexa_model::pipeline::Trigger| {
            pipeline.jobs.iter().any(|j| {
                j.triggers
                    .as_ref()
                    .is_none_or(|ts| ts.iter().any(|x| x.name == t.name))
            })
        };
        let kept: Vec<_> = pipeline
            .triggers
            .iter()
            .filter(|t| runs(t))
            .cloned()
            .collect();
        pipeline.triggers = kept;
    }
    if !overrides.is_empty() {
        let site = cx.unanalysed[0].site.clone();
        cx.unanalysed.push(Unanalysed {
            site,
            what: format!(
                "settings for jobs defined in includes annexa does not read: `{}`",
                overrides.join("`, `")
            ),
        });
    }
    // Jobs built on templates annexa cannot read: unanalysed when an include it does not
    // fetch can define them, a note (GitLab would reject the file) otherwise.
    let external_includes = !cx.unanalysed.is_empty();
    for (target, (site, mut users)) in std::mem::take(&mut cx.missing_extends) {
        users.sort();
        users.dedup();
        let n = users.len();
        let what = format!(
            "{n} job{} extending `{target}`, which no file annexa read defines",
            if n == 1 { "" } else { "s" }
        );
        if external_includes {
            cx.unanalysed.push(Unanalysed { site, what });
        } else {
            cx.notes.push(what);
        }
    }
    pipeline.externals = std::mem::take(&mut cx.externals);
    pipeline.unanalysed = std::mem::take(&mut cx.unanalysed);
    pipeline.sources = cx
        .docs
        .iter()
        .filter(|d| !d.main)
        .map(|d| SourceText {
            path: d.path.clone(),
            text: d.file.text.clone(),
        })
        .collect();
    if pipeline.jobs.is_empty() && kind == PipelineKind::Pipeline && pipeline.unanalysed.is_empty()
    {
        cx.notes.push("no jobs defined".into());
    }
    Ok(Mapped {
        pipeline,
        notes: cx.notes,
    })
}

fn variable_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Mapping(m) => m.get("value").map(variable_value).unwrap_or_default(),
        Value::Null => String::new(),
        other => yaml_serde::to_string(other)
            .map(|s| s.trim_end().to_owned())
            .unwrap_or_default(),
    }
}

fn image_ref(cx: &Cx<'_>, v: &Value, layer: &Layer, route: Route) -> Option<ExternalRef> {
    let (name, route) = match v {
        Value::String(s) => (s.clone(), route),
        Value::Mapping(m) => (m.get("name")?.as_str()?.to_owned(), route.key("name")),
        _ => return None,
    };
    let site = cx.site_in(layer.doc, route, &layer.via, false);
    let (base, reference) = split_image(&name);
    Some(ExternalRef {
        kind: ExternalKind::Image,
        pinning: Pinning::of_image(&name),
        name: base,
        reference,
        raw: name,
        site,
    })
}

fn split_image(image: &str) -> (String, Option<String>) {
    if let Some((n, d)) = image.split_once('@') {
        return (n.to_owned(), Some(d.to_owned()));
    }
    match annexa_model::pipeline::image_tag(image) {
        Some(t) => (
            image[..image.len() - t.len() - 1].to_owned(),
            Some(t.to_owned()),
        ),
        None => (image.to_owned(), None),
    }
}

/// The lines of a script value, expanding `!reference` tags; each run of lines written
/// together becomes one step.
fn script_parts(
    cx: &mut Cx<'_>,
    v: &Value,
    layer: &Layer,
    route: Route,
    depth: usize,
) -> Vec<(String, Site)> {
    match v {
        Value::String(s) => vec![(s.clone(), cx.site_in(layer.doc, route, &layer.via, false))],
        Value::Sequence(items) => {
            let mut out: Vec<(String, Site)> = Vec::new();
            let mut run: Vec<(String, Option<Span>)> = Vec::new();
            let flush = |cx: &Cx<'_>,
                         run: &mut Vec<(String, Option<Span>)>,
                         out: &mut Vec<(String, Site)>| {
                if run.is_empty() {
                    return;
                }
                let mut site = cx.site_in(layer.doc, route.clone(), &layer.via, false);
                let spans: Vec<Span> = run.iter().filter_map(|(_, s)| *s).collect();
                if let (Some(a), Some(b)) = (spans.first(), spans.last()) {
                    site.span = Some(Span {
                        start: a.start,
                        end: b.end,
                    });
                }
                let text = run
                    .iter()
                    .map(|(l, _)| l.as_str())
                    .collect::<Vec<_>>()
                    .join("\n");
                out.push((text, site));
                run.clear();
            };
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::Tagged(t) if t.tag == "reference" || t.tag == "!reference" => {
                        flush(cx, &mut run, &mut out);
                        let here = cx.site_in(layer.doc, route.index(i), &layer.via, false);
                        out.extend(expand_reference(cx, &t.value, &here, depth));
                    }
                    Value::Sequence(_) => {
                        // Nested lists are flattened by GitLab (up to 10 levels).
                        flush(cx, &mut run, &mut out);
                        if depth < 10 {
                            out.extend(script_parts(cx, item, layer, route.index(i), depth + 1));
                        }
                    }
                    other => {
                        let line = match other {
                            Value::String(s) => s.clone(),
                            Value::Null => continue,
                            o => yaml_serde::to_string(o)
                                .map(|s| s.trim_end().to_owned())
                                .unwrap_or_default(),
                        };
                        let span = cx.docs[layer.doc].file.span(&route.index(i));
                        run.push((line, span));
                    }
                }
            }
            flush(cx, &mut run, &mut out);
            out
        }
        Value::Tagged(t) if t.tag == "reference" || t.tag == "!reference" => {
            let here = cx.site_in(layer.doc, route, &layer.via, false);
            expand_reference(cx, &t.value, &here, depth)
        }
        _ => Vec::new(),
    }
}

/// `!reference [.job, key, ...]`: the referenced value, with its own location.
fn expand_reference(
    cx: &mut Cx<'_>,
    target: &Value,
    at: &Site,
    depth: usize,
) -> Vec<(String, Site)> {
    let path: Vec<&str> = match target {
        Value::Sequence(s) => s.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let Some((job, keys)) = path.split_first() else {
        cx.notes
            .push(format!("{}: `!reference` without a target", at.route));
        return Vec::new();
    };
    if depth >= 10 {
        cx.notes.push(format!(
            "{}: `!reference` nests more than 10 levels",
            at.route
        ));
        return Vec::new();
    }
    if cx.reference_budget == 0 {
        cx.notes.push(format!(
            "{}: `!reference` not expanded: more than {REFERENCE_BUDGET} expansions in the file",
            at.route
        ));
        return Vec::new();
    }
    cx.reference_budget -= 1;
    let layers = cx.job_layers(job, 0);
    let Some(first) = keys.first() else {
        return Vec::new();
    };
    let Some(layer) = layers
        .iter()
        .rev()
        .find(|l| l.map.contains_key(*first))
        .cloned()
    else {
        cx.notes.push(format!(
            "{}: `!reference [{}]` names nothing",
            at.route,
            path.join(", ")
        ));
        return Vec::new();
    };
    let mut v = layer.map.get(*first);
    let mut route = layer.base.key(*first);
    for k in &keys[1..] {
        v = v.and_then(|x| x.get(*k));
        route = route.key(*k);
    }
    let Some(v) = v.cloned() else {
        return Vec::new();
    };
    let mut l = layer.clone();
    l.via.push(Via {
        kind: ViaKind::Reference,
        path: at
            .file
            .as_deref()
            .unwrap_or(cx.docs[0].path.as_ref())
            .to_owned(),
        span: at.span,
    });
    // `route` is absolute in the referenced file: rebase the lookup layer on the root.
    l.base = Route::root();
    script_parts(cx, &v, &l, route, depth + 1)
}

fn map_job(
    cx: &mut Cx<'_>,
    name: &str,
    view: &JobView<'_>,
    pipeline_sources: Option<&[Source]>,
    pipeline_vars: &[Variable],
) -> Job {
    let own = view
        .layers
        .last()
        .cloned()
        .expect("job_layers is non-empty");
    let site = cx.site_in(own.doc, own.base.clone(), &own.via, true);
    let mut job = Job::new(name, site.clone());

    // When the job runs.
    let when = view
        .get("when")
        .and_then(|(v, _)| v.as_str())
        .unwrap_or("on_success")
        .to_owned();
    let mut manual_sources = Vec::new();
    if let Some(all) = pipeline_sources {
        let rules_value = view
            .get("rules")
            .filter(|(v, _)| matches!(v, Value::Sequence(_) | Value::Tagged(_)))
            .map(|(v, l)| (v.clone(), l.clone()));
        let (sources, manual): (Vec<Source>, bool) = if let Some((rules, l)) = rules_value {
            let rules = match &rules {
                Value::Sequence(items) => expand_rules(cx, items, &l),
                other => expand_rules(cx, std::slice::from_ref(other), &l),
            };
            let mut s = Vec::new();
            let mut manual = true;
            for src in all {
                match rules::decide(&rules, *src, &when) {
                    Decision::No => {}
                    Decision::Runs => {
                        manual = false;
                        s.push(*src)
                    }
                    Decision::Manual => {
                        manual_sources.push(*src);
                        s.push(*src)
                    }
                }
            }
            (s.clone(), manual && !s.is_empty())
        } else {
            let only = view.get("only").map(|(v, _)| rules::ref_sources(v).0);
            let except = view.get("except").map(|(v, _)| rules::ref_sources(v));
            let mut s: Vec<Source> = match only {
                Some(o) => o,
                // Without rules or only: branch and tag pipelines, never merge requests.
                None => all
                    .iter()
                    .copied()
                    .filter(|s| !matches!(s, Source::MergeRequest | Source::ExternalPullRequest))
                    .collect(),
            };
            if let Some((ex, names)) = except
                && !names
            {
                s.retain(|x| !ex.contains(x));
            }
            s.retain(|x| all.contains(x));
            (s, when == "manual")
        };
        let trigger_site = view
            .get("rules")
            .or_else(|| view.get("only"))
            .map(|(_, l)| {
                let key = if l.map.contains_key("rules") {
                    "rules"
                } else {
                    "only"
                };
                cx.site(l, key)
            })
            .unwrap_or_else(|| site.clone());
        job.triggers = Some(rules::triggers(&sources, &trigger_site));
        if manual {
            let gate = view
                .get("when")
                .map(|(_, l)| cx.site(l, "when"))
                .unwrap_or(trigger_site);
            job.manual_gate = Some(gate);
        }
    } else if when == "manual" {
        job.manual_gate = view.get("when").map(|(_, l)| cx.site(l, "when"));
    }
    let _ = manual_sources;

    // Where it runs.
    if let Some((v, l)) = view.get("image")
        && let Some(r) = image_ref(cx, v, l, l.base.key("image"))
    {
        job.images.push(r);
    }
    if let Some((Value::Sequence(services), l)) = view.get("services") {
        for (i, s) in services.iter().enumerate() {
            if let Some(r) = image_ref(cx, s, l, l.base.key("services").index(i)) {
                job.images.push(r);
            }
        }
    }
    let tags: Vec<String> = match view.get("tags") {
        Some((Value::Sequence(t), _)) => t
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect(),
        _ => Vec::new(),
    };
    let runner_site = view
        .get("tags")
        .map(|(_, l)| cx.site(l, "tags"))
        .unwrap_or_else(|| site.clone());
    job.runner = Some(Runner {
        // GitLab.com's hosted runners are picked with `saas-*` tags; other tags name runners
        // an organisation registered itself. Untagged jobs go to the instance's runners, which
        // are hosted on GitLab.com and the organisation's own on a self-managed instance.
        kind: if tags.is_empty() {
            RunnerKind::Unknown
        } else if tags.iter().all(|t| t.starts_with("saas-")) {
            RunnerKind::Hosted
        } else if tags.iter().any(|t| t.contains('$')) {
            RunnerKind::Unknown
        } else {
            RunnerKind::SelfHosted
        },
        labels: tags,
        site: runner_site,
    });

    // Environment.
    if let Some((v, l)) = view.get("environment") {
        let env_site = cx.site(l, "environment");
        let (name, url, tier, action) = match v {
            Value::String(s) => (s.clone(), None, None, None),
            Value::Mapping(m) => (
                m.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                m.get("url").and_then(Value::as_str).map(String::from),
                m.get("deployment_tier")
                    .and_then(Value::as_str)
                    .map(String::from),
                m.get("action").and_then(Value::as_str).map(String::from),
            ),
            _ => (String::new(), None, None, None),
        };
        // `action: stop | access | verify | prepare` touches an environment without deploying.
        if !name.is_empty() && action.as_deref().is_none_or(|a| a == "start") {
            job.environment = Some(Environment {
                name,
                url,
                tier,
                site: env_site,
            });
        }
    }

    // Failure handling.
    let allow_failure = match view.get("allow_failure") {
        Some((Value::Bool(true), l)) => Some(cx.site(l, "allow_failure")),
        Some((Value::Mapping(_), l)) => Some(cx.site(l, "allow_failure")),
        _ => None,
    };
    job.continue_on_error = allow_failure.is_some();

    // Variables and secrets.
    let mut job_vars: Vec<Variable> = Vec::new();
    for l in &view.layers {
        if let Some(Value::Mapping(vars)) = l.map.get("variables") {
            for (k, v) in vars {
                let Some(k) = k.as_str() else { continue };
                job_vars.retain(|x| x.name != k);
                job_vars.push(Variable {
                    name: k.to_owned(),
                    value: variable_value(v),
                    site: cx.site_in(l.doc, l.base.key("variables").key(k), &l.via, false),
                });
            }
        }
    }
    job.variables = job_vars;
    if let Some((Value::Mapping(secrets), l)) = view.get("secrets") {
        for (k, _) in secrets {
            if let Some(k) = k.as_str() {
                job.secrets.push(SecretRef {
                    name: k.to_owned(),
                    site: cx.site_in(l.doc, l.base.key("secrets").key(k), &l.via, false),
                });
            }
        }
    }

    // Steps: before_script, script, after_script.
    let mut steps = Vec::new();
    for key in ["before_script", "script", "after_script"] {
        let Some((v, l)) = view.get(key) else {
            continue;
        };
        let (v, l) = (v.clone(), l.clone());
        let route = l.base.key(key);
        for (script, ssite) in script_parts(cx, &v, &l, route.clone(), 0) {
            let index = steps.len();
            let tools = classify_script(&script);
            steps.push(Step {
                index,
                id: None,
                name: Some(key.to_owned()),
                site: ssite.clone(),
                action: StepAction::Run {
                    script,
                    shell: None,
                    site: ssite,
                },
                variables: Vec::new(),
                condition: None,
                // `after_script` failures never fail the job.
                continue_on_error: if key == "after_script" {
                    None
                } else {
                    allow_failure.clone()
                },
                tools,
            });
        }
    }
    // A security template's job: the scan it runs, as the template defines it.
    if let Some((category, tool, ext)) = view.layers.iter().find_map(|l| l.tool) {
        let target = cx.externals[ext].clone();
        steps.push(Step {
            index: steps.len(),
            id: None,
            name: Some(tool.to_owned()),
            site: target.site.clone(),
            action: StepAction::Uses {
                target,
                inputs: Vec::new(),
            },
            variables: Vec::new(),
            condition: None,
            continue_on_error: allow_failure.clone(),
            tools: vec![SecurityTool {
                category,
                name: tool,
                command: "",
            }],
        });
    }
    // Secrets by name: `$VAR`s the scripts read that the file does not define and that read
    // like credentials (project / group CI/CD variables).
    for step in &steps {
        if let StepAction::Run { script, site, .. } = &step.action {
            // GitLab keeps secrets as project or group CI/CD variables, invisible in the file:
            // their names are the only trace.
            for var in secret_variables(script) {
                let var = var.as_str();
                if !pipeline_vars.iter().any(|v| v.name == var)
                    && !job.variables.iter().any(|v| v.name == var)
                    && !job.secrets.iter().any(|s| s.name == var)
                {
                    job.secrets.push(SecretRef {
                        name: var.to_owned(),
                        site: site.clone(),
                    });
                }
            }
        }
    }
    job.steps = steps;

    // Caches and artifacts.
    if let Some((_, l)) = view.get("cache") {
        job.caches.push(cx.site(l, "cache"));
    }
    if let Some((_, l)) = view.get("artifacts") {
        job.artifacts.push(Artifact {
            upload: true,
            site: cx.site(l, "artifacts"),
        });
    }
    if let Some((Value::Sequence(needs), _)) = view.get("needs") {
        job.needs = needs
            .iter()
            .filter_map(|n| match n {
                Value::String(s) => Some(s.clone()),
                Value::Mapping(m) => m.get("job").and_then(Value::as_str).map(String::from),
                _ => None,
            })
            .collect();
    }

    // Child and multi-project pipelines.
    if let Some((t, l)) = view.get("trigger") {
        let tsite = cx.site(l, "trigger");
        let project = match t {
            Value::String(p) => Some((p.clone(), None)),
            Value::Mapping(m) => m.get("project").and_then(Value::as_str).map(|p| {
                (
                    p.to_owned(),
                    m.get("branch").and_then(Value::as_str).map(String::from),
                )
            }),
            _ => None,
        };
        if let Some((p, branch)) = project {
            job.calls = Some(ExternalRef {
                kind: ExternalKind::Include,
                raw: match &branch {
                    Some(b) => format!("{p}@{b}"),
                    None => p.clone(),
                },
                name: p,
                // A downstream project's pipeline runs its own configuration at a branch.
                pinning: Pinning::Mutable,
                reference: branch,
                site: tsite,
            });
        } else if let Some(inc) = t.get("include") {
            for entry in include_entries(inc) {
                if let Some(artifact) = entry.get("artifact").and_then(Value::as_str) {
                    cx.unanalysed.push(Unanalysed {
                        site: tsite.clone(),
                        what: format!(
                            "child pipeline generated at run time (artifact `{artifact}`)"
                        ),
                    });
                    continue;
                }
                if let Include::Local(p) = classify_include(entry) {
                    // A child pipeline runs on its own; where its file is named like GitLab
                    // CI configuration, discovery analyses it alone (as a fragment).
                    if !classify_path(p.trim_start_matches('/')) {
                        cx.unanalysed.push(Unanalysed {
                            site: tsite.clone(),
                            what: format!(
                                "child pipeline `{p}` (its file is not named like GitLab CI configuration, so it is not analysed on its own)"
                            ),
                        });
                    }
                    job.calls = Some(ExternalRef {
                        kind: ExternalKind::Include,
                        name: p.clone(),
                        reference: None,
                        pinning: Pinning::Local,
                        raw: p,
                        site: tsite.clone(),
                    });
                }
            }
        }
    }
    job
}

/// `rules:` entries with `!reference` items expanded.
fn expand_rules(cx: &mut Cx<'_>, rules: &[Value], _l: &Layer) -> Vec<Value> {
    let mut out = Vec::new();
    for r in rules {
        match r {
            Value::Tagged(t) if t.tag == "reference" || t.tag == "!reference" => {
                let path: Vec<&str> = match &t.value {
                    Value::Sequence(s) => s.iter().filter_map(Value::as_str).collect(),
                    _ => Vec::new(),
                };
                let resolved = path.split_first().and_then(|(job, keys)| {
                    let layers = cx.job_layers(job, 0);
                    let first = keys.first()?;
                    let mut v = layers.iter().rev().find_map(|l| l.map.get(*first))?.clone();
                    for k in &keys[1..] {
                        v = v.get(*k)?.clone();
                    }
                    Some(v)
                });
                match resolved {
                    Some(Value::Sequence(items)) => out.extend(items),
                    Some(v) => out.push(v),
                    None => out.push(Value::Null),
                }
            }
            other => out.push(other.clone()),
        }
    }
    out
}
