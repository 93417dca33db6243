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

/// Whether a passing observation rests on evidence an auditor can rely on (system-collected,
/// a committed file, an attested record). Working-tree and hand-edited passes are not.
fn reliable_pass(x: &Observation) -> bool {
    matches!(
        x.provenance,
        Provenance::SystemCollected | Provenance::RepoCommit | Provenance::Attested
    )
}

/// Measure every objective on this run's observations, as of `today` (`YYYY-MM-DD`).
///
/// Unknowns are counted against an objective, never for it: a pass-rate counts them in its
/// denominator; an open-findings objective that would be met is `not-measurable` while any
/// observation of its checks is undecided. A pass resting on working-tree or hand-edited
/// evidence counts as undecided; every failure counts, whatever its provenance. An objective
/// with no decided observation at all is `not-measurable`.
pub fn measure(
    objectives: &[Objective],
    observations: &[Observation],
    today: &str,
) -> Vec<ObjectiveResult> {
    objectives
        .iter()
        .map(|o| {
            let checks: &[String] = match &o.measure {
                Measure::PassRate { checks } | Measure::OpenFindings { checks, .. } => checks,
            };
            let of_checks = || {
                observations
                    .iter()
                    .filter(|x| checks.is_empty() || checks.iter().any(|c| c == x.check.as_str()))
            };
            let (mut pass, mut fail, mut unknown) = (0usize, 0usize, 0usize);
            for x in of_checks() {
                match x.outcome {
                    Outcome::Pass if reliable_pass(x) => pass += 1,
                    Outcome::Pass | Outcome::Unknown => unknown += 1,
                    Outcome::Fail => fail += 1,
                    Outcome::NotRelevant => {}
                }
            }
            let what = if checks.is_empty() {
                "all checks".to_owned()
            } else {
                checks.join(", ")
            };
            let (value, population, met, basis) = if pass + fail == 0 {
                (
                    None,
                    unknown,
                    None,
                    format!(
                        "no decided observation of {what} on evidence an auditor can rely on ({unknown} undecided)"
                    ),
                )
            } else {
                match &o.measure {
                    Measure::PassRate { .. } => {
                        let n = pass + fail + unknown;
                        let v = 100.0 * pass as f64 / n as f64;
                        (
                            Some(v),
                            n,
                            Some(v >= o.target),
                            format!(
                                "{pass} of {n} observation(s) of {what} pass ({}%; {fail} fail, {unknown} undecided counted against) — target ≥ {}%",
                                fmt_num((v * 10.0).floor() / 10.0),
                                fmt_num(o.target)
                            ),
                        )
                    }
                    Measure::OpenFindings { min_severity, .. } => {
                        let open = of_checks()
                            .filter(|x| x.outcome == Outcome::Fail)
                            .filter(|x| {
                                !matches!(x.suppression, Some(Suppression::Accepted { .. }))
                            })
                            .filter(|x| min_severity.is_none_or(|m| x.severity >= m))
                            .count();
                        let sev = min_severity
                            .map_or(String::new(), |s| format!(" at or above {}", s.as_str()));
                        let within = open as f64 <= o.target;
                        let basis = format!(
                            "{open} open finding(s) of {what}{sev} (accepted risk not counted; {unknown} undecided) — target ≤ {}",
                            fmt_num(o.target)
                        );
                        if within && unknown > 0 {
                            (
                                Some(open as f64),
                                open,
                                None,
                                format!("{basis}: the undecided observations could hide findings"),
                            )
                        } else {
                            (Some(open as f64), open, Some(within), basis)
                        }
                    }
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

#[cfg(test)]
mod tests {
    use annexa_model::{CheckId, RepoIdentity, Route, SubjectKey};

    use super::*;

    fn obs(check: CheckId, outcome: Outcome, provenance: Provenance) -> Observation {
        Observation {
            check,
            outcome,
            severity: Severity::Critical,
            subject: SubjectKey::Repo {
                repo: RepoIdentity {
                    host: "github.com".into(),
                    owner: "acme".into(),
                    name: "app".into(),
                },
                commit: Some("abc".into()),
                path: String::new(),
                route: Route::root(),
            },
            message: String::new(),
            locations: Vec::new(),
            provenance,
            suppression: None,
        }
    }

    fn objective(measure: Measure, target: f64, due: Option<&str>) -> Objective {
        Objective {
            id: "O".into(),
            title: "t".into(),
            owner: None,
            measure,
            target,
            due: due.map(str::to_owned),
            controls: Vec::new(),
        }
    }

    fn status(o: &Objective, obs: &[Observation]) -> ObjectiveStatus {
        measure(std::slice::from_ref(o), obs, "2026-06-01")[0].status
    }

    #[test]
    fn nothing_decided_is_not_measurable_never_met() {
        let rate = objective(
            Measure::PassRate {
                checks: vec!["unpinned-image".into()],
            },
            90.0,
            None,
        );
        let open = objective(
            Measure::OpenFindings {
                checks: vec!["unpinned-image".into()],
                min_severity: None,
            },
            0.0,
            None,
        );
        for o in [&rate, &open] {
            assert_eq!(status(o, &[]), ObjectiveStatus::NotMeasurable);
            // Working-tree and hand-edited passes are not evidence an auditor relies on.
            let soft = [
                obs(
                    CheckId::UnpinnedImage,
                    Outcome::Pass,
                    Provenance::WorkingTree,
                ),
                obs(
                    CheckId::UnpinnedImage,
                    Outcome::Pass,
                    Provenance::HandEdited,
                ),
            ];
            assert_eq!(status(o, &soft), ObjectiveStatus::NotMeasurable);
        }
        // Undecided observations stop an open-findings objective from being met.
        let mixed = [
            obs(
                CheckId::UnpinnedImage,
                Outcome::Pass,
                Provenance::RepoCommit,
            ),
            obs(
                CheckId::UnpinnedImage,
                Outcome::Unknown,
                Provenance::RepoCommit,
            ),
        ];
        assert_eq!(status(&open, &mixed), ObjectiveStatus::NotMeasurable);
        // ... and count against a pass-rate.
        assert_eq!(status(&rate, &mixed), ObjectiveStatus::Missed);
    }

    #[test]
    fn failures_count_whatever_their_provenance_and_due_dates_hold_a_miss() {
        let rate = |due| {
            objective(
                Measure::PassRate {
                    checks: vec!["unpinned-image".into()],
                },
                50.0,
                due,
            )
        };
        let evidence = [
            obs(
                CheckId::UnpinnedImage,
                Outcome::Pass,
                Provenance::RepoCommit,
            ),
            obs(
                CheckId::UnpinnedImage,
                Outcome::Fail,
                Provenance::HandEdited,
            ),
            obs(
                CheckId::UnpinnedImage,
                Outcome::Fail,
                Provenance::WorkingTree,
            ),
        ];
        assert_eq!(status(&rate(None), &evidence), ObjectiveStatus::Missed);
        assert_eq!(
            status(&rate(Some("2026-12-31")), &evidence),
            ObjectiveStatus::NotYetMet
        );
        assert_eq!(status(&rate(None), &evidence[..1]), ObjectiveStatus::Met);
    }
}
