//! The ISMS documents annexa reads beside the code: policies as Markdown files under
//! `isms/policies/` with YAML front matter, and the templates `annexa init` writes.
//!
//! Front matter is read into a raw struct that rejects unknown keys, then validated into a
//! typed [`Policy`]; every error names the file and the line. [`review`] derives what a
//! Stage 1 auditor asks of a policy: is it approved, is it within its review interval, does it
//! speak about CI/CD at all.
//!
//! Architecture invariant: no check verdicts here. A policy is a declared intention; this
//! crate reads it and dates it, it never treats it as evidence that a control operates.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use annexa_model::ControlId;
use jiff::civil::Date;
use serde::Deserialize;

pub mod risks;
pub mod templates;

/// Where policies live, relative to the repository (or ISMS) folder.
pub const POLICY_DIR: &str = "isms/policies";

/// A policy that parsed and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The file it was read from.
    pub path: PathBuf,
    pub id: String,
    pub title: String,
    pub owner: String,
    /// Who approved it; `None` until approved.
    pub approver: Option<String>,
    /// When it was approved; `None` until approved.
    pub approved_on: Option<Date>,
    pub review_interval: ReviewInterval,
    /// The Annex A controls the policy claims to cover.
    pub controls: Vec<ControlId>,
    pub version: String,
    /// The Markdown after the front matter.
    pub body: String,
}

/// How often a policy must be reviewed, e.g. `12 months`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewInterval {
    pub amount: u16,
    pub unit: IntervalUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalUnit {
    Days,
    Weeks,
    Months,
    Years,
}

impl ReviewInterval {
    /// Parse `12 months`, `1 year`, `26 weeks`, `90 days`.
    pub fn parse(text: &str) -> Option<ReviewInterval> {
        let mut words = text.split_whitespace();
        let amount: u16 = words.next()?.parse().ok()?;
        let unit = match words.next()?.to_ascii_lowercase().as_str() {
            "day" | "days" => IntervalUnit::Days,
            "week" | "weeks" => IntervalUnit::Weeks,
            "month" | "months" => IntervalUnit::Months,
            "year" | "years" => IntervalUnit::Years,
            _ => return None,
        };
        if words.next().is_some() || amount == 0 || amount > 1000 {
            return None;
        }
        Some(ReviewInterval { amount, unit })
    }

    /// `date` plus this interval (month ends clamp: 31 January + 1 month = 28/29 February).
    pub fn after(self, date: Date) -> Option<Date> {
        let n = i64::from(self.amount);
        let span = match self.unit {
            IntervalUnit::Days => jiff::Span::new().try_days(n),
            IntervalUnit::Weeks => jiff::Span::new().try_weeks(n),
            IntervalUnit::Months => jiff::Span::new().try_months(n),
            IntervalUnit::Years => jiff::Span::new().try_years(n),
        }
        .ok()?;
        date.checked_add(span).ok()
    }
}

impl fmt::Display for ReviewInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            IntervalUnit::Days => "day",
            IntervalUnit::Weeks => "week",
            IntervalUnit::Months => "month",
            IntervalUnit::Years => "year",
        };
        let s = if self.amount == 1 { "" } else { "s" };
        write!(f, "{} {unit}{s}", self.amount)
    }
}

/// A policy file that could not be read, parsed or validated. `line` is 1-based; 0 when the
/// error is about the file as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PolicyError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
        }
    }
}

/// What [`review`] says about a policy at a point in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyState {
    /// Both `approver` and `approved-on` are filled in.
    pub approved: bool,
    /// Approved, and `as_of` is after the next review date. An unapproved policy is not
    /// overdue: it is unapproved, which is reported as such.
    pub overdue: bool,
    /// `approved-on` plus the review interval (only for an approved policy).
    pub next_review: Option<Date>,
    /// The body mentions pipelines, CI, CD, continuous integration / delivery / deployment.
    pub mentions_cicd: bool,
}

/// The policy's approval and review state on `as_of`.
pub fn review(policy: &Policy, as_of: Date) -> PolicyState {
    let approved = policy.approver.is_some() && policy.approved_on.is_some();
    let next_review = policy
        .approved_on
        .filter(|_| approved)
        .and_then(|d| policy.review_interval.after(d));
    PolicyState {
        approved,
        overdue: next_review.is_some_and(|next| as_of > next),
        next_review,
        mentions_cicd: mentions_cicd(&policy.body),
    }
}

/// Whether `text` mentions CI/CD: pipelines, CI, CD, CI/CD, continuous integration, delivery
/// or deployment (case-insensitive, whole words).
pub fn mentions_cicd(text: &str) -> bool {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words
        .iter()
        .any(|w| matches!(*w, "ci" | "cd" | "cicd" | "pipeline" | "pipelines"))
        || words.windows(2).any(|w| {
            w[0] == "continuous" && matches!(w[1], "integration" | "delivery" | "deployment")
        })
}

/// Every `*.md` file in `dir` (not recursive), in name order: the policies that parsed, and an
/// error for each one that did not (or for a folder that cannot be read).
pub fn load_policies(dir: &Path) -> (Vec<Policy>, Vec<PolicyError>) {
    let mut policies: Vec<Policy> = Vec::new();
    let mut errors = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(PolicyError {
                path: dir.to_path_buf(),
                line: 0,
                message: format!("cannot read the policy folder: {e}"),
            });
            return (policies, errors);
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md") && p.is_file())
        .collect();
    paths.sort();
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    for path in paths {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                errors.push(PolicyError {
                    path,
                    line: 0,
                    message: format!("cannot read: {e}"),
                });
                continue;
            }
        };
        match parse_policy(&path, &text) {
            Ok(policy) => {
                if let Some(first) = seen.get(&policy.id) {
                    errors.push(PolicyError {
                        line: key_line(&text, "id").unwrap_or(0),
                        message: format!(
                            "policy id `{}` is already used by {}",
                            policy.id,
                            first.display()
                        ),
                        path,
                    });
                    continue;
                }
                seen.insert(policy.id.clone(), path);
                policies.push(policy);
            }
            Err(e) => errors.push(e),
        }
    }
    (policies, errors)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawFrontMatter {
    id: String,
    title: String,
    owner: String,
    #[serde(default)]
    approver: Option<String>,
    #[serde(default)]
    approved_on: Option<String>,
    review_interval: String,
    controls: Vec<String>,
    version: Scalar,
}

/// `version: 1`, `version: 1.2` or `version: "1.2.0"`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Integer(i64),
    Float(f64),
}

/// Parse one policy file's text; `path` is only used in errors and kept in the result.
pub fn parse_policy(path: &Path, text: &str) -> Result<Policy, PolicyError> {
    let err = |line: usize, message: String| PolicyError {
        path: path.to_path_buf(),
        line,
        message,
    };
    let (front, body) = split_front_matter(text).ok_or_else(|| {
        err(
            1,
            "no front matter: the file must start with a `---` line, then the YAML fields, \
             then a `---` line"
                .into(),
        )
    })?;
    let raw: RawFrontMatter = yaml_serde::from_str(front).map_err(|e| {
        // The front matter starts on the file's second line.
        let line = e.location().map_or(1, |l| l.line() + 1);
        let msg = e.to_string();
        let msg = match msg.rfind(" at line ") {
            Some(i) => msg[..i].to_string(),
            None => msg,
        };
        err(line, format!("front matter: {msg}"))
    })?;
    let line_of = |key: &str| key_line(text, key).unwrap_or(1);

    let nonempty = |key: &str, v: String| {
        let v = v.trim().to_string();
        if v.is_empty() {
            Err(err(line_of(key), format!("`{key}` is empty")))
        } else {
            Ok(v)
        }
    };
    let id = nonempty("id", raw.id)?;
    let title = nonempty("title", raw.title)?;
    let owner = nonempty("owner", raw.owner)?;
    let approver = raw
        .approver
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty());
    let approved_on = match raw.approved_on.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => Some(d.parse::<Date>().map_err(|e| {
            err(
                line_of("approved-on"),
                format!("`approved-on` `{d}` is not a date (YYYY-MM-DD): {e}"),
            )
        })?),
    };
    let review_interval = ReviewInterval::parse(&raw.review_interval).ok_or_else(|| {
        err(
            line_of("review-interval"),
            format!(
                "`review-interval` `{}` is not an interval such as `12 months`, `1 year`, \
                 `26 weeks` or `90 days`",
                raw.review_interval
            ),
        )
    })?;
    let controls_line = line_of("controls");
    let mut controls = Vec::new();
    for c in &raw.controls {
        let id = ControlId::parse(c).ok_or_else(|| {
            let line = text
                .lines()
                .enumerate()
                .skip(controls_line - 1)
                .find(|(_, l)| l.contains(c.as_str()))
                .map_or(controls_line, |(i, _)| i + 1);
            err(
                line,
                format!("`{c}` is not an Annex A control (`annexa controls` lists them)"),
            )
        })?;
        if !controls.contains(&id) {
            controls.push(id);
        }
    }
    if controls.is_empty() {
        return Err(err(
            controls_line,
            "`controls` is empty: name the Annex A controls the policy covers".into(),
        ));
    }
    let version = match raw.version {
        Scalar::Text(s) => nonempty("version", s)?,
        Scalar::Integer(i) => i.to_string(),
        Scalar::Float(f) => f.to_string(),
    };
    Ok(Policy {
        path: path.to_path_buf(),
        id,
        title,
        owner,
        approver,
        approved_on,
        review_interval,
        controls,
        version,
        body: body.to_string(),
    })
}

/// The front matter (between the first two `---` lines) and the body after it.
fn split_front_matter(text: &str) -> Option<(&str, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some((&rest[..offset], &rest[offset + line.len()..]));
        }
        offset += line.len();
    }
    None
}

/// The 1-based line of a top-level front-matter key.
fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .enumerate()
        .skip(1)
        .take_while(|(_, l)| l.trim_end() != "---")
        .find(|(_, l)| {
            l.strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with(':'))
        })
        .map(|(i, _)| i + 1)
}

#[cfg(test)]
mod tests;
