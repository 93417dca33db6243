//! Potential nonconformities (ISO/IEC 27001:2022 10.2): raised only against a *cited*
//! requirement — an ISMS clause, or an Annex A control the Statement of Applicability declares
//! applicable — with the objective evidence behind it. A weakness with no requirement behind it
//! is an opportunity for improvement. The grade is an *indicative* heuristic following the
//! ISO/IEC 17021-1 definitions; the auditor grades.
//!
//! Heuristic (documented in ARCHITECTURE.md, "Potential nonconformities"):
//! - **major** when the requirement is not addressed at all (the control's evidence has
//!   failures and no pass anywhere), or the breakdown is systemic (failures in at least half
//!   of the repositories / organisations assessed, with at least two), or there are many
//!   findings against it (10 or more failing subjects);
//! - **minor** otherwise.
//!
//! Architecture invariant: pure; a finding is evidence, never a nonconformity by itself.

use std::collections::{BTreeMap, BTreeSet};

use annexa_model::controls::Clause;
use annexa_model::status::Declared;
use annexa_model::{CheckMeta, ControlId, Observation, Outcome, Suppression};

use crate::{Assessment, repo_of};

/// The common CI/CD nonconformity topics the detector covers, and what they rest on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Topic {
    ChangeManagement,
    AccessReview,
    SecurityTesting,
    Suppliers,
    EnvironmentSeparation,
    Logging,
    RiskTreatment,
    /// Policies past their review date or not approved.
    DocumentedInformation,
    /// The SoA excludes a control the estate shows failing.
    SoaDrift,
    /// Risk acceptances that lapsed while their findings remain (6.1.3).
    RiskAcceptance,
    /// Objectives not established, or missed (6.2).
    Objectives,
    /// Monitoring evidence missing for part of the period (9.1).
    Monitoring,
    /// Internal audits and management reviews not held as planned (9.2, 9.3).
    AuditProgramme,
    /// Corrective actions overdue, not effective, or a nonconformity that recurred (10.2).
    CorrectiveAction,
}

impl Topic {
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::ChangeManagement => "change-management",
            Topic::AccessReview => "access-review",
            Topic::SecurityTesting => "security-testing",
            Topic::Suppliers => "supplier-management",
            Topic::EnvironmentSeparation => "environment-separation",
            Topic::Logging => "logging",
            Topic::RiskTreatment => "risk-treatment",
            Topic::DocumentedInformation => "documented-information",
            Topic::SoaDrift => "soa-drift",
            Topic::RiskAcceptance => "risk-acceptance",
            Topic::Objectives => "objectives",
            Topic::Monitoring => "monitoring",
            Topic::AuditProgramme => "audit-programme",
            Topic::CorrectiveAction => "corrective-action",
        }
    }

    /// The topic's title as a user reads it.
    pub fn title(self) -> &'static str {
        match self {
            Topic::ChangeManagement => "No or insufficient change-management evidence",
            Topic::AccessReview => "Insufficient access control and access reviews",
            Topic::SecurityTesting => "Security testing not integrated or its results not acted on",
            Topic::Suppliers => "Poor management of suppliers and third-party components",
            Topic::EnvironmentSeparation => "Environment bleed between development and production",
            Topic::Logging => "Incomplete logging of the delivery estate",
            Topic::RiskTreatment => "Missing risk treatment / Statement of Applicability",
            Topic::DocumentedInformation => "Policies not approved or past their review",
            Topic::SoaDrift => "Statement of Applicability contradicts what was observed",
            Topic::RiskAcceptance => "Risk acceptances lapsed while their findings remain",
            Topic::Objectives => "Information security objectives not established or missed",
            Topic::Monitoring => "Gaps in the monitoring evidence over the period",
            Topic::AuditProgramme => "Internal audit or management review not held as planned",
            Topic::CorrectiveAction => "Corrective actions overdue, not effective or recurring",
        }
    }

    /// The Annex A controls whose failing evidence the topic gathers.
    fn controls(self) -> &'static [ControlId] {
        use ControlId::*;
        match self {
            Topic::ChangeManagement => &[A8_32, A5_3, A8_4],
            Topic::AccessReview => &[A5_15, A5_18, A8_2, A8_5, A5_17],
            Topic::SecurityTesting => &[A8_29, A8_25, A8_8, A8_28],
            Topic::Suppliers => &[A5_19, A5_21, A5_22],
            Topic::EnvironmentSeparation => &[A8_31, A8_9],
            Topic::Logging => &[A8_15, A5_28, A8_16],
            _ => &[],
        }
    }

    pub const CONTROL_TOPICS: [Topic; 6] = [
        Topic::ChangeManagement,
        Topic::AccessReview,
        Topic::SecurityTesting,
        Topic::Suppliers,
        Topic::EnvironmentSeparation,
        Topic::Logging,
    ];
}

/// What a potential nonconformity is raised against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// An ISMS clause (always a requirement for certification).
    Clause(Clause),
    /// An Annex A control the SoA declares applicable, with the SoA's reason.
    Control { control: ControlId, reason: String },
    /// A statement of the organisation's own policy (its id and title).
    Policy { id: String, title: String },
}

impl Requirement {
    pub fn id(&self) -> String {
        match self {
            Requirement::Clause(c) => format!("clause {}", c.code()),
            Requirement::Control { control, .. } => control.code().to_owned(),
            Requirement::Policy { id, .. } => format!("policy {id}"),
        }
    }

    pub fn title(&self) -> String {
        match self {
            Requirement::Clause(c) => c.title().to_owned(),
            Requirement::Control { control, .. } => control.info().title.to_owned(),
            Requirement::Policy { title, .. } => title.clone(),
        }
    }

    /// Why this is a requirement here.
    pub fn cited_because(&self) -> String {
        match self {
            Requirement::Clause(c) => format!(
                "ISO/IEC 27001:2022 clause {} applies to every certified ISMS",
                c.code()
            ),
            Requirement::Control { control, reason } => format!(
                "the Statement of Applicability declares {} applicable: {reason}",
                control.code()
            ),
            Requirement::Policy { id, .. } => format!("the organisation's own policy {id}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grade {
    Minor,
    Major,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Minor => "minor",
            Grade::Major => "major",
        }
    }
}

/// One piece of objective evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub check: String,
    pub subject: String,
    pub message: String,
    /// `fail` for observations; `missing` for a record that does not exist.
    pub kind: String,
    /// The observation's provenance (`system-collected`, `repo-commit`, `working-tree`,
    /// `hand-edited`); empty for a missing record.
    pub provenance: String,
}

/// A potential nonconformity.
#[derive(Clone, Debug)]
pub struct PotentialNc {
    /// Stable id: `<topic>/<requirement>`.
    pub id: String,
    pub topic: Topic,
    pub requirement: Requirement,
    pub statement: String,
    pub evidence: Vec<Evidence>,
    /// Indicative, heuristic: the auditor grades.
    pub grade: Grade,
    pub grade_basis: String,
}

/// A weakness with no requirement cited behind it.
#[derive(Clone, Debug)]
pub struct Opportunity {
    pub topic: Topic,
    pub control: ControlId,
    pub why_not_nc: String,
    pub evidence: Vec<Evidence>,
}

/// A policy's state, as the detector needs it.
#[derive(Clone, Debug)]
pub struct PolicyFact {
    pub id: String,
    pub title: String,
    pub approved: bool,
    pub overdue: bool,
    pub next_review: Option<String>,
}

/// What the detector reads.
pub struct NcInput<'a> {
    pub checks: &'a [&'static CheckMeta],
    pub observations: &'a [Observation],
    pub assessment: &'a Assessment,
    /// Whether annexa.toml has a `[soa]` at all, and the reason recorded per control.
    pub soa_present: bool,
    pub soa_reasons: BTreeMap<ControlId, String>,
    pub policies: Vec<PolicyFact>,
    /// The assessed risk register (`annexa risks`), and whether `[[risk]]` / `[risk-criteria]`
    /// exist at all.
    pub risks: Vec<crate::risks::RiskRow>,
    pub risk_register_present: bool,
    pub risk_criteria_present: bool,
    /// `[[acceptance]]` entries as assessed.
    pub acceptances: Vec<crate::acceptance::AcceptanceState>,
    /// `[[objective]]` entries as measured (empty: none established).
    pub objectives: Vec<crate::objectives::ObjectiveResult>,
    /// The supplier register against the components the estate uses.
    pub suppliers: crate::suppliers::SupplierReport,
    /// Corrective actions as verified.
    pub actions: Vec<crate::actions::ActionState>,
    /// The audit calendar, judged.
    pub calendar: Vec<crate::calendar::CalendarEntry>,
    /// Recorded runs over the reporting period, when a period and a ledger were given.
    pub monitoring: Option<Monitoring>,
    /// Kinds of current, readable attestation records (`internal-audit`,
    /// `management-review`, ...).
    pub attested: Vec<String>,
}

/// The recorded runs over the reporting period.
#[derive(Clone, Debug, Default)]
pub struct Monitoring {
    pub from: String,
    pub to: String,
    pub runs: usize,
    /// Stretches of consecutive days with no recorded run: (first day, last day, days).
    pub gaps: Vec<(String, String, usize)>,
    /// Runs in the period that are not monitoring evidence (backdated, or over uncommitted
    /// files or a synthetic / hand-edited snapshot only), left out of `runs` and `gaps`.
    pub not_evidence: usize,
}

/// A stretch of this many days without a recorded run is an evidence gap worth citing 9.1
/// for (heuristic, documented in ARCHITECTURE.md).
pub const MONITORING_GAP_DAYS: usize = 31;

/// The result: potential nonconformities (major first) and opportunities for improvement.
#[derive(Clone, Debug, Default)]
pub struct Detected {
    pub ncs: Vec<PotentialNc>,
    pub opportunities: Vec<Opportunity>,
}

const MAX_EVIDENCE: usize = 50;

/// Detect potential nonconformities.
pub fn detect(input: &NcInput<'_>) -> Detected {
    let mut out = Detected::default();
    let check_controls: BTreeMap<&str, &[ControlId]> = input
        .checks
        .iter()
        .map(|m| (m.id.as_str(), m.controls))
        .collect();

    // Clause 6.1.3 d): an SoA must exist.
    if !input.soa_present {
        out.ncs.push(PotentialNc {
            id: "risk-treatment/6.1.3".into(),
            topic: Topic::RiskTreatment,
            requirement: Requirement::Clause(Clause::C6_1_3),
            statement: "No Statement of Applicability was found: no control carries a decision (applicable with its reason, or excluded with its justification).".into(),
            evidence: vec![Evidence {
                check: "soa".into(),
                subject: "isms:config/annexa.toml#soa".into(),
                message: "annexa.toml has no [soa] section with control decisions".into(),
                kind: "missing".into(),
                provenance: String::new(),
            }],
            grade: Grade::Major,
            grade_basis: "the requirement is not addressed at all".into(),
        });
    }

    for topic in Topic::CONTROL_TOPICS {
        for &control in topic.controls() {
            // Findings under an active risk acceptance are a treatment decision (6.1.3), not
            // evidence of nonconformity; they count again once the acceptance expires.
            let fails: Vec<&Observation> = input
                .observations
                .iter()
                .filter(|o| o.outcome == Outcome::Fail)
                .filter(|o| !matches!(o.suppression, Some(Suppression::Accepted { .. })))
                .filter(|o| {
                    check_controls
                        .get(o.check.as_str())
                        .is_some_and(|cs| cs.contains(&control))
                })
                .collect();
            if fails.is_empty() {
                continue;
            }
            let passes = input
                .observations
                .iter()
                .filter(|o| o.outcome == Outcome::Pass)
                .filter(|o| {
                    check_controls
                        .get(o.check.as_str())
                        .is_some_and(|cs| cs.contains(&control))
                })
                .count();
            let evidence: Vec<Evidence> = fails
                .iter()
                .take(MAX_EVIDENCE)
                .map(|o| Evidence {
                    check: o.check.as_str().into(),
                    subject: o.subject.to_string(),
                    message: o.message.clone(),
                    kind: "fail".into(),
                    provenance: o.provenance.as_str().into(),
                })
                .collect();
            let declared = input.assessment.control(control).dimensions.declared;
            match declared {
                Declared::Applicable => {
                    let (grade, basis) = grade(&fails, passes, input.observations, &check_controls, control);
                    let reason = input
                        .soa_reasons
                        .get(&control)
                        .cloned()
                        .unwrap_or_default();
                    let subjects: BTreeSet<String> =
                        fails.iter().map(|o| o.subject.to_string()).collect();
                    out.ncs.push(PotentialNc {
                        id: format!("{}/{}", topic.as_str(), control.code()),
                        topic,
                        requirement: Requirement::Control { control, reason },
                        statement: format!(
                            "{} ({}) is declared applicable, but {} subject(s) fail its evidence ({} failing observation(s), {} passing).",
                            control.code(),
                            control.info().title,
                            subjects.len(),
                            fails.len(),
                            passes
                        ),
                        evidence,
                        grade,
                        grade_basis: basis,
                    });
                }
                Declared::Undeclared => out.opportunities.push(Opportunity {
                    topic,
                    control,
                    why_not_nc: format!(
                        "the Statement of Applicability does not declare {} applicable, so no requirement is cited",
                        control.code()
                    ),
                    evidence,
                }),
                Declared::Excluded => out.ncs.push(PotentialNc {
                    id: format!("soa-drift/{}", control.code()),
                    topic: Topic::SoaDrift,
                    requirement: Requirement::Clause(Clause::C6_1_3),
                    statement: format!(
                        "The Statement of Applicability excludes {} ({}), yet the delivery estate shows {} failing observation(s) about it: the justification for exclusion does not match what was observed.",
                        control.code(),
                        control.info().title,
                        fails.len()
                    ),
                    evidence,
                    grade: Grade::Minor,
                    grade_basis: "an inconsistency in the SoA, not a missing control".into(),
                }),
            }
        }
    }

    // Risk assessment (6.1.2) and treatment (6.1.3) of the delivery estate.
    if !input.risk_register_present {
        out.ncs.push(PotentialNc {
            id: "risk-treatment/6.1.2".into(),
            topic: Topic::RiskTreatment,
            requirement: Requirement::Clause(Clause::C6_1_2),
            statement: "No risk of the software-delivery estate is recorded: annexa.toml has no [[risk]] (the starter register lists the CI/CD risks to assess).".into(),
            evidence: vec![Evidence {
                check: "risk-register".into(),
                subject: "isms:config/annexa.toml#risk".into(),
                message: "no [[risk]] entries".into(),
                kind: "missing".into(),
                provenance: String::new(),
            }],
            grade: Grade::Major,
            grade_basis: "the requirement is not addressed at all".into(),
        });
    } else if !input.risk_criteria_present {
        out.ncs.push(PotentialNc {
            id: "risk-treatment/6.1.2/criteria".into(),
            topic: Topic::RiskTreatment,
            requirement: Requirement::Clause(Clause::C6_1_2),
            statement: "Risks are recorded but no risk criteria (scales, acceptance threshold) are established, so they cannot be compared or accepted consistently.".into(),
            evidence: vec![Evidence {
                check: "risk-criteria".into(),
                subject: "isms:config/annexa.toml#risk-criteria".into(),
                message: "no [risk-criteria]".into(),
                kind: "missing".into(),
                provenance: String::new(),
            }],
            grade: Grade::Minor,
            grade_basis: "part of the requirement is missing".into(),
        });
    }
    for r in input
        .risks
        .iter()
        .filter(|r| r.risk.in_register && r.risk.applicable)
    {
        let gaps: Vec<&String> = r
            .problems
            .iter()
            .filter(|p| {
                p.starts_with("above the acceptance threshold")
                    || p.starts_with("residual risk not signed off")
            })
            .collect();
        if gaps.is_empty() {
            continue;
        }
        out.ncs.push(PotentialNc {
            id: format!("risk-treatment/{}", r.risk.id),
            topic: Topic::RiskTreatment,
            requirement: Requirement::Clause(Clause::C6_1_3),
            statement: format!(
                "Risk {} ({}) scores {} — {}.",
                r.risk.id,
                r.risk.title.as_deref().unwrap_or(""),
                r.score.map(|s| s.to_string()).unwrap_or_default(),
                gaps.iter()
                    .map(|g| g.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            evidence: vec![Evidence {
                check: "risk-register".into(),
                subject: format!("isms:risk/{}", r.risk.id),
                message: gaps
                    .iter()
                    .map(|g| g.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
                kind: "missing".into(),
                provenance: String::new(),
            }],
            grade: Grade::Minor,
            grade_basis: "one risk's treatment or sign-off is missing".into(),
        });
    }

    // Access reviews: the control needs an access-review record, and none was provided.
    for control in [ControlId::A5_18, ControlId::A8_2] {
        let c = input.assessment.control(control);
        if c.dimensions.declared != Declared::Applicable {
            continue;
        }
        let missing = c
            .attestation
            .iter()
            .find(|r| r.kind == annexa_model::AttestationKind::AccessReview)
            .filter(|r| r.level == annexa_model::status::Level::NotAssessed);
        if let Some(r) = missing {
            out.ncs.push(PotentialNc {
                id: format!("access-review/{}/record", control.code()),
                topic: Topic::AccessReview,
                requirement: Requirement::Control {
                    control,
                    reason: input.soa_reasons.get(&control).cloned().unwrap_or_default(),
                },
                statement: format!(
                    "{} is declared applicable, but no access-review record for the period was provided ({}).",
                    control.code(),
                    r.reason
                ),
                evidence: vec![Evidence {
                    check: "attestation".into(),
                    subject: format!("isms:attestation/access-review/{}", control.code()),
                    message: r.reason.clone(),
                    kind: "missing".into(),
                    provenance: String::new(),
                }],
                grade: Grade::Minor,
                grade_basis: "the process record is missing; the auditor may find it elsewhere".into(),
            });
        }
    }

    // The organisation's own documented information: policies approved and reviewed (7.5).
    for p in &input.policies {
        let problem = if !p.approved {
            Some("is not approved (no approver or approval date)".to_owned())
        } else if p.overdue {
            Some(format!(
                "is past its review date ({})",
                p.next_review.as_deref().unwrap_or("?")
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            out.ncs.push(PotentialNc {
                id: format!("documented-information/{}", p.id),
                topic: Topic::DocumentedInformation,
                requirement: Requirement::Clause(Clause::C7_5),
                statement: format!("Policy {} ({}) {problem}.", p.id, p.title),
                evidence: vec![Evidence {
                    check: "policy".into(),
                    subject: format!("isms:policy/{}", p.id),
                    message: format!("{} {problem}", p.id),
                    kind: "missing".into(),
                    provenance: String::new(),
                }],
                grade: Grade::Minor,
                grade_basis: "one document out of date; systemic only if most are".into(),
            });
        }
    }

    crate::ncs_isms::detect(input, &mut out);

    out.ncs
        .sort_by(|a, b| b.grade.cmp(&a.grade).then_with(|| a.id.cmp(&b.id)));
    out.opportunities.sort_by_key(|o| (o.topic, o.control));
    out
}

/// The indicative grade of failures against one control.
fn grade(
    fails: &[&Observation],
    passes: usize,
    all: &[Observation],
    check_controls: &BTreeMap<&str, &[ControlId]>,
    control: ControlId,
) -> (Grade, String) {
    let relevant = |o: &&Observation| {
        check_controls
            .get(o.check.as_str())
            .is_some_and(|cs| cs.contains(&control))
            && matches!(o.outcome, Outcome::Pass | Outcome::Fail)
    };
    let assessed: BTreeSet<String> = all.iter().filter(relevant).map(repo_of).collect();
    let failing: BTreeSet<String> = fails.iter().map(|o| repo_of(o)).collect();
    let subjects: BTreeSet<String> = fails.iter().map(|o| o.subject.to_string()).collect();
    let unknowns = all
        .iter()
        .filter(|o| {
            o.outcome == Outcome::Unknown
                && check_controls
                    .get(o.check.as_str())
                    .is_some_and(|cs| cs.contains(&control))
        })
        .count();
    if passes == 0 && unknowns == 0 {
        (
            Grade::Major,
            "the requirement is not addressed at all: its evidence fails and nothing passes".into(),
        )
    } else if passes == 0 {
        // Failures and otherwise unknowns: not enough to call it unaddressed.
        (
            Grade::Minor,
            format!(
                "nothing passes, but {unknowns} observation(s) could not be decided: insufficient evidence to call the requirement unaddressed"
            ),
        )
    } else if assessed.len() >= 2 && failing.len() * 2 >= assessed.len() {
        (
            Grade::Major,
            format!(
                "systemic: failures in {} of {} repositories / organisations assessed",
                failing.len(),
                assessed.len()
            ),
        )
    } else if subjects.len() >= 10 {
        (
            Grade::Major,
            format!(
                "many findings against one requirement ({} subjects)",
                subjects.len()
            ),
        )
    } else {
        (
            Grade::Minor,
            format!(
                "isolated: {} failing subject(s) in {} of {} repositories / organisations assessed",
                subjects.len(),
                failing.len(),
                assessed.len()
            ),
        )
    }
}

/// The topic and control of a nonconformity raised against an applicable control's failing
/// evidence (`change-management/A.8.32`): the only kind whose evidence a recorded run's
/// observations can show again. Record, register and clause nonconformities give `None`.
pub fn control_nc(id: &str) -> Option<(Topic, ControlId)> {
    let (topic, control) = id.split_once('/')?;
    let topic = Topic::CONTROL_TOPICS
        .into_iter()
        .find(|t| t.as_str() == topic)?;
    let control = ControlId::parse(control)?;
    topic
        .controls()
        .contains(&control)
        .then_some((topic, control))
}

/// Whether a topic id names one of the detector's topics (for validating `[[action]] nc`).
pub fn known_topic(id: &str) -> bool {
    TOPICS.iter().any(|t| t.as_str() == id)
}

const TOPICS: [Topic; 14] = [
    Topic::ChangeManagement,
    Topic::AccessReview,
    Topic::SecurityTesting,
    Topic::Suppliers,
    Topic::EnvironmentSeparation,
    Topic::Logging,
    Topic::RiskTreatment,
    Topic::DocumentedInformation,
    Topic::SoaDrift,
    Topic::RiskAcceptance,
    Topic::Objectives,
    Topic::Monitoring,
    Topic::AuditProgramme,
    Topic::CorrectiveAction,
];

/// The scope a subject key belongs to, for matching a nonconformity's evidence across runs:
/// the repository of a file subject (`repo:github.com/acme/app`, without the commit), the
/// repository or organisation / group of a platform subject (`api:github.com/repos/acme/app`).
pub fn subject_scope(subject: &str) -> String {
    if let Some(rest) = subject.strip_prefix("repo:") {
        let end = rest.find(['@', ':']).unwrap_or(rest.len());
        return format!("repo:{}", &rest[..end]);
    }
    if let Some(rest) = subject.strip_prefix("api:") {
        let path = rest.split('#').next().unwrap_or(rest);
        let mut parts = path.split('/');
        let host = parts.next().unwrap_or("");
        let segs: Vec<&str> = parts.filter(|p| !p.is_empty()).collect();
        let keep = match segs.first() {
            Some(&"repos") => 3,
            Some(_) => 2,
            None => 0,
        };
        return format!("api:{host}/{}", segs[..keep.min(segs.len())].join("/"));
    }
    subject.to_owned()
}

/// What one run's observations show about a control's evidence, for verifying a corrective
/// action: `(raised, examined)`. Raised when an observation of a check mapped to the control
/// fails — risk-accepted failures included, since accepting a risk does not remove its cause.
/// Examined when nothing fails and, in every scope of `scopes` (where the evidence ever
/// failed; every scope the run saw when empty), nothing is undecided and at least one
/// observation passes on evidence an auditor can rely on (system-collected, committed files,
/// attested records — never working-tree or hand-edited).
///
/// Each item is `(check id, outcome, provenance, subject key)` as strings, so recorded runs and
/// this run are judged alike.
pub fn evidence_state<'a>(
    mapped: &BTreeSet<&str>,
    scopes: &BTreeSet<String>,
    items: impl IntoIterator<Item = (&'a str, &'a str, &'a str, &'a str)>,
) -> (bool, bool) {
    let mut fail = false;
    // Per scope: (reliable pass seen, undecided seen).
    let mut seen: BTreeMap<String, (bool, bool)> = BTreeMap::new();
    for (check, outcome, provenance, subject) in items {
        if !mapped.contains(check) {
            continue;
        }
        if outcome == "fail" {
            fail = true;
            continue;
        }
        let scope = subject_scope(subject);
        if !scopes.is_empty() && !scopes.contains(&scope) {
            continue;
        }
        let e = seen.entry(scope).or_default();
        match outcome {
            "unknown" => e.1 = true,
            "pass" => {
                if matches!(provenance, "system-collected" | "repo-commit" | "attested") {
                    e.0 = true;
                } else {
                    e.1 = true;
                }
            }
            _ => {}
        }
    }
    let clean = |s: &(bool, bool)| s.0 && !s.1;
    let examined = if scopes.is_empty() {
        !seen.is_empty() && seen.values().all(clean)
    } else {
        scopes.iter().all(|s| seen.get(s).is_some_and(clean))
    };
    (fail, !fail && examined)
}

#[cfg(test)]
mod evidence_tests {
    use super::*;

    #[test]
    fn scopes_are_repositories_and_platform_owners() {
        assert_eq!(
            subject_scope("repo:github.com/acme/app@abc:.github/workflows/ci.yml#jobs.x"),
            "repo:github.com/acme/app"
        );
        assert_eq!(
            subject_scope("repo:local/app@working-tree:ci.yml#"),
            "repo:local/app"
        );
        assert_eq!(
            subject_scope("api:github.com/repos/acme/app/branches/main/protection#/x"),
            "api:github.com/repos/acme/app"
        );
        assert_eq!(
            subject_scope("api:github.com/orgs/acme#/two_factor"),
            "api:github.com/orgs/acme"
        );
    }

    #[test]
    fn a_clean_run_of_another_repository_verifies_nothing() {
        let mapped: BTreeSet<&str> = ["deploy-without-gate"].into_iter().collect();
        let where_it_failed: BTreeSet<String> =
            ["repo:github.com/acme/a".to_owned()].into_iter().collect();
        let other = [(
            "deploy-without-gate",
            "pass",
            "repo-commit",
            "repo:github.com/acme/b@c:ci.yml#jobs.d",
        )];
        assert_eq!(
            evidence_state(&mapped, &where_it_failed, other),
            (false, false)
        );
        let same = [(
            "deploy-without-gate",
            "pass",
            "repo-commit",
            "repo:github.com/acme/a@d:ci.yml#jobs.d",
        )];
        assert_eq!(
            evidence_state(&mapped, &where_it_failed, same),
            (false, true)
        );
        // Working-tree passes and unknowns leave it undecided; a failure anywhere raises it.
        let soft = [(
            "deploy-without-gate",
            "pass",
            "working-tree",
            "repo:github.com/acme/a@working-tree:ci.yml#",
        )];
        assert_eq!(
            evidence_state(&mapped, &where_it_failed, soft),
            (false, false)
        );
        let elsewhere = [
            same[0],
            (
                "deploy-without-gate",
                "fail",
                "repo-commit",
                "repo:github.com/acme/b@c:ci.yml#jobs.d",
            ),
        ];
        assert_eq!(
            evidence_state(&mapped, &where_it_failed, elsewhere),
            (true, false)
        );
    }
}
