//! rustc-style terminal output: findings with source snippets, then unknowns, a summary, the
//! control status and what was not examined.

use std::fmt::Write as _;

use annexa_engine::FileStatus;
use annexa_model::status::Overall;
use annexa_model::{Observation, Outcome, Severity};
use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

use crate::{ReportInput, location_text, repo_display, resolve, suppression_text};

fn level(s: Severity) -> Level<'static> {
    match s {
        Severity::Critical | Severity::High => Level::ERROR,
        Severity::Medium => Level::WARNING,
        Severity::Low | Severity::Info => Level::INFO,
    }
}

fn finding<'a>(input: &'a ReportInput<'a>, o: &'a Observation) -> Vec<Group<'a>> {
    let scan = input.scan;
    let meta = scan.checks.iter().find(|m| m.id == o.check);
    let title = level(o.severity)
        .primary_title(o.message.as_str())
        .id(o.check.as_str());
    let mut group_elements = Vec::new();
    let mut placed = false;
    for loc in &o.locations {
        let Some(r) = resolve(scan, loc) else {
            continue;
        };
        match (r.text, r.span) {
            (Some(text), Some(span)) if span.end <= text.len() => {
                let label = match loc {
                    annexa_model::Location::File(f) => f.label.clone(),
                    _ => None,
                };
                let kind = if placed {
                    AnnotationKind::Context
                } else {
                    AnnotationKind::Primary
                };
                let mut ann = kind.span(span.start..span.end);
                if let Some(l) = label {
                    ann = ann.label(l);
                }
                group_elements.push(annotate_snippets::Element::from(
                    Snippet::source(text)
                        .line_start(1)
                        .path(r.display_path)
                        .fold(true)
                        .annotation(ann),
                ));
            }
            _ => group_elements.push(Origin::path(r.display_path).into()),
        }
        placed = true;
    }
    if !placed {
        group_elements.push(Origin::path(repo_display(scan, o)).into());
    }
    let controls = meta
        .map(|m| {
            m.controls
                .iter()
                .map(|c| c.code())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let mut note = format!(
        "severity {} · confidence {} · controls {} · provenance {}",
        o.severity.as_str(),
        meta.map_or("high", |m| m.confidence.as_str()),
        controls,
        o.provenance.as_str()
    );
    // Platform evidence: the API answers the conclusion rests on.
    for loc in &o.locations {
        if let annexa_model::Location::Api {
            resource, status, ..
        } = loc
        {
            let _ = write!(note, "\nevidence: GET {resource} → {status}");
        }
    }
    vec![
        Group::with_title(title).elements(group_elements),
        Group::with_title(Level::NOTE.secondary_title(note)),
    ]
}

/// Render the scan for a terminal; `color` adds ANSI styles.
pub fn render(input: &ReportInput<'_>, color: bool) -> String {
    let mut out = render_findings(input, color);
    summary(input, &mut out);
    out
}

/// Findings with snippets, most severe first, then the unknowns with their reasons.
pub fn render_findings(input: &ReportInput<'_>, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let scan = input.scan;
    let mut out = String::new();
    let mut fails: Vec<&Observation> = scan
        .observations
        .iter()
        .filter(|o| o.is_open_finding())
        .collect();
    // Most severe first, then the engine's order.
    fails.sort_by_key(|o| std::cmp::Reverse(o.severity));
    for o in &fails {
        let groups = finding(input, o);
        out.push_str(&renderer.render(&groups));
        out.push_str("\n\n");
    }

    let unknowns: Vec<&Observation> = scan
        .observations
        .iter()
        .filter(|o| o.outcome == Outcome::Unknown)
        .collect();
    if !unknowns.is_empty() {
        let _ = writeln!(
            out,
            "unknown ({}): the checks could not decide; these never count as passes",
            unknowns.len()
        );
        for o in &unknowns {
            let _ = writeln!(
                out,
                "  {} [{}] {}",
                location_text(input.scan, o, true),
                o.check,
                o.message
            );
        }
        out.push('\n');
    }
    out
}

fn summary(input: &ReportInput<'_>, out: &mut String) {
    let scan = input.scan;
    let fails: Vec<&Observation> = scan
        .observations
        .iter()
        .filter(|o| o.is_open_finding())
        .collect();
    let count = |outcome: Outcome| {
        scan.observations
            .iter()
            .filter(|o| o.outcome == outcome)
            .count()
    };
    let examined = scan
        .files
        .iter()
        .filter(|f| f.status != FileStatus::Refused)
        .count();
    let partly = scan
        .files
        .iter()
        .filter(|f| f.status == FileStatus::Partly)
        .count();
    let refused = scan
        .files
        .iter()
        .filter(|f| f.status == FileStatus::Refused)
        .count();
    let _ = writeln!(out, "summary");
    let _ = writeln!(out, "  repositories  {}", scan.repositories.len());
    let _ = writeln!(
        out,
        "  files         {examined} examined ({partly} partly understood), {refused} not examined, {} excluded",
        scan.excluded.len()
    );
    let _ = writeln!(
        out,
        "  observations  {} pass, {} fail, {} unknown, {} not relevant ({} checks)",
        count(Outcome::Pass),
        count(Outcome::Fail),
        count(Outcome::Unknown),
        count(Outcome::NotRelevant),
        scan.checks.len()
    );
    let sev: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .map(|s| (s, fails.iter().filter(|o| o.severity == *s).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect();
    let suppressed: Vec<&Observation> = scan
        .observations
        .iter()
        .filter(|o| o.suppression.is_some())
        .collect();
    let _ = writeln!(
        out,
        "  findings      {}{}",
        if sev.is_empty() {
            "none".to_owned()
        } else {
            sev.join(", ")
        },
        if suppressed.is_empty() {
            String::new()
        } else {
            format!(
                " ({} more suppressed or baselined: listed under `not examined`)",
                suppressed.len()
            )
        }
    );

    let a = input.assessment;
    let _ = writeln!(
        out,
        "\ncontrols (93): {} implemented, {} partial, {} not implemented, {} not assessed",
        a.count(Overall::Implemented),
        a.count(Overall::Partial),
        a.count(Overall::NotImplemented),
        a.count(Overall::NotAssessed),
    );
    for c in a
        .controls
        .iter()
        .filter(|c| c.design.iter().any(|e| e.level.is_some()))
    {
        let d = |l: Option<annexa_model::status::Level>| l.map_or("n/a", |l| l.as_str());
        let _ = writeln!(
            out,
            "  {:<7} {:<44} {:<15} design {} · operation {} · attestation {}",
            c.control.code(),
            truncate(c.control.info().title, 44),
            c.overall.as_str(),
            d(c.dimensions.design),
            d(c.dimensions.operation),
            d(c.dimensions.attestation),
        );
    }
    let period = input
        .scan
        .snapshots
        .iter()
        .any(|s| s.manifest.period.is_some());
    let _ = writeln!(
        out,
        "{}",
        if period {
            "  (operation comes from the snapshot's populations over its period; see `annexa controls ID` and `annexa population`)"
        } else {
            "  (files and settings show design only: no control is `implemented` without period evidence; see `annexa controls ID`)"
        }
    );

    let _ = writeln!(out, "\nnot examined");
    for o in &suppressed {
        let Some(why) = o.suppression.as_ref().map(suppression_text) else {
            continue;
        };
        let _ = writeln!(
            out,
            "  {} [{}] {}: {why}",
            location_text(input.scan, o, true),
            o.check,
            o.message
        );
    }
    for d in &scan.diagnostics {
        let path = crate::display_path(scan, d.repo, &d.path);
        let _ = writeln!(out, "  {path}: {} ({})", d.message, d.kind.as_str());
    }
    for e in &scan.excluded {
        let _ = writeln!(
            out,
            "  {}: excluded by `{}`",
            crate::display_path(scan, e.repo, &e.path),
            e.pattern
        );
    }
    for s in crate::json::missing_sources(scan, crate::json::soa_read(input)) {
        let _ = writeln!(out, "  {s}");
    }
}

pub(crate) fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}
