//! Bitbucket Pipelines (`bitbucket-pipelines.yml`) mapped into the pipeline model. Every step of
//! every pipeline section (`default`, `branches`, `tags`, `bookmarks`, `pull-requests`,
//! `custom`) is a job: Bitbucket runs each step in its own container, and the section decides
//! which events the step runs for. YAML anchors are expanded by the loader; elements reached
//! through an alias or a merge key point at the alias and record the anchor.

use annexa_model::pipeline::{
    Artifact, Environment, Event, ExternalKind, ExternalRef, Input, Job, Mapped, Pinning, Pipeline,
    PipelineKind, Runner, RunnerKind, SecretRef, SecurityTool, Site, Step, StepAction,
    ToolCategory, Trigger, Unanalysed, Variable, classify_script, classify_uses,
};
use annexa_model::{DiagnosticKind, Platform, Route, Span};
use annexa_source::{Refusal, YamlFile};
use yaml_serde::Value;

use annexa_model::pipeline::secret_variables as secret_vars;
use annexa_source::{Sites, scalar};

/// Whether a repository-relative path is a Bitbucket Pipelines file by its name.
pub fn classify_path(path: &str) -> bool {
    path == "bitbucket-pipelines.yml" || path.ends_with("/bitbucket-pipelines.yml")
}

struct Cx<'a> {
    sites: Sites<'a>,
    top: &'a Value,
    notes: Vec<String>,
    unanalysed: Vec<Unanalysed>,
    externals: Vec<ExternalRef>,
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

/// What a group of steps shares: the section's trigger, a stage's deployment and manual
/// trigger, a custom pipeline's variables.
#[derive(Clone, Default)]
struct Group {
    prefix: String,
    triggers: Option<Vec<Trigger>>,
    environment: Option<Environment>,
    manual_gate: Option<Site>,
    variables: Vec<Variable>,
}

/// Map a file into the model.
pub fn map(path: &str, file: &YamlFile) -> Result<Mapped, Refusal> {
    let top = &file.value;
    if !matches!(top, Value::Mapping(_)) {
        return Err(not_understood(
            "a Bitbucket Pipelines file must be a mapping at the top level",
        ));
    }
    let pipelines = top.get("pipelines");
    let shared = top
        .get("definitions")
        .and_then(|d| d.get("pipelines"))
        .and_then(Value::as_mapping);
    if pipelines.is_none() && shared.is_none() {
        return Err(not_understood(
            "no `pipelines:` (nor shared `definitions.pipelines`): not a Bitbucket Pipelines file",
        ));
    }
    let mut cx = Cx {
        sites: Sites { file, path },
        top,
        notes: Vec::new(),
        unanalysed: Vec::new(),
        externals: Vec::new(),
    };
    let root = Route::root();
    let mut jobs = Vec::new();
    let kind = match pipelines {
        Some(Value::Mapping(sections)) => {
            for (k, v) in sections {
                let Some(section) = k.as_str() else { continue };
                let sroute = root.key("pipelines").key(section);
                match section {
                    "default" => {
                        let g = Group {
                            prefix: "default".into(),
                            triggers: Some(vec![Trigger {
                                event: Event::Push,
                                name: "push".into(),
                                release: false,
                                site: cx.key_site(sroute.clone()),
                            }]),
                            ..Group::default()
                        };
                        pipeline_items(&mut cx, v, &sroute, &g, &mut jobs);
                    }
                    "branches" | "tags" | "bookmarks" | "pull-requests" | "custom" => {
                        let Value::Mapping(m) = v else {
                            cx.note(&sroute, "section is not a mapping of patterns; skipped");
                            continue;
                        };
                        for (pk, pv) in m {
                            let Some(pattern) = pk.as_str() else { continue };
                            let proute = sroute.key(pattern);
                            let (event, name, release) = match section {
                                "tags" => (Event::Push, format!("push (tag {pattern})"), true),
                                "pull-requests" => (
                                    Event::PullRequest,
                                    format!("pull request (from {pattern})"),
                                    false,
                                ),
                                "custom" => (Event::Manual, format!("custom ({pattern})"), false),
                                "bookmarks" => {
                                    (Event::Push, format!("push (bookmark {pattern})"), false)
                                }
                                _ => (Event::Push, format!("push (branch {pattern})"), false),
                            };
                            let g = Group {
                                prefix: format!("{section}.{pattern}"),
                                triggers: Some(vec![Trigger {
                                    event,
                                    name,
                                    release,
                                    site: cx.key_site(proute.clone()),
                                }]),
                                ..Group::default()
                            };
                            pipeline_items(&mut cx, pv, &proute, &g, &mut jobs);
                        }
                    }
                    other => cx.note(
                        &sroute,
                        format!("unknown pipeline section `{other}`; skipped"),
                    ),
                }
            }
            PipelineKind::Pipeline
        }
        Some(_) => return Err(not_understood("`pipelines:` is not a mapping")),
        // Only shared pipelines for other repositories to import: a fragment.
        None => PipelineKind::Fragment,
    };
    if let Some(m) = shared {
        for (k, v) in m {
            let Some(name) = k.as_str() else { continue };
            let proute = root.key("definitions").key("pipelines").key(name);
            let g = Group {
                prefix: format!("definitions.pipelines.{name}"),
                ..Group::default()
            };
            pipeline_items(&mut cx, v, &proute, &g, &mut jobs);
        }
    }
    // A step is known by its name where the name is unique in the file (messages read
    // better); steps without a name, or sharing one (an anchor used in several sections),
    // keep their position `section.pattern.n`.
    let names: Vec<Option<String>> = jobs.iter().map(|j| j.name.clone()).collect();
    for j in &mut jobs {
        if let Some(n) = &j.name
            && names.iter().filter(|x| x.as_ref() == Some(n)).count() == 1
        {
            j.id = n.clone();
        }
    }
    let mut triggers: Vec<Trigger> = Vec::new();
    for t in jobs
        .iter()
        .filter_map(|j: &Job| j.triggers.as_ref())
        .flatten()
    {
        if !triggers
            .iter()
            .any(|x| x.event == t.event && x.release == t.release)
        {
            triggers.push(t.clone());
        }
    }
    Ok(Mapped {
        pipeline: Pipeline {
            triggers,
            jobs,
            externals: cx.externals,
            unanalysed: cx.unanalysed,
            ..Pipeline::new(Platform::BitbucketPipelines, kind, path)
        },
        notes: cx.notes,
    })
}

/// One pipeline: a list of `step` / `parallel` / `stage` / `variables` items, or an `import:`
/// of a pipeline shared from another repository.
fn pipeline_items(cx: &mut Cx<'_>, v: &Value, route: &Route, g: &Group, jobs: &mut Vec<Job>) {
    match v {
        Value::Sequence(seq) => {
            let mut g = g.clone();
            // A custom pipeline may start with the variables it prompts for.
            for (i, item) in seq.iter().enumerate() {
                if let Some(Value::Sequence(vars)) = item.get("variables") {
                    let vroute = route.index(i).key("variables");
                    for (n, var) in vars.iter().enumerate() {
                        if let Some(name) = field(var, "name") {
                            let value = var.get("default").and_then(scalar).unwrap_or_default();
                            g.variables.push(Variable {
                                name: name.to_owned(),
                                value,
                                site: cx.site(vroute.index(n).key("name")),
                            });
                        }
                    }
                }
            }
            let mut counter = 0;
            items(cx, v, route, &g, &mut counter, jobs);
        }
        Value::Mapping(_) if v.get("import").is_some() => {
            let iroute = route.key("import");
            let raw = v.get("import").and_then(scalar).unwrap_or_default();
            // `pipeline-name:repository:ref` (or `@ref`): the steps live in another repository.
            let (name, reference) = match raw.rsplit_once(['@', ':']) {
                Some((n, r)) if raw.matches(':').count() >= 2 || raw.contains('@') => {
                    (n.to_owned(), Some(r.to_owned()))
                }
                _ => (raw.clone(), None),
            };
            let pinning = Pinning::of_git_ref(reference.as_deref());
            let site = cx.site(iroute);
            cx.externals.push(ExternalRef {
                kind: ExternalKind::Template,
                name,
                reference,
                pinning,
                raw: raw.clone(),
                site: site.clone(),
            });
            cx.unanalysed.push(Unanalysed {
                site,
                what: format!("pipeline imported from another repository (`{raw}`)"),
            });
        }
        _ => cx.note(route, "pipeline is not a list of steps; skipped"),
    }
}

fn items(
    cx: &mut Cx<'_>,
    v: &Value,
    route: &Route,
    g: &Group,
    counter: &mut usize,
    jobs: &mut Vec<Job>,
) {
    let Value::Sequence(seq) = v else {
        cx.note(route, "not a list of steps; skipped");
        return;
    };
    for (i, item) in seq.iter().enumerate() {
        let r = route.index(i);
        if let Some(step) = item.get("step") {
            let id = format!("{}.{}", g.prefix, *counter);
            *counter += 1;
            jobs.push(step_job(cx, id, step, &r.key("step"), g));
        } else if let Some(p) = item.get("parallel") {
            let proute = r.key("parallel");
            match p {
                Value::Sequence(_) => items(cx, p, &proute, g, counter, jobs),
                Value::Mapping(_) => match p.get("steps") {
                    Some(s) => items(cx, s, &proute.key("steps"), g, counter, jobs),
                    None => cx.note(&proute, "`parallel` without `steps`; skipped"),
                },
                _ => cx.note(&proute, "`parallel` is not a list of steps; skipped"),
            }
        } else if let Some(stage) = item.get("stage") {
            let st = r.key("stage");
            let mut sg = g.clone();
            if let Some(env) = environment(cx, stage, &st) {
                sg.environment = Some(env);
            }
            if field(stage, "trigger") == Some("manual") {
                sg.manual_gate = Some(cx.site(st.key("trigger")));
            }
            match stage.get("steps") {
                Some(s) => items(cx, s, &st.key("steps"), &sg, counter, jobs),
                None => cx.note(&st, "`stage` without `steps`; skipped"),
            }
        } else if item.get("variables").is_some() {
            // Custom pipeline variables: read above.
        } else {
            cx.note(&r, "item is not a `step`, `parallel` or `stage`; skipped");
        }
    }
}

/// `deployment: <environment>`; the tier follows Bitbucket's environment types, from the name.
fn environment(cx: &Cx<'_>, v: &Value, route: &Route) -> Option<Environment> {
    let name = v.get("deployment").and_then(scalar)?;
    let l = name.to_ascii_lowercase();
    let tier = if l.contains("prod") {
        Some("production")
    } else if l.contains("stag") {
        Some("staging")
    } else if l.contains("test") || l.contains("qa") {
        Some("testing")
    } else if l.contains("dev") {
        Some("development")
    } else {
        None
    };
    Some(Environment {
        name,
        url: None,
        tier: tier.map(String::from),
        site: cx.site(route.key("deployment")),
    })
}

/// An image given as a string or as a mapping with `name` (and registry credentials).
fn image(cx: &Cx<'_>, v: &Value, route: &Route, job: &mut Job) {
    match v {
        Value::Mapping(_) => {
            if let Some(n) = field(v, "name") {
                job.images.push(image_ref(cx, n, route.key("name")));
            }
            for k in ["username", "password"] {
                if let Some(value) = v.get(k).and_then(scalar) {
                    job.variables.push(Variable {
                        name: format!("image.{k}"),
                        value,
                        site: cx.site(route.key(k)),
                    });
                }
            }
            if let Some(aws) = v.get("aws") {
                for k in ["access-key", "secret-key"] {
                    if let Some(value) = aws.get(k).and_then(scalar) {
                        job.variables.push(Variable {
                            name: format!("image.aws.{k}"),
                            value,
                            site: cx.site(route.key("aws").key(k)),
                        });
                    }
                }
            }
        }
        other => {
            if let Some(s) = scalar(other) {
                job.images.push(image_ref(cx, &s, route.clone()));
            }
        }
    }
}

fn image_ref(cx: &Cx<'_>, raw: &str, route: Route) -> ExternalRef {
    let raw = raw.trim();
    let (name, reference) = split_image(raw);
    ExternalRef {
        kind: ExternalKind::Image,
        pinning: Pinning::of_image(raw),
        name,
        reference,
        raw: raw.to_owned(),
        site: cx.site(route),
    }
}

fn split_image(raw: &str) -> (String, Option<String>) {
    match raw.split_once('@') {
        Some((n, d)) => (n.to_owned(), Some(d.to_owned())),
        None => match annexa_model::pipeline::image_tag(raw) {
            Some(tag) => (
                raw[..raw.len() - tag.len() - 1].to_owned(),
                Some(tag.to_owned()),
            ),
            None => (raw.to_owned(), None),
        },
    }
}

fn step_job(cx: &mut Cx<'_>, id: String, step: &Value, route: &Route, g: &Group) -> Job {
    let mut job = Job::new(id, cx.key_site(route.clone()));
    job.triggers = g.triggers.clone();
    job.variables = g.variables.clone();
    job.environment = g.environment.clone();
    job.manual_gate = g.manual_gate.clone();
    if !matches!(step, Value::Mapping(_)) {
        cx.note(route, "step is not a mapping; mapped without scripts");
        return job;
    }
    job.name = field(step, "name").map(String::from);
    match step.get("image") {
        Some(v) => image(cx, v, &route.key("image"), &mut job),
        None => {
            if let Some(v) = cx.top.get("image") {
                image(cx, v, &Route::root().key("image"), &mut job);
            }
        }
    }
    if let Some(Value::Sequence(services)) = step.get("services") {
        for s in services.iter().filter_map(Value::as_str) {
            let def = cx
                .top
                .get("definitions")
                .and_then(|d| d.get("services"))
                .and_then(|d| d.get(s));
            let droute = Route::root().key("definitions").key("services").key(s);
            if let Some(img) = def.and_then(|d| d.get("image")) {
                image(cx, img, &droute.key("image"), &mut job);
            }
            // `docker` without a definition is Bitbucket's own Docker service.
        }
    }
    if let Some(env) = environment(cx, step, route) {
        job.environment = Some(env);
    }
    if field(step, "trigger") == Some("manual") {
        job.manual_gate = Some(cx.site(route.key("trigger")));
    }
    // OpenID Connect: the step gets a `BITBUCKET_STEP_OIDC_TOKEN` it can exchange for cloud
    // credentials. Recorded as a variable so it is visible in the model.
    if matches!(step.get("oidc"), Some(Value::Bool(true))) {
        job.variables.push(Variable {
            name: "oidc".into(),
            value: "true".into(),
            site: cx.site(route.key("oidc")),
        });
    }
    job.runner = Some(runner(cx, step, route));
    if let Some(Value::Sequence(caches)) = step.get("caches") {
        for (i, _) in caches.iter().enumerate() {
            job.caches.push(cx.site(route.key("caches").index(i)));
        }
    }
    if step.get("artifacts").is_some() {
        job.artifacts.push(Artifact {
            upload: true,
            site: cx.key_site(route.key("artifacts")),
        });
    }
    for key in ["script", "after-script"] {
        match step.get(key) {
            Some(s @ Value::Sequence(_)) => script(cx, s, &route.key(key), &mut job),
            Some(_) => cx.note(&route.key(key), format!("`{key}` is not a list; skipped")),
            None => {}
        }
    }
    job.secrets = secrets(&job);
    job
}

/// `runs-on:` labels: `self.hosted` is the organisation's own runner; steps without it run on
/// Bitbucket Cloud.
fn runner(cx: &Cx<'_>, step: &Value, route: &Route) -> Runner {
    let labels: Vec<String> = match step.get("runs-on") {
        Some(Value::Sequence(s)) => s.iter().filter_map(scalar).collect(),
        Some(v) => scalar(v).into_iter().collect(),
        None => Vec::new(),
    };
    if labels.is_empty() {
        let mut labels = vec!["bitbucket-cloud".to_owned()];
        labels.extend(step.get("size").and_then(scalar));
        return Runner {
            kind: RunnerKind::Hosted,
            labels,
            site: cx.key_site(route.clone()),
        };
    }
    let kind = if labels.iter().any(|l| l.trim() == "self.hosted") {
        RunnerKind::SelfHosted
    } else if labels.iter().any(|l| l.contains('$')) {
        RunnerKind::Unknown
    } else {
        RunnerKind::Hosted
    };
    Runner {
        kind,
        labels,
        site: cx.site(route.key("runs-on")),
    }
}

/// Pipes known to run security tooling, by name prefix.
const KNOWN_PIPES: &[(&str, ToolCategory, &str)] = &[
    ("atlassian/snyk-scan", ToolCategory::Sca, "Snyk"),
    ("snyk/snyk-scan", ToolCategory::Sca, "Snyk"),
    (
        "sonarsource/sonarcloud-scan",
        ToolCategory::Sast,
        "SonarCloud",
    ),
    (
        "sonarsource/sonarqube-scan",
        ToolCategory::Sast,
        "SonarQube",
    ),
    (
        "atlassian/git-secrets-scan",
        ToolCategory::SecretScan,
        "git-secrets",
    ),
    ("aquasecurity/trivy-pipe", ToolCategory::Sca, "Trivy"),
];

fn pipe_tools(name: &str) -> Vec<SecurityTool> {
    let lower = name.to_ascii_lowercase();
    let t: Vec<SecurityTool> = KNOWN_PIPES
        .iter()
        .filter(|(p, ..)| lower.starts_with(p))
        .map(|&(_, category, name)| SecurityTool {
            category,
            name,
            command: "",
        })
        .take(1)
        .collect();
    if t.is_empty() { classify_uses(name) } else { t }
}

/// Pipe variables that keep a failing scan from failing the step.
const DONT_FAIL: &[&str] = &["DONT_BREAK_BUILD", "IGNORE_FAILURE", "ALLOW_FAILURE"];

/// A `script:` list: consecutive commands become one `Run` step (each item a line); a `pipe:`
/// item is a packaged step.
fn script(cx: &mut Cx<'_>, v: &Value, route: &Route, job: &mut Job) {
    let Value::Sequence(seq) = v else { return };
    let has_pipes = seq.iter().any(|x| x.get("pipe").is_some());
    let mut lines: Vec<(usize, String)> = Vec::new();
    let flush = |cx: &Cx<'_>, lines: &mut Vec<(usize, String)>, job: &mut Job| {
        let (Some(first), Some(last)) = (lines.first(), lines.last()) else {
            return;
        };
        let site = if has_pipes {
            // Several groups: the first item's route, the span of all of them.
            let a = cx.site(route.index(first.0));
            let b = cx.site(route.index(last.0));
            let span = match (a.span, b.span) {
                (Some(x), Some(y)) => Some(Span {
                    start: x.start,
                    end: y.end.max(x.end),
                }),
                (x, _) => x,
            };
            Site { span, ..a }
        } else {
            cx.site(route.clone())
        };
        let text = lines
            .drain(..)
            .map(|(_, l)| l)
            .collect::<Vec<_>>()
            .join("\n");
        let tools = classify_script(&text);
        job.steps.push(Step {
            index: job.steps.len(),
            id: None,
            name: None,
            site: Site {
                route: site.route.clone(),
                span: site.span.map(|s| first_line(cx, s)),
                ..site.clone()
            },
            action: StepAction::Run {
                script: text,
                shell: None,
                site,
            },
            variables: Vec::new(),
            condition: None,
            continue_on_error: None,
            tools,
        });
    };
    for (i, item) in seq.iter().enumerate() {
        let r = route.index(i);
        if let Some(p) = item.get("pipe") {
            flush(cx, &mut lines, job);
            let Some(raw) = scalar(p) else {
                cx.note(&r, "`pipe` is not a reference; skipped");
                continue;
            };
            let raw = raw.trim().trim_start_matches("docker://").to_owned();
            let (name, reference) = split_image(&raw);
            let target = ExternalRef {
                kind: ExternalKind::Pipe,
                pinning: Pinning::of_image(&raw),
                name,
                reference,
                raw: raw.clone(),
                site: cx.site(r.key("pipe")),
            };
            let vroute = r.key("variables");
            let inputs: Vec<Input> = match item.get("variables") {
                Some(Value::Mapping(m)) => m
                    .iter()
                    .filter_map(|(k, x)| {
                        let name = k.as_str()?;
                        let value = match x {
                            Value::Sequence(s) => {
                                s.iter().filter_map(scalar).collect::<Vec<_>>().join(",")
                            }
                            other => scalar(other)?,
                        };
                        Some(Input {
                            name: name.to_owned(),
                            value,
                            site: cx.site(vroute.key(name)),
                        })
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let tools = pipe_tools(&target.name);
            let continue_on_error = inputs
                .iter()
                .find(|i| {
                    DONT_FAIL.contains(&i.name.as_str())
                        && matches!(i.value.trim().to_ascii_lowercase().as_str(), "true" | "1")
                })
                .map(|i| i.site.clone());
            job.steps.push(Step {
                index: job.steps.len(),
                id: None,
                name: None,
                site: cx.key_site(r),
                action: StepAction::Uses { target, inputs },
                variables: Vec::new(),
                condition: None,
                continue_on_error,
                tools,
            });
        } else if let Some(line) = scalar(item) {
            lines.push((i, line));
        } else {
            // Usually an unquoted command with `: ` in it, which YAML reads as a mapping.
            cx.note(
                &r,
                "script item is not a command (an unquoted `: `?); skipped",
            );
        }
    }
    flush(cx, &mut lines, job);
}

/// The first line of a span, for step sites (one line, good for markers).
fn first_line(cx: &Cx<'_>, s: Span) -> Span {
    let text = cx.sites.file.text.get(s.start..s.end).unwrap_or("");
    let end = text.find('\n').map_or(s.end, |n| s.start + n);
    Span {
        start: s.start,
        end,
    }
}

/// Credential-like variables the step's scripts, pipe variables and image credentials read.
fn secrets(job: &Job) -> Vec<SecretRef> {
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
    for v in &job.variables {
        add(&v.value, &v.site);
    }
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
    out
}

/// The string field `k` of a mapping value.
fn field<'v>(v: &'v Value, k: &str) -> Option<&'v str> {
    v.get(k).and_then(Value::as_str)
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
    fn maps_sections_steps_and_pipes() {
        let f = load(
            "image: node:20\ndefinitions:\n  services:\n    db:\n      image: postgres:16\n  steps:\n    - step: &build\n        name: Build\n        caches: [node]\n        script:\n          - npm ci\n          - npm test\n        artifacts: [dist/**]\npipelines:\n  default:\n    - step: *build\n  pull-requests:\n    '**':\n      - step:\n          runs-on: [self.hosted, linux]\n          services: [db]\n          script:\n            - echo $NPM_TOKEN\n  branches:\n    main:\n      - step: *build\n      - step:\n          name: Deploy\n          deployment: production\n          trigger: manual\n          oidc: true\n          script:\n            - pipe: atlassian/aws-s3-deploy:1.1.0\n              variables:\n                S3_BUCKET: b\n            - echo done\n",
        );
        let m = map("bitbucket-pipelines.yml", &f).unwrap();
        assert!(m.notes.is_empty(), "{:?}", m.notes);
        let p = m.pipeline;
        assert_eq!(p.jobs.len(), 4);
        let build = &p.jobs[0];
        assert_eq!(build.id, "default.0");
        assert_eq!(build.name.as_deref(), Some("Build"));
        assert_eq!(build.images[0].raw, "node:20");
        assert_eq!(build.caches.len(), 1);
        assert_eq!(build.steps.len(), 1);
        assert_eq!(build.steps[0].script(), Some("npm ci\nnpm test"));
        assert_eq!(
            build.site.via.first().map(|v| v.path.as_str()),
            Some("bitbucket-pipelines.yml")
        );
        let pr = &p.jobs[1];
        assert_eq!(
            pr.runner.as_ref().map(|r| r.kind),
            Some(RunnerKind::SelfHosted)
        );
        assert_eq!(p.job_triggers(pr)[0].event, Event::PullRequest);
        assert_eq!(pr.secrets[0].name, "NPM_TOKEN");
        assert_eq!(pr.images.len(), 2);
        let deploy = &p.jobs[3];
        assert_eq!(deploy.id, "Deploy");
        assert!(deploy.manual_gate.is_some());
        assert_eq!(
            deploy.environment.as_ref().and_then(|e| e.tier.as_deref()),
            Some("production")
        );
        let StepAction::Uses { target, inputs } = &deploy.steps[0].action else {
            panic!()
        };
        assert_eq!(
            (target.name.as_str(), target.pinning),
            ("atlassian/aws-s3-deploy", Pinning::Version)
        );
        assert_eq!(inputs[0].name, "S3_BUCKET");
        assert_eq!(deploy.steps[1].script(), Some("echo done"));
        let span = target.site.span.unwrap();
        assert_eq!(
            &f.text[span.start..span.end],
            "atlassian/aws-s3-deploy:1.1.0"
        );
        assert!(p.triggers.iter().any(|t| t.event == Event::PullRequest));
    }

    #[test]
    fn merge_keys_stages_and_parallel_groups() {
        let f = load(
            "definitions:\n  steps:\n    - step: &base\n        image: node:20\n        script: [npm ci]\npipelines:\n  custom:\n    release:\n      - variables:\n          - name: VERSION\n            default: 1.0.0\n      - stage:\n          name: Ship\n          deployment: staging\n          trigger: manual\n          steps:\n            - step:\n                <<: *base\n                name: Build\n            - parallel:\n                fail-fast: true\n                steps:\n                  - step:\n                      script: [echo a]\n",
        );
        let m = map("bitbucket-pipelines.yml", &f).unwrap();
        assert!(m.notes.is_empty(), "{:?}", m.notes);
        let p = m.pipeline;
        assert_eq!(p.jobs.len(), 2);
        let build = &p.jobs[0];
        assert_eq!(build.id, "Build");
        assert_eq!(p.job_triggers(build)[0].event, Event::Manual);
        assert!(build.manual_gate.is_some());
        assert_eq!(build.variables[0].name, "VERSION");
        assert_eq!(
            build.environment.as_ref().map(|e| e.name.as_str()),
            Some("staging")
        );
        // The script comes from the anchor through the merge key.
        let StepAction::Run { site, .. } = &build.steps[0].action else {
            panic!()
        };
        assert_eq!(
            site.via.first().map(|v| v.kind),
            Some(annexa_model::observation::ViaKind::Anchor)
        );
        let span = site.span.unwrap();
        assert_eq!(&f.text[span.start..span.end], "*base");
        assert_eq!(build.images[0].raw, "node:20");
        assert_eq!(p.jobs[1].steps[0].script(), Some("echo a"));
    }

    #[test]
    fn refuses_other_files() {
        assert!(map("bitbucket-pipelines.yml", &load("image: x\n")).is_err());
        assert!(map("bitbucket-pipelines.yml", &load("- a\n")).is_err());
    }
}
