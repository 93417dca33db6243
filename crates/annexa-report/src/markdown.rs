//! A Markdown summary for pull-request comments and `$GITHUB_STEP_SUMMARY`. Every string that
//! comes from a scanned file is escaped, so a hostile workflow cannot inject markup.

use std::fmt::Write as _;

use annexa_model::status::Overall;
use annexa_model::{Observation, Outcome, Severity};

use crate::{ReportInput, location_text};

/// Findings shown in the table; the rest are counted.
const MAX_ROWS: usize = 100;

/// Escape text for a Markdown table cell.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '`' => out.push_str("\\`"),
            '*' | '_' | '[' | ']' | '#' | '\\' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Render the summary.
pub fn render(input: &ReportInput<'_>) -> String {
    let scan = input.scan;
    let mut open: Vec<&Observation> = scan
        .observations
        .iter()
        .filter(|o| o.is_open_finding())
        .collect();
    open.sort_by_key(|o| std::cmp::Reverse(o.severity));
    let mut out = String::new();
    let counts: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .map(|s| (s, open.iter().filter(|o| o.severity == *s).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect();
    let _ = writeln!(
        out,
        "## annexa: {} finding{}{}\n",
        open.len(),
        if open.len() == 1 { "" } else { "s" },
        if counts.is_empty() {
            String::new()
        } else {
            format!(" ({})", counts.join(", "))
        }
    );
    if !open.is_empty() {
        out.push_str("| severity | check | location | finding |\n|---|---|---|---|\n");
        for o in open.iter().take(MAX_ROWS) {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} |",
                o.severity.as_str(),
                o.check.as_str(),
                escape(&location_text(input.scan, o, false)),
                escape(&o.message)
            );
        }
        if open.len() > MAX_ROWS {
            let _ = writeln!(
                out,
                "\n…and {} more (see the JSON or SARIF report).",
                open.len() - MAX_ROWS
            );
        }
        out.push('\n');
    }
    let count = |k: Outcome| scan.observations.iter().filter(|o| o.outcome == k).count();
    let suppressed = scan
        .observations
        .iter()
        .filter(|o| o.suppression.is_some())
        .count();
    let _ = writeln!(
        out,
        "{} pass · {} unknown (never counted as a pass) · {suppressed} suppressed or baselined · {} files examined\n",
        count(Outcome::Pass),
        count(Outcome::Unknown),
        scan.files.len() - scan.diagnostics.iter().filter(|d| d.kind.is_skip()).count(),
    );
    let a = input.assessment;
    let _ = writeln!(
        out,
        "<details><summary>Annex A controls: {} implemented, {} partial, {} not implemented, {} not assessed</summary>\n",
        a.count(Overall::Implemented),
        a.count(Overall::Partial),
        a.count(Overall::NotImplemented),
        a.count(Overall::NotAssessed)
    );
    out.push_str("| control | status | design | operation |\n|---|---|---|---|\n");
    for c in a
        .controls
        .iter()
        .filter(|c| c.design.iter().any(|e| e.level.is_some()))
    {
        let l = |x: Option<annexa_model::status::Level>| x.map_or("n/a", |l| l.as_str());
        let _ = writeln!(
            out,
            "| {} {} | {} | {} | {} |",
            c.control.code(),
            escape(c.control.info().title),
            c.overall.as_str(),
            l(c.dimensions.design),
            l(c.dimensions.operation)
        );
    }
    out.push_str("\nFiles show design only: no control is implemented without period evidence.\n\n</details>\n");
    let suppressed: Vec<&Observation> = scan
        .observations
        .iter()
        .filter(|o| o.suppression.is_some())
        .collect();
    if !suppressed.is_empty() {
        let _ = writeln!(
            out,
            "\n**Suppressed, deselected or baselined ({}):**",
            suppressed.len()
        );
        for o in suppressed.iter().take(MAX_ROWS) {
            let why = o
                .suppression
                .as_ref()
                .map_or_else(String::new, |s| match s.reason() {
                    Some(r) => format!("{}: {r}", s.kind()),
                    None => s.kind().to_owned(),
                });
            let _ = writeln!(
                out,
                "- `{}` {} — {} ({})",
                o.check.as_str(),
                escape(&location_text(input.scan, o, false)),
                escape(&o.message),
                escape(&why)
            );
        }
    }
    let skipped: Vec<_> = scan
        .diagnostics
        .iter()
        .filter(|d| d.kind.is_skip())
        .collect();
    if !skipped.is_empty() || !scan.excluded.is_empty() {
        let _ = writeln!(
            out,
            "\n**Not examined:** {} file(s) could not be read or parsed, {} excluded by configuration.",
            skipped.len(),
            scan.excluded.len()
        );
        for d in skipped.iter().take(20) {
            let _ = writeln!(out, "- {}: {}", escape(&d.path), escape(&d.message));
        }
    }
    out.push_str("\n**Evidence this run did not have:**\n");
    for m in crate::json::missing_sources(scan, crate::json::soa_read(input)) {
        let _ = writeln!(out, "- {m}");
    }
    out
}
