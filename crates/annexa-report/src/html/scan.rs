//! The parts of the page that come from the scan and the assessment: scope and sources,
//! control status, findings with snippets, pass evidence, and what was not examined.

use std::collections::BTreeMap;

use annexa_assess::isms::IsmsView;
use annexa_engine::ScanResult;
use annexa_model::{CheckId, Location, Observation, Outcome, Suppression};
use maud::{Markup, html};

use super::{
    MAX_FINDINGS, MAX_PASSES, MAX_PASSES_PER_CHECK, MAX_ROWS, badge, level, more, none, opt,
    section, yes_no,
};
use crate::{ReportInput, display_path, location_text, resolve, suppression_text};

/// Lines of context shown above and below a finding's span.
const CONTEXT: usize = 2;
/// Lines of a long span shown before it is cut.
const MAX_SPAN_LINES: usize = 8;
/// Bytes of one source line shown before it is cut.
const MAX_LINE_BYTES: usize = 240;
/// File locations shown with a snippet per finding.
const MAX_SNIPPETS: usize = 3;

fn prov(p: &str) -> Markup {
    badge("prov", p)
}

pub(crate) fn scope(input: &ReportInput<'_>) -> Markup {
    let scan = input.scan;
    let sc = &scan.scope;
    let body = html! {
        h3 { "Repositories scanned" }
        @if scan.repositories.is_empty() {
            (none("No repository folder was scanned."))
        } @else {
            div.scroll { table {
                thead { tr { th { "Folder" } th { "Identity" } th { "Commit" } th { "Branch" } th { "Provenance" } } }
                tbody {
                    @for r in scan.repositories.iter().take(MAX_ROWS) {
                        tr {
                            td { code { (r.display) } }
                            td { (r.identity.to_string()) }
                            td { (opt(r.commit.as_deref(), "not a git commit")) }
                            td { (opt(r.branch.as_deref(), "none")) }
                            td { (prov(if r.dirty { "working-tree" } else { "repo-commit" })) }
                        }
                    }
                }
            } }
            (more(MAX_ROWS.min(scan.repositories.len()), scan.repositories.len(), "see the JSON report's `repositories`"))
            p.note { "Files with uncommitted changes are " code { "working-tree" } " evidence: never audit evidence." }
        }
        h3 { "Platform snapshots" }
        @if scan.snapshots.is_empty() {
            (none("No platform snapshot was given: platform state (branch protection, reviews, members, environments, settings) was not examined."))
        } @else {
            div.scroll { table {
                thead { tr { th { "Snapshot" } th { "Platform" } th { "Organisation" } th { "Collected" } th { "Collector" } th { "Period" } th { "Complete" } th { "Resources" } th { "System evidence" } } }
                tbody {
                    @for s in &scan.snapshots {
                        @let m = &s.manifest;
                        tr {
                            td { code { (s.display) } }
                            td { (m.base_url) }
                            td { (opt(m.scope.org.as_deref().or(m.scope.group.as_deref()), "not named")) }
                            td { (m.collected_at) @if let Some(f) = &m.finished_at { " – " (f) } }
                            td { (opt(m.collector.login.as_deref(), "unknown")) }
                            td {
                                @match &m.period {
                                    Some(p) => { (p.from) " to " (p.to) }
                                    None => (super::not_given("no period: no operating evidence")),
                                }
                            }
                            td { @if m.complete { "yes" } @else { span.warn { "no: " (m.incomplete.len()) " resource(s) not fetched" } } }
                            td.n { (m.resources.len()) @if !s.errors.is_empty() { " (" (s.errors.len()) " answered with an error)" } }
                            td {
                                @if m.synthetic {
                                    span.warn { "no: synthetic (built from a description, not collected)" }
                                } @else if !s.edited.is_empty() {
                                    span.warn { "no: " (s.edited.len()) " resource(s) hand-edited" }
                                } @else {
                                    "yes"
                                }
                            }
                        }
                    }
                }
            } }
        }
        h3 { "Scope reconciliation (4.3)" }
        @if !sc.declared {
            p.warn { "annexa.toml declares no " code { "[scope]" } ": the scope of the repositories below is not stated." }
        }
        @if sc.entries.is_empty() {
            (none("No repository was found in the scan or its snapshots."))
        } @else {
            div.scroll { table {
                thead { tr { th { "Repository" } th { "Status" } th { "Pattern" } th { "Reason" } th { "Files examined" } th { "Platform examined" } th { "Found in" } } }
                tbody {
                    @for e in sc.entries.iter().take(MAX_ROWS) {
                        tr {
                            td { (e.repository) }
                            td { (e.status) @if e.status == "in-scope" && !e.files_examined && !e.platform_examined { " " span.warn { "not examined" } } }
                            td { (opt(e.pattern.as_deref(), "—")) }
                            td { (opt(e.reason.as_deref(), "—")) }
                            td { (yes_no(e.files_examined)) }
                            td { (yes_no(e.platform_examined)) }
                            td { (e.found_in.join(", ")) }
                        }
                    }
                }
            } }
            (more(MAX_ROWS.min(sc.entries.len()), sc.entries.len(), "see the JSON report's `scope`"))
        }
        @if !sc.unmatched.is_empty() {
            p.warn { "Declared in scope but found nowhere in the scan or its snapshots: " (sc.unmatched.join(", ")) }
        }
    };
    section("scope", "Scope and sources", body)
}

pub(crate) fn controls(input: &ReportInput<'_>) -> Markup {
    let body = html! {
        p.note {
            "All 93 Annex A controls. " strong { "Declared" } " comes from the Statement of Applicability; "
            strong { "design" } " is point-in-time evidence from files and settings; "
            strong { "operation" } " needs evidence over a period and a complete population; "
            strong { "attestation" } " is a human record, hashed. "
            code { "not-assessed" } " means no evidence either way — unknown observations never count as meeting a requirement. "
            code { "implemented" } " needs every requirement met, so a scan of files alone reaches "
            code { "partial" } " at most."
        }
        div.scroll { table.controls {
            thead { tr {
                th { "Control" } th { "Title" } th { "Theme" } th { "Declared" } th { "Design" }
                th { "Operation" } th { "Attestation" } th { "Overall" } th { "Evidence" }
            } }
            tbody {
                @for c in &input.assessment.controls {
                    @let info = c.control.info();
                    @let (pass, fail, unknown) = c.design.iter().fold((0, 0, 0), |(p, f, u), e| (p + e.pass, f + e.fail, u + e.unknown));
                    tr id={ "control-" (info.code) } {
                        td { strong { (info.code) } }
                        td { (info.title) }
                        td { (info.theme.as_str()) }
                        td { (crate::soa::declared_str(c.dimensions.declared)) @if c.excluded_but_failing() { " " span.warn { "excluded, yet failing" } } }
                        td { (level(c.dimensions.design)) }
                        td { (level(c.dimensions.operation)) }
                        td { (level(c.dimensions.attestation)) }
                        td { (badge("ov", c.overall.as_str())) }
                        td {
                            details {
                                summary {
                                    (c.design.len()) " check(s): " (pass) " pass, " (fail) " fail, " (unknown) " unknown; "
                                    (c.operation.len()) " operating, " (c.attestation.len()) " attestation requirement(s)"
                                }
                                @if c.design.is_empty() {
                                    p.none { "No check gives design evidence for this control." }
                                } @else {
                                    table {
                                        thead { tr { th { "Check (design)" } th { "Level" } th.n { "Pass" } th.n { "Fail" } th.n { "Unknown" } th.n { "Not relevant" } th { "Repositories meeting" } } }
                                        tbody {
                                            @for e in &c.design {
                                                tr {
                                                    td { code { (e.check.as_str()) } }
                                                    td { @match e.level { Some(l) => (badge("lv", l.as_str())), None => span.na { "nothing relevant seen" } } }
                                                    td.n { (e.pass) } td.n { (e.fail) } td.n { (e.unknown) } td.n { (e.not_relevant) }
                                                    td { (e.repositories_meeting) " of " (e.repositories_assessed) }
                                                }
                                            }
                                        }
                                    }
                                }
                                @if !c.operation.is_empty() {
                                    ul.plain {
                                        @for r in &c.operation {
                                            li { "operation, " code { (r.kind.as_str()) } ": " (badge("lv", r.level.as_str())) " " (r.reason) }
                                        }
                                    }
                                }
                                @if !c.attestation.is_empty() {
                                    ul.plain {
                                        @for r in &c.attestation {
                                            li { "attestation, " code { (r.kind.as_str()) } ": " (badge("lv", r.level.as_str())) " " (r.reason) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        } }
    };
    section("controls", "Control status", body)
}

/// How one location is shown in one line: `path:line:col (label)`, `GET resource → status`,
/// or a record id.
fn location_line(scan: &ScanResult, l: &Location) -> Markup {
    match l {
        Location::File(f) => {
            let r = resolve(scan, l);
            let path = r
                .as_ref()
                .map_or_else(|| f.path.clone(), |r| r.display_path.clone());
            html! {
                code {
                    (path)
                    @if let Some((line, col)) = r.as_ref().and_then(|r| r.start) { ":" (line) ":" (col) }
                }
                @if !f.route.is_root() { " " span.where { "at " code { (f.route.to_string()) } } }
                @if let Some(label) = &f.label { " — " (label) }
                @for v in &f.via { " " span.where { "(" (v.kind.as_str()) " " code { (v.path) } ")" } }
            }
        }
        Location::Api {
            resource,
            pointer,
            status,
            etag,
        } => html! {
            "platform API " code { "GET " (resource) } " → HTTP " (status)
            @if !pointer.is_empty() { ", at " code { (pointer) } }
            @if let Some(e) = etag { ", ETag " code { (e) } }
        },
        Location::Record { id } => html! { "record " code { (id) } },
    }
}

/// The source lines around a file location's span, with line numbers and the span marked.
pub(crate) fn snippet(scan: &ScanResult, l: &Location) -> Option<Markup> {
    let r = resolve(scan, l)?;
    let text = r.text?;
    let span = r.span?;
    if span.start > span.end || span.end > text.len() {
        return None;
    }
    let file = scan.file(r.repo, r.path)?;
    let starts = &file.line_starts;
    if starts.is_empty() {
        return None;
    }
    let line_of = |offset: usize| starts.partition_point(|&s| s <= offset).max(1) - 1;
    let first = line_of(span.start);
    let last = line_of(if span.end > span.start {
        span.end - 1
    } else {
        span.end
    });
    let shown_last = last.min(first + MAX_SPAN_LINES - 1);
    let from = first.saturating_sub(CONTEXT);
    let to = if shown_last < last {
        shown_last
    } else {
        (last + CONTEXT).min(starts.len() - 1)
    };
    let lines: Vec<SnippetLine<'_>> = (from..=to)
        .map(|i| {
            let ls = starts[i];
            let le = starts
                .get(i + 1)
                .copied()
                .unwrap_or(text.len())
                .min(text.len());
            let raw = text.get(ls..le).unwrap_or("");
            let trimmed = raw.trim_end_matches(['\n', '\r']);
            let mut cut = trimmed.len().min(MAX_LINE_BYTES);
            while !trimmed.is_char_boundary(cut) {
                cut -= 1;
            }
            let shown = &trimmed[..cut];
            let end = ls + shown.len();
            let in_span = i >= first && i <= last;
            let (a, b) = (span.start.max(ls), span.end.min(end));
            let (before, mark, after) = if in_span && a < b {
                match (text.get(ls..a), text.get(a..b), text.get(b..end)) {
                    (Some(x), Some(y), Some(z)) => (x, y, z),
                    _ => ("", shown, ""),
                }
            } else {
                (shown, "", "")
            };
            SnippetLine {
                number: i + 1,
                highlighted: in_span,
                before,
                mark,
                after,
                cut: cut < trimmed.len(),
            }
        })
        .collect();
    Some(html! {
        pre.snippet {
            code {
                @for s in &lines {
                    span.line.hl[s.highlighted] {
                        span.ln { (s.number) }
                        (s.before)
                        @if !s.mark.is_empty() { mark { (s.mark) } }
                        (s.after)
                        @if s.cut { span.na { " …" } }
                    }
                }
                @if shown_last < last {
                    span.line { span.ln { "…" } span.na { (last - shown_last) " more line(s) of this element" } }
                }
            }
        }
    })
}

struct SnippetLine<'a> {
    number: usize,
    highlighted: bool,
    before: &'a str,
    mark: &'a str,
    after: &'a str,
    cut: bool,
}

fn controls_of(scan: &ScanResult, o: &Observation) -> String {
    scan.checks
        .iter()
        .find(|m| m.id == o.check)
        .map(|m| {
            m.controls
                .iter()
                .map(|c| c.code())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

fn finding(input: &ReportInput<'_>, o: &Observation) -> Markup {
    let scan = input.scan;
    let meta = scan.checks.iter().find(|m| m.id == o.check);
    let mut snippets = 0;
    let locations: Vec<(Markup, Option<Markup>)> = o
        .locations
        .iter()
        .map(|l| {
            let code = if matches!(l, Location::File(_)) && snippets < MAX_SNIPPETS {
                snippet(scan, l)
            } else {
                None
            };
            if code.is_some() {
                snippets += 1;
            }
            (location_line(scan, l), code)
        })
        .collect();
    html! {
        article.finding.suppressed[o.suppression.is_some()] {
            h3 {
                (badge("sev", o.severity.as_str())) " "
                code { (o.check.as_str()) } " "
                (o.message)
            }
            @if let Some(s) = &o.suppression {
                p { span.badge.sup { (s.kind()) } " " (suppression_text(s)) " — not reported or gated, still counted for control status." }
            }
            p.where {
                "confidence " (meta.map_or("high", |m| m.confidence.as_str()))
                " · controls " (controls_of(scan, o))
                " · provenance " (prov(o.provenance.as_str()))
            }
            p.where { "subject " code { (o.subject.to_string()) } }
            @if o.locations.is_empty() {
                p.where { "in " (location_text(scan, o, true)) }
            }
            @for (line, code) in &locations {
                p.loc { (line) }
                @if let Some(code) = code { (code) }
            }
        }
    }
}

pub(crate) fn findings(input: &ReportInput<'_>) -> Markup {
    let scan = input.scan;
    let mut open: Vec<&Observation> = scan
        .observations
        .iter()
        .filter(|o| o.is_open_finding())
        .collect();
    // Most severe first, then the engine's order.
    open.sort_by_key(|o| std::cmp::Reverse(o.severity));
    let mut suppressed: Vec<&Observation> = scan
        .observations
        .iter()
        .filter(|o| o.outcome == Outcome::Fail && o.suppression.is_some())
        .collect();
    suppressed.sort_by_key(|o| std::cmp::Reverse(o.severity));
    let unknown: Vec<&Observation> = scan
        .observations
        .iter()
        .filter(|o| o.outcome == Outcome::Unknown)
        .collect();
    let body = html! {
        p.note { "A finding is a failing observation: evidence of a weakness, not a nonconformity. Potential nonconformities are listed under " a href="#ncs" { "Potential nonconformities" } "." }
        h3 id="findings-open" { "Open findings (" (open.len()) ")" }
        @if open.is_empty() {
            (none("No open finding."))
        }
        @for o in open.iter().take(MAX_FINDINGS) { (finding(input, o)) }
        (more(MAX_FINDINGS.min(open.len()), open.len(), "every finding is in the JSON report (`annexa scan --format json`, `findings`)"))
        h3 id="findings-suppressed" { "Suppressed, deselected, accepted by policy or baselined (" (suppressed.len()) ")" }
        @if suppressed.is_empty() {
            (none("No finding was suppressed, deselected, accepted by policy or baselined."))
        }
        @for o in suppressed.iter().take(MAX_FINDINGS) { (finding(input, o)) }
        (more(MAX_FINDINGS.min(suppressed.len()), suppressed.len(), "every one is in the JSON report's `not_examined.suppressed` and `not_examined.baselined`"))
        h3 id="unknowns" { "Undecided: unknown (" (unknown.len()) ")" }
        p.note { "The checks could not decide these (a permission missing, a construct that could not be analysed): they never count as passes." }
        @if unknown.is_empty() {
            (none("No observation was left undecided."))
        } @else {
            div.scroll { table {
                thead { tr { th { "Check" } th { "Where" } th { "Why it is unknown" } th { "Provenance" } } }
                tbody {
                    @for o in unknown.iter().take(MAX_ROWS) {
                        tr {
                            td { code { (o.check.as_str()) } }
                            td { code { (location_text(scan, o, true)) } }
                            td { (o.message) }
                            td { (prov(o.provenance.as_str())) }
                        }
                    }
                }
            } }
            (more(MAX_ROWS.min(unknown.len()), unknown.len(), "every one is in the JSON report's `unknowns`"))
        }
    };
    section("findings", "Findings", body)
}

pub(crate) fn passes(input: &ReportInput<'_>) -> Markup {
    let scan = input.scan;
    let total = scan
        .observations
        .iter()
        .filter(|o| o.outcome == Outcome::Pass)
        .count();
    let mut by_check: BTreeMap<CheckId, Vec<&Observation>> = BTreeMap::new();
    for o in scan
        .observations
        .iter()
        .filter(|o| o.outcome == Outcome::Pass)
    {
        by_check.entry(o.check).or_default().push(o);
    }
    let mut budget = MAX_PASSES;
    // In registry order, each check's items in the engine's order.
    let groups: Vec<(&annexa_model::CheckMeta, Vec<&Observation>, usize)> = scan
        .checks
        .iter()
        .filter_map(|m| by_check.remove(&m.id).map(|v| (*m, v)))
        .map(|(m, v)| {
            // Each check shows its first items until the page's budget is spent.
            let take = v.len().min(MAX_PASSES_PER_CHECK).min(budget);
            budget -= take;
            (m, v, take)
        })
        .collect();
    let shown: usize = groups.iter().map(|g| g.2).sum();
    let body = html! {
        p.note {
            "Passing observations: the evidence that something is in place. "
            strong { "Design" } " evidence (files and settings at one point in time) is not "
            strong { "operating" } " evidence (population items over a period). "
            code { "working-tree" } " evidence is never audit evidence and "
            code { "hand-edited" } " evidence is never system evidence."
        }
        @if groups.is_empty() {
            (none("No observation passed."))
        }
        @for (m, items, take) in &groups {
            @let take = *take;
            details.pass-group {
                summary {
                    code { (m.id.as_str()) } " — " (items.len()) " passing · "
                    @if m.population.is_some() { "operating evidence (population items)" } @else { "design evidence" }
                    " · " (m.controls.iter().map(|c| c.code()).collect::<Vec<_>>().join(", "))
                }
                p.note { (m.summary) }
                @if take > 0 {
                    div.scroll { table {
                        thead { tr { th { "Where" } th { "What was observed" } th { "Provenance" } } }
                        tbody {
                            @for o in items.iter().take(take) {
                                tr {
                                    td { code { (location_text(scan, o, true)) } }
                                    td { (o.message) }
                                    td { (prov(o.provenance.as_str())) }
                                }
                            }
                        }
                    } }
                }
                (more(take, items.len(), "every passing observation is in the JSON report's `passes`"))
            }
        }
        (more(shown, total, "every passing observation is in the JSON report's `passes`"))
    };
    section("passes", "Pass evidence", body)
}

pub(crate) fn not_examined(input: &ReportInput<'_>, isms: &IsmsView) -> Markup {
    let scan = input.scan;
    let skipped: Vec<&annexa_model::Diagnostic> = scan
        .diagnostics
        .iter()
        .filter(|d| d.kind.is_skip())
        .collect();
    let partly: Vec<&annexa_model::Diagnostic> = scan
        .diagnostics
        .iter()
        .filter(|d| !d.kind.is_skip())
        .collect();
    // The scan's generic sentence about ISMS records assumes none but the SoA were read; this
    // report read the ISMS view, so it says what that view holds instead.
    let mut sources: Vec<String> = crate::json::missing_sources(scan, crate::json::soa_read(input))
        .into_iter()
        .filter(|s| !s.starts_with("ISMS records"))
        .collect();
    if !isms.soa.present {
        sources.push("Statement of Applicability: no decision declared in annexa.toml".to_owned());
    }
    if isms.policies.is_empty() {
        sources.push("policies: none found under isms/policies".to_owned());
    }
    let kinds = |pred: &dyn Fn(&Suppression) -> bool| {
        scan.observations
            .iter()
            .filter(|o| o.outcome == Outcome::Fail && o.suppression.as_ref().is_some_and(pred))
            .count()
    };
    let inline = kinds(&|s| matches!(s, Suppression::Inline { .. }));
    let deselected = kinds(&|s| matches!(s, Suppression::Deselected));
    let policy = kinds(&|s| matches!(s, Suppression::Policy { .. }));
    let baselined = kinds(&|s| matches!(s, Suppression::Baselined));
    let unknown = scan
        .observations
        .iter()
        .filter(|o| o.outcome == Outcome::Unknown)
        .count();
    let diag_table = |list: &[&annexa_model::Diagnostic], what: &str| {
        html! {
            div.scroll { table {
                thead { tr { th { "File" } th { "Kind" } th { "Message" } } }
                tbody {
                    @for d in list.iter().take(MAX_ROWS) {
                        tr {
                            td { code { (display_path(scan, d.repo, &d.path)) } }
                            td { (d.kind.as_str()) }
                            td { (d.message) }
                        }
                    }
                }
            } }
            (more(MAX_ROWS.min(list.len()), list.len(), what))
        }
    };
    let body = html! {
        p.note { "What this run did not examine or did not decide. Nothing here counts as evidence that a control is in place." }
        h3 { "Evidence this run did not have" }
        @if sources.is_empty() {
            (none("Every source of evidence annexa reads was present."))
        } @else {
            ul { @for s in &sources { li { (s) } } }
        }
        h3 { "Files not examined (" (skipped.len()) ")" }
        @if skipped.is_empty() {
            (none("Every file found was read and parsed."))
        } @else {
            (diag_table(&skipped, "every one is in the JSON report's `not_examined.files`"))
        }
        h3 { "Files examined only in part (" (partly.len()) ")" }
        @if partly.is_empty() {
            (none("No file was examined only in part."))
        } @else {
            (diag_table(&partly, "every one is in the JSON report's `not_examined.partly_understood`"))
        }
        h3 { "Excluded by configuration (" (scan.excluded.len()) ")" }
        @if scan.excluded.is_empty() {
            (none("No file was excluded by configuration."))
        } @else {
            div.scroll { table {
                thead { tr { th { "File" } th { "Excluded by" } } }
                tbody {
                    @for e in scan.excluded.iter().take(MAX_ROWS) {
                        tr { td { code { (display_path(scan, e.repo, &e.path)) } } td { code { (e.pattern) } } }
                    }
                }
            } }
            (more(MAX_ROWS.min(scan.excluded.len()), scan.excluded.len(), "every one is in the JSON report's `not_examined.excluded`"))
        }
        h3 { "Findings not reported or gated" }
        p {
            (inline) " suppressed inline, " (deselected) " deselected (" code { "--select" } " / " code { "--ignore" } " / " code { "[checks]" } "), "
            (policy) " accepted by policy, " (baselined) " in the baseline — each listed under "
            a href="#findings-suppressed" { "Findings" } ". Suppression never changes control status; only a risk acceptance moves a finding into accepted risk."
        }
        h3 { "Undecided observations" }
        p { (unknown) " observation(s) are " code { "unknown" } ": listed under " a href="#unknowns" { "Findings" } "." }
    };
    section("not-examined", "Not examined", body)
}
