//! GitLab's code quality report (`artifacts:reports:codequality`): the subset of the Code
//! Climate issue format GitLab reads — `description`, `check_name`, `fingerprint`, `severity`
//! (`info`, `minor`, `major`, `critical`, `blocker`) and `location.path` / `location.lines.begin`.
//!
//! Only open findings are listed (the merge-request widget has no notion of a suppressed
//! issue); the JSON report keeps everything. Fingerprints are annexa's subject fingerprints,
//! numbered where two findings share one, because GitLab shows only the first issue of a
//! fingerprint.

use std::collections::BTreeMap;

use annexa_model::Severity;
use serde::Serialize;

use crate::ReportInput;

/// One issue, as GitLab reads it. Its own type: the public format never follows internal
/// structs.
#[derive(Serialize)]
pub struct Issue {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub description: String,
    pub check_name: String,
    pub fingerprint: String,
    pub severity: &'static str,
    pub categories: [&'static str; 1],
    pub location: IssueLocation,
}

#[derive(Serialize)]
pub struct IssueLocation {
    pub path: String,
    pub lines: Lines,
}

#[derive(Serialize)]
pub struct Lines {
    pub begin: usize,
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Low => "minor",
        Severity::Medium => "major",
        Severity::High => "critical",
        Severity::Critical => "blocker",
    }
}

/// The report's issues, in the scan's total order.
pub fn issues(input: &ReportInput<'_>) -> Vec<Issue> {
    let scan = input.scan;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    scan.observations
        .iter()
        .filter(|o| o.is_open_finding())
        .map(|o| {
            let resolved = o.locations.iter().find_map(|l| crate::resolve(scan, l));
            let (path, line) = match &resolved {
                Some(r) => (r.display_path.clone(), r.start.map_or(1, |(l, _)| l)),
                // Repository-wide findings point at the repository's top (GitLab needs a path).
                None => (crate::repo_display(scan, o), 1),
            };
            let base = annexa_engine::fingerprint(o);
            let n = seen.entry(base.clone()).or_default();
            *n += 1;
            let fingerprint = if *n == 1 { base } else { format!("{base}-{n}") };
            Issue {
                kind: "issue",
                description: o.message.clone(),
                check_name: o.check.as_str().to_owned(),
                fingerprint,
                severity: severity(o.severity),
                categories: ["Security"],
                location: IssueLocation {
                    path,
                    lines: Lines { begin: line },
                },
            }
        })
        .collect()
}

/// The report as JSON text.
pub fn render(input: &ReportInput<'_>) -> String {
    let mut s = serde_json::to_string_pretty(&issues(input)).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}
