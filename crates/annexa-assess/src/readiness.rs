//! Certification readiness: what a Stage 1 auditor reviews in the documented ISMS (scope,
//! Statement of Applicability, policies, risk assessment and treatment), and what Stage 2
//! presupposes (an internal audit, a management review, operating evidence over the period).
//! Each item is met, not met (with what is missing) or cannot be told — never a pass by default.

use annexa_model::ControlId;
use annexa_model::status::Declared;

use crate::Assessment;

/// The facts readiness is judged on (gathered by the caller from configuration and records).
#[derive(Clone, Debug, Default)]
pub struct ReadinessInput {
    pub scope_statement: Option<String>,
    pub scope_patterns: usize,
    /// In-scope repositories whose files and platform state were both unexamined.
    pub scope_unexamined: Vec<String>,
    pub soa_present: bool,
    pub soa_approved: bool,
    pub policies: Vec<PolicyFacts>,
    pub risk_register_present: bool,
    /// Starter risks neither assessed nor declared not applicable.
    pub risks_not_assessed: Vec<String>,
    /// Risks above the threshold without treatment or residual sign-off.
    pub risks_untreated: Vec<String>,
    pub risk_criteria_present: bool,
    pub risk_criteria_approved: bool,
    /// Current records of these kinds exist (`internal-audit`, `management-review`).
    pub internal_audit: Option<String>,
    pub management_review: Option<String>,
    /// Operating evidence over the period: a collected snapshot with a period, or recorded
    /// runs covering the period without long gaps.
    pub period_evidence: Option<String>,
    /// Why what was offered is not operating evidence (a synthetic snapshot, gaps in the
    /// recorded runs), when nothing is.
    pub period_problem: Option<String>,
}

#[derive(Clone, Debug)]
pub struct PolicyFacts {
    pub id: String,
    pub approved: bool,
    pub overdue: bool,
    pub mentions_cicd: bool,
    /// Controls it claims to cover.
    pub controls: Vec<ControlId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Met,
    NotMet,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Met => "met",
            State::NotMet => "not met",
        }
    }
}

/// One readiness item.
#[derive(Clone, Debug)]
pub struct Item {
    pub stage: u8,
    /// The clause it rests on.
    pub clause: &'static str,
    pub title: &'static str,
    pub state: State,
    pub detail: String,
}

fn item(stage: u8, clause: &'static str, title: &'static str, ok: bool, detail: String) -> Item {
    Item {
        stage,
        clause,
        title,
        state: if ok { State::Met } else { State::NotMet },
        detail,
    }
}

/// The readiness items of stage 1, and of stage 2 when `stage` is 2 (stage 2 presupposes 1).
pub fn readiness(input: &ReadinessInput, assessment: &Assessment, stage: u8) -> Vec<Item> {
    let mut out = Vec::new();
    let scope_cicd = input.scope_statement.as_deref().is_some_and(|s| {
        let l = s.to_lowercase();
        [
            "deliver", "pipeline", "ci/cd", "software", "develop", "build",
        ]
        .iter()
        .any(|w| l.contains(w))
    });
    out.push(item(
        1,
        "4.3",
        "The scope covers software delivery",
        input.scope_statement.is_some() && input.scope_patterns > 0 && scope_cicd,
        match (&input.scope_statement, input.scope_patterns) {
            (None, _) => "no `[scope]` statement".into(),
            (Some(_), 0) => "the scope names no repositories".into(),
            (Some(_), _) if !scope_cicd => {
                "the scope statement does not mention software delivery, development or pipelines"
                    .into()
            }
            (Some(s), n) => format!("\"{s}\" ({n} repository pattern(s))"),
        },
    ));
    out.push(item(
        1,
        "4.3",
        "Everything in scope was examined",
        input.scope_unexamined.is_empty(),
        if input.scope_unexamined.is_empty() {
            "every in-scope repository found was examined".into()
        } else {
            format!("not examined: {}", input.scope_unexamined.join(", "))
        },
    ));
    let undeclared: Vec<&str> = assessment
        .controls
        .iter()
        .filter(|c| c.dimensions.declared == Declared::Undeclared)
        .map(|c| c.control.code())
        .collect();
    out.push(item(
        1,
        "6.1.3 d)",
        "Every Annex A control has an SoA decision with its reason, and the SoA is approved",
        input.soa_present && undeclared.is_empty() && input.soa_approved,
        if !input.soa_present {
            "no Statement of Applicability".into()
        } else if !undeclared.is_empty() {
            format!(
                "{} control(s) without a decision, e.g. {}",
                undeclared.len(),
                undeclared
                    .iter()
                    .take(5)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else if !input.soa_approved {
            "the SoA has no approver and approval date".into()
        } else {
            "93 of 93 decided; approved".into()
        },
    ));
    let problems: Vec<String> = input
        .policies
        .iter()
        .filter_map(|p| {
            let mut why = Vec::new();
            if !p.approved {
                why.push("not approved");
            }
            if p.overdue {
                why.push("past review");
            }
            if !p.mentions_cicd {
                why.push("does not mention CI/CD");
            }
            if p.controls.is_empty() {
                why.push("claims no controls");
            }
            (!why.is_empty()).then(|| format!("{} ({})", p.id, why.join(", ")))
        })
        .collect();
    out.push(item(
        1,
        "5.2, 7.5",
        "Policies exist, are approved and within review, cover controls and mention CI/CD",
        !input.policies.is_empty() && problems.is_empty(),
        if input.policies.is_empty() {
            "no policies in isms/policies/".into()
        } else if problems.is_empty() {
            format!("{} policies in order", input.policies.len())
        } else {
            problems.join("; ")
        },
    ));
    out.push(item(
        1,
        "6.1.2",
        "Risk criteria are established and approved",
        input.risk_criteria_present && input.risk_criteria_approved,
        match (input.risk_criteria_present, input.risk_criteria_approved) {
            (false, _) => "no `[risk-criteria]`".into(),
            (true, false) => "the risk criteria are not approved".into(),
            (true, true) => "established and approved".into(),
        },
    ));
    out.push(item(
        1,
        "6.1.2",
        "The risk assessment covers the CI/CD risks",
        input.risk_register_present && input.risks_not_assessed.is_empty(),
        if !input.risk_register_present {
            "no `[[risk]]` register".into()
        } else if input.risks_not_assessed.is_empty() {
            "every starter risk is assessed or justified as not applicable".into()
        } else {
            format!("not assessed: {}", input.risks_not_assessed.join(", "))
        },
    ));
    out.push(item(
        1,
        "6.1.3",
        "Risks above the acceptance threshold are treated and signed off",
        input.risk_register_present && input.risks_untreated.is_empty(),
        if input.risks_untreated.is_empty() {
            "no untreated risk above the threshold".into()
        } else {
            format!(
                "untreated or not signed off: {}",
                input.risks_untreated.join(", ")
            )
        },
    ));
    if stage >= 2 {
        out.push(item(
            2,
            "9.2",
            "An internal audit took place in the last twelve months",
            input.internal_audit.is_some(),
            input
                .internal_audit
                .clone()
                .unwrap_or_else(|| "no current `internal-audit` attestation".into()),
        ));
        out.push(item(
            2,
            "9.3",
            "A management review took place in the last twelve months",
            input.management_review.is_some(),
            input
                .management_review
                .clone()
                .unwrap_or_else(|| "no current `management-review` attestation".into()),
        ));
        out.push(item(
            2,
            "9.1",
            "Operating evidence covers the period",
            input.period_evidence.is_some(),
            input
                .period_evidence
                .clone()
                .or_else(|| input.period_problem.clone())
                .unwrap_or_else(|| {
                    "no snapshot collected with --period, and no recorded runs over a --period"
                        .into()
                }),
        ));
    }
    out
}
