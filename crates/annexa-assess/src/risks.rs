//! The CI/CD risk register as assessed: every starter risk and every risk of the organisation,
//! scored under the organisation's criteria, with what is missing for each, and a *proposed*
//! likelihood where open findings bear on the risk. The owner's values are never changed: the
//! proposal sits beside them.

use std::collections::BTreeSet;

use annexa_model::{CheckMeta, ControlId, Observation, Outcome};

/// A risk as declared (or only as a starter risk nobody adopted yet).
#[derive(Clone, Debug, Default)]
pub struct RiskInput {
    pub id: String,
    pub title: Option<String>,
    /// `starter` or `own`.
    pub source: &'static str,
    /// Listed in `[[risk]]`.
    pub in_register: bool,
    pub applicable: bool,
    pub reason: Option<String>,
    pub owner: Option<String>,
    pub likelihood: Option<u8>,
    pub impact: Option<u8>,
    pub controls: Vec<ControlId>,
    pub treatment: Option<String>,
    pub plan: Option<String>,
    pub residual_likelihood: Option<u8>,
    pub residual_impact: Option<u8>,
    pub residual_approved_by: Option<String>,
    pub residual_approved_on: Option<String>,
}

/// The organisation's risk criteria.
#[derive(Clone, Copy, Debug)]
pub struct Criteria {
    pub likelihood_max: u8,
    pub impact_max: u8,
    pub accept_at_or_below: u32,
    pub approved: bool,
}

/// One row of the assessed register.
#[derive(Clone, Debug)]
pub struct RiskRow {
    pub risk: RiskInput,
    pub score: Option<u32>,
    /// Within the acceptance threshold (`None` without criteria or scores).
    pub acceptable: Option<bool>,
    pub residual_score: Option<u32>,
    /// Open findings of checks that give evidence for the risk's controls.
    pub findings: usize,
    pub checks: Vec<String>,
    /// The likelihood the findings suggest (never written over the owner's).
    pub proposed_likelihood: Option<u8>,
    /// What the register lacks for this risk.
    pub problems: Vec<String>,
}

/// Assess the register.
pub fn register(
    inputs: &[RiskInput],
    criteria: Option<&Criteria>,
    checks: &[&'static CheckMeta],
    observations: &[Observation],
) -> Vec<RiskRow> {
    let max_l = criteria.map_or(5, |c| c.likelihood_max);
    inputs
        .iter()
        .map(|r| {
            let mut problems = Vec::new();
            let score = match (r.likelihood, r.impact) {
                (Some(l), Some(i)) => Some(u32::from(l) * u32::from(i)),
                _ => None,
            };
            let residual_score = match (r.residual_likelihood, r.residual_impact) {
                (Some(l), Some(i)) => Some(u32::from(l) * u32::from(i)),
                _ => None,
            };
            let acceptable = match (criteria, score) {
                (Some(c), Some(s)) => Some(s <= c.accept_at_or_below),
                _ => None,
            };
            let related: BTreeSet<&str> = checks
                .iter()
                .filter(|m| m.controls.iter().any(|c| r.controls.contains(c)))
                .map(|m| m.id.as_str())
                .collect();
            // Suppressed findings count too: suppression never changes what is true.
            let findings = observations
                .iter()
                .filter(|o| o.outcome == Outcome::Fail && related.contains(o.check.as_str()))
                .count();
            if !r.in_register {
                problems.push(
                    "not assessed: neither in the register nor declared not applicable".to_owned(),
                );
            } else if r.applicable {
                if r.source == "own" && r.title.is_none() {
                    problems.push("no title".to_owned());
                }
                if r.owner.is_none() {
                    problems.push("no risk owner".to_owned());
                }
                if score.is_none() {
                    problems.push("no likelihood and impact".to_owned());
                }
                if criteria.is_none() {
                    problems.push("no risk criteria to score it against".to_owned());
                }
                if acceptable == Some(false) {
                    if r.treatment.is_none() || r.plan.is_none() {
                        problems.push(
                            "above the acceptance threshold without a treatment and plan"
                                .to_owned(),
                        );
                    }
                    if r.residual_approved_by.is_none() || r.residual_approved_on.is_none() {
                        problems.push("residual risk not signed off by its owner".to_owned());
                    }
                }
            }
            // Open findings bearing on the risk suggest it is likelier than assessed.
            let proposed_likelihood = match r.likelihood {
                Some(l) if findings > 0 && r.applicable && r.in_register => {
                    Some((l + 1).min(max_l)).filter(|p| *p != l)
                }
                _ => None,
            };
            RiskRow {
                risk: r.clone(),
                score,
                acceptable,
                residual_score,
                findings,
                checks: related.iter().map(|s| s.to_string()).collect(),
                proposed_likelihood,
                problems,
            }
        })
        .collect()
}
