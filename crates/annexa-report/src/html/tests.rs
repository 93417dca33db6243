//! Unit tests: every part of the ISMS view rendered from hand-built values, empty and full;
//! escaping of every user-controlled string; snippets; list caps.

use std::sync::Arc;

use annexa_assess::acceptance::{Acceptance, AcceptanceState, AcceptanceStatus};
use annexa_assess::actions::{ActionState, ActionStatus, CorrectiveAction, RunCheck};
use annexa_assess::calendar::CalendarEntry;
use annexa_assess::isms::{IsmsView, PopulationSummary, SoaDecisionText, SoaMeta};
use annexa_assess::ncs::{
    Detected, Evidence, Grade, Opportunity, PolicyFact, PotentialNc, Requirement, Topic,
};
use annexa_assess::objectives::{Measure, Objective, ObjectiveResult, ObjectiveStatus};
use annexa_assess::risks::{Criteria, RiskInput, RiskRow};
use annexa_assess::suppliers::{Assurance, Component, Supplier, SupplierReport, SupplierRow};
use annexa_assess::{Assessment, Decisions, assess_with};
use annexa_engine::{FileKind, FileStatus, Repository, ScanResult, SourceFile};
use annexa_model::controls::Clause;
use annexa_model::status::Declared;
use annexa_model::{
    CheckId, ControlId, FileLocation, Location, Observation, Outcome, Provenance, RepoIdentity,
    Route, Severity, Span, SubjectKey, Suppression,
};

use super::{SECTIONS, render};
use crate::ReportInput;

const EVIL: &str = "</title><script>document.title='pwned'</script><img src=x onerror=alert(1)>";

fn scan(files: Vec<SourceFile>, observations: Vec<Observation>) -> ScanResult {
    ScanResult {
        repositories: vec![Repository {
            display: "app".into(),
            root: "app".into(),
            identity: RepoIdentity {
                host: "github.com".into(),
                owner: "acme".into(),
                name: "app".into(),
            },
            commit: Some("abc123".into()),
            branch: Some("main".into()),
            dirty: false,
        }],
        files,
        observations,
        diagnostics: Vec::new(),
        excluded: Vec::new(),
        // No check metadata: these tests are about the ISMS parts and the page's mechanics.
        checks: Vec::new(),
        files_only: false,
        snapshots: Vec::new(),
        scope: Default::default(),
        inventory: Default::default(),
    }
}

fn file(path: &str, text: &str) -> SourceFile {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    if starts.last() == Some(&text.len()) && !text.is_empty() {
        starts.pop();
    }
    SourceFile {
        repo: 0,
        path: path.into(),
        kind: FileKind::GithubWorkflow,
        status: FileStatus::Understood,
        provenance: Provenance::RepoCommit,
        sha256: None,
        text: Some(Arc::from(text)),
        line_starts: starts.into(),
        included_by: Vec::new(),
        fragment: false,
    }
}

fn obs(outcome: Outcome, path: &str, span: Option<Span>, message: &str) -> Observation {
    Observation {
        check: CheckId::DeployWithoutGate,
        outcome,
        severity: Severity::High,
        subject: SubjectKey::Repo {
            repo: RepoIdentity {
                host: "github.com".into(),
                owner: "acme".into(),
                name: "app".into(),
            },
            commit: Some("abc123".into()),
            path: path.into(),
            route: Route::root().key("jobs").key(message),
        },
        message: message.into(),
        locations: vec![Location::File(FileLocation {
            repo: 0,
            path: path.into(),
            route: Route::root().key("jobs"),
            span,
            via: Vec::new(),
            label: Some(message.into()),
        })],
        provenance: Provenance::RepoCommit,
        suppression: None,
    }
}

fn page(scan: &ScanResult, isms: &IsmsView) -> String {
    // The declared dimension as the CLI derives it: every SoA decision applicable.
    let decisions: Decisions = isms
        .soa
        .decisions
        .iter()
        .map(|d| (d.control, Declared::Applicable))
        .collect();
    let assessment: Assessment = assess_with(&scan.checks, &scan.observations, &decisions);
    let input = ReportInput {
        scan,
        assessment: &assessment,
        as_of: "2026-10-15T00:00:00Z",
        tool_version: "0.0.0-test",
    };
    render(&input, isms)
}

fn part(m: maud::Markup) -> String {
    m.into_string()
}

/// The tags of an HTML string that start an element (`<name ...`), lower-cased names.
fn tags(html: &str) -> Vec<String> {
    html.split('<')
        .skip(1)
        .filter_map(|t| {
            let name: String = t
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            (!name.is_empty()).then(|| name.to_ascii_lowercase())
        })
        .collect()
}

/// Every element's name and attribute names (quoted values skipped).
fn elements(html: &str) -> Vec<(String, Vec<String>)> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' || !b.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
            i += 1;
            continue;
        }
        i += 1;
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                i += 1;
                break;
            }
            let a = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>') {
                i += 1;
            }
            attrs.push(html[a..i].to_ascii_lowercase());
            if b.get(i) == Some(&b'=') && b.get(i + 1) == Some(&b'"') {
                i += 2;
                while i < b.len() && b[i] != b'"' {
                    i += 1;
                }
                i += 1;
            }
        }
        out.push((name, attrs));
    }
    out
}

#[test]
fn an_empty_view_says_so_in_every_section() {
    let s = scan(Vec::new(), Vec::new());
    let html = page(&s, &IsmsView::default());
    assert!(html.starts_with("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:;"));
    for (id, title) in SECTIONS {
        assert!(
            html.contains(&format!("<section id=\"{id}\"><h2>{title}</h2>")),
            "{id}"
        );
    }
    for sentence in [
        "not given (no --period)",
        "No Statement of Applicability decision is declared",
        "No policy was found under isms/policies: none declared.",
        "No potential nonconformity was raised.",
        "No opportunity for improvement was identified.",
        "No corrective action is declared ([[action]] in annexa.toml): none declared.",
        "No risk criteria are established",
        "No risk is recorded: none declared.",
        "No risk acceptance is declared ([[acceptance]] in annexa.toml): none declared.",
        "No objective is declared ([[objective]] in annexa.toml): none declared.",
        "No supplier is registered ([[supplier]] in annexa.toml): none declared.",
        "No supplier or third-party component was discovered.",
        "No audit, review or certification date is planned",
        "No population was extracted",
        "No open finding.",
        "No finding was suppressed, deselected, accepted by policy or baselined.",
        "No observation was left undecided.",
        "No observation passed.",
        "No platform snapshot was given",
        "Every file found was read and parsed.",
        "No file was excluded by configuration.",
        "Statement of Applicability: no decision declared in annexa.toml",
        "policies: none found under isms/policies",
    ] {
        assert!(html.contains(sentence), "missing: {sentence}");
    }
    // All 93 controls, in both the status table and the SoA.
    assert_eq!(html.matches("<tr id=\"control-").count(), 93);
    // One tab per framework, the first one shown.
    assert_eq!(
        html.matches("<input type=\"radio\" name=\"crosswalk\"")
            .count(),
        crate::crosswalk::FRAMEWORKS.len()
    );
    assert!(html.contains("<input type=\"radio\" name=\"crosswalk\" id=\"cw-soc2\" checked>"));
    let t = tags(&html);
    for banned in [
        "script", "iframe", "object", "embed", "link", "img", "form", "base",
    ] {
        assert!(!t.iter().any(|x| x == banned), "<{banned}> in the page");
    }
    assert!(!html.contains("http://") && !html.contains("https://"));
}

#[test]
fn soa_and_policies() {
    let s = scan(Vec::new(), Vec::new());
    let isms = IsmsView {
        period: Some(("2026-07-01".into(), "2026-09-30".into())),
        scope_statement: Some("Delivery of the Acme platform".into()),
        soa: SoaMeta {
            present: true,
            version: Some("2026.1".into()),
            approver: Some("Jo Example, CISO".into()),
            approved_on: Some("2026-03-01".into()),
            decisions: vec![SoaDecisionText {
                control: ControlId::A8_32,
                reason: "Pipelines change production".into(),
                implementation: Some("CODEOWNERS on .github/".into()),
            }],
        },
        policies: vec![
            PolicyFact {
                id: "POL-CHG".into(),
                title: "Change management".into(),
                approved: true,
                overdue: false,
                next_review: Some("2027-01-10".into()),
            },
            PolicyFact {
                id: "POL-ACC".into(),
                title: "Access control".into(),
                approved: false,
                overdue: true,
                next_review: None,
            },
        ],
        ..IsmsView::default()
    };
    let html = page(&s, &isms);
    for text in [
        "2026-07-01 to 2026-09-30",
        "Delivery of the Acme platform",
        "version 2026.1, approved by Jo Example, CISO on 2026-03-01",
        "<dt>SoA version</dt><dd>2026.1</dd>",
        "Pipelines change production",
        "CODEOWNERS on .github/",
        "<code>POL-CHG</code>",
        "2027-01-10",
        "<code>POL-ACC</code>",
    ] {
        assert!(html.contains(text), "missing: {text}");
    }
    assert!(!html.contains("No Statement of Applicability decision is declared"));
    // The report read the SoA and the policies: "not examined" does not say otherwise.
    assert!(!html.contains("policies: none found"));
    assert!(!html.contains("Statement of Applicability: no decision declared"));
    assert!(!html.contains("ISMS records"));
}

#[test]
fn potential_nonconformities_and_opportunities() {
    let d = Detected {
        ncs: vec![PotentialNc {
            id: "change-management/A.8.32".into(),
            topic: Topic::ChangeManagement,
            requirement: Requirement::Control {
                control: ControlId::A8_32,
                reason: "Pipelines change production".into(),
            },
            statement: "A.8.32 is declared applicable, but 2 subject(s) fail".into(),
            evidence: vec![
                Evidence {
                    check: "deploy-without-gate".into(),
                    subject: "repo:github.com/acme/app@abc:ci.yml#jobs.x".into(),
                    message: "job x deploys without a gate".into(),
                    kind: "fail".into(),
                    provenance: "repo-commit".into(),
                },
                Evidence {
                    check: "attestation".into(),
                    subject: "isms:attestation/access-review/A.5.18".into(),
                    message: "no record".into(),
                    kind: "missing".into(),
                    provenance: String::new(),
                },
            ],
            grade: Grade::Major,
            grade_basis: "systemic: failures in 2 of 2 repositories".into(),
        }],
        opportunities: vec![Opportunity {
            topic: Topic::Logging,
            control: ControlId::A8_15,
            why_not_nc: "the SoA does not declare A.8.15 applicable".into(),
            evidence: Vec::new(),
        }],
    };
    let html = part(super::isms::ncs(&IsmsView {
        ncs: d,
        ..IsmsView::default()
    }));
    for text in [
        "id=\"nc-change-management/A.8.32\"",
        "indicative grade: major",
        "<strong>A.8.32</strong> — Change management",
        "the Statement of Applicability declares A.8.32 applicable: Pipelines change production",
        "systemic: failures in 2 of 2 repositories",
        "job x deploys without a gate",
        "badge prov-repo-commit",
        "record missing",
        "Grade basis (heuristic)",
        "Opportunities for improvement (1)",
        "the SoA does not declare A.8.15 applicable",
        "No evidence item is attached.",
    ] {
        assert!(html.contains(text), "missing: {text}");
    }
    // A clause requirement says why it applies.
    let clause = PotentialNc {
        id: "risk-treatment/6.1.3".into(),
        topic: Topic::RiskTreatment,
        requirement: Requirement::Clause(Clause::C6_1_3),
        statement: "No SoA".into(),
        evidence: Vec::new(),
        grade: Grade::Minor,
        grade_basis: "x".into(),
    };
    let html = part(super::isms::ncs(&IsmsView {
        ncs: Detected {
            ncs: vec![clause],
            opportunities: Vec::new(),
        },
        ..IsmsView::default()
    }));
    assert!(html.contains("applies to every certified ISMS"));
    assert!(html.contains("indicative grade: minor"));
}

fn action(id: &str, status: ActionStatus) -> ActionState {
    ActionState {
        action: CorrectiveAction {
            id: id.into(),
            nc: "change-management/A.8.32".into(),
            correction: "Added the gate".into(),
            root_cause: "No template".into(),
            action: "Template with an environment".into(),
            owner: "Head of Platform".into(),
            raised_on: "2026-08-01".into(),
            due: "2026-09-01".into(),
            completed_on: (status == ActionStatus::AwaitingVerification)
                .then(|| "2026-08-20".into()),
        },
        status,
        raised_now: status == ActionStatus::Overdue,
        clean_runs: 1,
        required_runs: 3,
        runs: vec![
            RunCheck {
                as_of: "2026-08-21T00:00:00Z".into(),
                seq: Some(7),
                raised: false,
                examined: true,
            },
            RunCheck {
                as_of: "2026-10-15T00:00:00Z".into(),
                seq: None,
                raised: false,
                examined: true,
            },
        ],
        note: "1 of 3 clean runs since completion".into(),
    }
}

#[test]
fn corrective_actions() {
    let html = part(super::isms::actions(&[
        action("CA-2", ActionStatus::AwaitingVerification),
        action("CA-1", ActionStatus::Overdue),
    ]));
    // Overdue first.
    let (a, b) = (
        html.find("id=\"action-CA-1\"").expect("CA-1"),
        html.find("id=\"action-CA-2\"").expect("CA-2"),
    );
    assert!(a < b);
    for text in [
        "badge st-overdue",
        "badge st-awaiting-verification",
        "href=\"#nc-change-management/A.8.32\"",
        "raised in this run",
        "not raised in this run",
        "Added the gate",
        "No template",
        "Template with an environment",
        "2026-09-01",
        "2026-08-20",
        "not completed",
        "1 of 3 required",
        "1 of 3 clean runs since completion",
        "<td>#7</td>",
        "<td>this run</td>",
    ] {
        assert!(html.contains(text), "missing: {text}");
    }
}

#[test]
fn risks_show_the_proposal_beside_the_owners_value() {
    let row = RiskRow {
        risk: RiskInput {
            id: "R01".into(),
            title: Some("A third-party action is taken over".into()),
            source: "starter",
            in_register: true,
            applicable: true,
            owner: Some("Head of Platform".into()),
            likelihood: Some(3),
            impact: Some(5),
            controls: vec![ControlId::A5_21],
            treatment: Some("mitigate".into()),
            plan: Some("Pin by SHA".into()),
            residual_likelihood: Some(1),
            residual_impact: Some(5),
            residual_approved_by: None,
            residual_approved_on: None,
            reason: None,
        },
        score: Some(15),
        acceptable: Some(false),
        residual_score: Some(5),
        findings: 4,
        checks: vec!["unpinned-external-code".into()],
        proposed_likelihood: Some(4),
        problems: vec!["residual risk not signed off by its owner".into()],
    };
    let not_applicable = RiskRow {
        risk: RiskInput {
            id: "R23".into(),
            source: "starter",
            in_register: true,
            applicable: false,
            reason: Some("Mirrored hourly".into()),
            ..RiskInput::default()
        },
        score: None,
        acceptable: None,
        residual_score: None,
        findings: 0,
        checks: Vec::new(),
        proposed_likelihood: None,
        problems: Vec::new(),
    };
    let html = part(super::isms::risks(&IsmsView {
        criteria: Some(Criteria {
            likelihood_max: 5,
            impact_max: 5,
            accept_at_or_below: 6,
            approved: false,
        }),
        risks: vec![row, not_applicable],
        ..IsmsView::default()
    }));
    for text in [
        "<dd>6 (likelihood × impact)</dd>",
        "<td class=\"n\">3</td><td class=\"n\"><strong>4</strong> <span class=\"note\">proposed, from 4 open finding(s)</span></td>",
        "<td class=\"n\">15</td>",
        "1 × 5 = 5",
        "not signed off",
        "Pin by SHA",
        "residual risk not signed off by its owner",
        "not applicable: Mirrored hourly",
        "no proposal",
        "cannot tell",
        "unpinned-external-code",
    ] {
        assert!(html.contains(text), "missing: {text}");
    }
}

#[test]
fn acceptances_objectives_calendar() {
    let acc = AcceptanceState {
        acceptance: Acceptance {
            id: "ACC-1".into(),
            check: "unpinned-image".into(),
            scope: "acme/legacy-*".into(),
            reason: "Vendor image, replaced in Q4".into(),
            owner: "Head of Platform".into(),
            approver: None,
            approved_on: None,
            expires: "2026-09-30".into(),
            risk: Some("R01".into()),
        },
        status: AcceptanceStatus::Invalid,
        problem: Some("no approver".into()),
        findings: 2,
        subjects: vec!["repo:a".into(), "repo:b".into()],
    };
    let html = part(super::isms::acceptances(&[acc]));
    for text in [
        "ACC-1",
        "badge st-invalid",
        "no approver",
        "acme/legacy-*",
        "Vendor image, replaced in Q4",
        "2026-09-30",
        "R01",
        "2 subject(s)",
        "<code>repo:b</code>",
    ] {
        assert!(html.contains(text), "missing: {text}");
    }

    let objectives = [
        ObjectiveResult {
            objective: Objective {
                id: "OBJ-1".into(),
                title: "Changes reviewed".into(),
                owner: None,
                measure: Measure::PassRate {
                    checks: vec!["unapproved-changes".into()],
                },
                target: 99.0,
                due: Some("2026-12-31".into()),
                controls: vec![ControlId::A8_32],
            },
            value: Some(97.5),
            population: 40,
            unknown: 1,
            status: ObjectiveStatus::NotYetMet,
            basis: "39 of 40 pass".into(),
        },
        ObjectiveResult {
            objective: Objective {
                id: "OBJ-2".into(),
                title: "No critical findings".into(),
                owner: Some("CISO".into()),
                measure: Measure::OpenFindings {
                    checks: Vec::new(),
                    min_severity: Some(Severity::Critical),
                },
                target: 0.0,
                due: None,
                controls: Vec::new(),
            },
            value: None,
            population: 0,
            unknown: 0,
            status: ObjectiveStatus::NotMeasurable,
            basis: "nothing to measure".into(),
        },
    ];
    let html = part(super::isms::objectives(&objectives));
    for text in [
        "OBJ-1",
        "≥ 99%",
        "97.5%",
        "40 observation(s), 1 unknown",
        "badge st-not-yet-met",
        "2026-12-31",
        "A.8.32",
        "39 of 40 pass",
        "no owner",
        "≤ 0",
        "at or above critical",
        "not measurable",
        "badge st-not-measurable",
        "no due date",
    ] {
        assert!(html.contains(text), "missing: {text}");
    }

    let html = part(super::isms::calendar(&[CalendarEntry {
        kind: "internal-audit".into(),
        title: "Internal audit of delivery".into(),
        planned: "2026-09-01".into(),
        held_on: None,
        scope: None,
        status: "overdue".into(),
    }]));
    for text in [
        "internal-audit",
        "Internal audit of delivery",
        "2026-09-01",
        "not held",
        "badge st-overdue",
    ] {
        assert!(html.contains(text), "missing: {text}");
    }
}

#[test]
fn suppliers_and_unregistered_components() {
    let component = |name: &str| Component {
        kind: "action".into(),
        name: name.into(),
        publisher: "tj-actions".into(),
        uses: 3,
        repositories: vec!["acme/app".into()],
    };
    let report = SupplierReport {
        present: true,
        rows: vec![SupplierRow {
            supplier: Supplier {
                id: "SUP-GH".into(),
                name: "GitHub Actions".into(),
                kind: "ci-service".into(),
                covers: vec!["github-actions".into(), "actions/*".into()],
                owner: None,
                assessed_on: Some("2025-01-01".into()),
                assurance: Some(Assurance {
                    kind: "soc2-type2".into(),
                    period_from: Some("2025-04-01".into()),
                    period_to: Some("2026-03-31".into()),
                    expires: None,
                }),
            },
            components: 5,
            problems: vec!["no owner".into(), "assessment older than 12 months".into()],
        }],
        unregistered: vec![component("tj-actions/changed-files")],
        discovered: vec![
            component("tj-actions/changed-files"),
            component("actions/checkout"),
        ],
    };
    let html = part(super::isms::suppliers(&report));
    for text in [
        "SUP-GH",
        "GitHub Actions",
        "ci-service",
        "github-actions, actions/*",
        "2025-01-01",
        "soc2-type2, period 2025-04-01 to 2026-03-31, expires",
        "assessment older than 12 months",
        "Not covered by the register (1 of 2 discovered)",
        "tj-actions/changed-files",
        "acme/app",
    ] {
        assert!(html.contains(text), "missing: {text}");
    }
    let covered = SupplierReport {
        unregistered: Vec::new(),
        ..report
    };
    assert!(
        part(super::isms::suppliers(&covered))
            .contains("Every discovered component is covered by a register entry.")
    );
}

#[test]
fn populations_say_when_they_are_not_system_evidence_and_cap_exceptions() {
    let p = PopulationSummary {
        name: "changes".into(),
        source: "acme".into(),
        query: vec!["GET /repos/{o}/{r}/pulls".into()],
        filters: "merged into the default branch".into(),
        period: Some(("2026-07-01".into(), "2026-09-30".into())),
        extracted_at: "2026-10-01T00:00:00Z".into(),
        collector: Some("bot".into()),
        total: 415,
        meeting: 150,
        exceptions: 265,
        reconciliation: vec!["415 commits on main, 415 through pull requests".into()],
        unreadable: vec!["acme/app#12: 403".into()],
        exception_items: (0..265)
            .map(|i| format!("acme/app #{i}: no review"))
            .collect(),
        system_evidence: false,
    };
    let html = part(super::isms::populations(std::slice::from_ref(&p)));
    for text in [
        "changes — acme",
        "not system evidence",
        "<strong>415</strong> item(s): 150 meet the requirement, <strong>265</strong> exception(s), 1 could not be read.",
        "GET /repos/{o}/{r}/pulls",
        "merged into the default branch",
        "2026-07-01 to 2026-09-30",
        "2026-10-01T00:00:00Z",
        "415 commits on main",
        "acme/app#12: 403",
        "acme/app #199: no review",
        "65 more not shown here (200 of 265 listed)",
    ] {
        assert!(html.contains(text), "missing: {text}");
    }
    assert!(!html.contains("acme/app #200: no review"));
    let system = PopulationSummary {
        system_evidence: true,
        reconciliation: Vec::new(),
        exception_items: Vec::new(),
        ..p
    };
    let html = part(super::isms::populations(&[system]));
    assert!(!html.contains("not system evidence"));
    assert!(html.contains("not reconciled against an independent total"));
    assert!(html.contains("No exception: every item meets the requirement."));
}

#[test]
fn every_user_string_is_escaped() {
    let e = || EVIL.to_owned();
    let text = format!("on: push\njobs:\n  x:\n    name: \"{EVIL}\"\n");
    let span = Some(Span {
        start: 26,
        end: text.len() - 1,
    });
    let mut suppressed = obs(Outcome::Fail, EVIL, span, EVIL);
    suppressed.suppression = Some(Suppression::Inline { reason: e() });
    let s = scan(
        vec![file(".github/workflows/ci.yml", &text)],
        vec![
            obs(Outcome::Fail, ".github/workflows/ci.yml", span, EVIL),
            obs(Outcome::Pass, ".github/workflows/ci.yml", span, EVIL),
            obs(Outcome::Unknown, ".github/workflows/ci.yml", span, EVIL),
            suppressed,
        ],
    );
    let isms = IsmsView {
        period: Some((e(), e())),
        scope_statement: Some(e()),
        soa: SoaMeta {
            present: true,
            version: Some(e()),
            approver: Some(e()),
            approved_on: Some(e()),
            decisions: vec![SoaDecisionText {
                control: ControlId::A8_32,
                reason: e(),
                implementation: Some(e()),
            }],
        },
        policies: vec![PolicyFact {
            id: e(),
            title: e(),
            approved: true,
            overdue: false,
            next_review: Some(e()),
        }],
        ncs: Detected {
            ncs: vec![PotentialNc {
                id: e(),
                topic: Topic::Logging,
                requirement: Requirement::Policy {
                    id: e(),
                    title: e(),
                },
                statement: e(),
                evidence: vec![Evidence {
                    check: e(),
                    subject: e(),
                    message: e(),
                    kind: e(),
                    provenance: e(),
                }],
                grade: Grade::Minor,
                grade_basis: e(),
            }],
            opportunities: Vec::new(),
        },
        criteria: None,
        risks: vec![RiskRow {
            risk: RiskInput {
                id: e(),
                title: Some(e()),
                owner: Some(e()),
                in_register: true,
                applicable: true,
                treatment: Some(e()),
                plan: Some(e()),
                ..RiskInput::default()
            },
            score: None,
            acceptable: None,
            residual_score: None,
            findings: 1,
            checks: vec![e()],
            proposed_likelihood: None,
            problems: vec![e()],
        }],
        acceptances: vec![AcceptanceState {
            acceptance: Acceptance {
                id: e(),
                check: e(),
                scope: e(),
                reason: e(),
                owner: e(),
                approver: Some(e()),
                approved_on: Some(e()),
                expires: e(),
                risk: Some(e()),
            },
            status: AcceptanceStatus::Active,
            problem: Some(e()),
            findings: 1,
            subjects: vec![e()],
        }],
        objectives: vec![ObjectiveResult {
            objective: Objective {
                id: e(),
                title: e(),
                owner: Some(e()),
                measure: Measure::PassRate { checks: vec![e()] },
                target: 1.0,
                due: Some(e()),
                controls: Vec::new(),
            },
            value: Some(0.5),
            population: 1,
            unknown: 0,
            status: ObjectiveStatus::Missed,
            basis: e(),
        }],
        suppliers: SupplierReport {
            present: true,
            rows: vec![SupplierRow {
                supplier: Supplier {
                    id: e(),
                    name: e(),
                    kind: e(),
                    covers: vec![e()],
                    owner: Some(e()),
                    assessed_on: Some(e()),
                    assurance: Some(Assurance {
                        kind: e(),
                        period_from: Some(e()),
                        period_to: Some(e()),
                        expires: Some(e()),
                    }),
                },
                components: 1,
                problems: vec![e()],
            }],
            unregistered: vec![Component {
                kind: e(),
                name: e(),
                publisher: e(),
                uses: 1,
                repositories: vec![e()],
            }],
            discovered: Vec::new(),
        },
        actions: vec![{
            let mut a = action("x", ActionStatus::Open);
            a.action = CorrectiveAction {
                id: e(),
                nc: e(),
                correction: e(),
                root_cause: e(),
                action: e(),
                owner: e(),
                raised_on: e(),
                due: e(),
                completed_on: Some(e()),
            };
            a.note = e();
            a.runs[0].as_of = e();
            a
        }],
        calendar: vec![CalendarEntry {
            kind: e(),
            title: e(),
            planned: e(),
            held_on: Some(e()),
            scope: Some(e()),
            status: e(),
        }],
        populations: vec![PopulationSummary {
            name: e(),
            source: e(),
            query: vec![e()],
            filters: e(),
            period: Some((e(), e())),
            extracted_at: e(),
            collector: Some(e()),
            total: 1,
            meeting: 0,
            exceptions: 1,
            reconciliation: vec![e()],
            unreadable: vec![e()],
            exception_items: vec![e()],
            system_evidence: true,
        }],
    };
    let html = page(&s, &isms);
    let t = tags(&html);
    assert!(!t.iter().any(|x| x == "script" || x == "img"), "{t:?}");
    assert!(!html.contains(EVIL));
    assert!(!html.contains("<script"));
    for (name, attrs) in elements(&html) {
        assert!(
            !attrs.iter().any(|a| a.starts_with("on")),
            "<{name} {attrs:?}>"
        );
    }
    let escaped = "&lt;/title&gt;&lt;script&gt;document.title='pwned'&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;";
    // Every field above shows up, escaped: many times over.
    assert!(
        html.matches(escaped).count() >= 60,
        "{}",
        html.matches(escaped).count()
    );
    // Escaped inside attributes too (`id`, `href`).
    assert!(html.contains("id=\"nc-&lt;/title&gt;"));
}

#[test]
fn snippets_mark_the_span_with_context() {
    let text = "on: push\njobs:\n  build:\n    runs-on: [self-hosted, linux]\n    steps:\n      - run: echo ünïcode\n      - run: make\n";
    let start = text.find("[self-hosted").expect("span");
    let span = Span {
        start,
        end: start + "[self-hosted, linux]".len(),
    };
    let s = scan(vec![file("ci.yml", text)], Vec::new());
    let o = obs(Outcome::Fail, "ci.yml", Some(span), "self-hosted");
    let html = part(super::scan::snippet(&s, &o.locations[0]).expect("snippet"));
    assert_eq!(
        html,
        "<pre class=\"snippet\"><code>\
<span class=\"line\"><span class=\"ln\">2</span>jobs:</span>\
<span class=\"line\"><span class=\"ln\">3</span>  build:</span>\
<span class=\"line hl\"><span class=\"ln\">4</span>    runs-on: <mark>[self-hosted, linux]</mark></span>\
<span class=\"line\"><span class=\"ln\">5</span>    steps:</span>\
<span class=\"line\"><span class=\"ln\">6</span>      - run: echo ünïcode</span>\
</code></pre>"
    );
    // A span over many lines is cut, and says so.
    let long: String = (0..30).map(|i| format!("line {i}\n")).collect();
    let s = scan(vec![file("long.yml", &long)], Vec::new());
    let o = obs(
        Outcome::Fail,
        "long.yml",
        Some(Span {
            start: 0,
            end: long.len(),
        }),
        "x",
    );
    let html = part(super::scan::snippet(&s, &o.locations[0]).expect("snippet"));
    assert_eq!(html.matches("class=\"line hl\"").count(), 8);
    assert!(html.contains("22 more line(s) of this element"));
    // No text or no span: no snippet, never a panic.
    let o = obs(Outcome::Fail, "long.yml", None, "x");
    assert!(super::scan::snippet(&s, &o.locations[0]).is_none());
    let o = obs(
        Outcome::Fail,
        "long.yml",
        Some(Span {
            start: 5,
            end: long.len() + 10,
        }),
        "x",
    );
    assert!(super::scan::snippet(&s, &o.locations[0]).is_none());
}

#[test]
fn long_lists_are_cut_and_say_how_many_more() {
    let text = "on: push\n";
    let many: Vec<Observation> = (0..(super::MAX_FINDINGS + 23))
        .map(|i| obs(Outcome::Fail, "ci.yml", None, &format!("finding {i}")))
        .collect();
    let s = scan(vec![file("ci.yml", text)], many);
    let html = page(&s, &IsmsView::default());
    assert!(html.contains("Open findings (523)"));
    assert!(html.contains("23 more not shown here (500 of 523 listed)"));
    assert!(html.contains(" finding 499</h3>"));
    assert!(!html.contains(" finding 500</h3>"));
    // Suppressed findings are listed and marked as such.
    let mut o = obs(Outcome::Fail, "ci.yml", None, "quiet one");
    o.suppression = Some(Suppression::Baselined);
    let s = scan(vec![file("ci.yml", text)], vec![o]);
    let html = page(&s, &IsmsView::default());
    assert!(html.contains("Suppressed, deselected, accepted by policy or baselined (1)"));
    assert!(html.contains("<article class=\"finding suppressed\">"));
    assert!(
        html.contains("in the baseline — not reported or gated, still counted for control status.")
    );
    assert!(html.contains("Open findings (0)"));
}

#[test]
fn the_same_inputs_give_the_same_bytes() {
    let s = scan(
        vec![file("ci.yml", "on: push\n")],
        vec![obs(Outcome::Fail, "ci.yml", None, "x")],
    );
    assert_eq!(
        page(&s, &IsmsView::default()),
        page(&s, &IsmsView::default())
    );
}
