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
    /// Not completed, not yet due (or completion dated after the report's date).
    Open,
    /// Completed but the nonconformity is still raised.
    NotEffective,
    /// Completed; fewer than N clean days since.
    AwaitingVerification,
    /// Completed, but the nonconformity was never seen raised in any run considered: there is
    /// nothing to verify the action against (a mistyped id, or evidence annexa cannot
    /// re-derive).
    Unverified,
    /// Completed and the nonconformity's evidence examined and clean on N consecutive days
    /// with runs since.
    Effective,
}

impl ActionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Recurred => "recurred",
            ActionStatus::Overdue => "overdue",
            ActionStatus::Open => "open",
            ActionStatus::NotEffective => "not-effective",
            ActionStatus::AwaitingVerification => "awaiting-verification",
            ActionStatus::Unverified => "unverified",
            ActionStatus::Effective => "effective",
        }
    }
}

/// What one run showed about the nonconformity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunCheck {
    /// The run's as-of (RFC 3339) and its ledger sequence number (`None` for this run).
    pub as_of: String,
    pub seq: Option<i64>,
    /// The nonconformity's evidence fails (risk-accepted failures included: accepting a risk
    /// does not remove its cause).
    pub raised: bool,
    /// The evidence was examined: at least one decided observation of it, none undecided.
    /// A run that is neither raised nor examined is undecided and never counts as clean.
    pub examined: bool,
}

impl RunCheck {
    fn state(&self) -> u8 {
        // Worst first: raised, undecided, clean.
        if self.raised {
            0
        } else if !self.examined {
            1
        } else {
            2
        }
    }
}

/// An action as verified.
#[derive(Clone, Debug)]
pub struct ActionState {
    pub action: CorrectiveAction,
    pub status: ActionStatus,
    /// Whether the nonconformity is raised in this run.
    pub raised_now: bool,
    /// Consecutive days with runs since completion on which the evidence was examined and
    /// clean, and how many are required.
    pub clean_runs: usize,
    pub required_runs: usize,
    /// The runs considered, oldest first (this run last).
    pub runs: Vec<RunCheck>,
    pub note: String,
}

/// Verify an action over the runs since it was raised (oldest first; this run last, none after
/// `today`), as of `today` (`YYYY-MM-DD`).
///
/// Days, not runs, are counted: several runs on one day are one observation of that day (the
/// worst of them), so re-running a scan cannot verify an action. A day whose runs were
/// undecided (nothing examined, or undecided evidence) resets the streak, as a raised day does.
pub fn verify(
    action: &CorrectiveAction,
    runs: Vec<RunCheck>,
    required: usize,
    today: &str,
) -> ActionState {
    let required = required.max(1);
    let raised_now = runs.last().is_some_and(|r| r.raised);
    let ever_raised = runs.iter().any(|r| r.raised);
    let completed = action.completed_on.as_deref().filter(|d| *d <= today);
    let (status, clean_runs, note) = match completed {
        None => {
            let status = if action.due.as_str() < today {
                ActionStatus::Overdue
            } else {
                ActionStatus::Open
            };
            let when = match action.completed_on.as_deref() {
                Some(d) => format!("completion dated {d}, after the report's date"),
                None => "not completed".to_owned(),
            };
            (status, 0, format!("{when}; due {}", action.due))
        }
        Some(done) => {
            // The worst state of each day since completion, in day order.
            let mut days: Vec<(&str, &RunCheck)> = Vec::new();
            for r in runs
                .iter()
                .filter(|r| r.as_of.get(..10).is_some_and(|d| d >= done))
            {
                let day = r.as_of.get(..10).unwrap_or("");
                match days.last_mut() {
                    Some((d, worst)) if *d == day => {
                        if r.state() < worst.state() {
                            *worst = r;
                        }
                    }
                    _ => days.push((day, r)),
                }
            }
            let mut streak = 0usize;
            let mut verified_at: Option<&str> = None;
            let mut recurred_at: Option<&str> = None;
            for (day, r) in &days {
                match r.state() {
                    0 => {
                        if verified_at.is_some() && recurred_at.is_none() {
                            recurred_at = Some(day);
                        }
                        streak = 0;
                    }
                    1 => streak = 0,
                    _ => {
                        streak += 1;
                        if streak >= required && verified_at.is_none() {
                            verified_at = Some(day);
                        }
                    }
                }
            }
            let undecided = days.iter().filter(|(_, r)| r.state() == 1).count();
            let undecided_note = if undecided > 0 {
                format!("; {undecided} day(s) undecided (the evidence was not examined)")
            } else {
                String::new()
            };
            match (verified_at, recurred_at) {
                (Some(v), Some(r)) => (
                    ActionStatus::Recurred,
                    streak,
                    format!("verified effective on {v}; the nonconformity came back on {r}"),
                ),
                _ if !ever_raised => (
                    ActionStatus::Unverified,
                    streak,
                    format!(
                        "completed on {done}, but {} was never seen raised in the {} run(s) considered (recorded runs only for a nonconformity against a control's evidence; this run otherwise): nothing to verify the action against",
                        action.nc,
                        runs.len()
                    ),
                ),
                (Some(v), None) => (
                    ActionStatus::Effective,
                    streak,
                    format!(
                        "examined and clean on {required} consecutive day(s) with runs after completion (verified on {v}){undecided_note}"
                    ),
                ),
                (None, _) if raised_now => (
                    ActionStatus::NotEffective,
                    streak,
                    format!(
                        "completed on {done}, but the nonconformity's evidence still fails (risk-accepted failures included)"
                    ),
                ),
                (None, _) => (
                    ActionStatus::AwaitingVerification,
                    streak,
                    format!(
                        "completed on {done}; {streak} of {required} clean day(s) so far ({} day(s) with runs since completion){undecided_note}",
                        days.len()
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

    /// `R` raised, `C` clean, `U` undecided.
    fn runs(flags: &[(&str, char)]) -> Vec<RunCheck> {
        flags
            .iter()
            .enumerate()
            .map(|(i, (t, s))| RunCheck {
                as_of: if t.len() == 10 {
                    format!("{t}T00:00:00Z")
                } else {
                    (*t).to_owned()
                },
                seq: Some(i as i64 + 1),
                raised: *s == 'R',
                examined: *s != 'U',
            })
            .collect()
    }

    fn status(done: Option<&str>, r: &[(&str, char)], today: &str) -> ActionStatus {
        verify(&action(done), runs(r), 3, today).status
    }

    #[test]
    fn effectiveness_needs_clean_examined_days_and_recurrence_is_flagged() {
        let done = Some("2026-01-15");
        let before = ("2026-01-05", 'R');
        assert_eq!(
            status(
                done,
                &[before, ("2026-01-20", 'C'), ("2026-01-21", 'C')],
                "2026-01-22"
            ),
            ActionStatus::AwaitingVerification
        );
        assert_eq!(
            status(
                done,
                &[
                    before,
                    ("2026-01-20", 'C'),
                    ("2026-01-21", 'C'),
                    ("2026-01-22", 'C')
                ],
                "2026-01-22"
            ),
            ActionStatus::Effective
        );
        assert_eq!(
            status(
                done,
                &[
                    before,
                    ("2026-01-20", 'C'),
                    ("2026-01-21", 'C'),
                    ("2026-01-22", 'C'),
                    ("2026-01-23", 'R')
                ],
                "2026-01-23"
            ),
            ActionStatus::Recurred
        );
        assert_eq!(
            status(
                done,
                &[before, ("2026-01-20", 'C'), ("2026-01-21", 'R')],
                "2026-01-21"
            ),
            ActionStatus::NotEffective
        );
    }

    #[test]
    fn reruns_on_one_day_and_undecided_runs_cannot_verify() {
        let done = Some("2026-01-15");
        let before = ("2026-01-05", 'R');
        // Three clean runs on one day are one clean day.
        let same_day = [
            before,
            ("2026-01-20T01:00:00Z", 'C'),
            ("2026-01-20T02:00:00Z", 'C'),
            ("2026-01-20T03:00:00Z", 'C'),
        ];
        let s = verify(&action(done), runs(&same_day), 3, "2026-01-20");
        assert_eq!(
            (s.status, s.clean_runs),
            (ActionStatus::AwaitingVerification, 1)
        );
        // A raised run the same day makes the day raised.
        let mixed = [
            before,
            ("2026-01-20T01:00:00Z", 'C'),
            ("2026-01-20T02:00:00Z", 'R'),
        ];
        assert_eq!(
            status(done, &mixed, "2026-01-20"),
            ActionStatus::NotEffective
        );
        // Undecided days (nothing examined) reset the streak.
        let undecided = [
            before,
            ("2026-01-20", 'C'),
            ("2026-01-21", 'U'),
            ("2026-01-22", 'C'),
            ("2026-01-23", 'C'),
        ];
        let s = verify(&action(done), runs(&undecided), 3, "2026-01-23");
        assert_eq!(
            (s.status, s.clean_runs),
            (ActionStatus::AwaitingVerification, 2)
        );
        assert!(s.note.contains("1 day(s) undecided"), "{}", s.note);
    }

    #[test]
    fn a_nonconformity_never_seen_raised_leaves_the_action_unverified() {
        let r = [
            ("2026-01-20", 'C'),
            ("2026-01-21", 'C'),
            ("2026-01-22", 'C'),
        ];
        assert_eq!(
            status(Some("2026-01-15"), &r, "2026-01-22"),
            ActionStatus::Unverified
        );
        assert_eq!(
            status(Some("2026-01-15"), &[], "2026-01-22"),
            ActionStatus::Unverified
        );
    }

    #[test]
    fn an_unfinished_action_is_open_until_due_then_overdue() {
        assert_eq!(status(None, &[], "2026-01-10"), ActionStatus::Open);
        assert_eq!(status(None, &[], "2026-02-02"), ActionStatus::Overdue);
        // A completion dated after the report's date is not a completion yet.
        let s = verify(&action(Some("2026-03-01")), Vec::new(), 3, "2026-02-02");
        assert_eq!(s.status, ActionStatus::Overdue);
        assert!(s.note.contains("after the report's date"));
    }
}
