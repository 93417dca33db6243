//! CircleCI configuration (`.circleci/**/*.yml`) mapped into the pipeline model: orbs and their
//! pinning, executors and images, jobs and steps, and workflows. A job is mapped once per
//! workflow invocation, since contexts (the secrets it gets), filters (when it runs) and
//! approval gates belong to the invocation, not to the job definition.

mod common;

use std::collections::HashMap;

use annexa_model::pipeline::{
    Artifact, Event, ExternalKind, ExternalRef, Input, Job, Mapped, Pinning, Pipeline,
    PipelineKind, Runner, RunnerKind, SecretRef, SecurityTool, Site, Step, StepAction,
    ToolCategory, Trigger, Variable, classify_script, classify_uses,
};
use annexa_model::{DiagnosticKind, Platform, Route};
use annexa_source::{Refusal, YamlFile};
use yaml_serde::{Mapping, Value};

use annexa_model::pipeline::secret_variables as secret_vars;
use annexa_source::{Sites, scalar};
use common::{env_vars, field};

/// Whether a repository-relative path is a CircleCI file by its name.
pub fn classify_path(path: &str) -> bool {
    path.starts_with(".circleci/") && (path.ends_with(".yml") || path.ends_with(".yaml"))
}

/// Local commands may invoke other local commands; deeper nesting than this is a loop.
const MAX_COMMAND_DEPTH: usize = 8;

struct Cx<'a> {
    sites: Sites<'a>,
    notes: Vec<String>,
    /// Declared orbs by their local alias.
    orbs: HashMap<String, ExternalRef>,
    executors: Option<&'a Mapping>,
    commands: Option<&'a Mapping>,
}

impl Cx<'_> {
    fn site(&self, route: Route) -> Site {
        self.sites.site(route)
    }

    fn key_site(&self, route: Route) -> Site {
        self.sites.key_site(route)
    }

    fn note(&mut self, route: &Route, what: impl std::fmt::Display) {
        self.notes.push(format!("{route}: {what}"));
    }
}

fn not_understood(msg: impl Into<String>) -> Refusal {
    Refusal {
        kind: DiagnosticKind::NotUnderstood,
        message: msg.into(),
    }
}

/// Map a file into the model.
pub fn map(path: &str, file: &YamlFile) -> Result<Mapped, Refusal> {
    let Value::Mapping(top) = &file.value else {
        return Err(not_understood(
            "a CircleCI config must be a mapping at the top level",
        ));
    };
    let known = [
        "version",
        "jobs",
        "workflows",
        "orbs",
        "commands",
        "executors",
    ];
    if !known.iter().any(|k| top.contains_key(*k)) {
        return Err(not_understood(
            "no `version`, `jobs`, `workflows`, `orbs`, `commands` or `executors`: not a CircleCI config",
        ));
    }
    let mut cx = Cx {
        sites: Sites { file, path },
        notes: Vec::new(),
        orbs: HashMap::new(),
        executors: top.get("executors").and_then(Value::as_mapping),
        commands: top.get("commands").and_then(Value::as_mapping),
    };
    let root = Route::root();
    let version = top.get("version").and_then(scalar);
    let workflows = top.get("workflows");
    let jobs_map = top.get("jobs").and_then(Value::as_mapping);
    // CircleCI 2.0 without workflows runs the job called `build` on every push.
    let implicit_build = version.as_deref().is_some_and(|v| v != "2.1")
        && workflows.is_none()
        && jobs_map.is_some_and(|j| j.contains_key("build"));
    // Continuation configs, orb sources and job libraries run only through another config.
    let kind = if version.is_none() || (workflows.is_none() && !implicit_build) {
        PipelineKind::Fragment
    } else {
        PipelineKind::Pipeline
    };

    let mut externals = Vec::new();
    if let Some(orbs) = top.get("orbs") {
        match orbs {
            Value::Mapping(m) => {
                for (k, v) in m {
                    let Some(alias) = k.as_str() else { continue };
                    let route = root.key("orbs").key(alias);
                    let r = match v {
                        Value::String(raw) => orb_ref(&cx, raw, route),
                        // An inline orb is written in this file.
                        Value::Mapping(_) => ExternalRef {
                            kind: ExternalKind::Orb,
                            name: alias.to_owned(),
                            reference: None,
                            pinning: Pinning::Local,
                            raw: alias.to_owned(),
                            site: cx.key_site(route),
                        },
                        _ => {
                            cx.note(&route, "orb is neither a reference nor an inline orb");
                            continue;
                        }
                    };
                    externals.push(r.clone());
                    cx.orbs.insert(alias.to_owned(), r);
                }
            }
            Value::Null => {}
            _ => cx.note(&root.key("orbs"), "`orbs:` is not a mapping; skipped"),
        }
    }

    // Job definitions, mapped once; invocations clone them.
    let mut templates: Vec<(String, Job)> = Vec::new();
    match top.get("jobs") {
        Some(Value::Mapping(m)) => {
            for (k, v) in m {
                let Some(id) = k.as_str() else {
                    cx.note(
                        &root.key("jobs"),
                        "a job key that is not a string was skipped",
                    );
                    continue;
                };
                let j = job_template(&mut cx, id, v);
                templates.push((id.to_owned(), j));
            }
        }
        None | Some(Value::Null) => {}
        Some(_) => cx.note(&root.key("jobs"), "`jobs:` is not a mapping; skipped"),
    }

    let mut jobs: Vec<Job> = Vec::new();
    let mut invoked: Vec<String> = Vec::new();
    if kind == PipelineKind::Pipeline {
        match workflows {
            Some(Value::Mapping(wfs)) => {
                for (k, w) in wfs {
                    let Some(wname) = k.as_str() else { continue };
                    if wname == "version" {
                        continue;
                    }
                    workflow(&mut cx, wname, w, &templates, &mut jobs, &mut invoked);
                }
            }
            Some(_) => cx.note(
                &root.key("workflows"),
                "`workflows:` is not a mapping; skipped",
            ),
            None => {
                if let Some((id, t)) = templates.iter().find(|(id, _)| id == "build") {
                    let mut j = t.clone();
                    j.triggers = Some(vec![Trigger {
                        event: Event::Push,
                        name: "push".into(),
                        release: false,
                        site: j.site.clone(),
                    }]);
                    invoked.push(id.clone());
                    jobs.push(j);
                }
            }
        }
        // Jobs no workflow invokes never run; they are still mapped (a credential written
        // there is still in the repository), with no trigger.
        for (id, t) in &templates {
            if !invoked.contains(id) {
                let mut j = t.clone();
                j.triggers = Some(Vec::new());
                jobs.push(j);
            }
        }
    } else {
        jobs = templates.into_iter().map(|(_, j)| j).collect();
    }

    // The pipeline runs for every event any of its jobs runs for. CircleCI starts pipelines on
    // pushes of any branch, pull-request branches included; whether forked pull requests build
    // (and with which secrets) is a project setting, not in the file.
    let mut triggers: Vec<Trigger> = Vec::new();
    for t in jobs.iter().filter_map(|j| j.triggers.as_ref()).flatten() {
        if !triggers
            .iter()
            .any(|x| x.event == t.event && x.release == t.release)
        {
            triggers.push(t.clone());
        }
    }
    if kind == PipelineKind::Pipeline && triggers.is_empty() {
        triggers.push(Trigger {
            event: Event::Push,
            name: "push".into(),
            release: false,
            site: cx.key_site(root.key("version")),
        });
    }
    Ok(Mapped {
        pipeline: Pipeline {
            triggers,
            jobs,
            externals,
            ..Pipeline::new(Platform::CircleCi, kind, path)
        },
        notes: cx.notes,
    })
}

/// An orb reference `namespace/orb@version`. Released orb versions are `x.y.z`; `volatile`,
/// `dev:...`, partial versions (`@1`, `@1.2`) and a missing version float to new releases.
fn orb_ref(cx: &Cx<'_>, raw: &str, route: Route) -> ExternalRef {
    let raw = raw.trim();
    let (name, reference) = match raw.split_once('@') {
        Some((n, r)) => (n.to_owned(), Some(r.to_owned())),
        None => (raw.to_owned(), None),
    };
    let pinning = if raw.contains("<<") || raw.contains("${") {
        Pinning::Dynamic
    } else {
        match reference.as_deref() {
            // Published orb versions are immutable in CircleCI's registry.
            Some(r) if full_semver(r) => Pinning::Immutable,
            _ => Pinning::Mutable,
        }
    };
    ExternalRef {
        kind: ExternalKind::Orb,
        name,
        reference,
        pinning,
        raw: raw.to_owned(),
        site: cx.site(route),
    }
}

fn full_semver(r: &str) -> bool {
    let parts: Vec<&str> = r.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

fn image_ref(cx: &Cx<'_>, raw: &str, route: Route) -> ExternalRef {
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
    // `<< parameters.image >>` is chosen by the caller.
    let pinning = if raw.contains("<<") {
        Pinning::Dynamic
    } else {
        Pinning::of_image(raw)
    };
    ExternalRef {
        kind: ExternalKind::Image,
        name,
        reference,
        pinning,
        raw: raw.to_owned(),
        site: cx.site(route),
    }
}

/// A job definition (`jobs.<id>`), before any workflow invokes it.
fn job_template(cx: &mut Cx<'_>, id: &str, v: &Value) -> Job {
    let route = Route::root().key("jobs").key(id);
    let mut job = Job::new(id, cx.key_site(route.clone()));
    if !matches!(v, Value::Mapping(_)) {
        cx.note(&route, "job is not a mapping; mapped without steps");
        return job;
    }
    job.variables = env_vars(&cx.sites, v.get("environment"), &route.key("environment"));
    if let Some(e) = v.get("executor") {
        executor_ref(cx, &mut job, e, &route.key("executor"));
    }
    executor_body(cx, &mut job, v, &route);
    match v.get("steps") {
        Some(s @ Value::Sequence(_)) => steps(cx, s, &route.key("steps"), &mut job, 0),
        Some(_) => cx.note(&route.key("steps"), "`steps:` is not a list; skipped"),
        None => {}
    }
    add_script_secrets(&mut job);
    job
}

/// `executor: name` or `executor: {name: ...}`: a local executor is resolved; an orb executor
/// or one chosen by a parameter leaves the runner unknown.
fn executor_ref(cx: &mut Cx<'_>, job: &mut Job, e: &Value, route: &Route) {
    let (name, r) = match e {
        Value::String(s) => (s.trim().to_owned(), route.clone()),
        Value::Mapping(_) => match field(e, "name") {
            Some(n) => (n.trim().to_owned(), route.key("name")),
            None => {
                cx.note(route, "executor without a name; runner unknown");
                return;
            }
        },
        _ => {
            cx.note(
                route,
                "executor is neither a name nor a mapping; runner unknown",
            );
            return;
        }
    };
    let local = cx
        .executors
        .and_then(|m| m.get(name.as_str()))
        .filter(|_| !name.contains("<<"));
    match local {
        Some(def) => {
            let def_route = Route::root().key("executors").key(name.as_str());
            executor_body(cx, job, def, &def_route);
        }
        None => {
            if !name.contains('/') && !name.contains("<<") {
                cx.note(
                    route,
                    format!("executor `{name}` is not defined in this file"),
                );
            }
            job.runner = Some(Runner {
                kind: RunnerKind::Unknown,
                labels: vec![format!("executor:{name}")],
                site: cx.site(r),
            });
        }
    }
}

/// `docker:` / `machine:` / `macos:` / `resource_class:` of a job or executor definition.
fn executor_body(cx: &mut Cx<'_>, job: &mut Job, v: &Value, route: &Route) {
    if let Some(d) = v.get("docker") {
        let droute = route.key("docker");
        match d {
            Value::Sequence(seq) => {
                // The first image is the primary container the steps run in; the others are
                // service containers.
                for (i, item) in seq.iter().enumerate() {
                    let iroute = droute.index(i);
                    match field(item, "image") {
                        Some(img) => job.images.push(image_ref(cx, img, iroute.key("image"))),
                        None => cx.note(&iroute, "docker entry without `image`"),
                    }
                    if let Some(auth) = item.get("auth") {
                        job.variables
                            .extend(credentials(cx, auth, &iroute.key("auth")));
                    }
                    job.variables.extend(env_vars(
                        &cx.sites,
                        item.get("environment"),
                        &iroute.key("environment"),
                    ));
                }
            }
            _ => cx.note(&droute, "`docker:` is not a list; images skipped"),
        }
        job.runner = Some(Runner {
            kind: RunnerKind::Hosted,
            labels: vec!["docker".into()],
            site: cx.key_site(droute),
        });
    }
    if let Some(m) = v.get("machine") {
        let mut labels = vec!["machine".to_owned()];
        labels.extend(field(m, "image").map(String::from));
        job.runner = Some(Runner {
            kind: RunnerKind::Hosted,
            labels,
            site: cx.key_site(route.key("machine")),
        });
    }
    if v.get("macos").is_some() {
        job.runner = Some(Runner {
            kind: RunnerKind::Hosted,
            labels: vec!["macos".into()],
            site: cx.key_site(route.key("macos")),
        });
    }
    if let Some(rc) = v.get("resource_class").and_then(scalar) {
        let rc = rc.trim().to_owned();
        let site = cx.site(route.key("resource_class"));
        // Self-hosted runner classes are `namespace/name`; CircleCI's own are single words.
        let kind = if rc.contains("<<") {
            RunnerKind::Unknown
        } else if rc.contains('/') {
            RunnerKind::SelfHosted
        } else {
            job.runner.as_ref().map_or(RunnerKind::Hosted, |r| r.kind)
        };
        let mut labels = job
            .runner
            .as_ref()
            .map(|r| r.labels.clone())
            .unwrap_or_default();
        labels.push(rc);
        job.runner = Some(Runner { kind, labels, site });
    }
}

/// Registry credentials of a docker image, as variables (so a literal password is seen).
fn credentials(cx: &Cx<'_>, auth: &Value, route: &Route) -> Vec<Variable> {
    [
        "username",
        "password",
        "aws_access_key_id",
        "aws_secret_access_key",
    ]
    .into_iter()
    .filter_map(|k| {
        let value = auth.get(k).and_then(scalar)?;
        Some(Variable {
            name: format!("auth.{k}"),
            value,
            site: cx.site(route.key(k)),
        })
    })
    .collect()
}

/// Orbs known to run security tooling (their commands and jobs), by orb name prefix.
const KNOWN_ORBS: &[(&str, ToolCategory, &str)] = &[
    ("snyk/snyk", ToolCategory::Sca, "Snyk"),
    ("sonarsource/sonarcloud", ToolCategory::Sast, "SonarCloud"),
    ("anchore/anchore-engine", ToolCategory::Sca, "Anchore"),
];

fn orb_tools(orb: &str, command: &str) -> Vec<SecurityTool> {
    let lower = orb.to_ascii_lowercase();
    let mut t: Vec<SecurityTool> = KNOWN_ORBS
        .iter()
        .filter(|(p, ..)| lower.starts_with(p))
        .map(|&(_, category, name)| SecurityTool {
            category,
            name,
            command: "",
        })
        .take(1)
        .collect();
    if t.is_empty() {
        t = classify_uses(&format!("{orb}/{command}"));
    }
    t
}

/// Map a `steps:` list into `job`, expanding local commands.
fn steps(cx: &mut Cx<'_>, v: &Value, route: &Route, job: &mut Job, depth: usize) {
    let Value::Sequence(seq) = v else { return };
    for (i, item) in seq.iter().enumerate() {
        let (name, params) = match item {
            Value::String(s) => (s.trim().to_owned(), &Value::Null),
            Value::Mapping(m) if m.len() == 1 => {
                let Some((k, p)) = m.iter().next() else {
                    continue;
                };
                let Some(k) = k.as_str() else {
                    cx.note(&route.index(i), "step key is not a string; skipped");
                    continue;
                };
                (k.to_owned(), p)
            }
            _ => {
                cx.note(
                    &route.index(i),
                    "step is not a name or a one-key mapping; skipped",
                );
                continue;
            }
        };
        let step_name = field(params, "name").map(String::from);
        let sroute = match &step_name {
            Some(n) => route.named(i, "name", n.clone()),
            None => route.index(i),
        };
        let key_route = if matches!(item, Value::Mapping(_)) {
            sroute.key(name.as_str())
        } else {
            sroute.clone()
        };
        let site = cx.key_site(key_route.clone());
        let mut variables = Vec::new();
        let (action, tools) = match name.as_str() {
            "run" | "deploy" => {
                let (script, sroute) = match params {
                    Value::Mapping(_) => (
                        params.get("command").and_then(scalar),
                        key_route.key("command"),
                    ),
                    other => (scalar(other), key_route.clone()),
                };
                variables = env_vars(
                    &cx.sites,
                    params.get("environment"),
                    &key_route.key("environment"),
                );
                match script {
                    Some(script) => {
                        let tools = classify_script(&script);
                        (
                            StepAction::Run {
                                site: cx.site(sroute),
                                shell: field(params, "shell").map(String::from),
                                script,
                            },
                            tools,
                        )
                    }
                    None => {
                        cx.note(&key_route, "`run` without a command; skipped");
                        continue;
                    }
                }
            }
            "save_cache" | "restore_cache" => {
                job.caches.push(site.clone());
                (StepAction::Other(name.clone()), Vec::new())
            }
            "persist_to_workspace" | "store_artifacts" | "attach_workspace" => {
                job.artifacts.push(Artifact {
                    upload: name != "attach_workspace",
                    site: site.clone(),
                });
                (StepAction::Other(name.clone()), Vec::new())
            }
            "add_ssh_keys" => {
                // The project's SSH keys (deploy keys, server logins) are put into the job.
                let fingerprints = strings(params.get("fingerprints"));
                let names = if fingerprints.is_empty() {
                    vec!["ssh-keys".to_owned()]
                } else {
                    fingerprints
                        .iter()
                        .map(|f| format!("ssh-key:{f}"))
                        .collect()
                };
                for name in names {
                    job.secrets.push(SecretRef {
                        name,
                        site: site.clone(),
                    });
                }
                (StepAction::Other(name.clone()), Vec::new())
            }
            "checkout" | "setup_remote_docker" | "store_test_results" => {
                (StepAction::Other(name.clone()), Vec::new())
            }
            // `- steps: << parameters.steps >>`: steps the caller passes in, kept as written.
            "steps" => (StepAction::Other("steps parameter".into()), Vec::new()),
            n if n.contains("<<") => {
                cx.note(
                    &key_route,
                    format!("step `{n}` is chosen by a parameter; its steps are not analysed"),
                );
                (StepAction::Other(n.to_owned()), Vec::new())
            }
            "when" | "unless" => {
                // The condition is a pipeline value; the steps are mapped as if it held.
                if let Some(inner) = params.get("steps") {
                    steps(cx, inner, &key_route.key("steps"), job, depth);
                }
                continue;
            }
            n if n.contains('/') => {
                let (alias, command) = n.split_once('/').unwrap_or((n, ""));
                let Some(target) = cx.orbs.get(alias).cloned() else {
                    cx.note(
                        &key_route,
                        format!("orb `{alias}` is not declared under `orbs:`"),
                    );
                    continue;
                };
                let inputs = inputs(cx, params, &key_route);
                let tools = orb_tools(&target.name, command);
                (StepAction::Uses { target, inputs }, tools)
            }
            n => match cx.commands.and_then(|c| c.get(n)) {
                Some(def) => {
                    if depth >= MAX_COMMAND_DEPTH {
                        cx.note(&key_route, "commands nest too deep (a loop?); not expanded");
                        continue;
                    }
                    // The command's steps, written under `commands:`, run in this job.
                    let croute = Route::root().key("commands").key(n);
                    if let Some(inner) = def.get("steps") {
                        steps(cx, inner, &croute.key("steps"), job, depth + 1);
                    }
                    continue;
                }
                None => {
                    cx.note(&key_route, format!("step `{n}` is neither a built-in, an orb command nor a command of this file"));
                    (StepAction::Other(n.to_owned()), Vec::new())
                }
            },
        };
        job.steps.push(Step {
            index: job.steps.len(),
            id: None,
            name: step_name,
            site,
            action,
            variables,
            condition: None,
            continue_on_error: None,
            tools,
        });
    }
}

/// Parameters passed to an orb command or job, as inputs. Orbs take credentials as
/// `env_var_name` parameters (`token: GITHUB_TOKEN` names the variable that holds it), so an
/// upper-case identifier is recorded as the reference it is (`$GITHUB_TOKEN`), not as a
/// literal value.
fn inputs(cx: &Cx<'_>, params: &Value, route: &Route) -> Vec<Input> {
    let Value::Mapping(m) = params else {
        return Vec::new();
    };
    m.iter()
        .filter_map(|(k, v)| {
            let name = k.as_str()?;
            let mut value = scalar(v)?;
            if env_var_name(&value) {
                value = format!("${value}");
            }
            Some(Input {
                name: name.to_owned(),
                value,
                site: cx.site(route.key(name)),
            })
        })
        .collect()
}

/// Whether a parameter value is an environment variable name (`GITHUB_TOKEN`).
fn env_var_name(v: &str) -> bool {
    v.len() >= 4
        && v.starts_with(|c: char| c.is_ascii_uppercase())
        && v.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Add the credential-like variables the job reads to its secrets (once per name).
fn add_script_secrets(job: &mut Job) {
    for s in script_secrets(job) {
        if !job.secrets.iter().any(|x| x.name == s.name) {
            job.secrets.push(s);
        }
    }
}

/// Credential-like environment variables the job's scripts and inputs read.
fn script_secrets(job: &Job) -> Vec<SecretRef> {
    let mut out: Vec<SecretRef> = Vec::new();
    let mut add = |text: &str, site: &Site| {
        for name in secret_vars(text) {
            if !out.iter().any(|s| s.name == name) {
                out.push(SecretRef {
                    name,
                    site: site.clone(),
                });
            }
        }
    };
    for s in &job.steps {
        match &s.action {
            StepAction::Run { script, site, .. } => add(script, site),
            StepAction::Uses { inputs, .. } => {
                for i in inputs {
                    add(&i.value, &i.site);
                }
            }
            StepAction::Other(_) => {}
        }
    }
    for v in &job.variables {
        add(&v.value, &v.site);
    }
    out
}

/// The string or list of strings at `v`.
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Sequence(s)) => s.iter().filter_map(scalar).collect(),
        Some(other) => scalar(other).into_iter().collect(),
        None => Vec::new(),
    }
}

/// One entry of a workflow's `jobs:` list.
struct Invocation<'v> {
    index: usize,
    job: String,
    id: String,
    params: &'v Value,
    route: Route,
}

fn workflow(
    cx: &mut Cx<'_>,
    wname: &str,
    w: &Value,
    templates: &[(String, Job)],
    jobs: &mut Vec<Job>,
    invoked: &mut Vec<String>,
) {
    let wroute = Route::root().key("workflows").key(wname);
    let Some(Value::Sequence(entries)) = w.get("jobs") else {
        cx.note(&wroute, "workflow without a `jobs:` list; skipped");
        return;
    };
    // A workflow with `triggers: - schedule:` runs only on its schedule; `when` on the
    // `scheduled_pipeline` trigger source does the same for scheduled pipelines.
    let mut scheduled: Vec<Trigger> = Vec::new();
    if let Some(Value::Sequence(ts)) = w.get("triggers") {
        for (i, t) in ts.iter().enumerate() {
            if t.get("schedule").is_some() {
                let r = wroute.key("triggers").index(i).key("schedule");
                scheduled.push(Trigger {
                    event: Event::Schedule,
                    name: "schedule".into(),
                    release: false,
                    site: cx.key_site(r),
                });
            }
        }
    }
    if let Some(when) = w.get("when")
        && format!("{when:?}").contains("scheduled_pipeline")
    {
        scheduled.push(Trigger {
            event: Event::Schedule,
            name: "scheduled pipeline".into(),
            release: false,
            site: cx.key_site(wroute.key("when")),
        });
    }

    let mut invs: Vec<Invocation<'_>> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let (job, params) = match e {
            Value::String(s) => (s.trim().to_owned(), &Value::Null),
            Value::Mapping(m) if m.len() == 1 => match m.iter().next() {
                Some((k, p)) if k.as_str().is_some() => {
                    (k.as_str().unwrap_or_default().to_owned(), p)
                }
                _ => {
                    cx.note(
                        &wroute.key("jobs").index(i),
                        "job entry not understood; skipped",
                    );
                    continue;
                }
            },
            _ => {
                cx.note(
                    &wroute.key("jobs").index(i),
                    "job entry not understood; skipped",
                );
                continue;
            }
        };
        let id = field(params, "name").map_or_else(|| job.clone(), String::from);
        let base = wroute.key("jobs").named(i, "name", id.clone());
        let route = if matches!(e, Value::Mapping(_)) {
            base.key(job.as_str())
        } else {
            base
        };
        invs.push(Invocation {
            index: i,
            job,
            id,
            params,
            route,
        });
    }
    // Approval jobs are human gates, not jobs that run.
    let approvals: HashMap<String, Site> = invs
        .iter()
        .filter(|v| field(v.params, "type") == Some("approval"))
        .map(|v| (v.id.clone(), cx.key_site(v.route.clone())))
        .collect();
    let requires: HashMap<String, Vec<String>> = invs
        .iter()
        .map(|v| (v.id.clone(), strings(v.params.get("requires"))))
        .collect();

    for inv in invs.iter().filter(|v| !approvals.contains_key(&v.id)) {
        let site = cx.key_site(inv.route.clone());
        let mut job = if let Some((_, t)) = templates.iter().find(|(n, _)| *n == inv.job) {
            invoked.push(inv.job.clone());
            t.clone()
        } else if let Some((alias, _)) = inv.job.split_once('/') {
            // A job an orb provides: the orb's code is the job.
            let mut j = Job::new(inv.id.clone(), site.clone());
            match cx.orbs.get(alias) {
                Some(orb) => j.calls = Some(orb.clone()),
                None => cx.note(
                    &inv.route,
                    format!("orb `{alias}` is not declared under `orbs:`"),
                ),
            }
            j.variables = inputs(cx, inv.params, &inv.route)
                .into_iter()
                .map(|i| Variable {
                    name: i.name,
                    value: i.value,
                    site: i.site,
                })
                .collect();
            j.steps.clear();
            add_script_secrets(&mut j);
            j
        } else {
            cx.note(
                &inv.route,
                format!("job `{}` is not defined in this file", inv.job),
            );
            Job::new(inv.id.clone(), site.clone())
        };
        // The same job may run several times in a workflow (different names) or in several
        // workflows: each run is its own job here.
        job.id = if jobs.iter().any(|j| j.id == inv.id) {
            format!("{wname}/{}", inv.id)
        } else {
            inv.id.clone()
        };
        job.site = site.clone();
        job.needs = requires.get(&inv.id).cloned().unwrap_or_default();
        for (key, at_start) in [("pre-steps", true), ("post-steps", false)] {
            if let Some(extra) = inv.params.get(key) {
                let mut holder = Job::new(job.id.clone(), site.clone());
                steps(cx, extra, &inv.route.key(key), &mut holder, 0);
                let mut added = holder.steps;
                if at_start {
                    added.append(&mut job.steps);
                    job.steps = added;
                } else {
                    job.steps.append(&mut added);
                }
                for (n, s) in job.steps.iter_mut().enumerate() {
                    s.index = n;
                }
                job.caches.extend(holder.caches);
                job.artifacts.extend(holder.artifacts);
                job.secrets.extend(holder.secrets);
                add_script_secrets(&mut job);
            }
        }
        // Contexts are the secret scopes the run gets.
        let croute = inv.route.key("context");
        match inv.params.get("context") {
            Some(Value::Sequence(cs)) => {
                for (i, c) in cs.iter().enumerate() {
                    if let Some(c) = scalar(c) {
                        job.secrets.push(SecretRef {
                            name: format!("context:{c}"),
                            site: cx.site(croute.index(i)),
                        });
                    }
                }
            }
            Some(c) => {
                if let Some(c) = scalar(c) {
                    job.secrets.push(SecretRef {
                        name: format!("context:{c}"),
                        site: cx.site(croute),
                    });
                }
            }
            None => {}
        }
        job.manual_gate = gate(&inv.id, &requires, &approvals);
        job.triggers = Some(if scheduled.is_empty() {
            filter_triggers(
                cx,
                inv.params.get("filters"),
                &inv.route.key("filters"),
                &site,
            )
        } else {
            scheduled.clone()
        });
        let _ = inv.index;
        jobs.push(job);
    }
}

/// The approval job `id` waits for, directly or through the jobs it requires.
fn gate(
    id: &str,
    requires: &HashMap<String, Vec<String>>,
    approvals: &HashMap<String, Site>,
) -> Option<Site> {
    let mut seen: Vec<&str> = Vec::new();
    let mut todo: Vec<&str> = vec![id];
    while let Some(j) = todo.pop() {
        if seen.contains(&j) {
            continue;
        }
        seen.push(j);
        for r in requires.get(j).map(Vec::as_slice).unwrap_or_default() {
            if let Some(site) = approvals.get(r) {
                return Some(site.clone());
            }
            todo.push(r);
        }
    }
    None
}

/// The events a workflow job runs for, from its `filters:`. CircleCI runs a job for every
/// branch push and for no tag unless `tags.only` says so. Forked pull requests are built on
/// branches named `pull/N`, so a branch filter naming them makes the job a pull-request job.
fn filter_triggers(
    cx: &Cx<'_>,
    filters: Option<&Value>,
    froute: &Route,
    entry: &Site,
) -> Vec<Trigger> {
    let branches = filters.and_then(|f| f.get("branches"));
    let tags = filters.and_then(|f| f.get("tags"));
    let b_only = strings(branches.and_then(|b| b.get("only")));
    let b_ignore = strings(branches.and_then(|b| b.get("ignore")));
    let t_only = strings(tags.and_then(|t| t.get("only")));
    let everything = |l: &[String]| {
        l.iter()
            .any(|p| matches!(p.trim(), "/.*/" | ".*" | "/.+/" | "/^.*$/"))
    };
    let pull = |p: &String| p.contains("pull/") || p.contains("pull\\/");
    let mut out = Vec::new();
    if !everything(&b_ignore) {
        let site = if branches.is_some() {
            cx.key_site(froute.key("branches"))
        } else {
            entry.clone()
        };
        // Without a branch filter the job runs for every pushed branch: the branches of open
        // pull requests too, whose code nobody has reviewed yet. That is a pull-request build
        // in all but name (forked pull requests add outsiders where the project allows them).
        if b_only.is_empty() {
            out.push(Trigger {
                event: Event::PullRequest,
                name: "pull request branch".into(),
                release: false,
                site: site.clone(),
            });
        }
        if b_only.iter().any(pull) {
            out.push(Trigger {
                event: Event::PullRequest,
                name: "pull request (branches pull/N)".into(),
                release: false,
                site: site.clone(),
            });
        }
        if b_only.is_empty() || b_only.iter().any(|p| !pull(p)) {
            let name = if b_only.is_empty() {
                "push".to_owned()
            } else {
                format!("push (branches: {})", b_only.join(", "))
            };
            out.push(Trigger {
                event: Event::Push,
                name,
                release: false,
                site,
            });
        }
    }
    if tags.is_some() && !t_only.is_empty() {
        out.push(Trigger {
            event: Event::Push,
            name: format!("push (tags: {})", t_only.join(", ")),
            release: true,
            site: cx.key_site(froute.key("tags")),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use annexa_source::Limits;

    use super::*;

    fn load(s: &str) -> YamlFile {
        YamlFile::parse(Arc::from(s), &Limits::default()).unwrap()
    }

    #[test]
    fn maps_orbs_jobs_and_workflows() {
        let f = load(
            "version: 2.1\norbs:\n  node: circleci/node@5.1.0\n  aws: circleci/aws-cli@volatile\n  slack: circleci/slack@4\nexecutors:\n  default:\n    docker:\n      - image: cimg/node:20.1\njobs:\n  test:\n    executor: default\n    steps:\n      - checkout\n      - node/install-packages\n      - run: npm test\n  deploy:\n    machine: true\n    resource_class: acme/runners\n    steps:\n      - run:\n          name: ship\n          command: npm publish --token $NPM_TOKEN\n      - save_cache:\n          key: x\n          paths: [a]\nworkflows:\n  main:\n    jobs:\n      - test:\n          filters:\n            branches:\n              only: /pull\\/.*/\n      - hold:\n          type: approval\n          requires: [test]\n      - deploy:\n          context: [prod]\n          requires: [hold]\n          filters:\n            branches:\n              ignore: /.*/\n            tags:\n              only: /^v.*/\n",
        );
        let m = map(".circleci/config.yml", &f).unwrap();
        assert!(m.notes.is_empty(), "{:?}", m.notes);
        let p = m.pipeline;
        assert_eq!(p.kind, PipelineKind::Pipeline);
        let pins: Vec<Pinning> = p.externals.iter().map(|e| e.pinning).collect();
        assert_eq!(
            pins,
            [Pinning::Immutable, Pinning::Mutable, Pinning::Mutable]
        );
        let test = &p.jobs[0];
        assert_eq!(test.images[0].raw, "cimg/node:20.1");
        assert_eq!(test.steps.len(), 3);
        assert_eq!(p.job_triggers(test)[0].event, Event::PullRequest);
        let deploy = &p.jobs[1];
        assert_eq!(deploy.id, "deploy");
        assert!(deploy.manual_gate.is_some());
        assert_eq!(
            deploy.runner.as_ref().map(|r| r.kind),
            Some(RunnerKind::SelfHosted)
        );
        assert!(deploy.secrets.iter().any(|s| s.name == "context:prod"));
        assert!(deploy.secrets.iter().any(|s| s.name == "NPM_TOKEN"));
        assert!(p.job_triggers(deploy).iter().all(|t| t.release));
        assert_eq!(deploy.caches.len(), 1);
        assert!(p.releases());
        let span = deploy.manual_gate.as_ref().and_then(|s| s.span).unwrap();
        assert_eq!(&f.text[span.start..span.end], "hold");
    }

    #[test]
    fn env_var_name_parameters_are_references() {
        let f = load(
            "version: 2.1\norbs:\n  gh: circleci/github-cli@2.1.0\njobs:\n  a:\n    docker: [{image: x}]\n    steps:\n      - add_ssh_keys:\n          fingerprints: [\"SO:ME:FP\"]\n      - gh/setup:\n          token: RELEASE_GITHUB_TOKEN\n          version: 2.1.0\nworkflows:\n  w:\n    jobs: [a]\n",
        );
        let m = map(".circleci/config.yml", &f).unwrap();
        let job = &m.pipeline.jobs[0];
        let StepAction::Uses { inputs, .. } = &job.steps[1].action else {
            panic!()
        };
        assert_eq!(inputs[0].value, "$RELEASE_GITHUB_TOKEN");
        assert_eq!(inputs[1].value, "2.1.0");
        let names: Vec<&str> = job.secrets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["ssh-key:SO:ME:FP", "RELEASE_GITHUB_TOKEN"]);
    }

    #[test]
    fn fragments_and_refusals() {
        let m = map(
            ".circleci/orb.yml",
            &load("jobs:\n  a:\n    docker: [{image: x}]\n    steps: [checkout]\n"),
        )
        .unwrap();
        assert_eq!(m.pipeline.kind, PipelineKind::Fragment);
        assert!(map(".circleci/x.yml", &load("foo: 1\n")).is_err());
        assert!(map(".circleci/x.yml", &load("- a\n")).is_err());
    }
}
