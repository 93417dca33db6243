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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: &str, planned: &str, held: Option<&str>) -> CalendarEntry {
        CalendarEntry {
            kind: kind.into(),
            title: "t".into(),
            planned: planned.into(),
            held_on: held.map(str::to_owned),
            scope: None,
            status: String::new(),
        }
    }

    #[test]
    fn entries_are_held_planned_or_overdue_at_the_date() {
        let out = judge(
            &[
                entry("management-review", "2026-11-15", None),
                entry("internal-audit", "2026-10-10", Some("2026-10-12")),
                entry("stage-2", "2027-02-08", None),
                // Held "in the future" is not held yet.
                entry("surveillance", "2026-11-01", Some("2026-12-01")),
            ],
            "2026-11-26",
        );
        let got: Vec<(&str, &str)> = out
            .iter()
            .map(|e| (e.kind.as_str(), e.status.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("internal-audit", "held"),
                ("surveillance", "overdue"),
                ("management-review", "overdue"),
                ("stage-2", "planned"),
            ]
        );
    }
}
