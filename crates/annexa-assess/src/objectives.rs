//! Information security objectives (clause 6.2) with measures evaluated on every run (9.1).

use annexa_model::{ControlId, Severity};

/// How an objective is measured.
#[derive(Clone, Debug, PartialEq)]
pub enum Measure {
    /// Share of the checks' decided observations (pass or fail) that pass, in percent, against
    /// `target` as a minimum. Unknowns are counted against the objective (never as passes).
    PassRate { checks: Vec<String> },
    /// Open findings of the checks (all checks when empty) at or above `min_severity`, against
    /// `target` as a maximum.
    OpenFindings {
        checks: Vec<String>,
        min_severity: Option<Severity>,
    },
}

impl Measure {
    pub fn kind(&self) -> &'static str {
        match self {
            Measure::PassRate { .. } => "pass-rate",
            Measure::OpenFindings { .. } => "open-findings",
        }
    }
}

/// One `[[objective]]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    pub id: String,
    pub title: String,
    pub owner: Option<String>,
    pub measure: Measure,
    /// A minimum percentage (pass-rate) or a maximum count (open-findings).
    pub target: f64,
    /// `YYYY-MM-DD` by which the target is to be met; before it a miss is "not yet met".
    pub due: Option<String>,
    pub controls: Vec<ControlId>,
}

/// Whether an objective is met at the report's date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ObjectiveStatus {
    Met,
    /// Missed before its due date.
    NotYetMet,
    /// Missed on or after its due date (or with no due date).
    Missed,
    /// Nothing to measure (no decided observation of the checks).
    NotMeasurable,
}

impl ObjectiveStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectiveStatus::Met => "met",
            ObjectiveStatus::NotYetMet => "not-yet-met",
            ObjectiveStatus::Missed => "missed",
            ObjectiveStatus::NotMeasurable => "not-measurable",
        }
    }
}

/// An objective measured on one run.
#[derive(Clone, Debug)]
pub struct ObjectiveResult {
    pub objective: Objective,
    /// The measured value (percent or count); `None` when not measurable.
    pub value: Option<f64>,
    /// Observations measured (pass-rate: pass + fail + unknown; open-findings: findings).
    pub population: usize,
    pub unknown: usize,
    pub status: ObjectiveStatus,
    /// One sentence: what was counted and how it compares with the target.
    pub basis: String,
}

use annexa_model::{Observation, Outcome, Provenance, Suppression};

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Measure every objective on this run's observations, as of `today` (`YYYY-MM-DD`).
/// Hand-edited evidence is never counted; a pass-rate counts unknowns against the objective.
pub fn measure(
    objectives: &[Objective],
    observations: &[Observation],
    today: &str,
) -> Vec<ObjectiveResult> {
    objectives
        .iter()
        .map(|o| {
            let evidence = observations
                .iter()
                .filter(|x| x.provenance != Provenance::HandEdited);
            let (value, population, unknown, met, basis) = match &o.measure {
                Measure::PassRate { checks } => {
                    let (mut pass, mut fail, mut unknown) = (0usize, 0usize, 0usize);
                    for x in evidence.filter(|x| checks.iter().any(|c| c == x.check.as_str())) {
                        match x.outcome {
                            Outcome::Pass => pass += 1,
                            Outcome::Fail => fail += 1,
                            Outcome::Unknown => unknown += 1,
                            Outcome::NotRelevant => {}
                        }
                    }
                    let n = pass + fail + unknown;
                    if n == 0 {
                        (None, 0, 0, None, format!("no observation of {} to measure", checks.join(", ")))
                    } else {
                        let v = 100.0 * pass as f64 / n as f64;
                        (
                            Some(v),
                            n,
                            unknown,
                            Some(v >= o.target),
                            format!(
                                "{pass} of {n} observation(s) of {} pass ({}%; {fail} fail, {unknown} unknown counted against) — target ≥ {}%",
                                checks.join(", "),
                                fmt_num((v * 10.0).floor() / 10.0),
                                fmt_num(o.target)
                            ),
                        )
                    }
                }
                Measure::OpenFindings { checks, min_severity } => {
                    let n = evidence
                        .filter(|x| x.outcome == Outcome::Fail)
                        .filter(|x| !matches!(x.suppression, Some(Suppression::Accepted { .. })))
                        .filter(|x| checks.is_empty() || checks.iter().any(|c| c == x.check.as_str()))
                        .filter(|x| min_severity.is_none_or(|m| x.severity >= m))
                        .count();
                    let what = if checks.is_empty() { "all checks".to_owned() } else { checks.join(", ") };
                    let sev = min_severity.map_or(String::new(), |s| format!(" at or above {}", s.as_str()));
                    (
                        Some(n as f64),
                        n,
                        0,
                        Some(n as f64 <= o.target),
                        format!(
                            "{n} open finding(s) of {what}{sev} (accepted risk not counted) — target ≤ {}",
                            fmt_num(o.target)
                        ),
                    )
                }
            };
            let status = match met {
                None => ObjectiveStatus::NotMeasurable,
                Some(true) => ObjectiveStatus::Met,
                Some(false) => match &o.due {
                    Some(d) if d.as_str() > today => ObjectiveStatus::NotYetMet,
                    _ => ObjectiveStatus::Missed,
                },
            };
            ObjectiveResult {
                objective: o.clone(),
                value,
                population,
                unknown,
                status,
                basis,
            }
        })
        .collect()
}
