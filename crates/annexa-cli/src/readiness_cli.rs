//! `annexa assess --stage 1|2`: certification readiness from the documented ISMS and the
//! evidence gathered.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use annexa_assess::readiness::{PolicyFacts, ReadinessInput, State, readiness};
use annexa_model::AttestationKind;
use clap::ValueEnum;

use crate::{decisions, emit, run_scan};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReadinessFormat {
    Terminal,
    Json,
}

#[derive(clap::Args)]
pub struct AssessArgs {
    /// 1: what a Stage 1 audit reviews; 2: also what Stage 2 presupposes.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=2))]
    stage: u8,
    #[command(flatten)]
    inputs: crate::AssessInputs,
    /// Where `isms/policies/` is; default: the configuration file's folder, else the first PATH.
    #[arg(long)]
    isms: Option<PathBuf>,
    /// The audit period (YYYY-MM-DD..YYYY-MM-DD): with an evidence ledger, recorded runs over
    /// it are operating evidence (9.1) when no 31 days or more pass without one.
    #[arg(long)]
    period: Option<String>,
    /// The evidence ledger (default: `[evidence] store` of the configuration).
    #[arg(long)]
    ledger: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ReadinessFormat::Terminal)]
    format: ReadinessFormat,
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub fn run(args: AssessArgs) -> anyhow::Result<ExitCode> {
    let (paths, settings) = crate::paths_and_settings(
        &args.inputs.paths,
        &args.inputs.snapshot,
        args.inputs.config.as_deref(),
    )?;
    let first = paths.first().map_or(Path::new("."), |p| p.as_path());
    let as_of = crate::as_of(args.inputs.as_of.as_deref())?;
    let period = args
        .period
        .as_deref()
        .map(crate::report_cli::parse_period)
        .transpose()?;
    let ledger_path = args
        .ledger
        .clone()
        .or_else(|| settings.evidence_store.clone());
    let policies = crate::ncs_cli::policies_at(args.isms.as_deref(), &settings, first, &as_of)?;
    let decisions = decisions(&settings, &as_of);
    let current = |kind: AttestationKind| {
        decisions
            .attestations()
            .iter()
            .filter(|a| a.kind == kind && a.current && a.sha256.is_some())
            .max_by_key(|a| a.date.clone())
            .map(|a| {
                format!(
                    "{} record of {} by {} ({})",
                    kind.as_str(),
                    a.date,
                    a.owner,
                    a.record
                )
            })
    };
    let risk_inputs = crate::risks_cli::risk_inputs(&settings);
    let criteria = crate::risks_cli::criteria(&settings);
    let mut input = ReadinessInput {
        scope_statement: settings.scope.as_ref().and_then(|s| s.statement.clone()),
        scope_patterns: settings.scope.as_ref().map_or(0, |s| s.repositories.len()),
        soa_present: settings
            .soa
            .as_ref()
            .is_some_and(|s| !s.controls.is_empty()),
        soa_approved: settings
            .soa
            .as_ref()
            .is_some_and(|s| s.approver.is_some() && s.approved_on.is_some()),
        policies: policies
            .iter()
            .map(|(p, st)| PolicyFacts {
                id: p.id.clone(),
                approved: st.approved,
                overdue: st.overdue,
                mentions_cicd: st.mentions_cicd,
                controls: p.controls.clone(),
            })
            .collect(),
        risk_register_present: !settings.risks.is_empty(),
        risk_criteria_present: settings.risk_criteria.is_some(),
        risk_criteria_approved: criteria.is_some_and(|c| c.approved),
        internal_audit: current(AttestationKind::InternalAudit),
        management_review: current(AttestationKind::ManagementReview),
        ..ReadinessInput::default()
    };
    let result = run_scan(
        &paths,
        settings,
        None,
        &args.inputs.snapshot,
        args.inputs.as_of.as_deref(),
    )?;
    let assessment = annexa_assess::assess_with(&result.checks, &result.observations, &decisions);
    let rows = annexa_assess::risks::register(
        &risk_inputs,
        criteria.as_ref(),
        &result.checks,
        &result.observations,
    );
    input.risks_not_assessed = rows
        .iter()
        .filter(|r| !r.risk.in_register)
        .map(|r| r.risk.id.clone())
        .collect();
    input.risks_untreated = rows
        .iter()
        .filter(|r| {
            r.problems.iter().any(|p| {
                p.starts_with("above the acceptance threshold")
                    || p.starts_with("residual risk not signed off")
            })
        })
        .map(|r| r.risk.id.clone())
        .collect();
    input.scope_unexamined = result
        .scope
        .in_scope_not_examined()
        .map(|e| e.repository.clone())
        .collect();
    // Operating evidence over the period: a snapshot collected (not built from a description,
    // not edited) with a period, or recorded runs over --period without long gaps.
    let mut evidence = Vec::new();
    let mut problems = Vec::new();
    for s in &result.snapshots {
        let Some(p) = &s.manifest.period else {
            continue;
        };
        if s.manifest.synthetic || !s.edited.is_empty() {
            problems.push(format!(
                "snapshot {} covers {} .. {} but is {}: never system evidence",
                s.display,
                p.from,
                p.to,
                if s.manifest.synthetic {
                    "synthetic (built from a description)"
                } else {
                    "hand-edited"
                }
            ));
        } else if let Some((from, to)) = &period
            && !(p.from.get(..10).is_some_and(|f| f <= from.as_str())
                && p.to.get(..10).is_some_and(|t| t >= to.as_str()))
        {
            problems.push(format!(
                "snapshot {} covers {} .. {}, not the whole audit period {from} .. {to}",
                s.display, p.from, p.to
            ));
        } else {
            evidence.push(format!(
                "snapshot {} covers {} .. {}",
                s.display, p.from, p.to
            ));
        }
    }
    if let Some((from, to)) = &period {
        let ledger = match ledger_path.as_deref() {
            None => Err(
                "--period given, but no evidence ledger (--ledger or [evidence] store)".to_owned(),
            ),
            Some(p) => crate::report_cli::verified_ledger(p)?,
        };
        match ledger {
            Err(why) => problems.push(why),
            Ok(l) => {
                let m = crate::report_cli::monitoring(&l, from, to, &as_of)?;
                let long: Vec<String> = m
                    .gaps
                    .iter()
                    .filter(|g| g.2 >= annexa_assess::ncs::MONITORING_GAP_DAYS)
                    .map(|(a, b, n)| format!("{a} to {b} ({n} days)"))
                    .collect();
                if m.runs > 0 && long.is_empty() {
                    evidence.push(format!(
                        "{} recorded run(s) over {} .. {}, no {} days or more without one",
                        m.runs,
                        m.from,
                        m.to,
                        annexa_assess::ncs::MONITORING_GAP_DAYS
                    ));
                } else if m.runs == 0 {
                    problems.push(format!(
                            "no recorded run over {} .. {} is monitoring evidence{}",
                            m.from,
                            m.to,
                            if m.not_evidence > 0 {
                                format!(
                                    " ({} run(s) left out: backdated, or over uncommitted files or a synthetic / hand-edited snapshot only)",
                                    m.not_evidence
                                )
                            } else {
                                String::new()
                            }
                        ));
                } else {
                    problems.push(format!(
                        "{} recorded run(s) over {} .. {}, but none from {}",
                        m.runs,
                        m.from,
                        m.to,
                        long.join(", ")
                    ));
                }
            }
        }
    }
    input.period_evidence = (!evidence.is_empty()).then(|| evidence.join("; "));
    input.period_problem = (!problems.is_empty()).then(|| problems.join("; "));
    let items = readiness(&input, &assessment, args.stage);
    let met = items.iter().filter(|i| i.state == State::Met).count();
    let text = match args.format {
        ReadinessFormat::Terminal => {
            let mut s = format!(
                "stage {} readiness: {met} of {} item(s) met\n\n",
                args.stage,
                items.len()
            );
            for i in &items {
                let _ = writeln!(
                    s,
                    "[{}] stage {} · {} · {}\n      {}",
                    i.state.as_str(),
                    i.stage,
                    i.clause,
                    i.title,
                    i.detail
                );
            }
            s
        }
        ReadinessFormat::Json => {
            serde_json::to_string_pretty(&serde_json::json!({
                "stage": args.stage,
                "as_of": as_of,
                "met": met,
                "items": items.iter().map(|i| serde_json::json!({
                    "stage": i.stage, "clause": i.clause, "title": i.title,
                    "state": i.state.as_str(), "detail": i.detail,
                })).collect::<Vec<_>>(),
            }))? + "\n"
        }
    };
    emit(&args.output, &text)?;
    // Exit 1 when an item is not met, so readiness can gate a pipeline.
    Ok(if met == items.len() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
