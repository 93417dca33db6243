//! `annexa ncs`: potential nonconformities against cited requirements, and opportunities for
//! improvement.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use annexa_assess::ncs::{self, Detected};
use clap::ValueEnum;

use crate::{emit, usage};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NcFormat {
    Terminal,
    Json,
}

#[derive(clap::Args)]
pub struct NcArgs {
    #[command(flatten)]
    inputs: crate::AssessInputs,
    /// Where `isms/policies/` is; default: the configuration file's folder, else the first
    /// PATH.
    #[arg(long)]
    isms: Option<PathBuf>,
    /// The reporting period (YYYY-MM-DD..YYYY-MM-DD): with a ledger, days without a recorded
    /// run are evidence gaps (9.1).
    #[arg(long)]
    period: Option<String>,
    /// The evidence ledger (default: `[evidence] store` of the configuration): corrective
    /// actions are verified over its recorded runs.
    #[arg(long)]
    ledger: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = NcFormat::Terminal)]
    format: NcFormat,
    #[arg(long, short)]
    output: Option<PathBuf>,
}

/// The policies in `isms/policies/` (under `--isms`, else the configuration's folder, else the
/// first PATH) with their review state at `as_of`.
pub(crate) fn policies_at(
    isms: Option<&Path>,
    settings: &annexa_config::Settings,
    first: &Path,
    as_of: &str,
) -> anyhow::Result<Vec<(annexa_isms::Policy, annexa_isms::PolicyState)>> {
    let isms_dir = isms
        .map(Path::to_path_buf)
        .or_else(|| {
            settings
                .path
                .as_ref()
                .and_then(|p| p.parent().map(Path::to_path_buf))
        })
        .unwrap_or_else(|| first.to_path_buf());
    let date: jiff::civil::Date = as_of
        .parse::<jiff::Timestamp>()
        .map(|t| jiff::tz::Offset::UTC.to_datetime(t).date())
        .map_err(|e| usage(format!("--as-of: {e}")))?;
    let policy_dir = isms_dir.join(annexa_isms::POLICY_DIR);
    let (policies, errors) = annexa_isms::load_policies(&policy_dir);
    // No policy folder is not an error here (`annexa policies` reports it); a policy that does
    // not parse is.
    if policy_dir.is_dir() {
        for e in &errors {
            eprintln!("annexa: warning: {e}");
        }
    }
    Ok(policies
        .into_iter()
        .map(|p| {
            let st = annexa_isms::review(&p, date);
            (p, st)
        })
        .collect())
}

pub fn run(args: NcArgs) -> anyhow::Result<ExitCode> {
    let period = args
        .period
        .as_deref()
        .map(crate::report_cli::parse_period)
        .transpose()?;
    let g = crate::report_cli::gather(
        &args.inputs,
        args.isms.as_deref(),
        period,
        args.ledger.as_deref(),
    )?;
    let found = &g.isms.ncs;
    let text = match args.format {
        NcFormat::Terminal => terminal(found),
        NcFormat::Json => serde_json::to_string_pretty(&json(found, &g.as_of))? + "\n",
    };
    emit(&args.output, &text)?;
    Ok(ExitCode::SUCCESS)
}

fn terminal(d: &Detected) -> String {
    let mut s = String::new();
    let majors = d
        .ncs
        .iter()
        .filter(|n| n.grade == ncs::Grade::Major)
        .count();
    let _ = writeln!(
        s,
        "potential nonconformities: {} ({majors} major, {} minor)\n(indicative grades by a documented heuristic after ISO/IEC 17021-1; the auditor grades)\n",
        d.ncs.len(),
        d.ncs.len() - majors
    );
    for n in &d.ncs {
        let _ = writeln!(s, "[{}] {} — {}", n.grade.as_str(), n.id, n.topic.title());
        let _ = writeln!(
            s,
            "  requirement  {} {} ({})",
            n.requirement.id(),
            n.requirement.title(),
            n.requirement.cited_because()
        );
        let _ = writeln!(s, "  statement    {}", n.statement);
        let _ = writeln!(s, "  grade basis  {}", n.grade_basis);
        let _ = writeln!(s, "  evidence ({}):", n.evidence.len());
        for e in &n.evidence {
            let prov = if e.provenance.is_empty()
                || e.provenance == "system-collected"
                || e.provenance == "repo-commit"
            {
                String::new()
            } else {
                format!(" ({})", e.provenance)
            };
            let _ = writeln!(s, "    - [{}] {}: {}{prov}", e.check, e.subject, e.message);
        }
        s.push('\n');
    }
    let _ = writeln!(
        s,
        "opportunities for improvement: {} (weaknesses with no requirement cited)",
        d.opportunities.len()
    );
    for o in &d.opportunities {
        let _ = writeln!(
            s,
            "  [{}] {} {}: {} finding(s); {}",
            o.topic.as_str(),
            o.control.code(),
            o.control.info().title,
            o.evidence.len(),
            o.why_not_nc
        );
    }
    s
}

fn json(d: &Detected, as_of: &str) -> serde_json::Value {
    let ev = |e: &ncs::Evidence| serde_json::json!({ "kind": e.kind, "check": e.check, "subject": e.subject, "message": e.message, "provenance": e.provenance });
    serde_json::json!({
        "as_of": as_of,
        "grading": "indicative heuristic after ISO/IEC 17021-1 (major: not addressed at all, systemic, or many findings on one requirement; minor otherwise); the auditor grades",
        "nonconformities": d.ncs.iter().map(|n| serde_json::json!({
            "id": n.id,
            "topic": n.topic.as_str(),
            "title": n.topic.title(),
            "requirement": { "id": n.requirement.id(), "title": n.requirement.title(), "cited_because": n.requirement.cited_because() },
            "statement": n.statement,
            "grade": n.grade.as_str(),
            "grade_basis": n.grade_basis,
            "evidence": n.evidence.iter().map(ev).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "opportunities": d.opportunities.iter().map(|o| serde_json::json!({
            "topic": o.topic.as_str(),
            "control": o.control.code(),
            "why_not_nc": o.why_not_nc,
            "evidence": o.evidence.iter().map(ev).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}
