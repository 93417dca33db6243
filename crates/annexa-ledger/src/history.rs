//! History from the ledger: control status over a period, the days of a period with no
//! recorded run (evidence gaps), and what changed between two runs — the basis for A.8.16
//! monitoring. Everything here reads stored records; `verify` says whether to believe them.

use std::collections::{BTreeMap, BTreeSet};

use crate::record::{ControlRecord, RunHeader};
use crate::{Ledger, LedgerError};

/// An inclusive period of calendar days (UTC), `YYYY-MM-DD..YYYY-MM-DD`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: jiff::civil::Date,
    pub to: jiff::civil::Date,
}

impl Period {
    pub fn parse(s: &str) -> Result<Period, String> {
        let (a, b) = s
            .split_once("..")
            .ok_or_else(|| format!("`{s}`: a period is FROM..TO (e.g. 2026-01-01..2026-03-31)"))?;
        let day = |t: &str| -> Result<jiff::civil::Date, String> {
            t.trim()
                .parse()
                .map_err(|e| format!("`{t}` is not a date (YYYY-MM-DD): {e}"))
        };
        let (from, to) = (day(a)?, day(b)?);
        if to < from {
            return Err(format!("`{s}`: the period ends before it starts"));
        }
        Ok(Period { from, to })
    }

    /// Whether an RFC 3339 time falls on a day of the period (UTC).
    pub fn contains(&self, time: &str) -> bool {
        day_of(time).is_some_and(|d| d >= self.from && d <= self.to)
    }

    pub fn days(&self) -> Vec<jiff::civil::Date> {
        let mut out = Vec::new();
        let mut d = self.from;
        while d <= self.to {
            out.push(d);
            match d.tomorrow() {
                Ok(n) => d = n,
                Err(_) => break,
            }
        }
        out
    }
}

/// The UTC calendar day of an RFC 3339 time.
pub fn day_of(time: &str) -> Option<jiff::civil::Date> {
    let ts: jiff::Timestamp = time.parse().ok()?;
    Some(jiff::tz::Offset::UTC.to_datetime(ts).date())
}

/// The runs whose `--as-of` falls in the period, oldest first.
pub fn runs_in(ledger: &Ledger, period: &Period) -> Result<Vec<RunHeader>, LedgerError> {
    Ok(ledger
        .runs()?
        .into_iter()
        .map(|r| r.header)
        .filter(|h| period.contains(&h.as_of))
        .collect())
}

/// Days of the period on which no run was recorded.
pub fn gaps(runs: &[RunHeader], period: &Period) -> Vec<jiff::civil::Date> {
    let covered: BTreeSet<jiff::civil::Date> =
        runs.iter().filter_map(|h| day_of(&h.as_of)).collect();
    period
        .days()
        .into_iter()
        .filter(|d| !covered.contains(d))
        .collect()
}

/// One control's status in each run of a period.
#[derive(Debug)]
pub struct Timeline {
    pub control: String,
    /// (run, as-of, overall status)
    pub points: Vec<(u64, String, String)>,
}

impl Timeline {
    /// How many times the status changed over the period.
    pub fn changes(&self) -> usize {
        self.points.windows(2).filter(|w| w[0].2 != w[1].2).count()
    }
}

/// Timelines in the catalogue order the runs list their controls in.
pub fn timelines(runs: &[RunHeader]) -> Vec<Timeline> {
    let mut out: Vec<Timeline> = Vec::new();
    let mut at: BTreeMap<String, usize> = BTreeMap::new();
    for h in runs {
        for c in &h.controls {
            let i = *at.entry(c.id.clone()).or_insert_with(|| {
                out.push(Timeline {
                    control: c.id.clone(),
                    points: Vec::new(),
                });
                out.len() - 1
            });
            out[i]
                .points
                .push((h.seq, h.as_of.clone(), c.overall.clone()));
        }
    }
    out
}

/// What changed from run `a` to run `b`.
#[derive(Debug, Default)]
pub struct Diff {
    /// Controls whose status changed: (control, before, after), worse ones first.
    pub controls: Vec<(String, ControlRecord, ControlRecord)>,
    /// Findings (check, subject, message) open in `b` that were not in `a`: what weakened.
    pub new_findings: Vec<(String, String, String)>,
    /// Findings of `a` no longer failing in `b`.
    pub resolved: Vec<(String, String, String)>,
    /// Inputs (repository/path) whose digest changed, appeared or disappeared.
    pub changed_inputs: Vec<String>,
    /// Platform state whose observation kept its outcome but not its content (check, subject,
    /// before, after): a new owner within the limit, another reviewer count, a changed policy.
    pub changed_state: Vec<(String, String, String, String)>,
}

fn rank(overall: &str) -> u8 {
    match overall {
        "implemented" => 4,
        "partial" => 3,
        "not-implemented" => 1,
        "excluded" => 2,
        _ => 0,
    }
}

pub fn diff(ledger: &Ledger, a: u64, b: u64) -> Result<Diff, LedgerError> {
    let runs = ledger.runs()?;
    let find = |s: u64| {
        runs.iter()
            .find(|r| r.header.seq == s)
            .map(|r| r.header.clone())
            .ok_or_else(|| LedgerError::Store {
                path: Default::default(),
                message: format!("no run {s} in the ledger"),
            })
    };
    let (ha, hb) = (find(a)?, find(b)?);
    let mut d = Diff::default();
    let before: BTreeMap<&str, &ControlRecord> =
        ha.controls.iter().map(|c| (c.id.as_str(), c)).collect();
    for c in &hb.controls {
        if let Some(old) = before.get(c.id.as_str())
            && (old.overall != c.overall || old.design != c.design)
        {
            d.controls.push((c.id.clone(), (*old).clone(), c.clone()));
        }
    }
    d.controls.sort_by_key(|(id, old, new)| {
        (
            (rank(&new.overall) as i16 - rank(&old.overall) as i16),
            id.clone(),
        )
    });
    let fails = |seq: u64| -> Result<BTreeMap<(String, String), String>, LedgerError> {
        Ok(ledger
            .observations(seq)?
            .into_iter()
            .filter(|o| o.outcome == "fail")
            .map(|o| ((o.check, o.fingerprint), o.message))
            .collect())
    };
    let (fa, fb) = (fails(a)?, fails(b)?);
    let subject_of = |seq: u64| -> Result<BTreeMap<String, String>, LedgerError> {
        Ok(ledger
            .observations(seq)?
            .into_iter()
            .map(|o| (o.fingerprint, o.subject))
            .collect())
    };
    let (sa, sb) = (subject_of(a)?, subject_of(b)?);
    for ((check, fp), msg) in &fb {
        if !fa.contains_key(&(check.clone(), fp.clone())) {
            d.new_findings.push((
                check.clone(),
                sb.get(fp).cloned().unwrap_or_default(),
                msg.clone(),
            ));
        }
    }
    for ((check, fp), msg) in &fa {
        if !fb.contains_key(&(check.clone(), fp.clone())) {
            d.resolved.push((
                check.clone(),
                sa.get(fp).cloned().unwrap_or_default(),
                msg.clone(),
            ));
        }
    }
    // Platform observations (subjects `api:`) whose outcome held but whose content changed.
    // (check, subject) → (outcome, message)
    type State = BTreeMap<(String, String), (String, String)>;
    let state = |seq: u64| -> Result<State, LedgerError> {
        Ok(ledger
            .observations(seq)?
            .into_iter()
            .filter(|o| o.subject.starts_with("api:"))
            .map(|o| ((o.check, o.subject), (o.outcome, o.message)))
            .collect())
    };
    let (pa, pb) = (state(a)?, state(b)?);
    for (k, (outcome, msg)) in &pb {
        if let Some((old_outcome, old_msg)) = pa.get(k)
            && old_outcome == outcome
            && old_msg != msg
        {
            d.changed_state
                .push((k.0.clone(), k.1.clone(), old_msg.clone(), msg.clone()));
        }
    }
    let inputs = |seq: u64| -> Result<BTreeMap<String, Option<String>>, LedgerError> {
        Ok(ledger
            .inputs(seq)?
            .into_iter()
            .map(|i| (format!("{}/{}", i.repository, i.path), i.sha256))
            .collect())
    };
    let (ia, ib) = (inputs(a)?, inputs(b)?);
    let keys: BTreeSet<&String> = ia.keys().chain(ib.keys()).collect();
    for k in keys {
        match (ia.get(k), ib.get(k)) {
            (Some(x), Some(y)) if x == y => {}
            (Some(_), Some(_)) => d.changed_inputs.push(format!("{k}: changed")),
            (None, Some(_)) => d.changed_inputs.push(format!("{k}: new")),
            (Some(_), None) => d.changed_inputs.push(format!("{k}: gone")),
            (None, None) => {}
        }
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        let p = Period::parse("2026-11-01..2026-11-03").expect("period");
        assert_eq!(p.days().len(), 3);
        assert!(p.contains("2026-11-02T23:59:59Z"));
        assert!(!p.contains("2026-11-04T00:00:00Z"));
        assert!(Period::parse("2026-11-03..2026-11-01").is_err());
        assert!(Period::parse("yesterday").is_err());
    }
}

/// Whether a run was recorded more than a day after the point in time it claims (`--as-of`):
/// a scan of later files dated back, never evidence of the day it names.
pub fn backdated(h: &RunHeader) -> bool {
    match (
        h.as_of.parse::<jiff::Timestamp>(),
        h.recorded_at.parse::<jiff::Timestamp>(),
    ) {
        (Ok(a), Ok(r)) => r.duration_since(a) > jiff::SignedDuration::from_hours(24),
        _ => true,
    }
}

/// Whether a recorded run is monitoring evidence for the day it names: not backdated, and over
/// a committed repository or a collected (not synthetic, not hand-edited) platform snapshot.
pub fn is_evidence(ledger: &Ledger, h: &RunHeader) -> Result<bool, LedgerError> {
    if backdated(h) {
        return Ok(false);
    }
    if h.repositories
        .iter()
        .any(|r| !r.dirty && r.commit.is_some())
    {
        return Ok(true);
    }
    Ok(ledger
        .inputs(h.seq)?
        .iter()
        .any(|i| i.path == "snapshot.json" && i.provenance == "system-collected"))
}

/// The recorded runs covering a period as monitoring evidence.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Runs that are evidence ([`is_evidence`]), and those left out.
    pub runs: usize,
    pub not_evidence: usize,
    /// Stretches of consecutive days with no evidence run: (first day, last day, days).
    pub gaps: Vec<(jiff::civil::Date, jiff::civil::Date, usize)>,
}

/// The coverage of `period` by runs dated up to `cutoff` (a run dated after it is not
/// evidence for a report as of `cutoff`).
pub fn coverage(
    ledger: &Ledger,
    period: &Period,
    cutoff: jiff::Timestamp,
) -> Result<Coverage, LedgerError> {
    let mut runs = Vec::new();
    let mut not_evidence = 0usize;
    for h in runs_in(ledger, period)? {
        if !h
            .as_of
            .parse::<jiff::Timestamp>()
            .is_ok_and(|t| t <= cutoff)
        {
            continue;
        }
        if is_evidence(ledger, &h)? {
            runs.push(h);
        } else {
            not_evidence += 1;
        }
    }
    let mut stretches: Vec<(jiff::civil::Date, jiff::civil::Date, usize)> = Vec::new();
    for d in gaps(&runs, period) {
        match stretches.last_mut() {
            Some(s) if s.1.tomorrow().ok() == Some(d) => {
                s.1 = d;
                s.2 += 1;
            }
            _ => stretches.push((d, d, 1)),
        }
    }
    Ok(Coverage {
        runs: runs.len(),
        not_evidence,
        gaps: stretches,
    })
}
