//! Unit tests: identifiers, text and time helpers, status mappings, acceptances and corrective
//! actions from hand-built values, and hostile or empty inputs that must still give documents
//! valid against the OSCAL 1.2.1 schemas (`../shared/reference/schemas/oscal/1.2.1/`).

use std::sync::Arc;

use annexa_assess::acceptance::{Acceptance, AcceptanceState, AcceptanceStatus};
use annexa_assess::actions::{ActionState, ActionStatus, CorrectiveAction};
use annexa_assess::isms::{IsmsView, SoaDecisionText, SoaMeta};
use annexa_assess::ncs::{Detected, Evidence, Grade, PotentialNc, Requirement, Topic};
use annexa_assess::risks::{RiskInput, RiskRow};
use annexa_assess::{Assessment, Decisions, assess_with};
use annexa_engine::{FileKind, FileStatus, Repository, ScanResult, SnapshotSummary, SourceFile};
use annexa_model::check::CheckScope;
use annexa_model::status::{Declared, Level, Overall};
use annexa_model::{
    CheckId, CheckMeta, Confidence, ControlId, FileLocation, Location, Observation, Outcome,
    Provenance, RepoIdentity, Route, Severity, Span, SubjectKey, Suppression,
};
use annexa_platform::PlatformKind;
use annexa_platform::snapshot::{Manifest, ResourceMeta};
use serde_json::Value;

use super::*;

static DEPLOY: CheckMeta = CheckMeta {
    id: CheckId::DeployWithoutGate,
    summary: "a deployment without a gate",
    severity: Severity::High,
    confidence: Confidence::High,
    scope: CheckScope::Pipeline,
    platforms: &[],
    controls: &[ControlId::A8_32, ControlId::A8_31],
    population: None,
    doc: "",
};

static CODEOWNERS: CheckMeta = CheckMeta {
    id: CheckId::WorkflowsWithoutCodeowners,
    summary: "no owner",
    controls: &[ControlId::A8_32],
    ..DEPLOY
};

const HOSTILE: &str = "  line one\n\n  line\ttwo <script>alert(1)</script> ]] #x  \n";

fn repo_identity() -> RepoIdentity {
    RepoIdentity {
        host: "github.com".into(),
        owner: "acme".into(),
        name: "app".into(),
    }
}

fn file(path: &str, text: &str) -> SourceFile {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    SourceFile {
        repo: 0,
        path: path.into(),
        kind: FileKind::GithubWorkflow,
        status: FileStatus::Understood,
        provenance: Provenance::RepoCommit,
        sha256: Some("ab".repeat(32)),
        text: Some(Arc::from(text)),
        line_starts: starts.into(),
        included_by: Vec::new(),
        fragment: false,
    }
}

fn obs(check: CheckId, outcome: Outcome, path: &str, route: Route) -> Observation {
    Observation {
        check,
        outcome,
        severity: Severity::High,
        subject: SubjectKey::Repo {
            repo: repo_identity(),
            commit: Some("abc123".into()),
            path: path.into(),
            route: route.clone(),
        },
        message: format!("{} {path}", check.as_str()),
        locations: vec![Location::File(FileLocation {
            repo: 0,
            path: path.into(),
            route,
            span: Some(Span { start: 0, end: 3 }),
            via: Vec::new(),
            label: None,
        })],
        provenance: Provenance::RepoCommit,
        suppression: None,
    }
}

fn snapshot() -> SnapshotSummary {
    let mut manifest = Manifest::new(
        PlatformKind::Github,
        "https://api.github.com",
        "github.com",
        "2026-10-01T08:00:00+02:00".to_owned(),
    );
    let meta: ResourceMeta = serde_json::from_value(serde_json::json!({
        "status": 200,
        "fetched_at": "2026-10-01T06:00:00Z",
        "sha256": "cd".repeat(32),
    }))
    .expect("resource meta");
    manifest
        .resources
        .insert("/repos/acme/app/branches/a b|c/protection".to_owned(), meta);
    SnapshotSummary {
        runners: Vec::new(),
        display: "snap shot".into(),
        root: "snap shot".into(),
        manifest,
        manifest_sha256: "ef".repeat(32),
        examined: vec!["acme/app".into()],
        estate: Vec::new(),
        joined: Vec::new(),
        errors: Vec::new(),
        edited: Vec::new(),
        unreadable: Vec::new(),
        as_of: "2026-10-15T00:00:00Z".into(),
    }
}

fn scan(observations: Vec<Observation>, files: Vec<SourceFile>) -> ScanResult {
    ScanResult {
        repositories: vec![Repository {
            display: "C:app dir".into(),
            root: "app".into(),
            identity: repo_identity(),
            commit: Some("abc123".into()),
            branch: Some("main".into()),
            dirty: false,
        }],
        files,
        observations,
        diagnostics: Vec::new(),
        excluded: Vec::new(),
        checks: vec![&DEPLOY, &CODEOWNERS],
        files_only: false,
        snapshots: Vec::new(),
        scope: Default::default(),
        inventory: Default::default(),
    }
}

fn assessment(scan: &ScanResult, decisions: &Decisions) -> Assessment {
    assess_with(&scan.checks, &scan.observations, decisions)
}

fn input<'a>(scan: &'a ScanResult, a: &'a Assessment, as_of: &'a str) -> ReportInput<'a> {
    ReportInput {
        scan,
        assessment: a,
        as_of,
        tool_version: "0.1.0",
    }
}

fn schema(name: &str) -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/schemas/oscal/1.2.1/"
    );
    let text = std::fs::read_to_string(format!("{path}oscal_{name}_schema.json"))
        .expect("OSCAL 1.2.1 schema in ../shared/reference");
    let v: Value = serde_json::from_str(&text).expect("schema json");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&v)
        .expect("schema compiles")
}

/// All four documents, each validated against its schema; returned parsed.
fn valid_documents(input: &ReportInput<'_>, isms: &IsmsView) -> [Value; 4] {
    let texts = [
        ("assessment-results", assessment_results(input, isms)),
        ("ssp", ssp(input, isms)),
        ("poam", poam(input, isms)),
        ("component", component_definition(input)),
    ];
    texts.map(|(name, text)| {
        assert!(text.ends_with("}\n"));
        let doc: Value = serde_json::from_str(&text).expect("json");
        let errors: Vec<String> = schema(name)
            .iter_errors(&doc)
            .take(10)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        doc
    })
}

fn prop<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v["props"].as_array()?.iter().find(|p| p["name"] == name)?["value"].as_str()
}

fn acceptance(
    id: &str,
    check: CheckId,
    status: AcceptanceStatus,
    subject: &str,
) -> AcceptanceState {
    AcceptanceState {
        acceptance: Acceptance {
            id: id.into(),
            check: check.as_str().into(),
            scope: "*".into(),
            reason: HOSTILE.into(),
            owner: "Head of\nPlatform".into(),
            approver: (status != AcceptanceStatus::Invalid).then(|| "CISO".into()),
            approved_on: Some("2026-01-01".into()),
            expires: "2026-12-31".into(),
            risk: Some("R01".into()),
        },
        status,
        problem: (status == AcceptanceStatus::Invalid).then(|| "no approver".into()),
        findings: 1,
        subjects: if subject.is_empty() {
            Vec::new()
        } else {
            vec![subject.to_owned()]
        },
    }
}

fn action(id: &str, nc: &str, status: ActionStatus) -> ActionState {
    ActionState {
        action: CorrectiveAction {
            id: id.into(),
            nc: nc.into(),
            correction: HOSTILE.into(),
            root_cause: String::new(),
            action: "Enforce protection".into(),
            owner: "Head of Platform".into(),
            raised_on: "2026-09-01".into(),
            due: "2026-11-30".into(),
            completed_on: (status == ActionStatus::Effective).then(|| "2026-10-01".into()),
        },
        status,
        raised_now: status != ActionStatus::Effective,
        clean_runs: 0,
        required_runs: 3,
        runs: Vec::new(),
        note: String::new(),
    }
}

#[test]
fn uuids_are_v5_under_the_fixed_namespace() {
    let id = uuid("finding", "A.8.32");
    assert_eq!(id, uuid("finding", "A.8.32"));
    assert_ne!(id, uuid("finding", "A.8.31"));
    let parsed = Uuid::parse_str(&id).expect("uuid");
    assert_eq!(parsed.get_version_num(), 5);
    assert_eq!(
        parsed,
        Uuid::new_v5(&NAMESPACE, b"finding:A.8.32"),
        "documented derivation"
    );
    assert_eq!(
        NAMESPACE.to_string(),
        "2a10a11c-c230-41ec-a004-01feb24ee243"
    );
}

#[test]
fn text_time_and_uri_helpers() {
    assert_eq!(
        line(HOSTILE),
        "line one line two <script>alert(1)</script> ]] #x"
    );
    assert_eq!(line_or(" \n ", "fallback"), "fallback");
    assert_eq!(text_or("\n a\nb \n", "f"), "a\nb");
    assert_eq!(
        timestamp("2026-10-01T08:00:00+02:00").as_deref(),
        Some("2026-10-01T06:00:00Z")
    );
    assert_eq!(timestamp("1850-01-01T00:00:00Z"), None);
    assert_eq!(timestamp("yesterday"), None);
    assert_eq!(
        day_start("2026-02-28").as_deref(),
        Some("2026-02-28T00:00:00Z")
    );
    assert_eq!(
        day_end("2026-02-28").as_deref(),
        Some("2026-02-28T23:59:59Z")
    );
    assert_eq!(day_end("2026-02-30"), None);
    assert_eq!(encode_uri("a dir/x#1?.yml", true), "a%20dir/x%231%3F.yml");
    assert_eq!(encode_uri("C:app/x", true), "./C:app/x");
    assert_eq!(
        encode_uri("https://h/repos/a/b?x=1&y=%2F z", false),
        "https://h/repos/a/b?x=1&y=%2F%20z"
    );
    assert_eq!(encode_uri("100%", true), "100%25");
}

#[test]
fn repeated_check_and_subject_get_distinct_ids() {
    let o = obs(
        CheckId::DeployWithoutGate,
        Outcome::Fail,
        "a.yml",
        Route::root(),
    );
    let s = scan(vec![o.clone(), o.clone(), o], Vec::new());
    let keys = observation_keys(&s);
    let unique: BTreeSet<&String> = keys.iter().collect();
    assert_eq!(unique.len(), 3);
    assert!(keys[0].ends_with("a.yml"));
}

#[test]
fn satisfied_and_implemented_only_when_the_assessment_says_implemented() {
    let s = scan(
        vec![obs(
            CheckId::DeployWithoutGate,
            Outcome::Pass,
            "a.yml",
            Route::root(),
        )],
        vec![file("a.yml", "on: push\n")],
    );
    let decisions: Decisions = [
        (ControlId::A8_32, Declared::Applicable),
        (ControlId::A7_1, Declared::Excluded),
    ]
    .into_iter()
    .collect();
    let mut a = assessment(&s, &decisions);
    // Design evidence alone: partial, never implemented.
    assert_eq!(
        a.control(ControlId::A8_31).dimensions.design,
        Some(Level::Meets)
    );
    assert_eq!(a.control(ControlId::A8_31).overall, Overall::Partial);
    // Pretend operation evidence met A.8.32 (as a period snapshot would).
    let c = &mut a.controls[ControlId::A8_32 as usize];
    c.dimensions.operation = Some(Level::Meets);
    c.dimensions.design = Some(Level::Meets);
    c.overall = c.dimensions.overall();
    assert_eq!(c.overall, Overall::Implemented);
    let isms = IsmsView {
        soa: SoaMeta {
            present: true,
            decisions: vec![SoaDecisionText {
                control: ControlId::A7_1,
                reason: "hosted runners only".into(),
                implementation: None,
            }],
            ..SoaMeta::default()
        },
        ..IsmsView::default()
    };
    let i = input(&s, &a, "2026-10-15T12:00:00Z");
    let [ar, ssp, _, _] = valid_documents(&i, &isms);
    let findings = ar["assessment-results"]["results"][0]["findings"]
        .as_array()
        .expect("findings");
    assert_eq!(findings.len(), 93);
    for f in findings {
        let id = f["target"]["target-id"].as_str().expect("id");
        let state = f["target"]["status"]["state"].as_str().expect("state");
        let implementation = &f["target"]["implementation-status"]["state"];
        match id {
            "A.8.32" => {
                assert_eq!(state, "satisfied");
                assert_eq!(f["target"]["status"]["reason"], "pass");
                assert_eq!(implementation, "implemented");
            }
            "A.8.31" => {
                assert_eq!(state, "not-satisfied");
                assert_eq!(implementation, "partial");
            }
            "A.7.1" => {
                assert_eq!(state, "not-satisfied");
                assert_eq!(implementation, "not-applicable");
            }
            _ => {
                assert_eq!(state, "not-satisfied", "{id}");
                assert_ne!(implementation, "implemented", "{id}");
            }
        }
    }
    let reqs = ssp["system-security-plan"]["control-implementation"]["implemented-requirements"]
        .as_array()
        .expect("requirements");
    let state = |id: &str| {
        reqs.iter()
            .find(|r| r["control-id"] == id)
            .expect("control")["by-components"][0]["implementation-status"]
            .clone()
    };
    assert_eq!(state("A.8.32")["state"], "implemented");
    assert_eq!(state("A.8.31")["state"], "partial");
    assert_eq!(state("A.7.1")["state"], "not-applicable");
    assert!(
        state("A.7.1")["remarks"]
            .as_str()
            .is_some_and(|r| r.contains("hosted runners only"))
    );
    assert_eq!(state("A.5.1")["state"], "not-assessed");
}

#[test]
fn poam_statuses_follow_acceptances_and_actions() {
    let fail = |check, path: &str| obs(check, Outcome::Fail, path, Route::root());
    let a = fail(CheckId::DeployWithoutGate, "a.yml");
    let b = fail(CheckId::DeployWithoutGate, "b.yml");
    let c = fail(CheckId::WorkflowsWithoutCodeowners, "c.yml");
    let mut d = fail(CheckId::WorkflowsWithoutCodeowners, "d.yml");
    d.suppression = Some(Suppression::Inline {
        reason: "we know".into(),
    });
    let s = scan(vec![a.clone(), b.clone(), c.clone(), d.clone()], Vec::new());
    let asmt = assessment(&s, &Decisions::none());
    let key = |o: &Observation| o.subject.to_string();
    let isms = IsmsView {
        acceptances: vec![
            // a: expired and active → active wins.
            acceptance(
                "OLD",
                CheckId::DeployWithoutGate,
                AcceptanceStatus::Expired,
                &key(&a),
            ),
            acceptance(
                "NEW",
                CheckId::DeployWithoutGate,
                AcceptanceStatus::Active,
                &key(&a),
            ),
            // b: expired only → open again.
            acceptance(
                "B",
                CheckId::DeployWithoutGate,
                AcceptanceStatus::Expired,
                &key(&b),
            ),
            // c: not approved → requested.
            acceptance(
                "C",
                CheckId::WorkflowsWithoutCodeowners,
                AcceptanceStatus::Invalid,
                &key(&c),
            ),
            // Matches nothing: named in the remarks.
            acceptance(
                "NONE",
                CheckId::DeployWithoutGate,
                AcceptanceStatus::Active,
                "",
            ),
        ],
        ncs: Detected {
            ncs: vec![PotentialNc {
                id: "change-management/A.8.32".into(),
                topic: Topic::ChangeManagement,
                requirement: Requirement::Control {
                    control: ControlId::A8_32,
                    reason: "reviewed".into(),
                },
                statement: HOSTILE.into(),
                evidence: vec![
                    Evidence {
                        check: a.check.as_str().into(),
                        subject: key(&a),
                        message: a.message.clone(),
                        kind: "fail".into(),
                        provenance: "repo-commit".into(),
                    },
                    Evidence {
                        check: "soa".into(),
                        subject: "isms:config/annexa.toml#soa".into(),
                        message: "missing".into(),
                        kind: "missing".into(),
                        provenance: String::new(),
                    },
                ],
                grade: Grade::Major,
                grade_basis: "systemic".into(),
            }],
            opportunities: Vec::new(),
        },
        actions: vec![
            action("CA-1", "change-management/A.8.32", ActionStatus::Open),
            action("CA-0", "logging/A.8.15", ActionStatus::Effective),
        ],
        risks: vec![RiskRow {
            risk: RiskInput {
                id: "R01".into(),
                title: Some(HOSTILE.into()),
                source: "starter",
                in_register: true,
                applicable: true,
                owner: Some("Head of Platform".into()),
                likelihood: Some(4),
                impact: Some(5),
                controls: vec![ControlId::A8_32],
                treatment: Some("mitigate".into()),
                plan: Some("Pin".into()),
                ..RiskInput::default()
            },
            score: Some(20),
            acceptable: Some(false),
            residual_score: None,
            findings: 2,
            checks: vec!["deploy-without-gate".into()],
            proposed_likelihood: Some(5),
            problems: vec!["residual risk not signed off by its owner".into()],
        }],
        ..IsmsView::default()
    };
    let i = input(&s, &asmt, "2026-10-15T12:00:00Z");
    let [_, _, poam, _] = valid_documents(&i, &isms);
    let p = &poam["plan-of-action-and-milestones"];
    let risks = p["risks"].as_array().expect("risks");
    let finding = |o: &Observation| {
        risks
            .iter()
            .find(|r| prop(r, "subject-key") == Some(key(o).as_str()))
            .expect("risk of the finding")
    };
    assert_eq!(finding(&a)["status"], "deviation-approved");
    assert_eq!(prop(finding(&a), "acceptance"), Some("NEW"));
    assert_eq!(finding(&a)["deadline"], "2026-12-31T23:59:59Z");
    assert_eq!(finding(&b)["status"], "open");
    assert_eq!(prop(finding(&b), "acceptance-status"), Some("expired"));
    assert!(finding(&b).get("deadline").is_none());
    assert_eq!(finding(&c)["status"], "deviation-requested");
    // Suppression never changes the status.
    assert_eq!(finding(&d)["status"], "open");
    assert_eq!(prop(finding(&d), "suppression"), Some("inline"));
    // The nonconformity with its open action is being remediated.
    let nc = risks
        .iter()
        .find(|r| prop(r, "nonconformity") == Some("change-management/A.8.32"))
        .expect("nc");
    assert_eq!(nc["status"], "remediating");
    assert_eq!(nc["related-observations"].as_array().map(Vec::len), Some(1));
    assert_eq!(nc["remediations"][0]["lifecycle"], "planned");
    // An effective action of a nonconformity no longer raised closes it.
    let old = risks
        .iter()
        .find(|r| prop(r, "nonconformity") == Some("logging/A.8.15"))
        .expect("earlier nc");
    assert_eq!(old["status"], "closed");
    assert_eq!(old["remediations"][0]["lifecycle"], "completed");
    assert_eq!(
        old["remediations"][0]["tasks"][1]["timing"]["on-date"]["date"],
        "2026-10-01T00:00:00Z"
    );
    let r01 = risks
        .iter()
        .find(|r| prop(r, "risk") == Some("R01"))
        .expect("R01");
    assert_eq!(r01["status"], "open");
    assert_eq!(prop(r01, "proposed-likelihood"), Some("5"));
    assert_eq!(prop(r01, "likelihood"), Some("4"));
    assert!(
        p["metadata"]["remarks"]
            .as_str()
            .is_some_and(|r| r.contains("`NONE`"))
    );
    // Every fail is in, suppressed or not; nothing else.
    assert_eq!(p["observations"].as_array().map(Vec::len), Some(4));
}

#[test]
fn hostile_and_empty_inputs_stay_valid() {
    // Nothing at all: no observation, no SoA, no scope, no risks.
    let s = scan(Vec::new(), Vec::new());
    let a = assessment(&s, &Decisions::none());
    let i = input(&s, &a, "2026-10-15T12:00:00Z");
    let [ar, ssp, poam, _] = valid_documents(&i, &IsmsView::default());
    assert_eq!(
        ar["assessment-results"]["results"][0]["findings"]
            .as_array()
            .map(Vec::len),
        Some(93)
    );
    assert_eq!(
        ssp["system-security-plan"]["system-characteristics"]["system-name"],
        "ISMS scope not stated"
    );
    assert_eq!(
        ssp["system-security-plan"]["metadata"]["version"],
        "SoA version not stated"
    );
    let items = poam["plan-of-action-and-milestones"]["poam-items"]
        .as_array()
        .expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["title"], "No open items");

    // Odd paths, routes, messages and records; platform evidence from a snapshot.
    let route = Route::root().key("jobs").key("a\nb \"c\"").index(2);
    let mut o1 = obs(
        CheckId::DeployWithoutGate,
        Outcome::Fail,
        "dir with space/a#b.yml",
        route,
    );
    o1.message = " \n ".into();
    o1.suppression = Some(Suppression::Inline {
        reason: HOSTILE.into(),
    });
    o1.locations.push(Location::Record { id: HOSTILE.into() });
    let o2 = Observation {
        subject: SubjectKey::Api {
            host: "github.com".into(),
            resource: "/repos/acme/app".into(),
            pointer: "/x y".into(),
        },
        locations: vec![Location::Api {
            resource: "/repos/acme/app/branches/a b|c/protection".into(),
            pointer: "/required_pull_request_reviews".into(),
            status: 200,
            etag: Some("W/\"x\"".into()),
        }],
        provenance: Provenance::SystemCollected,
        ..obs(
            CheckId::WorkflowsWithoutCodeowners,
            Outcome::Unknown,
            "",
            Route::root(),
        )
    };
    let o3 = Observation {
        subject: SubjectKey::Isms {
            kind: "config".into(),
            id: HOSTILE.into(),
        },
        locations: Vec::new(),
        ..obs(
            CheckId::DeployWithoutGate,
            Outcome::NotRelevant,
            "",
            Route::root(),
        )
    };
    let mut s = scan(
        vec![o1, o2.clone(), o3],
        vec![file("dir with space/a#b.yml", "on: push\n")],
    );
    s.snapshots.push(snapshot());
    let a = assessment(&s, &Decisions::none());
    let isms = IsmsView {
        period: Some(("2026-07-01".into(), "2026-09-30".into())),
        scope_statement: Some(HOSTILE.into()),
        soa: SoaMeta {
            present: true,
            version: Some(" ".into()),
            approver: Some("\n".into()),
            approved_on: Some(HOSTILE.into()),
            decisions: vec![SoaDecisionText {
                control: ControlId::A8_32,
                reason: HOSTILE.into(),
                implementation: Some(" ".into()),
            }],
        },
        ..IsmsView::default()
    };
    let i = input(&s, &a, "2026-10-15T12:00:00Z");
    let [ar, ssp, _, _] = valid_documents(&i, &isms);
    let result = &ar["assessment-results"]["results"][0];
    assert_eq!(result["start"], "2026-07-01T00:00:00Z");
    let api = result["observations"]
        .as_array()
        .expect("observations")
        .iter()
        .find(|o| prop(o, "outcome") == Some("unknown"))
        .expect("api observation");
    // Collected when the snapshot was, normalised to UTC.
    assert_eq!(api["collected"], "2026-10-01T06:00:00Z");
    assert_eq!(
        prop(&api["relevant-evidence"][0], "sha256"),
        Some("cd".repeat(32).as_str())
    );
    let resources = ar["assessment-results"]["back-matter"]["resources"]
        .as_array()
        .expect("resources");
    assert!(resources.iter().any(|r| {
        r["rlinks"][0]["href"]
            == "https://api.github.com/repos/acme/app/branches/a%20b%7Cc/protection"
    }));
    assert!(
        resources
            .iter()
            .any(|r| { r["rlinks"][0]["href"] == "./C:app%20dir/dir%20with%20space/a%23b.yml" })
    );
    assert_eq!(
        ssp["system-security-plan"]["metadata"]["version"],
        "SoA version not stated"
    );
    assert!(
        ssp["system-security-plan"]["metadata"]
            .get("parties")
            .is_none()
    );
}
