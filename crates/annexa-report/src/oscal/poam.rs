//! Plan of Action and Milestones: open findings (with their risk acceptances), potential
//! nonconformities with their corrective actions, and the risk register.

use std::collections::BTreeMap;

use annexa_assess::acceptance::{AcceptanceState, AcceptanceStatus};
use annexa_assess::actions::{ActionState, ActionStatus};
use annexa_assess::isms::IsmsView;
use annexa_assess::ncs::PotentialNc;
use annexa_assess::risks::RiskRow;
use annexa_model::{Observation, Outcome};

use super::model::{
    AssessmentAssets, AssociatedRisk, Metadata, Poam, PoamDocument, PoamItem, RelatedObservation,
    Response, ResultLocalDefinitions as LocalDefinitions, Risk, Task, Timing,
};
use super::{
    Inputs, OSCAL_VERSION, Props, as_of, day_end, day_start, iso_resource, line, line_or,
    observation, observation_keys, system_id, text_or, uuid,
};
use crate::ReportInput;

pub(super) fn build(input: &ReportInput<'_>, isms: &IsmsView) -> PoamDocument {
    let scan = input.scan;
    let at = as_of(input);
    let keys = observation_keys(scan);
    let mut inputs = Inputs::new(input);
    let mut observations = Vec::new();
    // (check, subject) → UUIDs of the failing observations.
    let mut fails: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut finding_risks = Vec::new();
    let mut finding_items = Vec::new();
    let accepted = acceptance_index(isms);
    for (o, key) in scan.observations.iter().zip(&keys) {
        if o.outcome != Outcome::Fail {
            continue;
        }
        let ob = observation(&mut inputs, o, key);
        fails
            .entry((o.check.as_str().to_owned(), o.subject.to_string()))
            .or_default()
            .push(ob.uuid.clone());
        let acceptance = accepted
            .get(&(o.check.as_str().to_owned(), o.subject.to_string()))
            .copied();
        let (risk, item) = finding_risk(input, o, key, &ob.uuid, acceptance);
        observations.push(ob);
        finding_risks.push(risk);
        finding_items.push(item);
    }
    let related_of = |check: &str, subject: &str| -> Vec<RelatedObservation> {
        fails
            .get(&(check.to_owned(), subject.to_owned()))
            .into_iter()
            .flatten()
            .map(|u| RelatedObservation {
                observation_uuid: u.clone(),
            })
            .collect()
    };

    let mut risks = Vec::new();
    let mut items = Vec::new();
    // Potential nonconformities first (surveillance starts from them), with their actions.
    for nc in &isms.ncs.ncs {
        let actions: Vec<&ActionState> = isms
            .actions
            .iter()
            .filter(|a| a.action.nc == nc.id)
            .collect();
        let related: Vec<RelatedObservation> = nc
            .evidence
            .iter()
            .filter(|e| e.kind == "fail")
            .flat_map(|e| related_of(&e.check, &e.subject))
            .collect();
        let (risk, item) = nc_risk(nc, &actions, related);
        risks.push(risk);
        items.push(item);
    }
    // Corrective actions of nonconformities this run no longer raises.
    let mut earlier: Vec<(&str, Vec<&ActionState>)> = Vec::new();
    for a in &isms.actions {
        if isms.ncs.ncs.iter().any(|n| n.id == a.action.nc) {
            continue;
        }
        match earlier.iter_mut().find(|(nc, _)| *nc == a.action.nc) {
            Some((_, v)) => v.push(a),
            None => earlier.push((&a.action.nc, vec![a])),
        }
    }
    for (nc, actions) in &earlier {
        let (risk, item) = earlier_nc_risk(nc, actions);
        risks.push(risk);
        items.push(item);
    }
    // The risk register.
    for row in isms
        .risks
        .iter()
        .filter(|r| r.risk.in_register && r.risk.applicable)
    {
        let related: Vec<RelatedObservation> = scan
            .observations
            .iter()
            .zip(&keys)
            .filter(|(o, _)| {
                o.outcome == Outcome::Fail && row.checks.iter().any(|c| c == o.check.as_str())
            })
            .map(|(_, k)| RelatedObservation {
                observation_uuid: uuid("observation", k),
            })
            .collect();
        let (risk, item) = register_risk(row, related);
        risks.push(risk);
        items.push(item);
    }
    risks.extend(finding_risks);
    items.extend(finding_items);
    if items.is_empty() {
        items.push(PoamItem {
            uuid: uuid("poam-item", &format!("none:{at}")),
            title: "No open items".to_owned(),
            description: format!(
                "As of {at} annexa found no failing observation, no potential nonconformity, no corrective action and no applicable risk in the register."
            ),
            props: Vec::new(),
            related_observations: Vec::new(),
            related_risks: Vec::new(),
            remarks: None,
        });
    }

    // What the items do not show, named so nothing is silently left out.
    let mut remarks = vec![
        "annexa's plan of action: open findings (each a risk, `deviation-approved` only while an active risk acceptance covers it), potential nonconformities with their corrective actions, and the risk register. Suppressed findings stay in: suppression never changes a status."
            .to_owned(),
    ];
    for a in &isms.acceptances {
        if a.subjects.is_empty() {
            remarks.push(format!(
                "Risk acceptance `{}` ({}; check `{}`, scope `{}`, expires {}) matches no failing observation in this run.",
                a.acceptance.id,
                a.status.as_str(),
                a.acceptance.check,
                a.acceptance.scope,
                a.acceptance.expires
            ));
        }
    }
    let not_assessed: Vec<&str> = isms
        .risks
        .iter()
        .filter(|r| !r.risk.in_register)
        .map(|r| r.risk.id.as_str())
        .collect();
    if !not_assessed.is_empty() {
        remarks.push(format!(
            "Starter risks neither in the register nor declared not applicable (not assessed): {}.",
            not_assessed.join(", ")
        ));
    }
    for r in isms
        .risks
        .iter()
        .filter(|r| r.risk.in_register && !r.risk.applicable)
    {
        remarks.push(format!(
            "Risk {} declared not applicable: {}",
            r.risk.id,
            r.risk
                .reason
                .as_deref()
                .map_or("no reason recorded", str::trim)
        ));
    }
    let mut props = Props::default();
    props.add("tool", "annexa");
    let components = inputs.take_components();
    let back_matter = inputs.back_matter(vec![iso_resource()]);
    PoamDocument {
        plan_of_action_and_milestones: Poam {
            uuid: uuid("plan-of-action-and-milestones", &at),
            metadata: Metadata {
                title: line(&format!("annexa plan of action and milestones as of {at}")),
                last_modified: at.clone(),
                version: line(input.tool_version),
                oscal_version: OSCAL_VERSION,
                props: props.done(),
                roles: Vec::new(),
                parties: Vec::new(),
                responsible_parties: Vec::new(),
                remarks: Some(remarks.join("\n\n")),
            },
            system_id: system_id(input, isms),
            local_definitions: (!observations.is_empty()).then(|| LocalDefinitions {
                components,
                assessment_assets: AssessmentAssets {
                    assessment_platforms: vec![super::assessment_platform(input)],
                },
            }),
            observations,
            risks,
            poam_items: items,
            back_matter: Some(back_matter),
        },
    }
}

/// For each (check, subject) an acceptance covers, the acceptance that decides the risk
/// status of its failing observations: an active one first, then one not applied (requested),
/// then an expired one; the first written among equals.
fn acceptance_index(isms: &IsmsView) -> BTreeMap<(String, String), &AcceptanceState> {
    let rank = |s: AcceptanceStatus| match s {
        AcceptanceStatus::Active => 0,
        AcceptanceStatus::Invalid => 1,
        AcceptanceStatus::Expired => 2,
    };
    let mut index: BTreeMap<(String, String), &AcceptanceState> = BTreeMap::new();
    for a in &isms.acceptances {
        for subject in &a.subjects {
            index
                .entry((a.acceptance.check.clone(), subject.clone()))
                .and_modify(|best| {
                    if rank(a.status) < rank(best.status) {
                        *best = a;
                    }
                })
                .or_insert(a);
        }
    }
    index
}

fn finding_risk(
    input: &ReportInput<'_>,
    o: &Observation,
    key: &str,
    observation_uuid: &str,
    acceptance: Option<&AcceptanceState>,
) -> (Risk, PoamItem) {
    let scan = input.scan;
    let subject = o.subject.to_string();
    let where_ = crate::location_text(scan, o, false);
    let controls: Vec<&str> = scan
        .checks
        .iter()
        .find(|m| m.id == o.check)
        .map(|m| m.controls.iter().map(|c| c.code()).collect())
        .unwrap_or_default();
    let title = line_or(&format!("{}: {where_}", o.check.as_str()), o.check.as_str());
    let mut statement = format!(
        "Open finding of `{}` ({}) on `{subject}`",
        o.check.as_str(),
        o.severity.as_str()
    );
    if !controls.is_empty() {
        statement.push_str(&format!(": evidence against {}", controls.join(", ")));
    }
    statement.push('.');
    let mut props = Props::default();
    props
        .add("check", o.check.as_str())
        .add("severity", o.severity.as_str())
        .add("subject-key", &subject)
        .add("provenance", o.provenance.as_str());
    if let Some(s) = &o.suppression {
        props.add("suppression", s.kind());
        statement.push_str(&format!(
            " Reporting: {} (suppression never decides the status).",
            crate::suppression_text(s)
        ));
    }
    let mut status = "open";
    let mut deadline = None;
    if let Some(a) = acceptance {
        let acc = &a.acceptance;
        props
            .add("acceptance", &acc.id)
            .add("acceptance-status", a.status.as_str())
            .add("risk-owner", &acc.owner)
            .opt("approver", acc.approver.as_deref())
            .opt("approved-on", acc.approved_on.as_deref())
            .add("expires", &acc.expires)
            .opt("register-risk", acc.risk.as_deref());
        match a.status {
            AcceptanceStatus::Active => {
                status = "deviation-approved";
                deadline = day_end(&acc.expires);
                statement.push_str(&format!(
                    " Accepted as a risk by acceptance `{}` (risk owner {}, approved by {}{}) until {}: {}",
                    acc.id,
                    line(&acc.owner),
                    acc.approver.as_deref().map_or("nobody".to_owned(), line),
                    acc.approved_on
                        .as_deref()
                        .map(|d| format!(" on {}", line(d)))
                        .unwrap_or_default(),
                    line(&acc.expires),
                    acc.reason.trim()
                ));
            }
            AcceptanceStatus::Expired => statement.push_str(&format!(
                " Risk acceptance `{}` expired after {}: the finding is open again.",
                acc.id,
                line(&acc.expires)
            )),
            AcceptanceStatus::Invalid => {
                status = "deviation-requested";
                statement.push_str(&format!(
                    " Risk acceptance `{}` is not applied ({}): the finding stays open until a valid acceptance is approved.",
                    acc.id,
                    a.problem.as_deref().map_or("invalid".to_owned(), line)
                ));
            }
        }
    }
    let risk_uuid = uuid("risk", key);
    let related = vec![RelatedObservation {
        observation_uuid: observation_uuid.to_owned(),
    }];
    let description = text_or(&o.message, &format!("{} on {subject}", o.check.as_str()));
    let item = PoamItem {
        uuid: uuid("poam-item", key),
        title: title.clone(),
        description: description.clone(),
        props: props.0.clone(),
        related_observations: related.clone(),
        related_risks: vec![AssociatedRisk {
            risk_uuid: risk_uuid.clone(),
        }],
        remarks: None,
    };
    let risk = Risk {
        uuid: risk_uuid,
        title,
        description,
        statement,
        props: props.done(),
        status,
        deadline,
        remediations: Vec::new(),
        related_observations: related,
    };
    (risk, item)
}

/// The risk status of a nonconformity from its corrective actions.
fn nc_status(actions: &[&ActionState], raised: bool) -> &'static str {
    use ActionStatus::*;
    if actions.is_empty() {
        "open"
    } else if raised {
        if actions
            .iter()
            .any(|a| matches!(a.status, Open | Overdue | AwaitingVerification))
        {
            "remediating"
        } else {
            "open"
        }
    } else if actions.iter().all(|a| a.status == Effective) {
        "closed"
    } else {
        "remediating"
    }
}

/// A corrective action as a remediation: a task from raised-on to due, a milestone on
/// completion.
fn response(a: &ActionState) -> Response {
    let ca = &a.action;
    let mut tasks = vec![Task {
        uuid: uuid("task", &format!("{}:due", ca.id)),
        kind: "action",
        title: line_or(
            &format!("Corrective action {} ({})", ca.id, ca.owner),
            "Corrective action",
        ),
        timing: match (day_start(&ca.raised_on), day_end(&ca.due)) {
            (Some(start), Some(end)) if start <= end => {
                Some(Timing::WithinDateRange { start, end })
            }
            (_, Some(end)) => Some(Timing::OnDate { date: end }),
            _ => None,
        },
    }];
    if let Some(done) = ca.completed_on.as_deref().and_then(day_start) {
        tasks.push(Task {
            uuid: uuid("task", &format!("{}:completed", ca.id)),
            kind: "milestone",
            title: "Completed (the owner's statement)".to_owned(),
            timing: Some(Timing::OnDate { date: done }),
        });
    }
    let mut props = Props::default();
    props
        .add("action", &ca.id)
        .add("owner", &ca.owner)
        .add("action-status", a.status.as_str())
        .add("raised-on", &ca.raised_on)
        .add("due", &ca.due)
        .opt("completed-on", ca.completed_on.as_deref())
        .add("raised-now", if a.raised_now { "true" } else { "false" })
        .add("clean-runs", a.clean_runs.to_string())
        .add("required-runs", a.required_runs.to_string());
    Response {
        uuid: uuid("response", &ca.id),
        lifecycle: if ca.completed_on.is_some() {
            "completed"
        } else {
            "planned"
        },
        title: line_or(&format!("Corrective action {}", ca.id), "Corrective action"),
        description: format!(
            "**Correction:** {}\n\n**Root cause:** {}\n\n**Action:** {}",
            text_or(&ca.correction, "not recorded"),
            text_or(&ca.root_cause, "not recorded"),
            text_or(&ca.action, "not recorded")
        ),
        props: props.done(),
        tasks,
        remarks: Some(format!(
            "Status `{}`: {} clean run(s) of {} required since completion. {}",
            a.status.as_str(),
            a.clean_runs,
            a.required_runs,
            a.note.trim()
        )),
    }
}

fn nc_risk(
    nc: &PotentialNc,
    actions: &[&ActionState],
    related: Vec<RelatedObservation>,
) -> (Risk, PoamItem) {
    let req = &nc.requirement;
    let title = line(&format!(
        "Potential nonconformity against {}: {}",
        req.id(),
        nc.topic.title()
    ));
    let mut description = format!("{}\n\nObjective evidence:\n", nc.statement.trim());
    for e in &nc.evidence {
        if e.kind == "fail" {
            description.push_str(&format!(
                "\n- `{}` fails on `{}`: {}",
                e.check,
                e.subject,
                line(&e.message)
            ));
        } else {
            description.push_str(&format!(
                "\n- {} (`{}`): {}",
                e.kind,
                e.subject,
                line(&e.message)
            ));
        }
    }
    let statement = format!(
        "Raised against {} ({}) because {}. Indicative grade: {} — {}. The grade is a heuristic after the ISO/IEC 17021-1 definitions; the auditor grades.",
        req.id(),
        req.title(),
        req.cited_because(),
        nc.grade.as_str(),
        nc.grade_basis.trim()
    );
    let mut props = Props::default();
    props
        .add("nonconformity", &nc.id)
        .add("topic", nc.topic.as_str())
        .add("requirement", req.id())
        .add_class("grade", nc.grade.as_str(), Some("indicative"));
    let risk_uuid = uuid("risk-nc", &nc.id);
    let item = PoamItem {
        uuid: uuid("poam-item-nc", &nc.id),
        title: title.clone(),
        description: statement.clone(),
        props: props.0.clone(),
        related_observations: related.clone(),
        related_risks: vec![AssociatedRisk {
            risk_uuid: risk_uuid.clone(),
        }],
        remarks: None,
    };
    let risk = Risk {
        uuid: risk_uuid,
        title,
        description,
        statement,
        props: props.done(),
        status: nc_status(actions, true),
        deadline: None,
        remediations: actions.iter().map(|a| response(a)).collect(),
        related_observations: related,
    };
    (risk, item)
}

fn earlier_nc_risk(nc: &str, actions: &[&ActionState]) -> (Risk, PoamItem) {
    let title = line_or(
        &format!("Nonconformity {nc} (not raised in this run): corrective actions"),
        "Corrective actions",
    );
    let status = nc_status(actions, false);
    let statement = format!(
        "The potential nonconformity `{nc}` is not raised in this run. Its corrective action(s) {}: {}.",
        if status == "closed" {
            "are verified effective"
        } else {
            "are not yet verified effective over the required consecutive runs"
        },
        actions
            .iter()
            .map(|a| format!("`{}` {}", a.action.id, a.status.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut props = Props::default();
    props.add("nonconformity", nc);
    let risk_uuid = uuid("risk-nc", nc);
    let item = PoamItem {
        uuid: uuid("poam-item-nc", nc),
        title: title.clone(),
        description: statement.clone(),
        props: props.0.clone(),
        related_observations: Vec::new(),
        related_risks: vec![AssociatedRisk {
            risk_uuid: risk_uuid.clone(),
        }],
        remarks: None,
    };
    let risk = Risk {
        uuid: risk_uuid,
        title,
        description: format!("Corrective actions of the potential nonconformity `{nc}`."),
        statement,
        props: props.done(),
        status,
        deadline: None,
        remediations: actions.iter().map(|a| response(a)).collect(),
        related_observations: Vec::new(),
    };
    (risk, item)
}

fn register_risk(row: &RiskRow, related: Vec<RelatedObservation>) -> (Risk, PoamItem) {
    let r = &row.risk;
    let title = line_or(
        &format!("Risk {} {}", r.id, r.title.as_deref().unwrap_or("")),
        "Risk",
    );
    let num = |v: Option<u8>| v.map_or("not recorded".to_owned(), |v| v.to_string());
    let mut statement = format!(
        "The risk owner's assessment: likelihood {} × impact {} = {}{}.",
        num(r.likelihood),
        num(r.impact),
        row.score.map_or("no score".to_owned(), |s| s.to_string()),
        match row.acceptable {
            Some(true) => ", within the acceptance threshold",
            Some(false) => ", above the acceptance threshold",
            None => "",
        }
    );
    if r.residual_likelihood.is_some() || r.residual_impact.is_some() {
        statement.push_str(&format!(
            " Residual: likelihood {} × impact {} = {}, {}.",
            num(r.residual_likelihood),
            num(r.residual_impact),
            row.residual_score
                .map_or("no score".to_owned(), |s| s.to_string()),
            match (&r.residual_approved_by, &r.residual_approved_on) {
                (Some(by), Some(on)) => format!("signed off by {} on {}", line(by), line(on)),
                _ => "not signed off".to_owned(),
            }
        ));
    }
    if row.findings > 0 {
        statement.push_str(&format!(
            " {} open finding(s) of the checks giving evidence for its controls ({}){}.",
            row.findings,
            row.checks.join(", "),
            match row.proposed_likelihood {
                Some(p) => format!(
                    " propose likelihood {p}, beside the owner's {} (never written over it)",
                    num(r.likelihood)
                ),
                None => String::new(),
            }
        ));
    }
    let mut description = format!(
        "Risk {} of the register ({} risk), owner {}.",
        r.id,
        r.source,
        r.owner.as_deref().map_or("not recorded".to_owned(), line)
    );
    if !row.problems.is_empty() {
        description.push_str(&format!(
            "\n\nWhat the register lacks for it: {}.",
            row.problems.join("; ")
        ));
    }
    let mut props = Props::default();
    props
        .add("risk", &r.id)
        .add("source", r.source)
        .opt("risk-owner", r.owner.as_deref())
        .opt("likelihood", r.likelihood.map(|v| v.to_string()))
        .opt("impact", r.impact.map(|v| v.to_string()))
        .opt("score", row.score.map(|v| v.to_string()))
        .opt(
            "acceptable",
            row.acceptable.map(|a| if a { "true" } else { "false" }),
        )
        .opt("treatment", r.treatment.as_deref())
        .opt(
            "residual-likelihood",
            r.residual_likelihood.map(|v| v.to_string()),
        )
        .opt("residual-impact", r.residual_impact.map(|v| v.to_string()))
        .opt("residual-score", row.residual_score.map(|v| v.to_string()))
        .opt("residual-approved-by", r.residual_approved_by.as_deref())
        .opt("residual-approved-on", r.residual_approved_on.as_deref())
        .opt(
            "proposed-likelihood",
            row.proposed_likelihood.map(|v| v.to_string()),
        )
        .add("open-findings", row.findings.to_string());
    for c in &r.controls {
        props.add("control", c.code());
    }
    let risk_uuid = uuid("risk-register", &r.id);
    let remediations = if r.treatment.is_some() || r.plan.is_some() {
        vec![Response {
            uuid: uuid("response", &format!("register:{}", r.id)),
            lifecycle: "planned",
            title: line_or(
                &format!(
                    "Treatment: {}",
                    r.treatment.as_deref().unwrap_or("not stated")
                ),
                "Treatment",
            ),
            description: r
                .plan
                .as_deref()
                .map_or("No treatment plan recorded.".to_owned(), |p| {
                    text_or(p, "No treatment plan recorded.")
                }),
            props: Vec::new(),
            tasks: Vec::new(),
            remarks: None,
        }]
    } else {
        Vec::new()
    };
    let item = PoamItem {
        uuid: uuid("poam-item-register", &r.id),
        title: title.clone(),
        description: description.clone(),
        props: props.0.clone(),
        related_observations: related.clone(),
        related_risks: vec![AssociatedRisk {
            risk_uuid: risk_uuid.clone(),
        }],
        remarks: None,
    };
    let risk = Risk {
        uuid: risk_uuid,
        title,
        description,
        statement,
        props: props.done(),
        status: "open",
        deadline: None,
        remediations,
        related_observations: related,
    };
    (risk, item)
}
