//! GitLab `rules:` / `only:` / `except:` / `workflow:rules` → the events a job or pipeline
//! runs for.
//!
//! Conditions are evaluated per pipeline source with three-valued logic: a comparison that
//! depends on something only known at run time (a branch name, a project variable) is
//! `Maybe`, and a job that *may* run for an event is taken to run for it. Nothing here decides
//! that a job is safe because a condition might exclude it.

use annexa_model::pipeline::{Event, Trigger};
use yaml_serde::Value;

/// The kinds of pipeline GitLab creates, as annexa distinguishes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Source {
    /// A push to a branch.
    Push,
    /// A push of a tag.
    Tag,
    MergeRequest,
    ExternalPullRequest,
    Schedule,
    Web,
    Api,
    Trigger,
    Pipeline,
    ParentPipeline,
}

impl Source {
    pub(crate) const ALL: [Source; 10] = [
        Source::Push,
        Source::Tag,
        Source::MergeRequest,
        Source::ExternalPullRequest,
        Source::Schedule,
        Source::Web,
        Source::Api,
        Source::Trigger,
        Source::Pipeline,
        Source::ParentPipeline,
    ];

    /// GitLab's `CI_PIPELINE_SOURCE` value.
    fn ci_source(self) -> &'static str {
        match self {
            Source::Push | Source::Tag => "push",
            Source::MergeRequest => "merge_request_event",
            Source::ExternalPullRequest => "external_pull_request_event",
            Source::Schedule => "schedule",
            Source::Web => "web",
            Source::Api => "api",
            Source::Trigger => "trigger",
            Source::Pipeline => "pipeline",
            Source::ParentPipeline => "parent_pipeline",
        }
    }

    /// Whether a predefined variable is set (non-empty) in pipelines of this source; `None`
    /// for variables annexa does not model.
    fn has(self, var: &str) -> Option<bool> {
        let branch = !matches!(
            self,
            Source::Tag | Source::MergeRequest | Source::ExternalPullRequest
        );
        Some(match var {
            "CI_COMMIT_TAG" | "CI_COMMIT_TAG_MESSAGE" => self == Source::Tag,
            "CI_COMMIT_BRANCH" => branch,
            "CI_PIPELINE_SOURCE"
            | "CI_COMMIT_REF_NAME"
            | "CI_COMMIT_SHA"
            | "CI_DEFAULT_BRANCH"
            | "CI_PROJECT_PATH"
            | "CI_PROJECT_NAMESPACE"
            | "CI_COMMIT_REF_SLUG" => true,
            v if v.starts_with("CI_MERGE_REQUEST_") => self == Source::MergeRequest,
            v if v.starts_with("CI_EXTERNAL_PULL_REQUEST_") => self == Source::ExternalPullRequest,
            _ => return None,
        })
    }

    pub(crate) fn trigger(self) -> (Event, &'static str, bool) {
        match self {
            Source::Push => (Event::Push, "push", false),
            Source::Tag => (Event::Push, "tag push", true),
            Source::MergeRequest => (Event::PullRequest, "merge_request_event", false),
            Source::ExternalPullRequest => {
                (Event::PullRequest, "external_pull_request_event", false)
            }
            Source::Schedule => (Event::Schedule, "schedule", false),
            Source::Web => (Event::Manual, "web", false),
            Source::Api => (Event::Other("api".into()), "api", false),
            Source::Trigger => (Event::Other("trigger".into()), "trigger", false),
            Source::Pipeline => (Event::Other("pipeline".into()), "pipeline", false),
            Source::ParentPipeline => (Event::Call, "parent_pipeline", false),
        }
    }
}

/// The pipelines GitLab creates when there are no `workflow:rules`: branch and tag pipelines
/// and the sources that run on branches; merge-request pipelines only when some job's rules
/// ask for them.
pub(crate) fn default_sources(merge_requests: bool) -> Vec<Source> {
    let mut v = vec![
        Source::Push,
        Source::Tag,
        Source::Schedule,
        Source::Web,
        Source::Api,
        Source::Trigger,
        Source::Pipeline,
        Source::ParentPipeline,
    ];
    if merge_requests {
        v.push(Source::MergeRequest);
    }
    v.sort();
    v
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tri {
    True,
    False,
    Maybe,
}

impl Tri {
    fn and(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, Tri::True) => Tri::True,
            _ => Tri::Maybe,
        }
    }
    fn or(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, Tri::False) => Tri::False,
            _ => Tri::Maybe,
        }
    }
    fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Maybe => Tri::Maybe,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Var(String),
    Str(String),
    Regex,
    Null,
    Op(&'static str),
    Open,
    Close,
}

fn lex(s: &str) -> Option<Vec<Tok>> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'$' {
            i += 1;
            let braced = b.get(i) == Some(&b'{');
            if braced {
                i += 1;
            }
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Var(s[start..i].to_owned()));
            if braced && b.get(i) == Some(&b'}') {
                i += 1;
            }
        } else if c == b'"' || c == b'\'' {
            let start = i + 1;
            i += 1;
            while i < b.len() && b[i] != c {
                i += 1;
            }
            out.push(Tok::Str(s.get(start..i)?.to_owned()));
            i += 1;
        } else if c == b'/' {
            i += 1;
            while i < b.len() && b[i] != b'/' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            out.push(Tok::Regex);
        } else if c == b'(' {
            out.push(Tok::Open);
            i += 1;
        } else if c == b')' {
            out.push(Tok::Close);
            i += 1;
        } else {
            let rest = &s[i..];
            let op = ["==", "!=", "=~", "!~", "&&", "||"]
                .into_iter()
                .find(|o| rest.starts_with(o));
            if let Some(op) = op {
                out.push(Tok::Op(op));
                i += 2;
            } else if rest.starts_with("null") {
                out.push(Tok::Null);
                i += 4;
            } else {
                return None;
            }
        }
    }
    Some(out)
}

struct Eval<'t> {
    toks: &'t [Tok],
    pos: usize,
    src: Source,
    /// Open parentheses, bounded so a hostile expression cannot exhaust the stack.
    depth: usize,
}

impl Eval<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn or(&mut self) -> Option<Tri> {
        let mut v = self.and()?;
        while self.peek() == Some(&Tok::Op("||")) {
            self.pos += 1;
            v = v.or(self.and()?);
        }
        Some(v)
    }
    fn and(&mut self) -> Option<Tri> {
        let mut v = self.atom()?;
        while self.peek() == Some(&Tok::Op("&&")) {
            self.pos += 1;
            v = v.and(self.atom()?);
        }
        Some(v)
    }
    fn atom(&mut self) -> Option<Tri> {
        match self.next()? {
            Tok::Open => {
                self.depth += 1;
                if self.depth > 64 {
                    return None;
                }
                let v = self.or()?;
                self.depth -= 1;
                (self.next()? == Tok::Close).then_some(v)
            }
            Tok::Var(name) => {
                let set = self.src.has(&name);
                let op = match self.peek() {
                    Some(Tok::Op(op)) if !matches!(*op, "&&" | "||") => *op,
                    _ => return Some(set.map_or(Tri::Maybe, tri)),
                };
                self.pos += 1;
                let rhs = self.next()?;
                let positive = matches!(op, "==" | "=~");
                let v = match rhs {
                    Tok::Null => match set {
                        Some(s) => tri(!s),
                        None => Tri::Maybe,
                    },
                    Tok::Str(value) if name == "CI_PIPELINE_SOURCE" => {
                        tri(value == self.src.ci_source())
                    }
                    Tok::Str(_) | Tok::Regex | Tok::Var(_) => match set {
                        // An unset variable equals nothing and matches no pattern.
                        Some(false) => Tri::False,
                        _ => Tri::Maybe,
                    },
                    _ => return None,
                };
                Some(if positive { v } else { v.not() })
            }
            Tok::Str(_) => Some(Tri::Maybe),
            _ => None,
        }
    }
}

fn tri(b: bool) -> Tri {
    if b { Tri::True } else { Tri::False }
}

/// Evaluate a rule `if:` expression for one pipeline source; unparsable expressions are
/// `Maybe`.
pub(crate) fn eval(expr: &str, src: Source) -> Tri {
    let Some(toks) = lex(expr) else {
        return Tri::Maybe;
    };
    let mut e = Eval {
        toks: &toks,
        pos: 0,
        src,
        depth: 0,
    };
    match e.or() {
        Some(v) if e.pos == toks.len() => v,
        _ => Tri::Maybe,
    }
}

/// What a list of rules decides for one source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Does not run.
    No,
    /// Runs (or may run) automatically.
    Runs,
    /// Runs only when started by hand (`when: manual`) or is delayed.
    Manual,
}

/// Decide a `rules:` list for one source. The first rule that matches wins; a rule that may
/// match and runs the job makes the job run, one that may match and says `when: never` is
/// passed over (the job may still run).
pub(crate) fn decide(rules: &[Value], src: Source, default_when: &str) -> Decision {
    let mut maybe_manual = false;
    for rule in rules {
        let Value::Mapping(m) = rule else {
            // A `!reference` that could not be expanded: anything may happen.
            return Decision::Runs;
        };
        let cond = match m.get("if").and_then(Value::as_str) {
            Some(e) => eval(e, src),
            None => Tri::True,
        };
        // `changes:` / `exists:` narrow a rule by file contents: the rule may not match.
        let cond = if m.contains_key("changes") || m.contains_key("exists") {
            cond.and(Tri::Maybe)
        } else {
            cond
        };
        let when = m
            .get("when")
            .and_then(Value::as_str)
            .unwrap_or(default_when);
        match (cond, when) {
            (Tri::False, _) => continue,
            (Tri::True, "never") => return manual_or(maybe_manual, Decision::No),
            (Tri::Maybe, "never") => continue,
            (Tri::True, "manual") => return Decision::Manual,
            // A rule that may match and waits for a person: the job may instead fall through
            // to a later rule that runs it automatically, so keep looking.
            (Tri::Maybe, "manual") => maybe_manual = true,
            _ => return Decision::Runs,
        }
    }
    manual_or(maybe_manual, Decision::No)
}

fn manual_or(maybe_manual: bool, otherwise: Decision) -> Decision {
    if maybe_manual {
        Decision::Manual
    } else {
        otherwise
    }
}

/// Which sources an `only:` / `except:` value names.
pub(crate) fn ref_sources(v: &Value) -> (Vec<Source>, bool) {
    let items: Vec<&str> = match v {
        Value::String(s) => vec![s.as_str()],
        Value::Sequence(s) => s.iter().filter_map(Value::as_str).collect(),
        Value::Mapping(m) => match m.get("refs") {
            Some(r) => return ref_sources(r),
            // `variables:` / `changes:` only: GitLab's default refs (branches and tags),
            // narrowed by conditions annexa takes as "may match"; as `except:`, it removes
            // nothing for certain.
            None => {
                return (
                    default_sources(false)
                        .into_iter()
                        .filter(|s| *s != Source::ParentPipeline)
                        .collect(),
                    true,
                );
            }
        },
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    let mut branch_names = false;
    for it in items {
        match it {
            "branches" | "pushes" => out.push(Source::Push),
            "tags" => out.push(Source::Tag),
            "merge_requests" => out.push(Source::MergeRequest),
            "external_pull_requests" => out.push(Source::ExternalPullRequest),
            "schedules" => out.push(Source::Schedule),
            "web" => out.push(Source::Web),
            "api" => out.push(Source::Api),
            "triggers" => out.push(Source::Trigger),
            "pipelines" => out.push(Source::Pipeline),
            _ => branch_names = true,
        }
    }
    if branch_names {
        // A ref name or pattern: branch pipelines of any source that runs on branches, and
        // tag pipelines (a pattern can match tag names too).
        out.extend([
            Source::Push,
            Source::Tag,
            Source::Schedule,
            Source::Web,
            Source::Api,
            Source::Trigger,
        ]);
    }
    out.sort();
    out.dedup();
    (out, branch_names)
}

/// Turn sources into model triggers (site filled in by the caller).
pub(crate) fn triggers(sources: &[Source], site: &annexa_model::pipeline::Site) -> Vec<Trigger> {
    sources
        .iter()
        .map(|s| {
            let (event, name, release) = s.trigger();
            Trigger {
                event,
                name: name.to_owned(),
                release,
                site: site.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions() {
        let mr = r#"$CI_PIPELINE_SOURCE == "merge_request_event""#;
        assert_eq!(eval(mr, Source::MergeRequest), Tri::True);
        assert_eq!(eval(mr, Source::Push), Tri::False);
        assert_eq!(eval("$CI_COMMIT_TAG", Source::Tag), Tri::True);
        assert_eq!(eval("$CI_COMMIT_TAG", Source::Push), Tri::False);
        assert_eq!(
            eval("$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", Source::Push),
            Tri::Maybe
        );
        assert_eq!(
            eval(
                "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH",
                Source::MergeRequest
            ),
            Tri::False
        );
        assert_eq!(
            eval(
                r#"$CI_PIPELINE_SOURCE == "push" && ($MY_VAR || $CI_COMMIT_TAG)"#,
                Source::Push
            ),
            Tri::Maybe
        );
        assert_eq!(eval("$CI_COMMIT_TAG =~ /^v/", Source::Push), Tri::False);
        assert_eq!(eval("garbage ((", Source::Push), Tri::Maybe);
    }

    #[test]
    fn rule_lists() {
        let rules: Vec<Value> = yaml_serde::from_str(
            r#"
- if: $CI_COMMIT_TAG
  when: never
- if: $CI_PIPELINE_SOURCE == "merge_request_event"
  when: manual
- if: $CI_COMMIT_BRANCH
"#,
        )
        .unwrap();
        assert_eq!(decide(&rules, Source::Tag, "on_success"), Decision::No);
        assert_eq!(
            decide(&rules, Source::MergeRequest, "on_success"),
            Decision::Manual
        );
        assert_eq!(decide(&rules, Source::Push, "on_success"), Decision::Runs);
        // A rule that may be manual does not gate a job a later rule runs automatically.
        let rules: Vec<Value> = yaml_serde::from_str(
            r#"
- if: $DEPLOY_BY_HAND
  when: manual
- if: $CI_PIPELINE_SOURCE == "merge_request_event"
"#,
        )
        .unwrap();
        assert_eq!(
            decide(&rules, Source::MergeRequest, "on_success"),
            Decision::Runs
        );
        assert_eq!(decide(&rules, Source::Push, "on_success"), Decision::Manual);
    }

    #[test]
    fn hostile_expression_is_bounded() {
        let deep = format!("{}$X{}", "(".repeat(60_000), ")".repeat(60_000));
        assert_eq!(eval(&deep, Source::Push), Tri::Maybe);
    }
}
