//! The audit calendar: internal audits, management reviews, certification and surveillance
//! audits, planned and held.

/// One `[[audit]]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CalendarEntry {
    /// `internal-audit`, `management-review`, `stage-1`, `stage-2`, `surveillance`,
    /// `recertification`, `access-review`, `other`.
    pub kind: String,
    pub title: String,
    /// `YYYY-MM-DD`: planned date.
    pub planned: String,
    /// `YYYY-MM-DD` it was held, if it was.
    pub held_on: Option<String>,
    pub scope: Option<String>,
    /// `held`, `planned`, `overdue` (planned date passed without being held), at the report's
    /// date.
    pub status: String,
}

/// The calendar with each entry's status as of `today` (`YYYY-MM-DD`), by planned date.
pub fn judge(entries: &[CalendarEntry], today: &str) -> Vec<CalendarEntry> {
    let mut out: Vec<CalendarEntry> = entries
        .iter()
        .map(|e| CalendarEntry {
            status: if e.held_on.as_deref().is_some_and(|h| h <= today) {
                "held"
            } else if e.planned.as_str() < today {
                "overdue"
            } else {
                "planned"
            }
            .to_owned(),
            ..e.clone()
        })
        .collect();
    out.sort_by(|a, b| (&a.planned, &a.kind, &a.title).cmp(&(&b.planned, &b.kind, &b.title)));
    out
}
