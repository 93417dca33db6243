//! Corrective actions (clause 10.2): each names the potential nonconformity it answers, with
//! the correction, root cause, action, owner and due date. Effectiveness is verified over later
//! recorded runs: the nonconformity's evidence must stay absent for N consecutive runs after
//! the action; if it comes back afterwards, that is a recurrence.

/// One `[[action]]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CorrectiveAction {
    pub id: String,
    /// The potential nonconformity's id (`change-management/A.8.32`).
    pub nc: String,
    pub correction: String,
    pub root_cause: String,
    pub action: String,
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub raised_on: String,
    pub due: String,
    /// `YYYY-MM-DD` the owner says the action was completed.
    pub completed_on: Option<String>,
}

/// Where an action stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ActionStatus {
    /// The nonconformity came back after the action had been verified effective.
    Recurred,
    /// Not completed and past its due date.
    Overdue,
    /// Not completed, not yet due.
    Open,
    /// Completed; fewer than N clean runs since.
    AwaitingVerification,
    /// Completed but the nonconformity is still raised.
    NotEffective,
    /// Completed and the nonconformity absent in N consecutive runs since.
    Effective,
}

impl ActionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Recurred => "recurred",
            ActionStatus::Overdue => "overdue",
            ActionStatus::Open => "open",
            ActionStatus::AwaitingVerification => "awaiting-verification",
            ActionStatus::NotEffective => "not-effective",
            ActionStatus::Effective => "effective",
        }
    }
}

/// Whether the nonconformity was raised in one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunCheck {
    /// The run's as-of (RFC 3339) and its ledger sequence number (`None` for this run).
    pub as_of: String,
    pub seq: Option<i64>,
    pub raised: bool,
}

/// An action as verified.
#[derive(Clone, Debug)]
pub struct ActionState {
    pub action: CorrectiveAction,
    pub status: ActionStatus,
    /// Whether the nonconformity is raised in this run.
    pub raised_now: bool,
    /// Consecutive runs (recorded, then this one) since completion without the
    /// nonconformity, and how many are required.
    pub clean_runs: usize,
    pub required_runs: usize,
    /// The runs considered, oldest first.
    pub runs: Vec<RunCheck>,
    pub note: String,
}

/// Verify an action over the runs since it was raised (oldest first; this run last), as of
/// `today` (`YYYY-MM-DD`). `runs` holds only runs dated on or after `raised_on`.
pub fn verify(
    action: &CorrectiveAction,
    runs: Vec<RunCheck>,
    required: usize,
    today: &str,
) -> ActionState {
    let required = required.max(1);
    let raised_now = runs.last().is_some_and(|r| r.raised);
    let (status, clean_runs, note) = match action.completed_on.as_deref() {
        None => {
            let status = if action.due.as_str() < today {
                ActionStatus::Overdue
            } else {
                ActionStatus::Open
            };
            (status, 0, format!("not completed; due {}", action.due))
        }
        Some(done) => {
            let after: Vec<&RunCheck> = runs
                .iter()
                .filter(|r| r.as_of.get(..10).is_some_and(|d| d >= done))
                .collect();
            let mut streak = 0usize;
            let mut verified_at: Option<&str> = None;
            let mut recurred_at: Option<&str> = None;
            for r in &after {
                if r.raised {
                    if verified_at.is_some() && recurred_at.is_none() {
                        recurred_at = Some(&r.as_of);
                    }
                    streak = 0;
                } else {
                    streak += 1;
                    if streak >= required && verified_at.is_none() {
                        verified_at = Some(&r.as_of);
                    }
                }
            }
            match (verified_at, recurred_at) {
                (Some(v), Some(r)) => (
                    ActionStatus::Recurred,
                    streak,
                    format!(
                        "verified effective at the run of {v}; the nonconformity came back at the run of {r}"
                    ),
                ),
                (Some(v), None) => (
                    ActionStatus::Effective,
                    streak,
                    format!(
                        "absent in {required} consecutive run(s) after completion (verified at the run of {v})"
                    ),
                ),
                (None, _) if raised_now => (
                    ActionStatus::NotEffective,
                    streak,
                    format!("completed on {done}, but the nonconformity is still raised"),
                ),
                (None, _) => (
                    ActionStatus::AwaitingVerification,
                    streak,
                    format!(
                        "completed on {done}; {streak} of {required} clean run(s) so far ({} run(s) since completion)",
                        after.len()
                    ),
                ),
            }
        }
    };
    ActionState {
        action: action.clone(),
        status,
        raised_now,
        clean_runs,
        required_runs: required,
        runs,
        note,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(done: Option<&str>) -> CorrectiveAction {
        CorrectiveAction {
            id: "CA-1".into(),
            nc: "change-management/A.8.32".into(),
            correction: "c".into(),
            root_cause: "r".into(),
            action: "a".into(),
            owner: "o".into(),
            raised_on: "2026-01-01".into(),
            due: "2026-02-01".into(),
            completed_on: done.map(str::to_owned),
        }
    }

    fn runs(flags: &[(&str, bool)]) -> Vec<RunCheck> {
        flags
            .iter()
            .enumerate()
            .map(|(i, (d, raised))| RunCheck {
                as_of: format!("{d}T00:00:00Z"),
                seq: Some(i as i64 + 1),
                raised: *raised,
            })
            .collect()
    }

    #[test]
    fn effectiveness_needs_consecutive_clean_runs_and_recurrence_is_flagged() {
        let r = runs(&[
            ("2026-01-05", true),
            ("2026-01-20", false),
            ("2026-01-21", false),
        ]);
        let s = verify(&action(Some("2026-01-15")), r, 3, "2026-01-22");
        assert_eq!(s.status, ActionStatus::AwaitingVerification);
        assert_eq!(s.clean_runs, 2);

        let r = runs(&[
            ("2026-01-20", false),
            ("2026-01-21", false),
            ("2026-01-22", false),
        ]);
        assert_eq!(
            verify(&action(Some("2026-01-15")), r, 3, "2026-01-22").status,
            ActionStatus::Effective
        );

        let r = runs(&[
            ("2026-01-20", false),
            ("2026-01-21", false),
            ("2026-01-22", false),
            ("2026-01-23", true),
        ]);
        assert_eq!(
            verify(&action(Some("2026-01-15")), r, 3, "2026-01-23").status,
            ActionStatus::Recurred
        );

        let r = runs(&[("2026-01-20", false), ("2026-01-21", true)]);
        assert_eq!(
            verify(&action(Some("2026-01-15")), r, 3, "2026-01-21").status,
            ActionStatus::NotEffective
        );
    }

    #[test]
    fn an_unfinished_action_is_open_until_due_then_overdue() {
        assert_eq!(
            verify(&action(None), Vec::new(), 3, "2026-01-10").status,
            ActionStatus::Open
        );
        assert_eq!(
            verify(&action(None), Vec::new(), 3, "2026-02-02").status,
            ActionStatus::Overdue
        );
    }
}
