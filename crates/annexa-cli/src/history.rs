//! `annexa controls --period` and `annexa diff`: history read from the evidence ledger.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use annexa_ledger::history::{Period, diff, gaps, runs_in, timelines};

use crate::ledger_cli::open;
use crate::{emit, usage};

/// Control status over a period: one column per recorded run, the days without a run.
pub fn controls_over(period: &str, store: &Path, only: Option<&str>) -> anyhow::Result<ExitCode> {
    let period = Period::parse(period).map_err(usage)?;
    let ledger = open(store)?;
    let runs = runs_in(&ledger, &period)?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} runs recorded with as-of in {}..{} (ledger {}; `annexa evidence verify` says whether to trust it)",
        runs.len(),
        period.from,
        period.to,
        store.display()
    );
    let missing = gaps(&runs, &period);
    if missing.is_empty() {
        let _ = writeln!(
            out,
            "evidence gaps: none (a run on every day of the period)"
        );
    } else {
        let days: Vec<String> = missing.iter().map(|d| d.to_string()).collect();
        let _ = writeln!(
            out,
            "evidence gaps: {} of {} days have no run: {}",
            missing.len(),
            period.days().len(),
            days.join(", ")
        );
    }
    if runs.is_empty() {
        emit(&None, &out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let _ = writeln!(out);
    let _ = write!(out, "{:<8} {:>7}", "control", "changes");
    for h in &runs {
        let _ = write!(
            out,
            "  {:<16}",
            format!("run {} {}", h.seq, &h.as_of[..h.as_of.len().min(10)])
        );
    }
    out.push('\n');
    for t in timelines(&runs)
        .iter()
        .filter(|t| only.is_none_or(|c| c.eq_ignore_ascii_case(&t.control)))
    {
        let _ = write!(out, "{:<8} {:>7}", t.control, t.changes());
        for (_, _, status) in &t.points {
            let _ = write!(out, "  {status:<16}");
        }
        out.push('\n');
    }
    emit(&None, &out)?;
    Ok(ExitCode::SUCCESS)
}

/// What changed between two recorded runs.
pub fn diff_runs(a: u64, b: u64, store: &Path) -> anyhow::Result<ExitCode> {
    let ledger = open(store)?;
    let d = diff(&ledger, a, b).map_err(|e| usage(e.to_string()))?;
    let mut out = format!("run {a} → run {b}\n");
    let _ = writeln!(out, "\ncontrols that changed status ({})", d.controls.len());
    for (id, old, new) in &d.controls {
        let _ = writeln!(
            out,
            "  {id:<8} {} → {} (design {} → {})",
            old.overall,
            new.overall,
            old.design.as_deref().unwrap_or("-"),
            new.design.as_deref().unwrap_or("-")
        );
    }
    let _ = writeln!(out, "\nweakened: new findings ({})", d.new_findings.len());
    for (check, subject, msg) in &d.new_findings {
        let _ = writeln!(out, "  [{check}] {msg}\n      {subject}");
    }
    let _ = writeln!(out, "\nresolved findings ({})", d.resolved.len());
    for (check, subject, msg) in &d.resolved {
        let _ = writeln!(out, "  [{check}] {msg}\n      {subject}");
    }
    let _ = writeln!(
        out,
        "\nplatform state that changed without changing outcome ({})",
        d.changed_state.len()
    );
    for (check, subject, old, new) in &d.changed_state {
        let _ = writeln!(
            out,
            "  [{check}] {subject}\n      was: {old}\n      now: {new}"
        );
    }
    let _ = writeln!(out, "\ninputs that changed ({})", d.changed_inputs.len());
    for i in &d.changed_inputs {
        let _ = writeln!(out, "  {i}");
    }
    emit(&None, &out)?;
    Ok(ExitCode::SUCCESS)
}
