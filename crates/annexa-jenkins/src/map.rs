//! The declarative pipeline (and what can be said about a scripted one) → [`Pipeline`].
//!
//! Routes follow the declarative structure: `stages.Build.steps[0]`, nested stages
//! `stages.CI.stages.Test`, parallel ones `stages.CI.parallel.Linux`, post conditions
//! `stages.Build.post.always[0]`. Job ids are stage names, joined with `/` when nested.

use annexa_model::pipeline::{
    Event, ExternalKind, ExternalRef, Job, Mapped, Pinning, Pipeline, PipelineKind, Runner,
    RunnerKind, SecretRef, Site, Step, StepAction, Trigger, Unanalysed, Variable, classify_script,
    image_tag,
};
use annexa_model::{Platform, Route, Span};

use crate::lex::{Delim, Tok, TokKind};
use crate::syntax::{Arg, Call, Stmt, assignment, function_definition, span_of, statements};

const SHELLS: &[&str] = &["sh", "bat", "powershell", "pwsh"];

fn site(route: Route, span: Span) -> Site {
    Site {
        route,
        span: Some(span),
        ..Site::default()
    }
}

struct Cx<'s> {
    text: &'s str,
    notes: Vec<String>,
    unanalysed: Vec<Unanalysed>,
    /// Methods defined in the file (`def name(..) {..}`): steps that call them run code this
    /// mapping does not follow.
    functions: Vec<String>,
    /// Where a stage is limited to tag builds: the pipeline then builds releases.
    tag_sites: Vec<Site>,
}

impl Cx<'_> {
    fn note(&mut self, route: &Route, what: impl std::fmt::Display) {
        self.notes.push(format!("{route}: {what}"));
    }

    fn raw(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or_default()
    }

    /// The text of an argument's value: the string's value, else the code as written.
    fn arg_text(&self, a: &Arg<'_, '_>) -> String {
        match a.str_lit() {
            Some((s, _)) => s.value.clone(),
            None => a.span().map(|s| self.raw(s).to_owned()).unwrap_or_default(),
        }
    }
}

/// What the statements of a scope (pipeline, stage, matrix) contribute to the jobs below it.
#[derive(Clone, Default)]
struct Scope {
    id: Vec<String>,
    route: Route,
    runner: Option<Runner>,
    images: Vec<ExternalRef>,
    variables: Vec<Variable>,
    secrets: Vec<SecretRef>,
    gate: Option<Site>,
    triggers: Option<Vec<Trigger>>,
}

/// Map the top-level statements of a lexed file.
pub fn map_file(path: &str, text: &str, toks: &[Tok<'_>]) -> Option<Mapped> {
    let stmts = statements(toks);
    if stmts.is_empty() {
        return None;
    }
    let mut cx = Cx {
        text,
        notes: Vec::new(),
        unanalysed: Vec::new(),
        functions: Vec::new(),
        tag_sites: Vec::new(),
    };
    let mut externals = Vec::new();
    let mut variables = Vec::new();
    let mut pipeline_call = None;
    let mut top_calls: Vec<(usize, Call<'_, '_>)> = Vec::new();
    for (n, stmt) in stmts.iter().enumerate() {
        if stmt.first().is_some_and(|t| t.is_punct("@")) {
            if stmt.get(1).and_then(|t| t.word()) == Some("Library")
                && let Some(args) = stmt.get(2).and_then(|t| t.group(Delim::Paren))
            {
                let args = crate::syntax::split_args(&args.iter().collect::<Vec<_>>());
                for a in args {
                    libraries(&cx, &a, &Route::root().key("@Library"), &mut externals);
                }
            }
            continue;
        }
        if let Some(f) = function_definition(stmt) {
            cx.functions.push(f.to_owned());
            continue;
        }
        if let Some((name, value)) = assignment(stmt) {
            // Script-level variables (`IMAGE = 'node:20'`) end up in the steps that use them.
            if let ([v], Some(w)) = (value.as_slice(), name.word())
                && let Some(s) = v.str_lit()
            {
                variables.push(Variable {
                    name: w.to_owned(),
                    value: s.value.clone(),
                    site: site(Route::root().key(w), v.span),
                });
            }
            continue;
        }
        let Some(call) = Call::parse(stmt) else {
            continue;
        };
        match call.name.as_str() {
            "library" => {
                if let Some(a) = call.arg("identifier") {
                    libraries(&cx, a, &Route::root().key("library"), &mut externals);
                }
            }
            "pipeline" if call.closure.is_some() && pipeline_call.is_none() => {
                pipeline_call = Some(call)
            }
            _ => top_calls.push((n, call)),
        }
    }
    let Some(pcall) = pipeline_call else {
        return Some(scripted(path, cx, top_calls, externals, variables));
    };
    let triggers = default_triggers(&site(Route::root().key("pipeline"), pcall.head));
    let mut p = Pipeline {
        triggers,
        externals,
        variables,
        ..Pipeline::new(Platform::Jenkins, PipelineKind::Pipeline, path)
    };
    declarative(&mut cx, &mut p, &pcall);
    p.unanalysed = std::mem::take(&mut cx.unanalysed);
    Some(Mapped {
        pipeline: p,
        notes: cx.notes,
    })
}

/// Jenkinsfiles are run by multibranch pipelines in practice: every branch push and every
/// pull request (including fork pull requests, depending on the job's trust settings, which
/// are controller state) builds the file. Neither is declared in the file, so both are
/// assumed; `when { branch .. }` and `changeRequest()` narrow them per stage.
fn default_triggers(at: &Site) -> Vec<Trigger> {
    vec![
        Trigger {
            event: Event::Push,
            name: "branch build (multibranch)".into(),
            release: false,
            site: at.clone(),
        },
        Trigger {
            event: Event::PullRequest,
            name: "pull request build (multibranch)".into(),
            release: false,
            site: at.clone(),
        },
    ]
}

/// A file with no `pipeline {}` block: scripted Groovy. Recorded as not analysed; the shared
/// libraries and the top-level calls are named.
fn scripted(
    path: &str,
    mut cx: Cx<'_>,
    top_calls: Vec<(usize, Call<'_, '_>)>,
    externals: Vec<ExternalRef>,
    variables: Vec<Variable>,
) -> Mapped {
    let whole = Span {
        start: 0,
        end: cx.text.len(),
    };
    let names: Vec<&str> = top_calls.iter().map(|(_, c)| c.name.as_str()).collect();
    let what = if names.is_empty() {
        "scripted pipeline: not analysed".to_owned()
    } else {
        let mut uniq: Vec<&str> = Vec::new();
        for n in names {
            if !uniq.contains(&n) {
                uniq.push(n);
            }
        }
        format!(
            "scripted pipeline: not analysed (calls {})",
            uniq.iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    cx.unanalysed.push(Unanalysed {
        site: site(Route::root(), whole),
        what,
    });
    let first = top_calls.first().map_or(whole, |(_, c)| c.head);
    let route = Route::root().key("scripted");
    let mut job = Job::new("scripted", site(route.clone(), first));
    for (n, call) in &top_calls {
        let r = Route::root().index(*n);
        let mut secrets = Vec::new();
        secrets_in_call(call, &r, &mut secrets);
        for s in secrets {
            add_secret(&mut job.secrets, s);
        }
        job.steps
            .push(other_step(job.steps.len(), &call.name, site(r, call.head)));
    }
    let at = site(Route::root(), first);
    Mapped {
        pipeline: Pipeline {
            triggers: default_triggers(&at),
            externals,
            variables,
            jobs: vec![job],
            unanalysed: cx.unanalysed,
            ..Pipeline::new(Platform::Jenkins, PipelineKind::Pipeline, path)
        },
        notes: cx.notes,
    }
}

/// `'name@ref'`, `['a@1', 'b']` (`@Library`, `library`, `libraries { lib(..) }`).
fn libraries(cx: &Cx<'_>, a: &Arg<'_, '_>, route: &Route, out: &mut Vec<ExternalRef>) {
    for item in a.list() {
        if item.name.is_some_and(|n| n != "value" && n != "identifier") {
            continue;
        }
        let Some(span) = item.span() else { continue };
        let raw = cx.arg_text(&item);
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let (name, reference) = match raw.split_once('@') {
            Some((n, r)) => (n.to_owned(), Some(r.to_owned())),
            None => (raw.to_owned(), None),
        };
        let dynamic = item.str_lit().is_none_or(|(s, _)| s.interpolated);
        out.push(ExternalRef {
            kind: ExternalKind::SharedLibrary,
            pinning: if dynamic {
                Pinning::Dynamic
            } else {
                Pinning::of_git_ref(reference.as_deref())
            },
            site: site(route.key(name.as_str()), span),
            name,
            reference,
            raw: raw.to_owned(),
        });
    }
}

fn declarative(cx: &mut Cx<'_>, p: &mut Pipeline, pcall: &Call<'_, '_>) {
    let body = pcall.closure.unwrap_or_default();
    let root = Route::root();
    let mut scope = Scope {
        route: root.clone(),
        ..Scope::default()
    };
    let mut stages = None;
    let mut post = None;
    for stmt in statements(body) {
        let Some(call) = Call::parse(&stmt) else {
            cx.note(
                &root.key("pipeline"),
                "a statement that is not a directive was skipped",
            );
            continue;
        };
        let r = root.key(call.name.as_str());
        match call.name.as_str() {
            "agent" => {
                let (runner, images) = agent(cx, &call, &r);
                scope.runner = runner;
                // A pipeline-wide image is one reference, however many stages use it.
                p.externals.extend(images);
                secrets_in_call(&call, &r, &mut scope.secrets);
            }
            "environment" => {
                let (vars, secrets) = environment(cx, &call, &r);
                p.variables.extend(vars);
                for s in secrets {
                    add_secret(&mut scope.secrets, s);
                }
            }
            "parameters" => {
                p.variables.extend(parameters(cx, &call, &r));
                p.triggers.push(Trigger {
                    event: Event::Manual,
                    name: "build with parameters".into(),
                    release: false,
                    site: site(r, call.head),
                });
            }
            "triggers" => p.triggers.extend(triggers(cx, &call, &r)),
            "libraries" => {
                for stmt in statements(call.closure.unwrap_or_default()) {
                    if let Some(c) = Call::parse(&stmt)
                        && c.name == "lib"
                        && let Some(a) = c.arg("value")
                    {
                        libraries(cx, a, &r, &mut p.externals);
                    }
                }
            }
            "input" => scope.gate = Some(site(r, call.head)),
            "stages" => stages = Some(call),
            "post" => post = Some(call),
            // Controller-side settings that do not change what runs or where.
            "options" | "tools" => {}
            other => cx.note(
                &r,
                format!("`{other}` is not a pipeline directive; skipped"),
            ),
        }
    }
    let mut jobs = Vec::new();
    match &stages {
        Some(s) => stage_list(cx, &scope, s, &root.key("stages"), &p.triggers, &mut jobs),
        None => cx.note(&root, "no `stages` block"),
    }
    if let Some(post) = post {
        let r = root.key("post");
        let mut job = scope_job(&scope, "post", site(r.clone(), post.head));
        post_block(cx, &mut job, "(pipeline post)", &post, &r);
        if !job.steps.is_empty() {
            jobs.push(job);
        }
    }
    if jobs.is_empty() {
        let mut job = scope_job(&scope, "pipeline", site(root.key("pipeline"), pcall.head));
        job.steps.clear();
        jobs.push(job);
    }
    // Stages inheriting one agent share its image: keep one reference per place it is written.
    let mut seen: Vec<Span> = Vec::new();
    for j in &mut jobs {
        j.images.retain(|i| match i.site.span {
            Some(s) if seen.contains(&s) => false,
            Some(s) => {
                seen.push(s);
                true
            }
            None => true,
        });
    }
    if let Some(at) = cx.tag_sites.first() {
        p.triggers.push(Trigger {
            event: Event::Push,
            name: "tag build".into(),
            release: true,
            site: at.clone(),
        });
    }
    p.jobs = jobs;
}

fn scope_job(scope: &Scope, id: &str, at: Site) -> Job {
    let mut job = Job::new(id, at);
    job.runner = scope.runner.clone();
    job.images = scope.images.clone();
    job.variables = scope.variables.clone();
    job.secrets = scope.secrets.clone();
    job.manual_gate = scope.gate.clone();
    job.triggers = scope.triggers.clone();
    job
}

/// `stages { stage('a') {..} .. }` or `parallel { .. }`.
fn stage_list(
    cx: &mut Cx<'_>,
    scope: &Scope,
    call: &Call<'_, '_>,
    route: &Route,
    base: &[Trigger],
    jobs: &mut Vec<Job>,
) {
    for stmt in statements(call.closure.unwrap_or_default()) {
        match Call::parse(&stmt) {
            Some(c) if c.name == "stage" => stage(cx, scope, &c, route, base, jobs),
            _ => cx.note(route, "a statement that is not a `stage` was skipped"),
        }
    }
}

fn stage(
    cx: &mut Cx<'_>,
    parent: &Scope,
    call: &Call<'_, '_>,
    list_route: &Route,
    base: &[Trigger],
    jobs: &mut Vec<Job>,
) {
    let name = match call.arg("name") {
        Some(a) => cx.arg_text(a),
        None => {
            cx.note(list_route, "a stage without a name was named `stage`");
            "stage".to_owned()
        }
    };
    let route = list_route.key(name.as_str());
    let mut scope = parent.clone();
    scope.id.push(name.clone());
    scope.route = route.clone();
    let body = call.closure.unwrap_or_default();
    stage_body(cx, scope, &name, call.head, body, base, jobs);
}

/// The directives of a stage or a `matrix`.
fn stage_body(
    cx: &mut Cx<'_>,
    mut scope: Scope,
    name: &str,
    head: Span,
    body: &[Tok<'_>],
    base: &[Trigger],
    jobs: &mut Vec<Job>,
) {
    let route = scope.route.clone();
    let mut steps = None;
    let mut post = None;
    let mut children: Vec<(Call<'_, '_>, Route)> = Vec::new();
    let mut matrix = None;
    for stmt in statements(body) {
        let Some(call) = Call::parse(&stmt) else {
            cx.note(&route, "a statement that is not a directive was skipped");
            continue;
        };
        let r = route.key(call.name.as_str());
        if !call.rest.is_empty() {
            cx.note(&r, "code after the directive on its line was skipped");
        }
        match call.name.as_str() {
            "agent" => {
                let (runner, images) = agent(cx, &call, &r);
                scope.runner = runner;
                scope.images = images;
                secrets_in_call(&call, &r, &mut scope.secrets);
            }
            "environment" => {
                let (vars, secrets) = environment(cx, &call, &r);
                scope.variables.extend(vars);
                for s in secrets {
                    add_secret(&mut scope.secrets, s);
                }
            }
            "when" => {
                let own = when(cx, &call, &r, base);
                scope.triggers = match (own, scope.triggers.take()) {
                    (Some(o), Some(p)) => {
                        let both: Vec<Trigger> = o
                            .iter()
                            .filter(|t| p.iter().any(|x| x.event == t.event))
                            .cloned()
                            .collect();
                        Some(if both.is_empty() { o } else { both })
                    }
                    (o, p) => o.or(p),
                };
            }
            "input" => {
                scope.gate = Some(site(r, call.head));
                secrets_in_call(&call, &route, &mut scope.secrets);
            }
            "steps" => steps = Some(call),
            "post" => post = Some(call),
            "stages" | "parallel" => children.push((call, r)),
            "matrix" => matrix = Some(call),
            "options" | "tools" | "failFast" | "axes" | "excludes" => {}
            other => cx.note(&r, format!("`{other}` is not a stage directive; skipped")),
        }
    }
    if let Some(m) = matrix {
        // The matrix's cells run its stages once per axis combination; one job per stage.
        let mut ms = scope.clone();
        ms.route = route.key("matrix");
        stage_body(
            cx,
            ms,
            name,
            head,
            m.closure.unwrap_or_default(),
            base,
            jobs,
        );
    }
    for (c, r) in &children {
        stage_list(cx, &scope, c, r, base, jobs);
    }
    if steps.is_none() && post.is_none() {
        return;
    }
    let id = if children.is_empty() {
        scope.id.join("/")
    } else {
        format!("{}/post", scope.id.join("/"))
    };
    let mut job = scope_job(&scope, &id, site(route.clone(), head));
    if let Some(s) = &steps {
        steps_block(
            cx,
            &mut job,
            name,
            s.closure.unwrap_or_default(),
            &route.key("steps"),
            None,
            false,
        );
    }
    if let Some(p) = &post {
        post_block(cx, &mut job, name, p, &route.key("post"));
    }
    jobs.push(job);
}

fn post_block(cx: &mut Cx<'_>, job: &mut Job, stage: &str, call: &Call<'_, '_>, route: &Route) {
    for stmt in statements(call.closure.unwrap_or_default()) {
        match Call::parse(&stmt) {
            Some(c) if c.closure.is_some() => {
                let r = route.key(c.name.as_str());
                steps_block(
                    cx,
                    job,
                    stage,
                    c.closure.unwrap_or_default(),
                    &r,
                    None,
                    false,
                );
            }
            _ => cx.note(
                route,
                "a statement that is not a post condition was skipped",
            ),
        }
    }
}

fn add_secret(out: &mut Vec<SecretRef>, s: SecretRef) {
    if !out.iter().any(|x| x.name == s.name) {
        out.push(s);
    }
}

fn other_step(index: usize, kind: &str, at: Site) -> Step {
    Step {
        index,
        id: None,
        name: None,
        site: at,
        action: StepAction::Other(kind.to_owned()),
        variables: Vec::new(),
        condition: None,
        continue_on_error: None,
        tools: Vec::new(),
    }
}

/// The statements of `steps {}` (or a post condition, or a wrapper's closure).
fn steps_block(
    cx: &mut Cx<'_>,
    job: &mut Job,
    stage: &str,
    toks: &[Tok<'_>],
    route: &Route,
    coe: Option<&Site>,
    in_script: bool,
) {
    for (n, stmt) in statements(toks).iter().enumerate() {
        let r = route.index(n);
        let mut secrets = Vec::new();
        secrets_in(stmt, &r, &mut secrets);
        for s in secrets {
            add_secret(&mut job.secrets, s);
        }
        let Some(call) = Call::parse(stmt) else {
            if !in_script {
                cx.note(
                    &r,
                    "Groovy code outside `script {}`: searched for shell steps only",
                );
            }
            scan_code(cx, job, stmt, &r, coe);
            continue;
        };
        let short = call.name.as_str();
        match short {
            s if SHELLS.contains(&s) => {
                let step = run_step(cx, job.steps.len(), &call, r, coe);
                job.steps.push(step);
            }
            "input" => {
                job.manual_gate
                    .get_or_insert_with(|| site(r.clone(), call.head));
                job.steps
                    .push(other_step(job.steps.len(), "input", site(r, call.head)));
            }
            "script" => {
                cx.unanalysed.push(Unanalysed {
                    site: site(r.clone(), call.head),
                    what: format!("script block in stage '{stage}'"),
                });
                let inner: Vec<&Tok<'_>> = call.closure.unwrap_or_default().iter().collect();
                scan_code(cx, job, &inner, &r, coe);
            }
            "withCredentials" => {
                credential_bindings(cx, job, &call, &r);
                if let Some(c) = call.closure {
                    steps_block(cx, job, stage, c, &r.key("steps"), coe, in_script);
                }
            }
            "catchError" | "warnError" => {
                // `catchError` without `buildResult` fails the build (it only goes on with
                // the next steps); with SUCCESS / UNSTABLE, and `warnError` (UNSTABLE), a
                // failure no longer fails the build.
                let ignores = short == "warnError"
                    || call.named("buildResult").is_some_and(|a| {
                        let v = cx.arg_text(a);
                        v != "FAILURE"
                    });
                let here = site(r.clone(), call.head);
                let inner_coe = if ignores { Some(&here) } else { coe };
                if let Some(c) = call.closure {
                    steps_block(cx, job, stage, c, &r.key("steps"), inner_coe, in_script);
                }
            }
            _ if call.closure.is_some() => {
                if let Some(c) = call.closure {
                    steps_block(cx, job, stage, c, &r.key("steps"), coe, in_script);
                }
            }
            name => {
                if cx.functions.iter().any(|f| f == name) {
                    cx.unanalysed.push(Unanalysed {
                        site: site(r.clone(), call.head),
                        what: format!(
                            "method `{name}` defined in the Jenkinsfile, called in stage '{stage}'"
                        ),
                    });
                }
                if name == "docker.image"
                    && let Some((s, span)) = call.positional(0).and_then(|a| a.str_lit())
                {
                    job.images
                        .push(image_ref(&s.value, site(r.key("image"), span)));
                }
                job.steps
                    .push(other_step(job.steps.len(), name, site(r, call.head)));
            }
        }
    }
}

/// `sh 'x'`, `sh(script: 'x', returnStatus: true, label: 'y')`.
fn run_step(cx: &Cx<'_>, index: usize, call: &Call<'_, '_>, r: Route, coe: Option<&Site>) -> Step {
    let shell = call
        .name
        .rsplit('.')
        .next()
        .unwrap_or(&call.name)
        .to_owned();
    let (action, tools) = match call.arg("script").and_then(|a| a.str_lit()) {
        Some((s, span)) => (
            StepAction::Run {
                script: s.value.clone(),
                shell: Some(shell),
                site: site(r.key("script"), span),
            },
            classify_script(&s.value),
        ),
        None => (
            StepAction::Other(format!("{shell} (script computed at run time)")),
            Vec::new(),
        ),
    };
    // `returnStatus: true` hands the exit status to the script instead of failing the step.
    let status = call
        .named("returnStatus")
        .filter(|a| a.word() == Some("true"))
        .and_then(|a| a.span())
        .map(|s| site(r.key("returnStatus"), s));
    Step {
        index,
        id: None,
        name: call.named("label").map(|a| cx.arg_text(a)),
        site: site(r, call.head),
        action,
        variables: Vec::new(),
        condition: None,
        continue_on_error: status.or_else(|| coe.cloned()),
        tools,
    }
}

/// Groovy code (a `script {}` block, an `if`): the shell steps, images and approvals in it
/// that can be recognised, wherever they are nested. The code itself is not analysed.
fn scan_code(cx: &mut Cx<'_>, job: &mut Job, toks: &[&Tok<'_>], r: &Route, coe: Option<&Site>) {
    let mut found = 0usize;
    scan_tokens(cx, job, toks, r, coe, &mut found);
}

fn scan_tokens(
    cx: &mut Cx<'_>,
    job: &mut Job,
    toks: &[&Tok<'_>],
    r: &Route,
    coe: Option<&Site>,
    found: &mut usize,
) {
    for stmt in split_stmts(toks) {
        if let Some(call) = Call::parse(&stmt)
            && SHELLS.contains(&call.name.as_str())
        {
            let step = run_step(
                cx,
                job.steps.len(),
                &call,
                r.key("script").index(*found),
                coe,
            );
            *found += 1;
            job.steps.push(step);
            continue;
        }
        for (k, t) in stmt.iter().enumerate() {
            let prev_dot = k > 0 && (stmt[k - 1].is_punct(".") || stmt[k - 1].is_punct("?."));
            let next = stmt.get(k + 1);
            match (&t.kind, next) {
                (TokKind::Word(w), Some(n))
                    if SHELLS.contains(w) && !prev_dot && n.group(Delim::Paren).is_some() =>
                {
                    if let Some(call) = Call::parse(&stmt[k..k + 2]) {
                        let step = run_step(
                            cx,
                            job.steps.len(),
                            &call,
                            r.key("script").index(*found),
                            coe,
                        );
                        *found += 1;
                        job.steps.push(step);
                    }
                }
                (TokKind::Word("image"), Some(n))
                    if prev_dot && k >= 2 && stmt[k - 2].word() == Some("docker") =>
                {
                    if let Some(items) = n.group(Delim::Paren)
                        && let [arg] = items
                        && let Some(s) = arg.str_lit()
                    {
                        job.images
                            .push(image_ref(&s.value, site(r.key("image"), arg.span)));
                    }
                }
                (TokKind::Word("input"), Some(n))
                    if !prev_dot && (n.group(Delim::Paren).is_some() || n.word().is_some()) =>
                {
                    job.manual_gate.get_or_insert_with(|| {
                        site(
                            r.clone(),
                            Span {
                                start: t.span.start,
                                end: n.span.end,
                            },
                        )
                    });
                }
                (TokKind::Group(_, inner), _) => {
                    let inner: Vec<&Tok<'_>> = inner.iter().collect();
                    scan_tokens(cx, job, &inner, r, coe, found);
                }
                _ => {}
            }
        }
    }
}

/// [`statements`] over borrowed tokens.
fn split_stmts<'t, 'a>(toks: &[&'t Tok<'a>]) -> Vec<Stmt<'t, 'a>> {
    let mut out: Vec<Stmt<'t, 'a>> = Vec::new();
    let mut cur: Stmt<'t, 'a> = Vec::new();
    for t in toks {
        if t.kind == TokKind::Newline || t.is_punct(";") {
            if !cur.is_empty() {
                // Continuation lines are rare in script blocks; a statement split too early
                // only loses the reading of a command expression, not its scan.
                out.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(t);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Secrets referenced by credential id anywhere in a statement: `credentialsId: 'x'`,
/// `registryCredentialsId 'x'`, `credentials('x')`, `credentials: ['x']`, `sshagent(['x'])`,
/// `docker.withRegistry(url, 'x')`.
fn secrets_in(toks: &[&Tok<'_>], r: &Route, out: &mut Vec<SecretRef>) {
    let push = |t: &Tok<'_>, out: &mut Vec<SecretRef>| {
        let mut strings = Vec::new();
        collect_strings(t, &mut strings);
        for (v, span) in strings {
            add_secret(
                out,
                SecretRef {
                    name: v,
                    site: site(r.clone(), span),
                },
            );
        }
    };
    for (k, t) in toks.iter().enumerate() {
        let next = toks.get(k + 1).copied();
        let after_colon = if next.is_some_and(|n| n.is_punct(":")) {
            toks.get(k + 2).copied()
        } else {
            None
        };
        if let Some(w) = t.word() {
            let prev_dot = k > 0 && toks[k - 1].is_punct(".");
            let cred = w.ends_with("redentialsId") || w == "credentials";
            if cred {
                match (after_colon, next) {
                    (Some(v), _) => push(v, out),
                    (None, Some(n)) if n.str_lit().is_some() || n.group(Delim::Paren).is_some() => {
                        push(n, out)
                    }
                    _ => {}
                }
            } else if w == "sshagent"
                && let Some(n) = next
                && after_colon.is_none()
            {
                if let Some(inner) = n.group(Delim::Paren) {
                    // `sshagent(['a'])`; the named form is caught as `credentials:`.
                    if let Some(first) = inner.first()
                        && first.group(Delim::Bracket).is_some()
                    {
                        push(first, out);
                    }
                } else if n.group(Delim::Bracket).is_some() {
                    push(n, out);
                }
            } else if w == "withRegistry"
                && prev_dot
                && let Some(inner) = next.and_then(|n| n.group(Delim::Paren))
            {
                let args = crate::syntax::split_args(&inner.iter().collect::<Vec<_>>());
                if let Some(a) = args.get(1)
                    && let [v] = a.value.as_slice()
                {
                    push(v, out);
                }
            }
        }
        if let TokKind::Group(_, inner) = &t.kind {
            let inner: Vec<&Tok<'_>> = inner.iter().collect();
            secrets_in(&inner, r, out);
        }
    }
}

fn secrets_in_call(call: &Call<'_, '_>, r: &Route, out: &mut Vec<SecretRef>) {
    for a in &call.args {
        if let Some(name) = a.name
            && (name.ends_with("redentialsId") || name == "credentials")
        {
            for v in &a.value {
                let mut strings = Vec::new();
                collect_strings(v, &mut strings);
                for (s, span) in strings {
                    add_secret(
                        out,
                        SecretRef {
                            name: s,
                            site: site(r.clone(), span),
                        },
                    );
                }
            }
        }
        secrets_in(&a.value, r, out);
    }
    if let Some(c) = call.closure {
        let inner: Vec<&Tok<'_>> = c.iter().collect();
        secrets_in(&inner, r, out);
    }
}

/// Literal, non-interpolated strings in a token (a string, or the strings in a group).
fn collect_strings(t: &Tok<'_>, out: &mut Vec<(String, Span)>) {
    match &t.kind {
        TokKind::Str(s) if !s.value.trim().is_empty() => {
            out.push((s.value.trim().to_owned(), t.span));
        }
        TokKind::Group(_, inner) => {
            for i in inner {
                collect_strings(i, out);
            }
        }
        _ => {}
    }
}

/// `withCredentials([string(credentialsId: 'x', variable: 'T'), ..])`: the variables bound.
fn credential_bindings(cx: &Cx<'_>, job: &mut Job, call: &Call<'_, '_>, r: &Route) {
    let Some(list) = call.positional(0) else {
        return;
    };
    for binding in list.list() {
        let args = match (binding.call(), binding.value.as_slice()) {
            (Some(c), _) => c.args,
            (None, [t]) => match t.group(Delim::Bracket) {
                Some(inner) => crate::syntax::split_args(&inner.iter().collect::<Vec<_>>()),
                None => continue,
            },
            _ => continue,
        };
        let id = args
            .iter()
            .find(|a| a.name == Some("credentialsId"))
            .map(|a| cx.arg_text(a))
            .unwrap_or_default();
        for a in &args {
            let Some(n) = a.name else { continue };
            if (n == "variable" || n.ends_with("Variable"))
                && let Some((v, span)) = a.str_lit()
            {
                job.variables.push(Variable {
                    name: v.value.clone(),
                    // Bound at run time: written as an expression, so no check takes the
                    // binding for a literal value.
                    value: format!("${{credentials('{id}')}}"),
                    site: site(r.key("withCredentials").key(v.value.as_str()), span),
                });
            }
        }
    }
}

/// `environment { NAME = 'v'; TOKEN = credentials('id') }`.
fn environment(
    cx: &mut Cx<'_>,
    call: &Call<'_, '_>,
    route: &Route,
) -> (Vec<Variable>, Vec<SecretRef>) {
    let mut vars = Vec::new();
    let mut secrets = Vec::new();
    for stmt in statements(call.closure.unwrap_or_default()) {
        let Some((name, value)) = assignment(&stmt) else {
            cx.note(route, "a statement that is not `NAME = value` was skipped");
            continue;
        };
        let Some(n) = name.word() else { continue };
        let Some(span) = span_of(&value) else {
            continue;
        };
        let r = route.key(n);
        let value_text = match (value.as_slice(), Call::parse(&value)) {
            ([t], _) if t.str_lit().is_some() => {
                t.str_lit().map(|s| s.value.clone()).unwrap_or_default()
            }
            (_, Some(c)) if c.name == "credentials" => {
                let id = c.arg("id").map(|a| cx.arg_text(a)).unwrap_or_default();
                secrets.push(SecretRef {
                    name: id.clone(),
                    site: site(r.clone(), span),
                });
                format!("${{credentials('{id}')}}")
            }
            // Computed at run time (`"${tool 'x'}"`, `sh(..)`): written as an expression.
            _ => format!("${{{}}}", cx.raw(span)),
        };
        vars.push(Variable {
            name: n.to_owned(),
            value: value_text,
            site: site(r, span),
        });
    }
    (vars, secrets)
}

/// `parameters { string(name: 'X', defaultValue: 'y') .. }`: variables with their defaults.
fn parameters(cx: &mut Cx<'_>, call: &Call<'_, '_>, route: &Route) -> Vec<Variable> {
    let mut out = Vec::new();
    for stmt in statements(call.closure.unwrap_or_default()) {
        let Some(c) = Call::parse(&stmt) else {
            continue;
        };
        let Some(name) = c.named("name").map(|a| cx.arg_text(a)) else {
            continue;
        };
        let value = c
            .named("defaultValue")
            .map(|a| cx.arg_text(a))
            .unwrap_or_default();
        out.push(Variable {
            site: site(route.key(name.as_str()), c.span),
            name,
            value,
        });
    }
    out
}

/// `triggers { cron('H * * * *'); pollSCM('..'); upstream(..) }`.
fn triggers(cx: &mut Cx<'_>, call: &Call<'_, '_>, route: &Route) -> Vec<Trigger> {
    let mut out = Vec::new();
    for stmt in statements(call.closure.unwrap_or_default()) {
        let Some(c) = Call::parse(&stmt) else {
            cx.note(route, "a trigger that is not a call was skipped");
            continue;
        };
        let event = match c.name.as_str() {
            "cron" | "parameterizedCron" => Event::Schedule,
            // Polling builds whatever was pushed.
            "pollSCM" | "githubPush" | "bitbucketPush" => Event::Push,
            // GitHub pull-request comment trigger: anybody who can comment starts a build.
            "issueCommentTrigger" => Event::Comment,
            other => Event::Other(other.to_owned()),
        };
        out.push(Trigger {
            event,
            name: c.name.clone(),
            release: false,
            site: site(route.key(c.name.as_str()), c.head),
        });
    }
    out
}

/// A `when {}` condition, as far as it decides which builds run the stage.
enum Cond {
    /// `branch 'main'`: branch builds only (a pull-request build's branch is `PR-n`).
    Branch,
    /// `changeRequest()` (or `branch 'PR-*'`).
    ChangeRequest,
    /// `buildingTag()` / `tag 'v*'`.
    Tag,
    Not(Box<Cond>),
    Any(Vec<Cond>),
    All(Vec<Cond>),
    /// `triggeredBy 'TimerTrigger'` and the like.
    Only(Event),
    /// Anything else (`expression`, `environment`, `changeset`): no limit that can be read.
    Other,
}

fn cond(cx: &Cx<'_>, stmt: &[&Tok<'_>]) -> Option<Cond> {
    let c = Call::parse(stmt)?;
    let inner = |c: &Call<'_, '_>| -> Vec<Cond> {
        statements(c.closure.unwrap_or_default())
            .iter()
            .filter_map(|s| cond(cx, s))
            .collect()
    };
    Some(match c.name.as_str() {
        "beforeAgent" | "beforeInput" | "beforeOptions" => return None,
        "branch" => match c.arg("pattern").map(|a| cx.arg_text(a)) {
            Some(p) if p.starts_with("PR-") => Cond::ChangeRequest,
            _ => Cond::Branch,
        },
        "changeRequest" => Cond::ChangeRequest,
        "buildingTag" | "tag" => Cond::Tag,
        "not" => Cond::Not(Box::new(
            inner(&c).into_iter().next().unwrap_or(Cond::Other),
        )),
        "anyOf" => Cond::Any(inner(&c)),
        "allOf" => Cond::All(inner(&c)),
        "triggeredBy" => {
            let cause = c.arg("cause").map(|a| cx.arg_text(a)).unwrap_or_default();
            if cause.contains("Timer") {
                Cond::Only(Event::Schedule)
            } else if cause.contains("UserId") {
                Cond::Only(Event::Manual)
            } else {
                Cond::Other
            }
        }
        _ => Cond::Other,
    })
}

/// The triggers a condition leaves, out of the pipeline's (`None`: not limited).
fn restrict(c: &Cond, base: &[Trigger], at: &Site) -> Option<Vec<Trigger>> {
    let without_pr = || -> Vec<Trigger> {
        base.iter()
            .filter(|t| !t.event.untrusted())
            .cloned()
            .collect()
    };
    match c {
        Cond::Branch => Some(without_pr()),
        Cond::ChangeRequest => Some(vec![Trigger {
            event: Event::PullRequest,
            name: "changeRequest".into(),
            release: false,
            site: at.clone(),
        }]),
        Cond::Tag => Some(vec![Trigger {
            event: Event::Push,
            name: "tag".into(),
            release: true,
            site: at.clone(),
        }]),
        Cond::Only(e) => Some(vec![Trigger {
            event: e.clone(),
            name: e.name().to_owned(),
            release: false,
            site: at.clone(),
        }]),
        Cond::Not(inner) => match inner.as_ref() {
            Cond::ChangeRequest => Some(without_pr()),
            _ => None,
        },
        Cond::Any(list) => {
            let mut out: Vec<Trigger> = Vec::new();
            for c in list {
                for t in restrict(c, base, at)? {
                    if !out
                        .iter()
                        .any(|x| x.event == t.event && x.release == t.release)
                    {
                        out.push(t);
                    }
                }
            }
            Some(out)
        }
        // The first condition that limits the triggers stands for all of them: a conjunction
        // can only narrow it further.
        Cond::All(list) => list.iter().find_map(|c| restrict(c, base, at)),
        Cond::Other => None,
    }
}

fn mentions_tag(c: &Cond) -> bool {
    match c {
        Cond::Tag => true,
        Cond::Any(l) | Cond::All(l) => l.iter().any(mentions_tag),
        _ => false,
    }
}

fn when(cx: &mut Cx<'_>, call: &Call<'_, '_>, r: &Route, base: &[Trigger]) -> Option<Vec<Trigger>> {
    let at = site(r.clone(), call.head);
    let conds: Vec<Cond> = statements(call.closure.unwrap_or_default())
        .iter()
        .filter_map(|s| cond(cx, s))
        .collect();
    if conds.iter().any(mentions_tag) {
        cx.tag_sites.push(at.clone());
    }
    // Several conditions in one `when` must all hold.
    restrict(&Cond::All(conds), base, &at)
}

/// `agent any | none | { label .. } | { docker .. } | { dockerfile .. } | { kubernetes .. }`.
/// Jenkins agents are the organisation's own machines (or its own cluster), so every agent
/// is self-hosted.
fn agent(cx: &mut Cx<'_>, call: &Call<'_, '_>, r: &Route) -> (Option<Runner>, Vec<ExternalRef>) {
    let at = site(r.clone(), call.head);
    let runner = |labels: Vec<String>| {
        Some(Runner {
            kind: RunnerKind::SelfHosted,
            labels,
            site: at.clone(),
        })
    };
    if let Some(w) = call.positional(0).and_then(|a| a.word()) {
        return match w {
            "none" => (None, Vec::new()),
            "any" => (runner(vec!["any".into()]), Vec::new()),
            other => {
                cx.note(r, format!("agent `{other}` not recognised"));
                (
                    Some(Runner {
                        kind: RunnerKind::Unknown,
                        labels: vec![other.to_owned()],
                        site: at.clone(),
                    }),
                    Vec::new(),
                )
            }
        };
    }
    if let Some(l) = call.named("label") {
        return (runner(vec![cx.arg_text(l)]), Vec::new());
    }
    let mut labels = Vec::new();
    let mut images = Vec::new();
    for stmt in statements(call.closure.unwrap_or_default()) {
        let Some(c) = Call::parse(&stmt) else {
            continue;
        };
        let cr = r.key(c.name.as_str());
        match c.name.as_str() {
            "label" => labels.extend(c.positional(0).map(|a| cx.arg_text(a))),
            "node" => {
                labels.extend(c.arg("label").map(|a| cx.arg_text(a)));
                for s in statements(c.closure.unwrap_or_default()) {
                    if let Some(l) = Call::parse(&s).filter(|l| l.name == "label") {
                        labels.extend(l.positional(0).map(|a| cx.arg_text(a)));
                    }
                }
            }
            "docker" | "dockerfile" | "kubernetes" => {
                labels.push(c.name.clone());
                if let Some((s, span)) = c.positional(0).and_then(|a| a.str_lit())
                    && c.name == "docker"
                {
                    images.push(image_ref(&s.value, site(cr.key("image"), span)));
                }
                for a in c.args.iter().filter(|a| a.name == Some("image")) {
                    if let Some((s, span)) = a.str_lit() {
                        images.push(image_ref(&s.value, site(cr.key("image"), span)));
                    }
                }
                for s in statements(c.closure.unwrap_or_default()) {
                    let Some(d) = Call::parse(&s) else { continue };
                    let dr = cr.key(d.name.as_str());
                    match d.name.as_str() {
                        "image" => {
                            if let Some((v, span)) = d.positional(0).and_then(|a| a.str_lit()) {
                                images.push(image_ref(&v.value, site(dr, span)));
                            }
                        }
                        "label" | "inheritFrom" => {
                            labels.extend(d.positional(0).map(|a| cx.arg_text(a)))
                        }
                        "yaml" => {
                            if let Some((v, span)) = d.positional(0).and_then(|a| a.str_lit()) {
                                pod_images(cx, &v.value, span, &dr, &mut images);
                            }
                        }
                        "yamlFile" => cx.note(
                            &dr,
                            "the pod template is in another file; its images are not examined",
                        ),
                        "containerTemplate" => {
                            if let Some(a) = d.named("image")
                                && let Some((v, span)) = a.str_lit()
                            {
                                images.push(image_ref(&v.value, site(dr, span)));
                            }
                        }
                        _ => {}
                    }
                }
            }
            other => {
                cx.note(&cr, format!("agent type `{other}` not recognised"));
                return (
                    Some(Runner {
                        kind: RunnerKind::Unknown,
                        labels: vec![other.to_owned()],
                        site: at.clone(),
                    }),
                    images,
                );
            }
        }
    }
    let mut uniq: Vec<String> = Vec::new();
    for l in labels {
        if !uniq.contains(&l) {
            uniq.push(l);
        }
    }
    (runner(uniq), images)
}

/// `image:` lines of an inline Kubernetes pod template.
fn pod_images(cx: &Cx<'_>, yaml: &str, span: Span, r: &Route, out: &mut Vec<ExternalRef>) {
    let raw = cx.raw(span);
    let mut from = 0;
    for line in yaml.lines() {
        let l = line.trim().trim_start_matches("- ").trim();
        let Some(v) = l.strip_prefix("image:") else {
            continue;
        };
        // A YAML comment after the value is not part of it.
        let v = v.split(" #").next().unwrap_or(v);
        let v = v.trim().trim_matches(['"', '\'']);
        if v.is_empty() {
            continue;
        }
        let at = match raw.get(from..).and_then(|s| s.find(v)) {
            Some(i) => {
                from += i + v.len();
                Span {
                    start: span.start + from - v.len(),
                    end: span.start + from,
                }
            }
            None => span,
        };
        out.push(image_ref(v, site(r.key("image"), at)));
    }
}

fn image_ref(raw: &str, at: Site) -> ExternalRef {
    let raw = raw.trim();
    let (name, reference) = match raw.split_once('@') {
        Some((n, d)) => (n.to_owned(), Some(d.to_owned())),
        None => match image_tag(raw) {
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
        site: at,
    }
}
