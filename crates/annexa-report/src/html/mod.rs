//! The HTML report (`annexa report --format html`): the ISMS as of one run in one
//! self-contained file an auditor can open offline, archive and diff.
//!
//! # What it shows
//!
//! In page order, each a `<section>` with a stable id the table of contents links to:
//! `summary` (key counts and three inline SVG bar charts: controls by overall status,
//! potential nonconformities by indicative grade, findings by severity), `scope` (the scope
//! statement, the repositories and snapshots read, the scope reconciliation), `controls` (all
//! 93 Annex A controls with the four status dimensions, the overall status and the evidence
//! behind each dimension), `soa` (the Statement of Applicability's version, approval and every
//! decision's words; the policies), `ncs` (potential nonconformities with the requirement cited,
//! why it is a requirement, the statement, the evidence with its provenance and the indicative
//! grade labelled as a heuristic; then opportunities for improvement), `actions`, `risks`,
//! `acceptances`, `objectives`, `suppliers`, `calendar`, `populations`, `findings` (open
//! findings with source snippets, most severe first; then suppressed and baselined ones, marked
//! as such; then the undecided `unknown` observations), `passes` (passing observations grouped
//! by check, design evidence apart from operating evidence), `crosswalks` (one CSS-only tab per
//! framework of [`crate::crosswalk::FRAMEWORKS`], judgement rows marked) and `not-examined`.
//!
//! # Invariants
//!
//! Architecture invariant: no script. The page has no `<script>`, no event-handler attribute
//! and no `javascript:` URL; a `Content-Security-Policy` meta tag (in `<head>`, before the
//! stylesheet and everything it governs) forbids scripts and every external load anyway. The tabs are radio buttons and
//! CSS; the charts are plain SVG elements.
//!
//! Architecture invariant: everything is escaped. Every string that comes from the scan, the
//! configuration or the repositories (workflow, job and step names, messages, paths, snippet
//! text, policy titles, reasons) is interpolated through `maud`, which escapes it; the only
//! unescaped text is this module's own constant stylesheet and the doctype.
//!
//! Architecture invariant: deterministic. The output is a function of the scan, the
//! assessment, the ISMS view, `as_of` and the tool version only: no clock, no environment, no
//! hash-map iteration. Lists keep the order the engine and the assessment give them (or a
//! stable sort of it).
//!
//! Architecture invariant: honest about evidence. `unknown` is never drawn as a pass, a
//! finding is never called a nonconformity, suppressed and baselined findings are listed as
//! such, and an empty list is a sentence ("none declared"), never silence. Long lists are cut
//! at a fixed size with the number left out said explicitly.
//!
//! Reporters never compute conclusions: counts and orderings here are formatting of what the
//! engine and the assessment decided.

mod charts;
mod crosswalk;
mod isms;
mod scan;
#[cfg(test)]
mod tests;

use std::fmt::Write as _;

use annexa_assess::isms::IsmsView;
use annexa_model::status::Level;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::ReportInput;

/// Forbids scripts, frames, forms, fonts and every load by URL; allows the inline stylesheet
/// and `data:` images only.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/// How many items a long list shows before saying how many more there are.
pub(crate) const MAX_FINDINGS: usize = 500;
pub(crate) const MAX_PASSES: usize = 500;
pub(crate) const MAX_PASSES_PER_CHECK: usize = 100;
pub(crate) const MAX_ROWS: usize = 500;
pub(crate) const MAX_SUBLIST: usize = 50;
pub(crate) const MAX_EXCEPTIONS: usize = 200;

/// The sections, in page order: id and title.
pub(crate) const SECTIONS: [(&str, &str); 16] = [
    ("summary", "Summary"),
    ("scope", "Scope and sources"),
    ("controls", "Control status"),
    ("soa", "Statement of Applicability"),
    ("ncs", "Potential nonconformities"),
    ("actions", "Corrective actions"),
    ("risks", "Risks"),
    ("acceptances", "Risk acceptances"),
    ("objectives", "Objectives"),
    ("suppliers", "Suppliers"),
    ("calendar", "Audit calendar"),
    ("populations", "Populations"),
    ("findings", "Findings"),
    ("passes", "Pass evidence"),
    ("crosswalks", "Crosswalks"),
    ("not-examined", "Not examined"),
];

/// One self-contained HTML document.
pub fn render(input: &ReportInput<'_>, isms: &IsmsView) -> String {
    render_with(input, isms, None)
}

/// [`render`], with the crosswalk tab of `framework` (a [`crate::crosswalk::FRAMEWORKS`] name)
/// selected (`annexa report --framework F --format html`).
pub fn render_with(input: &ReportInput<'_>, isms: &IsmsView, framework: Option<&str>) -> String {
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            (head(input, "annexa ISMS report"))
            body {
                header {
                    h1 { "ISMS report" }
                    p.lede {
                        "ISO/IEC 27001:2022 evidence for the software-delivery estate, as of "
                        strong { (input.as_of) } ", by annexa " (input.tool_version) "."
                    }
                    p.caveat {
                        "annexa gathers and checks evidence; it does not certify or audit. A finding is evidence, not a nonconformity: potential nonconformities are raised only against a cited requirement, and their grades are indicative — the certification body decides. "
                        "Design evidence read from files and settings is not operating evidence; "
                        code { "unknown" } " never counts as a pass."
                    }
                    dl.meta {
                        dt { "Period" }
                        dd {
                            @match &isms.period {
                                Some((from, to)) => { (from) " to " (to) }
                                None => (not_given("not given (no --period)")),
                            }
                        }
                        dt { "Scope statement" }
                        dd {
                            @match isms.scope_statement.as_deref().or(input.scan.scope.statement.as_deref()) {
                                Some(s) => (s),
                                None => (not_given("not given: annexa.toml has no [scope] statement")),
                            }
                        }
                        dt { "Statement of Applicability" }
                        dd {
                            @match &isms.soa.version {
                                Some(v) => { "version " (v) }
                                None => (not_given("no version")),
                            }
                            ", "
                            @match (&isms.soa.approver, &isms.soa.approved_on) {
                                (Some(a), Some(d)) => { "approved by " (a) " on " (d) }
                                (Some(a), None) => { "approved by " (a) " (no date)" }
                                (None, Some(d)) => { "approved on " (d) " (no approver)" }
                                (None, None) => (not_given("not approved")),
                            }
                        }
                    }
                    nav aria-label="Sections" {
                        ol.toc {
                            @for (id, title) in SECTIONS {
                                li { a href={ "#" (id) } { (title) } }
                            }
                        }
                    }
                }
                main {
                    (charts::summary(input, isms))
                    (scan::scope(input))
                    (scan::controls(input))
                    (isms::soa(input, isms))
                    (isms::ncs(isms))
                    (isms::actions(&isms.actions))
                    (isms::risks(isms))
                    (isms::acceptances(&isms.acceptances))
                    (isms::objectives(&isms.objectives))
                    (isms::suppliers(&isms.suppliers))
                    (isms::calendar(&isms.calendar))
                    (isms::populations(&isms.populations))
                    (scan::findings(input))
                    (scan::passes(input))
                    (crosswalk::crosswalks(input, framework))
                    (scan::not_examined(input, isms))
                }
                footer {
                    p {
                        "Generated by annexa " (input.tool_version) " as of " (input.as_of)
                        ". This file is self-contained: it runs no script and loads nothing from the network. The JSON report (" code { "annexa scan --format json" } ") holds every observation in full."
                    }
                }
            }
        }
    };
    let mut s = page.into_string();
    s.push('\n');
    s
}

/// The document head: the CSP, the inline stylesheet, the title with the as-of time.
fn head(input: &ReportInput<'_>, title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta http-equiv="Content-Security-Policy" content=(CSP);
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="referrer" content="no-referrer";
            meta name="generator" content={ "annexa " (input.tool_version) };
            title { (title) " as of " (input.as_of) }
            style { (PreEscaped(stylesheet())) }
        }
    }
}

/// The Statement of Applicability alone (`annexa soa --format html`), under the same rules as
/// the full report: self-contained, no script, every string escaped.
pub fn render_soa(input: &ReportInput<'_>, isms: &IsmsView) -> String {
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            (head(input, "Statement of Applicability"))
            body {
                header {
                    h1 { "Statement of Applicability" }
                    p.lede {
                        "ISO/IEC 27001:2022 6.1.3 d), all 93 Annex A controls, as of "
                        strong { (input.as_of) } ", by annexa " (input.tool_version) "."
                    }
                    p.caveat {
                        "The decisions and their reasons are the organisation's; the design, operation and attestation levels are what annexa observed. Files alone never make a control implemented."
                    }
                }
                main { (isms::soa(input, isms)) }
            }
        }
    };
    let mut s = page.into_string();
    s.push('\n');
    s
}

/// A `<section>` with its heading.
pub(crate) fn section(id: &str, title: &str, body: Markup) -> Markup {
    html! {
        section id=(id) {
            h2 { (title) }
            (body)
        }
    }
}

/// An explicit sentence for an empty list or a missing value.
pub(crate) fn none(sentence: &str) -> Markup {
    html! { p.none { (sentence) } }
}

/// An inline marker for a value that was not given.
pub(crate) fn not_given(words: &str) -> Markup {
    html! { span.missing { (words) } }
}

/// An optional value, or the words saying it is missing.
pub(crate) fn opt(v: Option<&str>, missing: &str) -> Markup {
    match v {
        Some(v) if !v.is_empty() => html! { (v) },
        _ => not_given(missing),
    }
}

/// `shown` of `total` were listed: say how many more there are and where they are.
pub(crate) fn more(shown: usize, total: usize, where_: &str) -> Markup {
    html! {
        @if total > shown {
            p.more { (total - shown) " more not shown here (" (shown) " of " (total) " listed): " (where_) "." }
        }
    }
}

/// A status word as a coloured badge; `kind` picks the palette (`lv`, `ov`, `sev`, ...).
pub(crate) fn badge(kind: &str, word: &str) -> Markup {
    html! { span class={ "badge " (kind) "-" (word) } { (word) } }
}

/// A dimension's level; `None` means the control has no requirement of that kind.
pub(crate) fn level(l: Option<Level>) -> Markup {
    match l {
        Some(l) => badge("lv", l.as_str()),
        None => html! { span.na { "not required" } },
    }
}

pub(crate) fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// A number as a person reads it: whole numbers without decimals, others with one.
pub(crate) fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// The page's stylesheet: constant text plus one pair of rules per crosswalk tab.
fn stylesheet() -> String {
    let mut css = String::from(STYLE);
    for (name, _) in crate::crosswalk::FRAMEWORKS {
        let _ = write!(
            css,
            "#cw-{name}:checked~.tabpanels #cwp-{name}{{display:block}}#cw-{name}:checked~.tablist label[for=cw-{name}]{{background:#fff;border-bottom-color:#fff;font-weight:600}}#cw-{name}:focus-visible~.tablist label[for=cw-{name}]{{outline:2px solid #1565c0}}"
        );
    }
    css.push_str(
        "@media print{.tabpanel{display:block!important}.tablist,.tabs>input{display:none}}",
    );
    css
}

const STYLE: &str = "\
:root{color-scheme:light;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg2:#f6f8fa}\
*{box-sizing:border-box}\
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg);margin:0 auto;max-width:1280px;padding:0 24px 48px}\
h1{font-size:26px;margin:24px 0 4px}h2{font-size:20px;margin:40px 0 8px;padding-top:8px;border-top:2px solid var(--line)}\
h3{font-size:16px;margin:20px 0 6px}h4{font-size:14px;margin:14px 0 4px}\
p{margin:6px 0}.lede{font-size:15px}.caveat{background:#fff8e1;border-left:4px solid #f9a825;padding:8px 12px}\
.note{color:var(--muted)}.none,.missing{color:var(--muted);font-style:italic}.na{color:var(--muted)}\
.more{font-weight:600;color:#6a4f00}\
.warn{background:#fdecea;border-left:4px solid #c62828;padding:6px 10px}span.warn{border-left:none;padding:0 4px;border-radius:3px;color:#a40e26}\
td.problems{min-width:16em}\
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:10px 0}dl.meta dt{font-weight:600}dl.meta dd{margin:0}\
.toc{columns:4 180px;padding-left:20px}\
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:13px}\
th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}\
th{background:var(--bg2);position:sticky;top:0}\
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\
.scroll{overflow-x:auto}table.keys{width:auto}\
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}\
code{overflow-wrap:anywhere}\
.badge{display:inline-block;padding:0 6px;border-radius:9px;font-size:12px;white-space:nowrap;background:#eaeef2}\
.lv-meets,.ov-implemented,.st-met,.st-effective,.st-active,.st-held{background:#dafbe1;color:#116329}\
.lv-partly,.ov-partial,.st-not-yet-met,.st-awaiting-verification,.st-open,.st-planned,.grade-minor{background:#fff8c5;color:#6a4f00}\
.lv-does-not-meet,.ov-not-implemented,.st-missed,.st-overdue,.st-recurred,.st-not-effective,.st-expired,.st-invalid,.grade-major{background:#ffebe9;color:#a40e26}\
.lv-not-assessed,.ov-not-assessed,.st-not-measurable{background:#eaeef2;color:#57606a}\
.ov-excluded{background:#ddf4ff;color:#0a3069}\
.sev-critical{background:#a40e26;color:#fff}.sev-high{background:#ffebe9;color:#a40e26}.sev-medium{background:#fff8c5;color:#6a4f00}.sev-low{background:#ddf4ff;color:#0a3069}.sev-info{background:#eaeef2;color:#57606a}\
.sup{background:#eaeef2;color:#57606a;border:1px dashed #8c959f}\
.prov-working-tree,.prov-hand-edited{background:#fff8c5;color:#6a4f00}\
.judgement{background:#fff8c5;color:#6a4f00}.official{background:#dafbe1;color:#116329}\
tr.judgement-row td{background:#fffdf0}\
.charts{display:flex;flex-wrap:wrap;gap:24px;margin:12px 0}\
figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:8px 12px}figcaption{font-weight:600;margin-bottom:4px}\
article{border:1px solid var(--line);border-radius:6px;padding:8px 12px;margin:10px 0}\
article.suppressed{border-style:dashed;background:#fafbfc}\
article h3{margin:0 0 4px}\
.where{color:var(--muted)}\
pre.snippet{background:var(--bg2);border:1px solid var(--line);border-radius:4px;padding:6px 0;margin:6px 0;overflow-x:auto}\
pre.snippet .line{display:block;padding:0 8px;white-space:pre}pre.snippet .hl{background:#fff8c5}\
pre.snippet .ln{display:inline-block;min-width:4ch;margin-right:12px;text-align:right;color:var(--muted);user-select:none}\
pre.snippet mark{background:#ffd33d;color:inherit}\
details{margin:2px 0}summary{cursor:pointer}\
ul.plain{margin:4px 0;padding-left:20px}\
.tabs{margin:10px 0}.tabs>input{position:absolute;opacity:0;pointer-events:none}\
.tablist{display:flex;flex-wrap:wrap;gap:2px;border-bottom:1px solid var(--line)}\
.tablist label{padding:4px 10px;border:1px solid var(--line);border-bottom:none;border-radius:6px 6px 0 0;background:var(--bg2);cursor:pointer;margin-bottom:-1px}\
.tabpanel{display:none;padding-top:8px}\
footer{margin-top:48px;color:var(--muted);border-top:1px solid var(--line)}\
";
