//! Potential nonconformities from the ISMS records themselves (not from check evidence): risk
//! acceptances that lapsed (6.1.3), objectives not established or missed (6.2), the supplier
//! register against what the estate uses (A.5.19, A.5.22), gaps in the monitoring evidence
//! (9.1), internal audits and management reviews not held as planned (9.2, 9.3), and
//! corrective actions overdue, not effective or recurring (10.2). Each cites its requirement;
//! where the requirement is an Annex A control the SoA does not declare applicable, the
//! weakness is an opportunity for improvement instead.

use annexa_model::ControlId;
use annexa_model::controls::Clause;
use annexa_model::status::Declared;

use crate::acceptance::AcceptanceStatus;
use crate::actions::ActionStatus;
use crate::ncs::{
    Detected, Evidence, Grade, MONITORING_GAP_DAYS, NcInput, Opportunity, PotentialNc, Requirement,
    Topic,
};
use crate::objectives::ObjectiveStatus;

fn record(check: &str, subject: String, message: String) -> Evidence {
    Evidence {
        check: check.into(),
        subject,
        message,
        kind: "missing".into(),
        provenance: String::new(),
    }
}

/// Raise against `control` when the SoA declares it applicable, else list an opportunity.
fn against_control(input: &NcInput<'_>, out: &mut Detected, nc: PotentialNc, control: ControlId) {
    match input.assessment.control(control).dimensions.declared {
        Declared::Applicable => out.ncs.push(PotentialNc {
            requirement: Requirement::Control {
                control,
                reason: input.soa_reasons.get(&control).cloned().unwrap_or_default(),
            },
            ..nc
        }),
        declared => out.opportunities.push(Opportunity {
            topic: nc.topic,
            control,
            why_not_nc: format!(
                "the Statement of Applicability {} {}, so no requirement is cited: {}",
                if declared == Declared::Excluded {
                    "excludes"
                } else {
                    "does not declare"
                },
                control.code(),
                nc.statement
            ),
            evidence: nc.evidence,
        }),
    }
}

pub(crate) fn detect(input: &NcInput<'_>, out: &mut Detected) {
    acceptances(input, out);
    objectives(input, out);
    suppliers(input, out);
    monitoring(input, out);
    calendar(input, out);
    actions(input, out);
}

fn acceptances(input: &NcInput<'_>, out: &mut Detected) {
    for a in input
        .acceptances
        .iter()
        .filter(|a| a.status == AcceptanceStatus::Expired && a.findings > 0)
    {
        let acc = &a.acceptance;
        out.ncs.push(PotentialNc {
            id: format!("risk-acceptance/{}", acc.id),
            topic: Topic::RiskAcceptance,
            requirement: Requirement::Clause(Clause::C6_1_3),
            statement: format!(
                "Risk acceptance {} of `{}` ({}) expired on {}, and {} finding(s) it covered remain: the risk is neither treated nor accepted any more.",
                acc.id, acc.check, acc.scope, acc.expires, a.findings
            ),
            evidence: a
                .subjects
                .iter()
                .take(50)
                .map(|s| Evidence {
                    check: acc.check.clone(),
                    subject: s.clone(),
                    message: format!("still failing after acceptance {} expired", acc.id),
                    kind: "fail".into(),
                    provenance: String::new(),
                })
                .collect(),
            grade: Grade::Minor,
            grade_basis: "one lapsed treatment decision; the risk owner can renew or treat it".into(),
        });
    }
}

fn objectives(input: &NcInput<'_>, out: &mut Detected) {
    if input.objectives.is_empty() {
        out.ncs.push(PotentialNc {
            id: "objectives/6.2".into(),
            topic: Topic::Objectives,
            requirement: Requirement::Clause(Clause::C6_2),
            statement: "No information security objective with a measure is established for the delivery estate (annexa.toml has no [[objective]]).".into(),
            evidence: vec![record(
                "objective",
                "isms:config/annexa.toml#objective".into(),
                "no [[objective]] entries".into(),
            )],
            grade: Grade::Major,
            grade_basis: "the requirement is not addressed at all (for the estate examined)".into(),
        });
        return;
    }
    for r in input
        .objectives
        .iter()
        .filter(|r| r.status == ObjectiveStatus::Missed)
    {
        let o = &r.objective;
        out.ncs.push(PotentialNc {
            id: format!("objectives/{}", o.id),
            topic: Topic::Objectives,
            requirement: Requirement::Clause(Clause::C6_2),
            statement: format!(
                "Objective {} ({}) is missed{}: {}.",
                o.id,
                o.title,
                o.due
                    .as_deref()
                    .map_or(String::new(), |d| format!(" (due {d})")),
                r.basis
            ),
            evidence: vec![Evidence {
                check: format!("objective:{}", o.measure.kind()),
                subject: format!("isms:objective/{}", o.id),
                message: r.basis.clone(),
                kind: "fail".into(),
                provenance: String::new(),
            }],
            grade: Grade::Minor,
            grade_basis: "one objective missed; the plan to achieve it needs revisiting".into(),
        });
    }
}

/// One piece of evidence per publisher the register does not cover.
fn unregistered_evidence(s: &crate::suppliers::SupplierReport) -> Vec<Evidence> {
    s.unregistered
        .iter()
        .take(50)
        .map(|c| {
            record(
                "supplier-register",
                format!("isms:supplier/{}", c.publisher),
                format!(
                    "{} `{}` used {} time(s) in {}",
                    c.kind,
                    c.name,
                    c.uses,
                    c.repositories.join(", ")
                ),
            )
        })
        .collect()
}

fn suppliers(input: &NcInput<'_>, out: &mut Detected) {
    let s = &input.suppliers;
    if s.discovered.is_empty() {
        return;
    }
    if !s.present {
        against_control(
            input,
            out,
            PotentialNc {
                id: "supplier-management/A.5.19/register".into(),
                topic: Topic::Suppliers,
                requirement: Requirement::Clause(Clause::C6_1_3),
                statement: format!(
                    "No supplier register exists ([[supplier]]), yet the estate uses {} third-party component(s) and service(s) from {} publisher(s).",
                    s.discovered.len(),
                    crate::suppliers::publishers(&s.discovered)
                ),
                evidence: unregistered_evidence(s),
                grade: Grade::Major,
                grade_basis: "the requirement is not addressed at all".into(),
            },
            ControlId::A5_19,
        );
        return;
    }
    if !s.unregistered.is_empty() {
        against_control(
            input,
            out,
            PotentialNc {
                id: "supplier-management/A.5.19/unregistered".into(),
                topic: Topic::Suppliers,
                requirement: Requirement::Clause(Clause::C6_1_3),
                statement: format!(
                    "{} publisher(s) of components the estate uses are not in the supplier register.",
                    crate::suppliers::publishers(&s.unregistered)
                ),
                evidence: unregistered_evidence(s),
                grade: Grade::Minor,
                grade_basis: "the register exists but is incomplete".into(),
            },
            ControlId::A5_19,
        );
    }
    let stale: Vec<_> = s.rows.iter().filter(|r| !r.problems.is_empty()).collect();
    if !stale.is_empty() {
        against_control(
            input,
            out,
            PotentialNc {
                id: "supplier-management/A.5.22/register-review".into(),
                topic: Topic::Suppliers,
                requirement: Requirement::Clause(Clause::C6_1_3),
                statement: format!(
                    "{} of {} supplier(s) are not monitored and reviewed as recorded (owner, assessment within 12 months, current assurance).",
                    stale.len(),
                    s.rows.len()
                ),
                evidence: stale
                    .iter()
                    .map(|r| {
                        record(
                            "supplier-register",
                            format!("isms:supplier/{}", r.supplier.id),
                            format!("{}: {}", r.supplier.name, r.problems.join("; ")),
                        )
                    })
                    .collect(),
                grade: if stale.len() * 2 > s.rows.len() {
                    Grade::Major
                } else {
                    Grade::Minor
                },
                grade_basis: if stale.len() * 2 > s.rows.len() {
                    "systemic: most suppliers lack their review".into()
                } else {
                    "some suppliers lack their review".into()
                },
            },
            ControlId::A5_22,
        );
    }
}

fn monitoring(input: &NcInput<'_>, out: &mut Detected) {
    let Some(m) = &input.monitoring else { return };
    let long: Vec<&(String, String, usize)> = m
        .gaps
        .iter()
        .filter(|g| g.2 >= MONITORING_GAP_DAYS)
        .collect();
    if m.runs > 0 && long.is_empty() {
        return;
    }
    let left_out = if m.not_evidence > 0 {
        format!(
            " ({} run(s) in the period are not monitoring evidence — backdated, or over uncommitted files or a synthetic / hand-edited snapshot only — and are left out)",
            m.not_evidence
        )
    } else {
        String::new()
    };
    let (statement, grade, basis) = if m.runs == 0 {
        (
            format!(
                "No run is recorded in the evidence ledger for {}..{}: the period has no monitoring evidence{left_out}.",
                m.from, m.to
            ),
            Grade::Major,
            "the requirement is not addressed at all for the period",
        )
    } else {
        (
            format!(
                "The evidence ledger has {} run(s) for {}..{}, with {} stretch(es) of {MONITORING_GAP_DAYS} days or more without any{left_out}.",
                m.runs,
                m.from,
                m.to,
                long.len()
            ),
            Grade::Minor,
            "monitoring ran, with gaps",
        )
    };
    out.ncs.push(PotentialNc {
        id: "monitoring/9.1".into(),
        topic: Topic::Monitoring,
        requirement: Requirement::Clause(Clause::C9_1),
        statement,
        evidence: if m.runs == 0 {
            vec![record(
                "ledger",
                "isms:ledger/runs".into(),
                format!("no run with as-of in {}..{}", m.from, m.to),
            )]
        } else {
            long.iter()
                .map(|(a, b, n)| {
                    record(
                        "ledger",
                        "isms:ledger/runs".into(),
                        format!("no recorded run from {a} to {b} ({n} days)"),
                    )
                })
                .collect()
        },
        grade,
        grade_basis: basis.into(),
    });
}

fn calendar(input: &NcInput<'_>, out: &mut Detected) {
    // 9.2.2 and 9.3.1: internal audits and management reviews are planned. The calendar is
    // where annexa reads the plan; with none of a kind, the programme is not evidenced.
    for (kind, clause, what) in [
        ("internal-audit", Clause::C9_2, "internal audit"),
        ("management-review", Clause::C9_3, "management review"),
    ] {
        if input.calendar.iter().any(|e| e.kind == kind) || input.attested.iter().any(|k| k == kind)
        {
            continue;
        }
        out.ncs.push(PotentialNc {
            id: format!("audit-programme/{kind}/planned"),
            topic: Topic::AuditProgramme,
            requirement: Requirement::Clause(clause),
            statement: format!(
                "No {what} is planned or recorded in the audit calendar ([[audit]] kind = \"{kind}\")."
            ),
            evidence: vec![record(
                "audit-calendar",
                format!("isms:audit/{kind}"),
                format!("no [[audit]] entry of kind {kind}"),
            )],
            grade: Grade::Minor,
            grade_basis: "the programme is not evidenced here; the auditor may find it elsewhere"
                .into(),
        });
    }
    for e in input.calendar.iter().filter(|e| e.status == "overdue") {
        let clause = match e.kind.as_str() {
            "internal-audit" => Clause::C9_2,
            "management-review" => Clause::C9_3,
            _ => continue,
        };
        // Two entries of one kind planned for one day keep distinct ids.
        let base = format!("audit-programme/{}/{}", e.kind, e.planned);
        let n = out.ncs.iter().filter(|x| x.id.starts_with(&base)).count();
        out.ncs.push(PotentialNc {
            id: if n == 0 {
                base
            } else {
                format!("{base}/{}", n + 1)
            },
            topic: Topic::AuditProgramme,
            requirement: Requirement::Clause(clause),
            statement: format!(
                "The {} \"{}\" planned for {} has not been held.",
                e.kind.replace('-', " "),
                e.title,
                e.planned
            ),
            evidence: vec![record(
                "audit-calendar",
                format!("isms:audit/{}/{}", e.kind, e.planned),
                format!("planned {}, no `held-on`", e.planned),
            )],
            grade: Grade::Minor,
            grade_basis: "one planned activity late; major only if none is held in the cycle"
                .into(),
        });
    }
}

fn actions(input: &NcInput<'_>, out: &mut Detected) {
    for a in &input.actions {
        // A recurrence or a failed action that a later action on the same nonconformity
        // answers is that action's to resolve: the earlier one is not raised again.
        let superseded = input
            .actions
            .iter()
            .any(|b| b.action.nc == a.action.nc && b.action.raised_on > a.action.raised_on);
        let what = match a.status {
            ActionStatus::Overdue => "is overdue",
            ActionStatus::NotEffective if !superseded => {
                "was completed but the nonconformity's evidence still fails"
            }
            ActionStatus::Recurred if !superseded => {
                "was verified effective, but the nonconformity recurred"
            }
            _ => continue,
        };
        let ca = &a.action;
        out.ncs.push(PotentialNc {
            id: format!("corrective-action/{}", ca.id),
            topic: Topic::CorrectiveAction,
            requirement: Requirement::Clause(Clause::C10_2),
            statement: format!("Corrective action {} for {} {what}.", ca.id, ca.nc),
            evidence: vec![record(
                "corrective-action",
                format!("isms:action/{}", ca.id),
                a.note.clone(),
            )],
            grade: if a.status == ActionStatus::Recurred {
                Grade::Major
            } else {
                Grade::Minor
            },
            grade_basis: if a.status == ActionStatus::Recurred {
                "a recurring nonconformity shows the corrective action did not remove the cause"
                    .into()
            } else {
                "one corrective action not yet effective".into()
            },
        });
    }
}
