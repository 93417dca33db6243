//! The parts of the page that come from the ISMS view: the Statement of Applicability and the
//! policies, potential nonconformities and opportunities for improvement, corrective actions,
//! risks, risk acceptances, objectives, suppliers, the audit calendar and the populations.
//! Every field of the view's types is shown; an empty list is an explicit sentence.

use annexa_assess::acceptance::AcceptanceState;
use annexa_assess::actions::ActionState;
use annexa_assess::calendar::CalendarEntry;
use annexa_assess::isms::{IsmsView, PopulationSummary};
use annexa_assess::ncs::Evidence;
use annexa_assess::objectives::{Measure, ObjectiveResult};
use annexa_assess::suppliers::SupplierReport;
use maud::{Markup, html};

use super::{
    MAX_EXCEPTIONS, MAX_ROWS, MAX_SUBLIST, badge, more, none, not_given, num, opt, section,
};
use crate::ReportInput;
use crate::soa::{SoaDocument, rows};

pub(crate) fn soa(input: &ReportInput<'_>, isms: &IsmsView) -> Markup {
    let meta = &isms.soa;
    let doc = SoaDocument::from_meta(meta);
    let rows = rows(input, &doc);
    let count = |d: &str| rows.iter().filter(|r| r.declared == d).count();
    let drift: Vec<_> = rows.iter().filter(|r| r.excluded_but_failing).collect();
    let body = html! {
        dl.meta {
            dt { "SoA version" } dd { (opt(meta.version.as_deref(), "not given")) }
            dt { "Approved by" } dd { (opt(meta.approver.as_deref(), "not given")) }
            dt { "Approved on" } dd { (opt(meta.approved_on.as_deref(), "not given")) }
            dt { "Decisions" } dd { (count("applicable")) " applicable, " (count("excluded")) " excluded, " (count("undeclared")) " undeclared (of " (rows.len()) ")" }
        }
        @if !meta.present {
            p.warn { "No Statement of Applicability decision is declared (" code { "[[soa.control]]" } " in annexa.toml): every control is undeclared, and clause 6.1.3 d) is not addressed." }
        }
        @if !drift.is_empty() {
            p.warn {
                "Excluded by the SoA, yet evidence about them fails: "
                @for (i, r) in drift.iter().enumerate() {
                    @if i > 0 { ", " }
                    a href={ "#control-" (r.control) } { (r.control) } " (" (r.fail) " failing)"
                }
                "."
            }
        }
        div.scroll { table {
            thead { tr {
                th { "Control" } th { "Title" } th { "Declared" } th { "Reason for inclusion / justification for exclusion" }
                th { "Implementation" } th { "Overall" } th { "Checks mapped" } th { "Pass / fail / unknown" }
            } }
            tbody {
                @for r in &rows {
                    tr {
                        td { a href={ "#control-" (r.control) } { (r.control) } }
                        td { (r.title) }
                        td { (r.declared) @if r.excluded_but_failing { " " span.warn { "excluded, yet failing" } } }
                        td {
                            @if r.declared == "undeclared" && r.reason.is_empty() { (not_given("no decision")) }
                            @else { (opt(Some(&r.reason), "no reason given")) }
                        }
                        td { (opt(Some(&r.implementation), "—")) }
                        td { (badge("ov", r.overall)) }
                        td {
                            @if r.checks.is_empty() { span.na { "none" } }
                            @else { details { summary { (r.checks.len()) " check(s)" } code { (r.checks.join(", ")) } } }
                        }
                        td.n { (r.pass) " / " (r.fail) " / " (r.unknown) }
                    }
                }
            }
        } }
        h3 id="policies" { "Policies (" (isms.policies.len()) ")" }
        @if isms.policies.is_empty() {
            (none("No policy was found under isms/policies: none declared."))
        } @else {
            div.scroll { table {
                thead { tr { th { "Policy" } th { "Title" } th { "Approved" } th { "Next review" } th { "Review overdue" } } }
                tbody {
                    @for p in &isms.policies {
                        tr {
                            td { code { (p.id) } }
                            td { (p.title) }
                            td { @if p.approved { "yes" } @else { span.warn { "no" } } }
                            td { (opt(p.next_review.as_deref(), "not given")) }
                            td { @if p.overdue { span.warn { "yes" } } @else { "no" } }
                        }
                    }
                }
            } }
            p.note { "A policy is a declared intention, not evidence that a control works." }
        }
    };
    section("soa", "Statement of Applicability", body)
}

fn evidence_table(evidence: &[Evidence]) -> Markup {
    html! {
        @if evidence.is_empty() {
            (none("No evidence item is attached."))
        } @else {
            div.scroll { table {
                thead { tr { th { "Kind" } th { "Check / record" } th { "Subject" } th { "What was observed" } th { "Provenance" } } }
                tbody {
                    @for e in evidence.iter().take(MAX_SUBLIST) {
                        tr {
                            td { (e.kind) }
                            td { code { (e.check) } }
                            td { code { (e.subject) } }
                            td { (e.message) }
                            td {
                                @if e.provenance.is_empty() {
                                    (not_given(if e.kind == "missing" { "record missing" } else { "not given" }))
                                } @else {
                                    (badge("prov", &e.provenance))
                                }
                            }
                        }
                    }
                }
            } }
            (more(MAX_SUBLIST.min(evidence.len()), evidence.len(), "see `annexa ncs --format json`"))
        }
    }
}

pub(crate) fn ncs(isms: &IsmsView) -> Markup {
    let d = &isms.ncs;
    let body = html! {
        p.caveat {
            "A potential nonconformity is raised only against a cited requirement: an ISMS clause, an Annex A control the Statement of Applicability declares applicable, or a statement of the organisation's own policy. "
            "The grade is " strong { "indicative" } ": a documented heuristic after the ISO/IEC 17021-1 definitions (major: the requirement is not addressed at all, a systemic breakdown, or many findings against one requirement; minor otherwise). The auditor grades."
        }
        @if d.ncs.is_empty() {
            (none("No potential nonconformity was raised."))
        }
        @for n in &d.ncs {
            article.nc id={ "nc-" (n.id) } {
                h3 { code { (n.id) } " " span class={ "badge grade-" (n.grade.as_str()) } { "indicative grade: " (n.grade.as_str()) } }
                dl.meta {
                    dt { "Topic" } dd { (n.topic.title()) " (" code { (n.topic.as_str()) } ")" }
                    dt { "Requirement cited" } dd { strong { (n.requirement.id()) } " — " (n.requirement.title()) }
                    dt { "Why it is a requirement" } dd { (n.requirement.cited_because()) }
                    dt { "Statement" } dd { (n.statement) }
                    dt { "Grade basis (heuristic)" } dd { (n.grade_basis) }
                }
                h4 { "Objective evidence (" (n.evidence.len()) ")" }
                (evidence_table(&n.evidence))
            }
        }
        h3 id="ofis" { "Opportunities for improvement (" (d.opportunities.len()) ")" }
        p.note { "Weaknesses with no requirement cited behind them: not nonconformities." }
        @if d.opportunities.is_empty() {
            (none("No opportunity for improvement was identified."))
        }
        @for o in &d.opportunities {
            article.ofi {
                h3 { (o.control.code()) " " (o.control.info().title) }
                dl.meta {
                    dt { "Topic" } dd { (o.topic.title()) " (" code { (o.topic.as_str()) } ")" }
                    dt { "Why it is not a nonconformity" } dd { (o.why_not_nc) }
                }
                details {
                    summary { "Evidence (" (o.evidence.len()) ")" }
                    (evidence_table(&o.evidence))
                }
            }
        }
    };
    section("ncs", "Potential nonconformities", body)
}

pub(crate) fn actions(actions: &[ActionState]) -> Markup {
    // Where the action stands, the ones needing attention first (recurred, overdue, open ...).
    let mut sorted: Vec<&ActionState> = actions.iter().collect();
    sorted.sort_by(|a, b| {
        a.status
            .cmp(&b.status)
            .then_with(|| a.action.id.cmp(&b.action.id))
    });
    let body = html! {
        p.note { "Corrective actions (clause 10.2): effectiveness is verified over later runs — the nonconformity's evidence must stay absent for the required number of consecutive runs after completion." }
        @if sorted.is_empty() {
            (none("No corrective action is declared ([[action]] in annexa.toml): none declared."))
        }
        @for s in &sorted {
            @let a = &s.action;
            article.action id={ "action-" (a.id) } {
                h3 { code { (a.id) } " " (badge("st", s.status.as_str())) }
                dl.meta {
                    dt { "Nonconformity" } dd { a href={ "#nc-" (a.nc) } { code { (a.nc) } } " — " @if s.raised_now { span.warn { "raised in this run" } } @else { "not raised in this run" } }
                    dt { "Correction" } dd { (opt(Some(&a.correction), "not given")) }
                    dt { "Root cause" } dd { (opt(Some(&a.root_cause), "not given")) }
                    dt { "Action" } dd { (opt(Some(&a.action), "not given")) }
                    dt { "Owner" } dd { (opt(Some(&a.owner), "not given")) }
                    dt { "Raised on" } dd { (opt(Some(&a.raised_on), "not given")) }
                    dt { "Due" } dd { (opt(Some(&a.due), "not given")) }
                    dt { "Completed on" } dd { (opt(a.completed_on.as_deref(), "not completed")) }
                    dt { "Clean runs" } dd { (s.clean_runs) " of " (s.required_runs) " required" }
                    dt { "Verification" } dd { (opt(Some(&s.note), "—")) }
                }
                details {
                    summary { "Runs considered (" (s.runs.len()) ")" }
                    @if s.runs.is_empty() {
                        (none("No run was considered: no recorded run since the action."))
                    } @else {
                        table {
                            thead { tr { th { "Run as of" } th { "Ledger record" } th { "Nonconformity" } } }
                            tbody {
                                @for r in s.runs.iter().take(MAX_ROWS) {
                                    tr {
                                        td { (r.as_of) }
                                        td { @match r.seq { Some(n) => { "#" (n) }, None => { "this run" } } }
                                        td { @if r.raised { span.warn { "raised" } } @else if r.examined { "examined, absent" } @else { "undecided (not examined)" } }
                                    }
                                }
                            }
                        }
                        (more(MAX_ROWS.min(s.runs.len()), s.runs.len(), "see `annexa actions`"))
                    }
                }
            }
        }
    };
    section("actions", "Corrective actions", body)
}

pub(crate) fn risks(isms: &IsmsView) -> Markup {
    let body = html! {
        h3 { "Risk criteria" }
        @match &isms.criteria {
            Some(c) => {
                dl.meta {
                    dt { "Likelihood scale" } dd { "1 to " (c.likelihood_max) }
                    dt { "Impact scale" } dd { "1 to " (c.impact_max) }
                    dt { "Acceptable at or below" } dd { (c.accept_at_or_below) " (likelihood × impact)" }
                    dt { "Approved" } dd { @if c.approved { "yes" } @else { span.warn { "no" } } }
                }
            }
            None => { p.warn { "No risk criteria are established (" code { "[risk-criteria]" } " in annexa.toml): not given." } }
        }
        h3 { "Risk register (" (isms.risks.len()) ")" }
        p.note {
            "Open findings of the checks that give evidence for a risk's controls " strong { "propose" }
            " a likelihood beside the owner's value; the owner's value is never changed — the risk owner decides."
        }
        @if isms.risks.is_empty() {
            (none("No risk is recorded: none declared."))
        } @else {
            div.scroll { table.risks {
                thead { tr {
                    th { "Risk" } th { "Title" } th { "Source" } th { "Register" } th { "Owner" }
                    th { "Likelihood (owner)" } th { "Likelihood (proposed)" } th { "Impact" } th { "Score" } th { "Acceptable" }
                    th { "Treatment" } th { "Residual" } th { "Residual sign-off" } th { "Controls" } th { "Open findings" } th { "Problems" }
                } }
                tbody {
                    @for r in isms.risks.iter().take(MAX_ROWS) {
                        @let k = &r.risk;
                        tr {
                            td { code { (k.id) } }
                            td { (opt(k.title.as_deref(), "no title")) }
                            td { (k.source) }
                            td {
                                @if !k.in_register { span.warn { "not assessed" } }
                                @else if k.applicable { "applicable" }
                                @else { "not applicable: " (opt(k.reason.as_deref(), "no reason given")) }
                            }
                            td { (opt(k.owner.as_deref(), "no owner")) }
                            td.n { (opt(k.likelihood.map(|l| l.to_string()).as_deref(), "—")) }
                            td.n {
                                @match r.proposed_likelihood {
                                    Some(p) => { strong { (p) } " " span.note { "proposed, from " (r.findings) " open finding(s)" } }
                                    None => span.na { "no proposal" },
                                }
                            }
                            td.n { (opt(k.impact.map(|l| l.to_string()).as_deref(), "—")) }
                            td.n { (opt(r.score.map(|s| s.to_string()).as_deref(), "—")) }
                            td { @match r.acceptable { Some(true) => "yes", Some(false) => span.warn { "no" }, None => span.na { "cannot tell" } } }
                            td { (opt(k.treatment.as_deref(), "—")) @if let Some(p) = &k.plan { br; span.note { "plan: " (p) } } }
                            td.n {
                                @match (k.residual_likelihood, k.residual_impact, r.residual_score) {
                                    (Some(l), Some(i), Some(s)) => { (l) " × " (i) " = " (s) }
                                    _ => span.na { "—" },
                                }
                            }
                            td {
                                @match (&k.residual_approved_by, &k.residual_approved_on) {
                                    (Some(b), Some(d)) => { (b) ", " (d) }
                                    (Some(b), None) => { (b) " (no date)" }
                                    (None, Some(d)) => { (d) " (no approver)" }
                                    (None, None) => span.na { "not signed off" },
                                }
                            }
                            td { (k.controls.iter().map(|c| c.code()).collect::<Vec<_>>().join(", ")) }
                            td.n {
                                (r.findings)
                                @if !r.checks.is_empty() {
                                    details { summary { (r.checks.len()) " check(s)" } code { (r.checks.join(", ")) } }
                                }
                            }
                            td.problems {
                                @if r.problems.is_empty() { span.na { "none" } }
                                @else { ul.plain { @for p in &r.problems { li { (p) } } } }
                            }
                        }
                    }
                }
            } }
            (more(MAX_ROWS.min(isms.risks.len()), isms.risks.len(), "see `annexa risks`"))
        }
    };
    section("risks", "Risks", body)
}

pub(crate) fn acceptances(list: &[AcceptanceState]) -> Markup {
    let body = html! {
        p.note { "A risk acceptance is the only thing that moves a finding into accepted risk; when it expires, the finding reopens." }
        @if list.is_empty() {
            (none("No risk acceptance is declared ([[acceptance]] in annexa.toml): none declared."))
        } @else {
            div.scroll { table {
                thead { tr {
                    th { "Acceptance" } th { "Status" } th { "Check" } th { "Scope" } th { "Reason" } th { "Risk owner" }
                    th { "Approver" } th { "Approved on" } th { "Expires" } th { "Risk" } th { "Findings covered" }
                } }
                tbody {
                    @for s in list.iter().take(MAX_ROWS) {
                        @let a = &s.acceptance;
                        tr {
                            td { code { (a.id) } }
                            td { (badge("st", s.status.as_str())) @if let Some(p) = &s.problem { br; span.warn { (p) } } }
                            td { code { (a.check) } }
                            td { code { (a.scope) } }
                            td { (a.reason) }
                            td { (opt(Some(&a.owner), "no owner")) }
                            td { (opt(a.approver.as_deref(), "no approver")) }
                            td { (opt(a.approved_on.as_deref(), "not given")) }
                            td { (opt(Some(&a.expires), "no expiry")) }
                            td { (opt(a.risk.as_deref(), "—")) }
                            td.n {
                                (s.findings)
                                @if !s.subjects.is_empty() {
                                    details {
                                        summary { (s.subjects.len()) " subject(s)" }
                                        ul.plain { @for x in s.subjects.iter().take(MAX_SUBLIST) { li { code { (x) } } } }
                                        (more(MAX_SUBLIST.min(s.subjects.len()), s.subjects.len(), "see the JSON report's findings"))
                                    }
                                }
                            }
                        }
                    }
                }
            } }
            (more(MAX_ROWS.min(list.len()), list.len(), "see annexa.toml"))
        }
    };
    section("acceptances", "Risk acceptances", body)
}

fn measure(m: &Measure) -> Markup {
    match m {
        Measure::PassRate { checks } => html! {
            "pass rate of "
            @if checks.is_empty() { "all checks" } @else { code { (checks.join(", ")) } }
            " (unknowns count against it)"
        },
        Measure::OpenFindings {
            checks,
            min_severity,
        } => html! {
            "open findings of "
            @if checks.is_empty() { "all checks" } @else { code { (checks.join(", ")) } }
            @if let Some(s) = min_severity { " at or above " (s.as_str()) }
        },
    }
}

pub(crate) fn objectives(list: &[ObjectiveResult]) -> Markup {
    let body = html! {
        p.note { "Information security objectives (6.2), measured on this run (9.1)." }
        @if list.is_empty() {
            (none("No objective is declared ([[objective]] in annexa.toml): none declared."))
        } @else {
            div.scroll { table {
                thead { tr {
                    th { "Objective" } th { "Title" } th { "Owner" } th { "Measure" } th { "Target" } th { "Value" }
                    th { "Measured" } th { "Status" } th { "Due" } th { "Controls" } th { "Basis" }
                } }
                tbody {
                    @for r in list.iter().take(MAX_ROWS) {
                        @let o = &r.objective;
                        @let pct = matches!(o.measure, Measure::PassRate { .. });
                        tr {
                            td { code { (o.id) } }
                            td { (o.title) }
                            td { (opt(o.owner.as_deref(), "no owner")) }
                            td { code { (o.measure.kind()) } ": " (measure(&o.measure)) }
                            td.n { @if pct { "≥ " (num(o.target)) "%" } @else { "≤ " (num(o.target)) } }
                            td.n {
                                @match r.value {
                                    Some(v) => { (num(v)) @if pct { "%" } }
                                    None => (not_given("not measurable")),
                                }
                            }
                            td.n { (r.population) " observation(s), " (r.unknown) " unknown" }
                            td { (badge("st", r.status.as_str())) }
                            td { (opt(o.due.as_deref(), "no due date")) }
                            td { (o.controls.iter().map(|c| c.code()).collect::<Vec<_>>().join(", ")) }
                            td { (r.basis) }
                        }
                    }
                }
            } }
            (more(MAX_ROWS.min(list.len()), list.len(), "see annexa.toml"))
        }
    };
    section("objectives", "Objectives", body)
}

pub(crate) fn suppliers(s: &SupplierReport) -> Markup {
    let body = html! {
        p.note { "The supplier register (A.5.19–A.5.23; A.7 for hosted runners) against the CI services, runners and third-party components the estate shows." }
        h3 { "Register (" (s.rows.len()) ")" }
        @if !s.present || s.rows.is_empty() {
            (none("No supplier is registered ([[supplier]] in annexa.toml): none declared."))
        } @else {
            div.scroll { table {
                thead { tr {
                    th { "Supplier" } th { "Name" } th { "Kind" } th { "Covers" } th { "Owner" } th { "Assessed on" }
                    th { "Assurance" } th { "Components covered" } th { "Problems" }
                } }
                tbody {
                    @for r in s.rows.iter().take(MAX_ROWS) {
                        @let x = &r.supplier;
                        tr {
                            td { code { (x.id) } }
                            td { (x.name) }
                            td { (x.kind) }
                            td { @if x.covers.is_empty() { span.na { "nothing" } } @else { code { (x.covers.join(", ")) } } }
                            td { (opt(x.owner.as_deref(), "no owner")) }
                            td { (opt(x.assessed_on.as_deref(), "never")) }
                            td {
                                @match &x.assurance {
                                    Some(a) => {
                                        (a.kind)
                                        @if a.period_from.is_some() || a.period_to.is_some() {
                                            ", period " (opt(a.period_from.as_deref(), "?")) " to " (opt(a.period_to.as_deref(), "?"))
                                        }
                                        ", expires " (opt(a.expires.as_deref(), "not given"))
                                    }
                                    None => (not_given("none")),
                                }
                            }
                            td.n { (r.components) }
                            td { @if r.problems.is_empty() { span.na { "none" } } @else { ul.plain { @for p in &r.problems { li { (p) } } } } }
                        }
                    }
                }
            } }
            (more(MAX_ROWS.min(s.rows.len()), s.rows.len(), "see annexa.toml"))
        }
        h3 { "Not covered by the register (" (s.unregistered.len()) " of " (s.discovered.len()) " discovered)" }
        @if s.discovered.is_empty() {
            (none("No supplier or third-party component was discovered."))
        } @else if s.unregistered.is_empty() {
            (none("Every discovered component is covered by a register entry."))
        } @else {
            div.scroll { table {
                thead { tr { th { "Kind" } th { "Component" } th { "Publisher" } th.n { "Uses" } th { "Repositories" } } }
                tbody {
                    @for c in s.unregistered.iter().take(MAX_ROWS) {
                        tr {
                            td { (c.kind) }
                            td { code { (c.name) } }
                            td { code { (c.publisher) } }
                            td.n { (c.uses) }
                            td {
                                (c.repositories.iter().take(MAX_SUBLIST).cloned().collect::<Vec<_>>().join(", "))
                                @if c.repositories.len() > MAX_SUBLIST { " … (" (c.repositories.len() - MAX_SUBLIST) " more)" }
                            }
                        }
                    }
                }
            } }
            (more(MAX_ROWS.min(s.unregistered.len()), s.unregistered.len(), "see the supplier view of the JSON output"))
        }
    };
    section("suppliers", "Suppliers", body)
}

pub(crate) fn calendar(list: &[CalendarEntry]) -> Markup {
    let body = html! {
        @if list.is_empty() {
            (none("No audit, review or certification date is planned ([[audit]] in annexa.toml): none declared."))
        } @else {
            div.scroll { table {
                thead { tr { th { "Kind" } th { "Title" } th { "Planned" } th { "Held on" } th { "Scope" } th { "Status" } } }
                tbody {
                    @for e in list.iter().take(MAX_ROWS) {
                        tr {
                            td { (e.kind) }
                            td { (e.title) }
                            td { (e.planned) }
                            td { (opt(e.held_on.as_deref(), "not held")) }
                            td { (opt(e.scope.as_deref(), "not given")) }
                            td { (badge("st", &e.status)) }
                        }
                    }
                }
            } }
            (more(MAX_ROWS.min(list.len()), list.len(), "see annexa.toml"))
        }
    };
    section("calendar", "Audit calendar", body)
}

fn population(p: &PopulationSummary) -> Markup {
    html! {
        article.population {
            h3 { (p.name) " — " (p.source) }
            @if !p.system_evidence {
                p.warn { "The snapshot this population comes from is synthetic or hand-edited: these counts are not system evidence." }
            }
            p {
                strong { (p.total) } " item(s): " (p.meeting) " meet the requirement, "
                strong { (p.exceptions) } " exception(s)"
                @if !p.unreadable.is_empty() { ", " (p.unreadable.len()) " could not be read" }
                "."
            }
            dl.meta {
                dt { "Query" }
                dd {
                    @if p.query.is_empty() { (not_given("not given")) }
                    @else { ul.plain { @for q in &p.query { li { code { (q) } } } } }
                }
                dt { "Filters" } dd { (opt(Some(&p.filters), "none")) }
                dt { "Period" } dd { @match &p.period { Some((a, b)) => { (a) " to " (b) }, None => (not_given("no period: a point-in-time population")) } }
                dt { "Extracted at" } dd { (opt(Some(&p.extracted_at), "not given")) }
                dt { "Collector" } dd { (opt(p.collector.as_deref(), "not given")) }
                dt { "Reconciliation" }
                dd {
                    @if p.reconciliation.is_empty() { (not_given("not reconciled against an independent total")) }
                    @else { ul.plain { @for r in &p.reconciliation { li { (r) } } } }
                }
                dt { "Unreadable" }
                dd {
                    @if p.unreadable.is_empty() { "none" }
                    @else { ul.plain { @for u in p.unreadable.iter().take(MAX_SUBLIST) { li { (u) } } } (more(MAX_SUBLIST.min(p.unreadable.len()), p.unreadable.len(), "see `annexa population`")) }
                }
            }
            details open[(1..=20).contains(&p.exception_items.len())] {
                summary { "Exceptions (" (p.exception_items.len()) ")" }
                @if p.exception_items.is_empty() {
                    (none("No exception: every item meets the requirement."))
                } @else {
                    ul.plain { @for e in p.exception_items.iter().take(MAX_EXCEPTIONS) { li { (e) } } }
                    (more(MAX_EXCEPTIONS.min(p.exception_items.len()), p.exception_items.len(), "see `annexa population`"))
                }
            }
        }
    }
}

pub(crate) fn populations(list: &[PopulationSummary]) -> Markup {
    let body = html! {
        p.note { "The sets an auditor samples over the period (merged changes, production deployments, access grants, alerts): counts, reconciliation, what could not be read, and every exception." }
        @if list.is_empty() {
            (none("No population was extracted: no platform snapshot was given (or none collected with the resources they need), so there is no operating evidence."))
        }
        @for p in list { (population(p)) }
    };
    section("populations", "Populations", body)
}
