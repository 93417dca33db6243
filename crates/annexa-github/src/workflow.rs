//! Workflows and action metadata → [`Pipeline`].

use annexa_model::pipeline::{
    Access, Environment, Event, ExternalKind, ExternalRef, Input, Job, Mapped, PermissionSet,
    Permissions, Pinning, Pipeline, PipelineKind, Runner, RunnerKind, SecretRef, Site, Step,
    StepAction, Trigger, Variable, classify_script, classify_uses,
};
use annexa_model::{DiagnosticKind, Platform, Route};
use annexa_source::{Refusal, YamlFile};
use github_actions_models::common::expr::{BoE, LoE};
use github_actions_models::common::{self as gh, EnvValue, If, Uses};
use github_actions_models::workflow::job as ghjob;
use github_actions_models::{action as ghaction, workflow as ghwf};
use yaml_serde::Value;

use crate::expressions::secret_names;

/// Which GitHub file a path is, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GithubFileKind {
    Workflow,
    Action,
}

/// Classify a repository-relative path: workflows are `.github/workflows/*.yml|yaml` (top
/// level only, as GitHub reads them); action metadata is `action.yml|yaml` anywhere.
pub fn classify_path(path: &str) -> Option<GithubFileKind> {
    let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
    let yaml = file.ends_with(".yml") || file.ends_with(".yaml");
    if dir == ".github/workflows" && yaml {
        Some(GithubFileKind::Workflow)
    } else if file == "action.yml" || file == "action.yaml" {
        Some(GithubFileKind::Action)
    } else {
        None
    }
}

struct Cx<'a> {
    file: &'a YamlFile,
    notes: Vec<String>,
}

impl Cx<'_> {
    fn site(&self, route: Route) -> Site {
        Site {
            span: self.file.span(&route),
            route,
            ..Site::default()
        }
    }

    fn key_site(&self, route: Route) -> Site {
        Site {
            span: self.file.key_span(&route),
            route,
            ..Site::default()
        }
    }

    fn note(&mut self, route: &Route, what: impl std::fmt::Display) {
        self.notes.push(format!("{route}: {what}"));
    }
}

/// The route of the `i`-th step: named by its `id`, else its `name`, else what it `uses`
/// (without the version, which changes on every upgrade), so the subject key survives steps
/// inserted before it; anonymous `run` steps keep their index.
fn step_route(base: &Route, i: usize, raw: Option<&Value>) -> Route {
    let steps = base.key("steps");
    let field = |k: &str| {
        raw.and_then(|v| v.get(k))
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
    };
    if let Some(v) = field("id") {
        return steps.named(i, "id", v);
    }
    if let Some(v) = field("name") {
        return steps.named(i, "name", v);
    }
    if let Some(v) = field("uses") {
        let target = v.split('@').next().unwrap_or(v).trim();
        return steps.named(i, "uses", target);
    }
    steps.index(i)
}

fn not_understood(msg: impl Into<String>) -> Refusal {
    Refusal {
        kind: DiagnosticKind::NotUnderstood,
        message: msg.into(),
    }
}

/// Deserialize a typed model from a subtree, without copying it.
fn typed<'v, T: serde::Deserialize<'v>>(v: &'v Value) -> Result<T, yaml_serde::Error> {
    T::deserialize(v)
}

/// Map a workflow file.
pub fn map_workflow(path: &str, file: &YamlFile) -> Result<Mapped, Refusal> {
    let Value::Mapping(top) = &file.value else {
        return Err(not_understood(
            "a workflow must be a mapping at the top level",
        ));
    };
    let mut cx = Cx {
        file,
        notes: Vec::new(),
    };
    let root = Route::root();
    let Some(jobs_v) = top.get("jobs") else {
        return Err(not_understood(
            "no `jobs:` mapping: not a GitHub Actions workflow",
        ));
    };
    let Value::Mapping(jobs_map) = jobs_v else {
        return Err(not_understood("`jobs:` is not a mapping"));
    };
    let triggers = match top.get("on") {
        Some(on) => triggers(&mut cx, on),
        None => {
            cx.note(&root, "no `on:` triggers");
            Vec::new()
        }
    };
    let kind = if triggers.iter().any(|t| t.event == Event::Call) {
        PipelineKind::Reusable
    } else {
        PipelineKind::Pipeline
    };
    let permissions = permissions(&mut cx, top.get("permissions"), &root);
    let variables = env_vars(&mut cx, top.get("env"), &root.key("env"));
    let mut jobs = Vec::new();
    for (k, v) in jobs_map {
        let Some(id) = k.as_str() else {
            cx.note(
                &root.key("jobs"),
                "a job key that is not a string was skipped",
            );
            continue;
        };
        let mut j = job(&mut cx, id, v);
        j.caches = cache_sites(&j.steps);
        j.artifacts = artifacts(&j.steps);
        jobs.push(j);
    }
    let name = top.get("name").and_then(Value::as_str).map(String::from);
    Ok(Mapped {
        pipeline: Pipeline {
            name,
            triggers,
            permissions,
            variables,
            jobs,
            ..Pipeline::new(Platform::GithubActions, kind, path)
        },
        notes: cx.notes,
    })
}

/// Map action metadata (`action.yml`). Composite actions become one job of steps; Docker
/// actions record their image; JavaScript actions have no steps to examine.
pub fn map_action(path: &str, file: &YamlFile) -> Result<Mapped, Refusal> {
    let Value::Mapping(top) = &file.value else {
        return Err(not_understood(
            "action metadata must be a mapping at the top level",
        ));
    };
    let Some(runs) = top.get("runs") else {
        return Err(not_understood("no `runs:`: not GitHub action metadata"));
    };
    let mut cx = Cx {
        file,
        notes: Vec::new(),
    };
    let runs_route = Route::root().key("runs");
    let mut job = empty_job("action", cx.key_site(runs_route.clone()));
    match typed::<ghaction::Runs>(runs) {
        Ok(ghaction::Runs::Composite(c)) => {
            let steps_v = runs.get("steps").and_then(Value::as_sequence);
            for (i, s) in c.steps.into_iter().enumerate() {
                let raw = steps_v.and_then(|seq| seq.get(i));
                let route = step_route(&runs_route, i, raw);
                job.steps.push(step_from_parts(
                    &mut cx,
                    i,
                    route,
                    action_step_parts(s),
                    raw,
                ));
            }
        }
        Ok(ghaction::Runs::Docker(d)) => {
            if let ghaction::DockerActionUses::Image(LoE::Literal(img)) = &d.image {
                let raw = img.raw().trim_start_matches("docker://").to_owned();
                job.images
                    .push(image_ref(&cx, &raw, runs_route.key("image")));
            }
        }
        Ok(ghaction::Runs::JavaScript(_)) => {}
        Err(e) => {
            cx.note(
                &runs_route,
                format!("not understood ({e}); steps mapped leniently"),
            );
            if let Some(Value::Sequence(seq)) = runs.get("steps") {
                for (i, v) in seq.iter().enumerate() {
                    let route = step_route(&runs_route, i, Some(v));
                    let s = lenient_step(&mut cx, i, route, v);
                    job.steps.push(s);
                }
            }
        }
    }
    job.secrets = collect_secrets(&cx, runs, &runs_route);
    Ok(Mapped {
        pipeline: Pipeline {
            name: top.get("name").and_then(Value::as_str).map(String::from),
            jobs: vec![job],
            ..Pipeline::new(Platform::GithubActions, PipelineKind::Action, path)
        },
        notes: cx.notes,
    })
}

fn triggers(cx: &mut Cx<'_>, on: &Value) -> Vec<Trigger> {
    let route = Route::root().key("on");
    if typed::<ghwf::Trigger>(on).is_err() {
        // The untagged enum's own error names no field; the mapping form's error does.
        let why = match on {
            Value::Mapping(_) => typed::<ghwf::event::Events>(on)
                .err()
                .map(|e| e.to_string()),
            _ => None,
        }
        .unwrap_or_else(|| "not an event name, a list of names or a mapping of events".to_owned());
        cx.note(
            &route,
            format!("triggers not understood by the typed model ({why}); read by name"),
        );
    }
    let names: Vec<(String, Route)> = match on {
        Value::String(s) => vec![(s.clone(), route.clone())],
        Value::Sequence(seq) => seq
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.as_str().map(|s| (s.to_owned(), route.index(i))))
            .collect(),
        Value::Mapping(m) => m
            .keys()
            .filter_map(|k| k.as_str().map(|s| (s.to_owned(), route.key(s))))
            .collect(),
        _ => Vec::new(),
    };
    names
        .into_iter()
        .map(|(name, r)| {
            let event = match name.as_str() {
                "push" => Event::Push,
                "pull_request" => Event::PullRequest,
                "pull_request_target" => Event::PullRequestTarget,
                "workflow_run" => Event::WorkflowRun,
                "workflow_call" => Event::Call,
                "workflow_dispatch" | "repository_dispatch" => Event::Manual,
                "schedule" => Event::Schedule,
                "issue_comment"
                | "pull_request_review_comment"
                | "pull_request_review"
                | "discussion_comment"
                | "issues"
                | "discussion" => Event::Comment,
                "release" => Event::Release,
                other => Event::Other(other.to_owned()),
            };
            let release = match event {
                Event::Release => true,
                // `push` limited to tags (and not to branches) fires for releases.
                Event::Push => on
                    .get(name.as_str())
                    .is_some_and(|p| p.get("tags").is_some() && p.get("branches").is_none()),
                _ => false,
            };
            let site = if matches!(on, Value::Mapping(_)) {
                cx.key_site(r)
            } else {
                cx.site(r)
            };
            Trigger {
                event,
                name,
                release,
                site,
            }
        })
        .collect()
}

fn permissions(cx: &mut Cx<'_>, v: Option<&Value>, parent: &Route) -> Permissions {
    let Some(v) = v else {
        return Permissions::default();
    };
    let route = parent.key("permissions");
    let set = match typed::<gh::Permissions>(v) {
        Ok(gh::Permissions::Base(gh::BasePermission::Default)) => PermissionSet::Undeclared,
        Ok(gh::Permissions::Base(gh::BasePermission::ReadAll)) => PermissionSet::ReadAll,
        Ok(gh::Permissions::Base(gh::BasePermission::WriteAll)) => PermissionSet::WriteAll,
        Ok(gh::Permissions::Explicit(map)) => PermissionSet::Scoped(
            map.into_iter()
                .map(|(k, p)| {
                    let a = match p {
                        gh::Permission::Read => Access::Read,
                        gh::Permission::Write => Access::Write,
                        gh::Permission::None => Access::None,
                    };
                    (k, a)
                })
                .collect(),
        ),
        Err(e) => {
            cx.note(
                &route,
                format!("permissions not understood ({e}); treated as undeclared"),
            );
            PermissionSet::Undeclared
        }
    };
    Permissions {
        set,
        site: Some(cx.key_site(route)),
    }
}

fn env_value(v: &EnvValue) -> String {
    v.to_string()
}

fn env_vars(cx: &mut Cx<'_>, v: Option<&Value>, route: &Route) -> Vec<Variable> {
    let Some(Value::Mapping(m)) = v else {
        return Vec::new();
    };
    m.iter()
        .filter_map(|(k, val)| {
            let name = k.as_str()?;
            let value = match val {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                Value::Null => String::new(),
                _ => return None,
            };
            Some(Variable {
                name: name.to_owned(),
                value,
                site: cx.site(route.key(name)),
            })
        })
        .collect()
}

fn empty_job(id: &str, site: Site) -> Job {
    Job::new(id, site)
}

/// Steps that upload or download artifacts.
fn artifacts(steps: &[Step]) -> Vec<annexa_model::pipeline::Artifact> {
    steps
        .iter()
        .filter_map(|s| {
            let StepAction::Uses { target, .. } = &s.action else {
                return None;
            };
            let n = target.name.to_ascii_lowercase();
            let upload = n.starts_with("actions/upload-artifact")
                || n.starts_with("actions/upload-pages-artifact");
            let download = n.starts_with("actions/download-artifact")
                || n.starts_with("dawidd6/action-download-artifact");
            (upload || download).then(|| annexa_model::pipeline::Artifact {
                upload,
                site: target.site.clone(),
            })
        })
        .collect()
}

/// Steps that restore or save a build cache: cache actions, and setup actions asked to cache.
fn cache_sites(steps: &[Step]) -> Vec<Site> {
    steps
        .iter()
        .filter_map(|s| {
            let StepAction::Uses { target, inputs } = &s.action else {
                return None;
            };
            let n = target.name.to_ascii_lowercase();
            let cache_action = n.starts_with("actions/cache")
                || n.starts_with("swatinem/rust-cache")
                || n.starts_with("mozilla-actions/sccache");
            let cache_input = n.starts_with("actions/setup-")
                && inputs
                    .iter()
                    .any(|i| i.name == "cache" && !matches!(i.value.trim(), "" | "false"));
            (cache_action || cache_input).then(|| target.site.clone())
        })
        .collect()
}

fn job(cx: &mut Cx<'_>, id: &str, v: &Value) -> Job {
    let route = Route::root().key("jobs").key(id);
    let mut job = empty_job(id, cx.key_site(route.clone()));
    job.permissions = permissions(cx, v.get("permissions"), &route);
    job.variables = env_vars(cx, v.get("env"), &route.key("env"));
    job.secrets = collect_secrets(cx, v, &route);
    match typed::<ghwf::Job>(v) {
        Ok(ghwf::Job::NormalJob(n)) => {
            job.name = n.name.clone();
            job.needs = n.needs.clone();
            job.condition = n.r#if.as_ref().map(if_text);
            job.continue_on_error = !matches!(n.continue_on_error, BoE::Literal(false));
            job.runner = Some(runner_typed(cx, &n.runs_on, route.key("runs-on")));
            job.environment = n
                .environment
                .as_ref()
                .map(|e| environment_typed(cx, e, route.key("environment")));
            if let Some(c) = &n.container {
                job.images
                    .extend(container_image(cx, c, route.key("container")));
                job.variables
                    .extend(container_credentials(cx, c, &route.key("container")));
            }
            for (name, c) in &n.services {
                let r = route.key("services").key(name.as_str());
                job.images.extend(container_image(cx, c, r.clone()));
                job.variables.extend(container_credentials(cx, c, &r));
            }
            let steps_v = v.get("steps").and_then(Value::as_sequence);
            for (i, s) in n.steps.into_iter().enumerate() {
                let raw = steps_v.and_then(|seq| seq.get(i));
                job.steps.push(step_from_parts(
                    cx,
                    i,
                    step_route(&route, i, raw),
                    workflow_step_parts(s),
                    raw,
                ));
            }
        }
        Ok(ghwf::Job::ReusableWorkflowCallJob(r)) => {
            job.name = r.name.clone();
            job.needs = r.needs.clone();
            job.condition = r.r#if.as_ref().map(if_text);
            job.calls = Some(uses_ref(
                cx,
                &r.uses,
                route.key("uses"),
                ExternalKind::ReusableWorkflow,
            ));
            if matches!(r.secrets, Some(ghjob::Secrets::Inherit)) {
                job.secrets_inherit = Some(cx.site(route.key("secrets")));
            }
        }
        Err(_) => {
            // The untagged enum's own error names no field; the variant's error does.
            let why = if v.get("uses").is_some() {
                typed::<ghjob::ReusableWorkflowCallJob>(v).err()
            } else {
                typed::<ghjob::NormalJob>(v).err()
            }
            .map_or_else(|| "not a job".to_owned(), |e| e.to_string());
            cx.note(
                &route,
                format!("job not understood by the typed model ({why}); mapped leniently"),
            );
            lenient_job(cx, &mut job, v, &route);
        }
    }
    job
}

/// The generic-YAML fallback for a job the typed model rejected.
fn lenient_job(cx: &mut Cx<'_>, job: &mut Job, v: &Value, route: &Route) {
    job.name = v.get("name").and_then(Value::as_str).map(String::from);
    job.condition = v.get("if").and_then(Value::as_str).map(String::from);
    if let Some(r) = v.get("runs-on") {
        let labels: Vec<String> = match r {
            Value::String(s) => vec![s.clone()],
            Value::Sequence(seq) => seq
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
            Value::Mapping(m) => m
                .get("labels")
                .map(|l| match l {
                    Value::String(s) => vec![s.clone()],
                    Value::Sequence(seq) => seq
                        .iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect(),
                    _ => Vec::new(),
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        job.runner = Some(runner_from_labels(cx, labels, route.key("runs-on")));
    }
    if let Some(e) = v.get("environment") {
        let name = match e {
            Value::String(s) => Some(s.clone()),
            Value::Mapping(m) => m.get("name").and_then(Value::as_str).map(String::from),
            _ => None,
        };
        if let Some(name) = name {
            job.environment = Some(Environment {
                name,
                url: None,
                tier: None,
                site: cx.site(route.key("environment")),
            });
        }
    }
    if let Some(u) = v.get("uses").and_then(Value::as_str) {
        job.calls = Some(raw_uses_ref(
            cx,
            u,
            route.key("uses"),
            ExternalKind::ReusableWorkflow,
        ));
    }
    if v.get("secrets").and_then(Value::as_str) == Some("inherit") {
        job.secrets_inherit = Some(cx.site(route.key("secrets")));
    }
    if let Some(Value::Sequence(seq)) = v.get("steps") {
        for (i, s) in seq.iter().enumerate() {
            let r = step_route(route, i, Some(s));
            let step = match typed::<ghjob::Step>(s) {
                Ok(t) => step_from_parts(cx, i, r, workflow_step_parts(t), Some(s)),
                Err(_) => lenient_step(cx, i, r, s),
            };
            job.steps.push(step);
        }
    }
}

/// The parts of a step common to workflow and action steps.
struct StepParts {
    id: Option<String>,
    name: Option<String>,
    condition: Option<If>,
    continue_on_error: BoE,
    env: LoE<gh::Env>,
    body: Body,
}

enum Body {
    Uses { uses: Uses, with: LoE<gh::Env> },
    Run { run: String, shell: Option<String> },
}

fn workflow_step_parts(s: ghjob::Step) -> StepParts {
    let body = match s.body {
        ghjob::StepBody::Uses { uses, with } => Body::Uses { uses, with },
        ghjob::StepBody::Run { run, shell, .. } => Body::Run {
            run,
            shell: shell.map(loe_string),
        },
    };
    StepParts {
        id: s.id,
        name: s.name,
        condition: s.r#if,
        continue_on_error: s.continue_on_error,
        env: s.env,
        body,
    }
}

fn action_step_parts(s: ghaction::Step) -> StepParts {
    let body = match s.body {
        ghaction::StepBody::Uses { uses, with } => Body::Uses { uses, with },
        ghaction::StepBody::Run { run, shell, .. } => Body::Run {
            run,
            shell: Some(loe_string(shell)),
        },
    };
    StepParts {
        id: s.id,
        name: s.name,
        condition: s.r#if,
        continue_on_error: s.continue_on_error,
        env: s.env,
        body,
    }
}

fn loe_string(l: LoE<String>) -> String {
    match l {
        LoE::Literal(s) => s,
        LoE::Expr(e) => e.as_curly().to_owned(),
    }
}

fn if_text(i: &If) -> String {
    match i {
        If::Bool(b) => b.to_string(),
        If::Expr(s) => s.clone(),
    }
}

fn continue_site(cx: &Cx<'_>, coe: &BoE, route: &Route) -> Option<Site> {
    match coe {
        BoE::Literal(false) => None,
        // `true`, or an expression that may be true.
        _ => Some(cx.site(route.key("continue-on-error"))),
    }
}

fn step_from_parts(
    cx: &mut Cx<'_>,
    index: usize,
    route: Route,
    p: StepParts,
    raw: Option<&Value>,
) -> Step {
    let variables = match &p.env {
        LoE::Literal(env) => env
            .iter()
            .map(|(k, v)| Variable {
                name: k.clone(),
                value: env_value(v),
                site: cx.site(route.key("env").key(k.as_str())),
            })
            .collect(),
        LoE::Expr(_) => Vec::new(),
    };
    let (action, tools) = match p.body {
        Body::Uses { uses, with } => {
            let target = uses_ref(cx, &uses, route.key("uses"), ExternalKind::Action);
            let inputs: Vec<Input> = match with {
                LoE::Literal(w) => w
                    .iter()
                    .map(|(k, v)| Input {
                        name: k.clone(),
                        value: env_value(v),
                        site: cx.site(route.key("with").key(k.as_str())),
                    })
                    .collect(),
                LoE::Expr(_) => Vec::new(),
            };
            let mut tools = classify_uses(&target.name);
            // actions/github-script and similar run inline code given as an input.
            for i in &inputs {
                if i.name == "script" || i.name == "run" {
                    tools.extend(classify_script(&i.value));
                }
            }
            (StepAction::Uses { target, inputs }, tools)
        }
        Body::Run { run, shell } => {
            let tools = classify_script(&run);
            (
                StepAction::Run {
                    site: cx.site(route.key("run")),
                    script: run,
                    shell,
                },
                tools,
            )
        }
    };
    let _ = raw;
    Step {
        index,
        id: p.id,
        name: p.name,
        continue_on_error: continue_site(cx, &p.continue_on_error, &route),
        site: cx.key_site(route),
        action,
        variables,
        condition: p.condition.as_ref().map(if_text),
        tools,
    }
}

/// The generic-YAML fallback for a step the typed model rejected.
fn lenient_step(cx: &mut Cx<'_>, index: usize, route: Route, v: &Value) -> Step {
    let why = match v.get("uses").and_then(Value::as_str).map(Uses::parse) {
        Some(Err(e)) => e.to_string(),
        _ => typed::<ghjob::Step>(v)
            .err()
            .map_or_else(|| "not a step".to_owned(), |e| e.to_string()),
    };
    cx.note(
        &route,
        format!("step not understood by the typed model ({why}); mapped leniently"),
    );
    let scalar = |key: &str| {
        v.get(key).and_then(|x| match x {
            Value::String(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    let (action, tools) = if let Some(u) = scalar("uses") {
        let target = raw_uses_ref(cx, &u, route.key("uses"), ExternalKind::Action);
        let tools = classify_uses(&target.name);
        // Inputs come from the generic tree, so checks that read them still see them.
        let inputs = match v.get("with") {
            Some(Value::Mapping(m)) => m
                .iter()
                .filter_map(|(k, x)| {
                    let name = k.as_str()?;
                    let value = match x {
                        Value::String(s) => s.clone(),
                        Value::Bool(b) => b.to_string(),
                        Value::Number(n) => n.to_string(),
                        _ => return None,
                    };
                    Some(Input {
                        name: name.to_owned(),
                        value,
                        site: cx.site(route.key("with").key(name)),
                    })
                })
                .collect(),
            _ => Vec::new(),
        };
        (StepAction::Uses { target, inputs }, tools)
    } else if let Some(run) = scalar("run") {
        let tools = classify_script(&run);
        (
            StepAction::Run {
                site: cx.site(route.key("run")),
                shell: scalar("shell"),
                script: run,
            },
            tools,
        )
    } else {
        (
            StepAction::Other("unrecognised step".to_owned()),
            Vec::new(),
        )
    };
    let coe = match v.get("continue-on-error") {
        None | Some(Value::Bool(false)) => None,
        Some(_) => Some(cx.site(route.key("continue-on-error"))),
    };
    Step {
        index,
        id: scalar("id"),
        name: scalar("name"),
        site: cx.key_site(route.clone()),
        action,
        variables: env_vars(cx, v.get("env"), &route.key("env")),
        condition: scalar("if"),
        continue_on_error: coe,
        tools,
    }
}

fn uses_ref(cx: &Cx<'_>, uses: &Uses, route: Route, kind: ExternalKind) -> ExternalRef {
    match uses {
        Uses::Local(l) => ExternalRef {
            kind,
            name: l.path.clone(),
            reference: None,
            pinning: Pinning::Local,
            raw: l.path.clone(),
            site: cx.site(route),
        },
        Uses::Repository(r) => {
            let name = match r.subpath() {
                Some(sub) => format!("{}/{}", r.slug(), sub),
                None => r.slug().to_owned(),
            };
            let reference = Some(r.git_ref().to_owned());
            ExternalRef {
                kind,
                pinning: if r.raw().contains("${{") {
                    Pinning::Dynamic
                } else {
                    Pinning::of_git_ref(reference.as_deref())
                },
                name,
                reference,
                raw: r.raw().to_owned(),
                site: cx.site(route),
            }
        }
        Uses::Docker(d) => image_ref(cx, d.raw(), route),
    }
}

/// A `uses:` string the typed model rejected (e.g. no `@ref`).
fn raw_uses_ref(cx: &Cx<'_>, raw: &str, route: Route, kind: ExternalKind) -> ExternalRef {
    match Uses::parse(raw) {
        Ok(u) => uses_ref(cx, &u, route, kind),
        Err(_) => {
            let (name, reference) = match raw.split_once('@') {
                Some((n, r)) => (n.to_owned(), Some(r.to_owned())),
                None => (raw.to_owned(), None),
            };
            ExternalRef {
                kind,
                pinning: if raw.contains("${{") {
                    Pinning::Dynamic
                } else {
                    Pinning::of_git_ref(reference.as_deref())
                },
                name,
                reference,
                raw: raw.to_owned(),
                site: cx.site(route),
            }
        }
    }
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
    ExternalRef {
        kind: ExternalKind::Image,
        pinning: Pinning::of_image(raw),
        name,
        reference,
        raw: raw.to_owned(),
        site: cx.site(route),
    }
}

/// Registry credentials of a job container or service, as variables (so the credential
/// checks see a literal password).
fn container_credentials(cx: &Cx<'_>, c: &ghjob::Container, route: &Route) -> Vec<Variable> {
    let ghjob::Container::Container {
        credentials: Some(creds),
        ..
    } = c
    else {
        return Vec::new();
    };
    let base = route.key("credentials");
    [("username", &creds.username), ("password", &creds.password)]
        .into_iter()
        .filter_map(|(k, v)| {
            v.as_ref().map(|v| Variable {
                name: format!("credentials.{k}"),
                value: v.clone(),
                site: cx.site(base.key(k)),
            })
        })
        .collect()
}

fn container_image(cx: &Cx<'_>, c: &ghjob::Container, route: Route) -> Option<ExternalRef> {
    let (image, r) = match c {
        ghjob::Container::Name(i) => (i, route),
        ghjob::Container::Container { image, .. } => (image, route.key("image")),
    };
    let raw = match image {
        LoE::Literal(d) => d.raw().to_owned(),
        LoE::Expr(e) => e.as_curly().to_owned(),
    };
    if raw.trim().is_empty() {
        return None;
    }
    Some(image_ref(cx, &raw, r))
}

fn runner_typed(cx: &Cx<'_>, r: &LoE<ghjob::RunsOn>, route: Route) -> Runner {
    match r {
        LoE::Expr(_) => Runner {
            kind: RunnerKind::Unknown,
            labels: Vec::new(),
            site: cx.site(route),
        },
        LoE::Literal(ghjob::RunsOn::Target(labels)) => {
            runner_from_labels(cx, labels.clone(), route)
        }
        LoE::Literal(ghjob::RunsOn::Group { group, labels }) => {
            let mut r = runner_from_labels(cx, labels.clone(), route);
            if group.is_some() && r.kind == RunnerKind::Hosted {
                r.kind = RunnerKind::Unknown;
            }
            if let Some(g) = group {
                r.labels.insert(0, format!("group:{g}"));
                if r.kind == RunnerKind::Hosted || r.labels.len() == 1 {
                    r.kind = RunnerKind::Unknown;
                }
            }
            r
        }
    }
}

/// Labels decide the runner kind: `self-hosted` is self-hosted; GitHub's hosted images are
/// hosted; expressions and custom labels (larger runners or self-hosted) stay unknown.
fn runner_from_labels(cx: &Cx<'_>, labels: Vec<String>, route: Route) -> Runner {
    let hosted = |l: &str| {
        let l = l.to_ascii_lowercase();
        ["ubuntu-", "windows-", "macos-"]
            .iter()
            .any(|p| l.starts_with(p))
    };
    let kind = if labels.iter().any(|l| l.eq_ignore_ascii_case("self-hosted")) {
        RunnerKind::SelfHosted
    } else if labels.iter().any(|l| l.contains("${{")) {
        RunnerKind::Unknown
    } else if !labels.is_empty() && labels.iter().all(|l| hosted(l)) {
        RunnerKind::Hosted
    } else {
        RunnerKind::Unknown
    };
    Runner {
        kind,
        labels,
        site: cx.site(route),
    }
}

fn environment_typed(cx: &Cx<'_>, e: &ghjob::DeploymentEnvironment, route: Route) -> Environment {
    let (name, url) = match e {
        ghjob::DeploymentEnvironment::Name(n) => (n.clone(), None),
        ghjob::DeploymentEnvironment::NameURL { name, url } => (name.clone(), url.clone()),
    };
    Environment {
        name,
        url,
        tier: None,
        site: cx.site(route),
    }
}

/// Every `secrets.X` referenced in any string under `v`, with the route of the string. Routes
/// are built only for strings that reference a secret.
fn collect_secrets(cx: &Cx<'_>, v: &Value, route: &Route) -> Vec<SecretRef> {
    fn walk<'v>(
        cx: &Cx<'_>,
        v: &'v Value,
        base: &Route,
        path: &mut Vec<RouteSegRef<'v>>,
        out: &mut Vec<SecretRef>,
    ) {
        match v {
            Value::String(s) if s.contains("secrets") => {
                for name in secret_names(s) {
                    if !out.iter().any(|x| x.name == name) {
                        let mut r = base.clone();
                        for seg in path.iter() {
                            r = match seg {
                                RouteSegRef::Key(k) => r.key(*k),
                                RouteSegRef::Index(i) => r.index(*i),
                            };
                        }
                        out.push(SecretRef {
                            name,
                            site: cx.site(r),
                        });
                    }
                }
            }
            Value::Sequence(seq) => {
                for (i, x) in seq.iter().enumerate() {
                    path.push(RouteSegRef::Index(i));
                    walk(cx, x, base, path, out);
                    path.pop();
                }
            }
            Value::Mapping(m) => {
                for (k, x) in m {
                    let Some(k) = k.as_str() else { continue };
                    path.push(RouteSegRef::Key(k));
                    walk(cx, x, base, path, out);
                    path.pop();
                }
            }
            Value::Tagged(t) => walk(cx, &t.value, base, path, out),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(cx, v, route, &mut Vec::new(), &mut out);
    out
}

enum RouteSegRef<'v> {
    Key(&'v str),
    Index(usize),
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
    fn maps_a_workflow() {
        let f = load(
            "on: [push, pull_request_target]\npermissions: {}\njobs:\n  build:\n    runs-on: [self-hosted, linux]\n    environment: prod\n    container: node:20\n    steps:\n      - uses: actions/checkout@v4\n      - run: semgrep ci\n        continue-on-error: true\n        env:\n          T: ${{ secrets.TOKEN }}\n  call:\n    uses: org/repo/.github/workflows/x.yml@main\n    secrets: inherit\n",
        );
        let m = map_workflow(".github/workflows/ci.yml", &f).unwrap();
        assert!(m.notes.is_empty(), "{:?}", m.notes);
        let p = m.pipeline;
        assert_eq!(p.triggers.len(), 2);
        assert_eq!(p.triggers[1].event, Event::PullRequestTarget);
        assert_eq!(p.permissions.set, PermissionSet::Scoped(vec![]));
        let build = &p.jobs[0];
        assert_eq!(
            build.runner.as_ref().map(|r| r.kind),
            Some(RunnerKind::SelfHosted)
        );
        assert_eq!(
            build.environment.as_ref().map(|e| e.name.as_str()),
            Some("prod")
        );
        assert_eq!(build.images[0].pinning, Pinning::Version);
        assert_eq!(build.steps.len(), 2);
        assert!(build.steps[1].continue_on_error.is_some());
        assert_eq!(build.steps[1].tools[0].name, "Semgrep");
        assert_eq!(build.secrets[0].name, "TOKEN");
        let StepAction::Uses { target, .. } = &build.steps[0].action else {
            panic!()
        };
        assert_eq!(
            (target.name.as_str(), target.pinning),
            ("actions/checkout", Pinning::Version)
        );
        let span = target.site.span.unwrap();
        assert_eq!(&f.text[span.start..span.end], "actions/checkout@v4");
        let call = &p.jobs[1];
        assert!(call.secrets_inherit.is_some());
        assert_eq!(
            call.calls.as_ref().map(|c| c.pinning),
            Some(Pinning::Mutable)
        );
    }

    #[test]
    fn lenient_fallback_names_the_element() {
        let f = load(
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout\n      - run: echo hi\n",
        );
        let m = map_workflow("w.yml", &f).unwrap();
        assert!(!m.notes.is_empty());
        assert!(m.notes[0].starts_with("jobs.a:"), "{:?}", m.notes);
        let steps = &m.pipeline.jobs[0].steps;
        assert_eq!(steps.len(), 2);
        let StepAction::Uses { target, .. } = &steps[0].action else {
            panic!()
        };
        assert_eq!(target.pinning, Pinning::Mutable);
    }

    #[test]
    fn refuses_non_workflows() {
        assert!(map_workflow("w.yml", &load("- a\n- b\n")).is_err());
        assert!(map_workflow("w.yml", &load("name: x\n")).is_err());
    }

    #[test]
    fn paths() {
        assert_eq!(
            classify_path(".github/workflows/ci.yml"),
            Some(GithubFileKind::Workflow)
        );
        assert_eq!(classify_path(".github/workflows/sub/ci.yml"), None);
        assert_eq!(
            classify_path("a/b/action.yaml"),
            Some(GithubFileKind::Action)
        );
        assert_eq!(classify_path("ci.yml"), None);
    }
}
