//! The summary: key counts and three bar charts drawn as plain inline SVG elements (no script,
//! no external font): controls by overall status, potential nonconformities by indicative
//! grade, findings by severity. Every bar carries its number as text, so the chart reads
//! without colour.

use annexa_assess::isms::IsmsView;
use annexa_assess::ncs::Grade;
use annexa_engine::FileStatus;
use annexa_model::status::Overall;
use annexa_model::{Outcome, Severity, Suppression};
use maud::{Markup, html};

use super::section;
use crate::ReportInput;

/// One bar: label, count, fill colour.
pub(crate) struct Bar<'a> {
    pub label: &'a str,
    pub count: usize,
    pub fill: &'static str,
}

const LABEL_W: usize = 130;
const BAR_W: usize = 150;
const ROW_H: usize = 22;

/// A horizontal bar chart; bars scale to the largest count (a zero count draws no bar).
pub(crate) fn bar_chart(id: &str, caption: &str, bars: &[Bar<'_>]) -> Markup {
    let max = bars.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let width = LABEL_W + BAR_W + 44;
    let height = ROW_H * bars.len() + 4;
    let label = bars
        .iter()
        .map(|b| format!("{} {}", b.count, b.label))
        .collect::<Vec<_>>()
        .join(", ");
    html! {
        figure.chart id=(id) {
            figcaption { (caption) }
            svg width=(width) height=(height) viewBox={ "0 0 " (width) " " (height) } role="img" aria-label={ (caption) ": " (label) } {
                @for (i, b) in bars.iter().enumerate() {
                    @let y = i * ROW_H + 2;
                    @let w = if b.count == 0 { 0 } else { (b.count * BAR_W).div_ceil(max).max(2) };
                    text x=(LABEL_W - 6) y=(y + 15) text-anchor="end" font-size="12" fill="#1b1f24" { (b.label) }
                    @if w > 0 {
                        rect x=(LABEL_W) y=(y + 2) width=(w) height=(ROW_H - 6) rx="2" fill=(b.fill) {}
                    }
                    text x=(LABEL_W + w + 6) y=(y + 15) font-size="12" fill="#1b1f24" { (b.count) }
                }
            }
        }
    }
}

const GREEN: &str = "#2da44e";
const AMBER: &str = "#d4a72c";
const RED: &str = "#cf222e";
const DARK_RED: &str = "#82071e";
const GREY: &str = "#8c959f";
const BLUE: &str = "#218bff";
const LIGHT: &str = "#d0d7de";

pub(crate) fn summary(input: &ReportInput<'_>, isms: &IsmsView) -> Markup {
    let scan = input.scan;
    let a = input.assessment;
    let count = |o: Outcome| scan.observations.iter().filter(|x| x.outcome == o).count();
    let files = |st: FileStatus| scan.files.iter().filter(|f| f.status == st).count();
    let examined = scan
        .files
        .iter()
        .filter(|f| f.status != FileStatus::Refused)
        .count();
    let controls = [
        (Overall::Implemented, GREEN),
        (Overall::Partial, AMBER),
        (Overall::NotImplemented, RED),
        (Overall::NotAssessed, GREY),
        (Overall::Excluded, BLUE),
    ]
    .map(|(o, fill)| Bar {
        label: o.as_str(),
        count: a.count(o),
        fill,
    });
    let grade = |g: Grade| isms.ncs.ncs.iter().filter(|n| n.grade == g).count();
    let ncs = [
        Bar {
            label: "major (indicative)",
            count: grade(Grade::Major),
            fill: RED,
        },
        Bar {
            label: "minor (indicative)",
            count: grade(Grade::Minor),
            fill: AMBER,
        },
        Bar {
            label: "improvement (OFI)",
            count: isms.ncs.opportunities.len(),
            fill: BLUE,
        },
    ];
    let open = |s: Severity| {
        scan.observations
            .iter()
            .filter(|o| o.is_open_finding() && o.severity == s)
            .count()
    };
    let suppressed = scan
        .observations
        .iter()
        .filter(|o| {
            o.outcome == Outcome::Fail
                && o.suppression
                    .as_ref()
                    .is_some_and(|s| *s != Suppression::Baselined)
        })
        .count();
    let baselined = scan
        .observations
        .iter()
        .filter(|o| o.outcome == Outcome::Fail && o.suppression == Some(Suppression::Baselined))
        .count();
    let severities = [
        (Severity::Critical, DARK_RED),
        (Severity::High, RED),
        (Severity::Medium, AMBER),
        (Severity::Low, BLUE),
        (Severity::Info, GREY),
    ];
    let mut findings: Vec<Bar<'_>> = severities
        .iter()
        .map(|(s, fill)| Bar {
            label: s.as_str(),
            count: open(*s),
            fill,
        })
        .collect();
    findings.push(Bar {
        label: "suppressed",
        count: suppressed,
        fill: LIGHT,
    });
    findings.push(Bar {
        label: "baselined",
        count: baselined,
        fill: LIGHT,
    });
    let body = html! {
        div.charts {
            (bar_chart("chart-controls", "Annex A controls by overall status (93)", &controls))
            (bar_chart("chart-ncs", "Potential nonconformities by indicative grade", &ncs))
            (bar_chart("chart-findings", "Findings by severity", &findings))
        }
        p.note {
            "Suppressed and baselined findings are not reported or gated, but they still count for control status and are listed under "
            a href="#findings-suppressed" { "Findings" } ". A control reaches "
            code { "implemented" } " only with operating or attestation evidence; files alone stop at "
            code { "partial" } "."
        }
        table.keys {
            tbody {
                tr { th { "Repositories scanned" } td.n { (scan.repositories.len()) } }
                tr { th { "Platform snapshots read" } td.n { (scan.snapshots.len()) } }
                tr {
                    th { "Files" }
                    td {
                        (examined) " examined (" (files(FileStatus::Partly)) " partly understood), "
                        (files(FileStatus::Refused)) " not examined, " (scan.excluded.len()) " excluded by configuration"
                    }
                }
                tr {
                    th { "Observations" }
                    td {
                        (count(Outcome::Pass)) " pass, " (count(Outcome::Fail)) " fail, "
                        (count(Outcome::Unknown)) " unknown (undecided: never a pass), "
                        (count(Outcome::NotRelevant)) " not relevant, from " (scan.checks.len()) " checks"
                    }
                }
                tr {
                    th { "Potential nonconformities" }
                    td { (isms.ncs.ncs.len()) " raised against a cited requirement; " (isms.ncs.opportunities.len()) " opportunities for improvement" }
                }
            }
        }
    };
    section("summary", "Summary", body)
}
