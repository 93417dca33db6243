//! `annexa risks`: the CI/CD risk register — the starter risks and the organisation's own,
//! scored under its criteria, with proposals from open findings beside the owner's values.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use annexa_assess::risks::{Criteria, RiskInput, RiskRow, register};
use clap::ValueEnum;

use crate::{emit, run_scan, usage};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RiskFormat {
    Terminal,
    Json,
    Csv,
}

#[derive(clap::Args)]
pub struct RiskArgs {
    #[command(flatten)]
    inputs: crate::AssessInputs,
    #[arg(long, value_enum, default_value_t = RiskFormat::Terminal)]
    format: RiskFormat,
    #[arg(long, short)]
    output: Option<PathBuf>,
}

/// The register's inputs: every starter risk (adopted, declared not applicable, or not yet
/// assessed) and the organisation's own.
pub(crate) fn risk_inputs(settings: &annexa_config::Settings) -> Vec<RiskInput> {
    let from_entry = |e: &annexa_config::RiskEntry, source: &'static str, controls| RiskInput {
        id: e.id.clone(),
        title: e.title.clone(),
        source,
        in_register: true,
        applicable: e.applicable,
        reason: e.reason.clone(),
        owner: e.owner.clone(),
        likelihood: e.likelihood,
        impact: e.impact,
        controls,
        treatment: e.treatment.clone(),
        plan: e.plan.clone(),
        residual_likelihood: e.residual_likelihood,
        residual_impact: e.residual_impact,
        residual_approved_by: e.residual_approved_by.clone(),
        residual_approved_on: e.residual_approved_on.clone(),
    };
    let mut out = Vec::new();
    for s in annexa_isms::risks::STARTER {
        let controls: Vec<annexa_model::ControlId> = s
            .controls
            .iter()
            .filter_map(|c| annexa_model::ControlId::parse(c))
            .collect();
        match settings.risks.iter().find(|e| e.id == s.id) {
            Some(e) => {
                let mut r = from_entry(
                    e,
                    "starter",
                    if e.controls.is_empty() {
                        controls
                    } else {
                        e.controls.clone()
                    },
                );
                r.title = Some(e.title.clone().unwrap_or_else(|| s.title.to_owned()));
                out.push(r);
            }
            None => out.push(RiskInput {
                id: s.id.to_owned(),
                title: Some(s.title.to_owned()),
                source: "starter",
                in_register: false,
                applicable: true,
                controls,
                ..RiskInput::default()
            }),
        }
    }
    for e in settings
        .risks
        .iter()
        .filter(|e| annexa_isms::risks::starter(&e.id).is_none())
    {
        out.push(from_entry(e, "own", e.controls.clone()));
    }
    out
}

pub(crate) fn criteria(settings: &annexa_config::Settings) -> Option<Criteria> {
    settings.risk_criteria.as_ref().map(|c| Criteria {
        likelihood_max: c.likelihood_max,
        impact_max: c.impact_max,
        accept_at_or_below: c.accept_at_or_below,
        approved: c.approved_by.is_some() && c.approved_on.is_some(),
    })
}

pub fn run(args: RiskArgs) -> anyhow::Result<ExitCode> {
    let (paths, settings) = crate::paths_and_settings(
        &args.inputs.paths,
        &args.inputs.snapshot,
        args.inputs.config.as_deref(),
    )?;
    let inputs = risk_inputs(&settings);
    let crit = criteria(&settings);
    let criteria_text = settings.risk_criteria.as_ref().map(|c| {
        format!(
            "likelihood 1–{} × impact 1–{}; acceptable at or below {}; approved {}",
            c.likelihood_max,
            c.impact_max,
            c.accept_at_or_below,
            match (&c.approved_by, &c.approved_on) {
                (Some(b), Some(o)) => format!("by {b} on {o}"),
                _ => "— not yet".to_owned(),
            }
        )
    });
    let result = run_scan(
        &paths,
        settings,
        None,
        &args.inputs.snapshot,
        args.inputs.as_of.as_deref(),
    )?;
    let rows = register(&inputs, crit.as_ref(), &result.checks, &result.observations);
    let text = match args.format {
        RiskFormat::Terminal => terminal(&rows, criteria_text.as_deref()),
        RiskFormat::Json => {
            serde_json::to_string_pretty(&json(&rows, criteria_text.as_deref()))? + "\n"
        }
        RiskFormat::Csv => csv(&rows).map_err(|e| usage(e.to_string()))?,
    };
    emit(&args.output, &text)?;
    Ok(ExitCode::SUCCESS)
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "-".to_owned())
}

fn status(r: &RiskRow) -> &'static str {
    match (r.risk.in_register, r.risk.applicable) {
        (false, _) => "not assessed",
        (true, false) => "not applicable",
        (true, true) => "assessed",
    }
}

fn terminal(rows: &[RiskRow], criteria: Option<&str>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "risk criteria: {}\n",
        criteria.unwrap_or("none declared ([risk-criteria] in annexa.toml)")
    );
    for r in rows {
        let _ = writeln!(
            s,
            "{}  {}  [{}, {}]",
            r.risk.id,
            r.risk.title.as_deref().unwrap_or("(no title)"),
            r.risk.source,
            status(r)
        );
        if r.risk.in_register && !r.risk.applicable {
            let _ = writeln!(
                s,
                "  not applicable: {}",
                r.risk.reason.as_deref().unwrap_or("")
            );
        } else if r.risk.in_register {
            let _ = writeln!(
                s,
                "  owner {} · likelihood {} × impact {} = {}{} · treatment {} · residual {}{}",
                opt(r.risk.owner.as_deref()),
                opt(r.risk.likelihood),
                opt(r.risk.impact),
                opt(r.score),
                match r.acceptable {
                    Some(true) => " (acceptable)",
                    Some(false) => " (above the threshold)",
                    None => "",
                },
                opt(r.risk.treatment.as_deref()),
                opt(r.residual_score),
                match (&r.risk.residual_approved_by, &r.risk.residual_approved_on) {
                    (Some(b), Some(o)) => format!(" signed off by {b} on {o}"),
                    _ => String::new(),
                }
            );
        }
        if r.findings > 0 {
            let _ = writeln!(
                s,
                "  {} open finding(s) bear on it{}",
                r.findings,
                match r.proposed_likelihood {
                    Some(p) => format!(
                        "; proposed likelihood {p} (owner's {}) — the owner decides",
                        opt(r.risk.likelihood)
                    ),
                    None => String::new(),
                }
            );
        }
        for p in &r.problems {
            let _ = writeln!(s, "  ! {p}");
        }
    }
    s
}

fn json(rows: &[RiskRow], criteria: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "criteria": criteria,
        "risks": rows.iter().map(|r| serde_json::json!({
            "id": r.risk.id,
            "title": r.risk.title,
            "source": r.risk.source,
            "status": status(r),
            "reason": r.risk.reason,
            "owner": r.risk.owner,
            "likelihood": r.risk.likelihood,
            "impact": r.risk.impact,
            "score": r.score,
            "acceptable": r.acceptable,
            "controls": r.risk.controls.iter().map(|c| c.code()).collect::<Vec<_>>(),
            "treatment": r.risk.treatment,
            "plan": r.risk.plan,
            "residual_score": r.residual_score,
            "residual_approved_by": r.risk.residual_approved_by,
            "residual_approved_on": r.risk.residual_approved_on,
            "findings": r.findings,
            "checks": r.checks,
            "proposed_likelihood": r.proposed_likelihood,
            "problems": r.problems,
        })).collect::<Vec<_>>(),
    })
}

fn csv(rows: &[RiskRow]) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "id",
        "title",
        "source",
        "status",
        "owner",
        "likelihood",
        "impact",
        "score",
        "acceptable",
        "treatment",
        "residual score",
        "findings",
        "proposed likelihood",
        "problems",
    ])?;
    for r in rows {
        w.write_record([
            r.risk.id.clone(),
            r.risk.title.clone().unwrap_or_default(),
            r.risk.source.to_owned(),
            status(r).to_owned(),
            r.risk.owner.clone().unwrap_or_default(),
            r.risk.likelihood.map(|v| v.to_string()).unwrap_or_default(),
            r.risk.impact.map(|v| v.to_string()).unwrap_or_default(),
            r.score.map(|v| v.to_string()).unwrap_or_default(),
            r.acceptable.map(|v| v.to_string()).unwrap_or_default(),
            r.risk.treatment.clone().unwrap_or_default(),
            r.residual_score.map(|v| v.to_string()).unwrap_or_default(),
            r.findings.to_string(),
            r.proposed_likelihood
                .map(|v| v.to_string())
                .unwrap_or_default(),
            r.problems.join("; "),
        ])?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
