//! `annexa report`: the whole ISMS as of one run — control status, SoA, potential
//! nonconformities, corrective actions, risks, acceptances, objectives, suppliers, populations
//! and what was not examined — as one HTML file, as OSCAL documents, or a framework's crosswalk
//! view. [`gather`] assembles the [`IsmsView`] the reporters format; `ncs`, `risks` and
//! `review` read the same.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use annexa_assess::Assessment;
use annexa_assess::isms::{IsmsView, PopulationSummary, SoaDecisionText, SoaMeta};
use annexa_assess::ncs::{self, NcInput, PolicyFact};
use annexa_engine::ScanResult;
use annexa_platform::github::Github;
use annexa_platform::population::{self, Population};
use annexa_platform::{PlatformKind, Snapshot};
use annexa_report::ReportInput;
use clap::ValueEnum;

use crate::{decisions, emit, run_scan, usage};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Terminal text (with --framework: the crosswalk view).
    Terminal,
    /// Markdown (with --framework: the crosswalk view as a table).
    Markdown,
    /// JSON (with --framework: the crosswalk view).
    Json,
    /// One self-contained HTML file.
    Html,
    /// OSCAL 1.2.1 Assessment Results of this run.
    OscalAr,
    /// OSCAL 1.2.1 System Security Plan (the SoA as control implementations).
    OscalSsp,
    /// OSCAL 1.2.1 Plan of Action and Milestones (findings, risks, acceptances, actions).
    OscalPoam,
    /// OSCAL 1.2.1 component definition of the check catalogue.
    OscalComponent,
}

#[derive(clap::Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub inputs: crate::AssessInputs,
    /// Where `isms/policies/` is; default: the configuration file's folder, else the first
    /// PATH.
    #[arg(long)]
    pub isms: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    pub format: ReportFormat,
    /// A framework's crosswalk view instead of the ISMS report: soc2, pci-dss-4, nis2, dora,
    /// nist-csf-2, ssdf, slsa, cis-ssc, owasp-cicd.
    #[arg(long)]
    pub framework: Option<String>,
    /// The reporting period (YYYY-MM-DD..YYYY-MM-DD).
    #[arg(long)]
    pub period: Option<String>,
    /// The evidence ledger: corrective actions are verified over its recorded runs.
    #[arg(long)]
    pub ledger: Option<PathBuf>,
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// A scan with its assessment and ISMS view.
pub(crate) struct Gathered {
    pub result: ScanResult,
    pub assessment: Assessment,
    pub isms: IsmsView,
    pub as_of: String,
    /// The evidence ledger given or configured, whether or not it was read.
    pub ledger_path: Option<PathBuf>,
    /// That ledger, when this run read it (it exists and verifies).
    pub ledger: Option<annexa_ledger::Ledger>,
}

/// `FROM..TO` as two dates.
pub(crate) fn parse_period(s: &str) -> anyhow::Result<(String, String)> {
    let (a, b) = s.split_once("..").ok_or_else(|| {
        usage(format!(
            "--period `{s}`: expected FROM..TO (YYYY-MM-DD..YYYY-MM-DD)"
        ))
    })?;
    let from: jiff::civil::Date = a
        .parse()
        .map_err(|e| usage(format!("--period `{s}`: `{a}` is not a date: {e}")))?;
    let to: jiff::civil::Date = b
        .parse()
        .map_err(|e| usage(format!("--period `{s}`: `{b}` is not a date: {e}")))?;
    if to < from {
        return Err(usage(format!("--period `{s}`: it ends before it starts")));
    }
    Ok((from.to_string(), to.to_string()))
}

/// Scan, assess and assemble the ISMS view.
pub(crate) fn gather(
    inputs: &crate::AssessInputs,
    isms_dir: Option<&Path>,
    period: Option<(String, String)>,
    ledger: Option<&Path>,
) -> anyhow::Result<Gathered> {
    let (paths, settings) =
        crate::paths_and_settings(&inputs.paths, &inputs.snapshot, inputs.config.as_deref())?;
    let first = paths.first().map_or(Path::new("."), |p| p.as_path());
    let as_of = crate::as_of(inputs.as_of.as_deref())?;
    let policies: Vec<PolicyFact> =
        crate::ncs_cli::policies_at(isms_dir, &settings, first, &as_of)?
            .iter()
            .map(|(p, st)| PolicyFact {
                id: p.id.clone(),
                title: p.title.clone(),
                approved: st.approved,
                overdue: st.overdue,
                next_review: st.next_review.map(|d| d.to_string()),
            })
            .collect();
    let decisions = decisions(&settings, &as_of);
    let written = settings.soa.clone().unwrap_or_default();
    let soa = SoaMeta {
        present: !written.controls.is_empty(),
        version: written.version.clone(),
        approver: written.approver.clone(),
        approved_on: written.approved_on.clone(),
        decisions: written
            .controls
            .iter()
            .map(|d| SoaDecisionText {
                control: d.control,
                reason: d.reason.clone(),
                implementation: d.implementation.clone(),
            })
            .collect(),
    };
    let risk_inputs = crate::risks_cli::risk_inputs(&settings);
    let criteria = crate::risks_cli::criteria(&settings);
    let risk_register_present = !settings.risks.is_empty();
    let risk_criteria_present = settings.risk_criteria.is_some();
    let scope_statement = settings.scope.as_ref().and_then(|s| s.statement.clone());
    let policy = crate::platform_policy(&settings);
    let today = as_of[..10].to_owned();
    let acceptances_written = settings.acceptances.clone();
    let objectives_written = settings.objectives.clone();
    let suppliers_written = settings.suppliers.clone();
    let actions_written = settings.actions.clone();
    let verify_runs = settings.verify_runs();
    let calendar = annexa_assess::calendar::judge(&settings.audits, &today);
    let ledger_path = ledger
        .map(Path::to_path_buf)
        .or_else(|| settings.evidence_store.clone());
    let result = run_scan(
        &paths,
        settings,
        None,
        &inputs.snapshot,
        inputs.as_of.as_deref(),
    )?;
    let assessment = annexa_assess::assess_with(&result.checks, &result.observations, &decisions);
    let risks = annexa_assess::risks::register(
        &risk_inputs,
        criteria.as_ref(),
        &result.checks,
        &result.observations,
    );
    let acceptances = annexa_assess::acceptance::assess(
        &acceptances_written,
        &result.observations,
        &today,
        risk_criteria_present,
    );
    let objectives =
        annexa_assess::objectives::measure(&objectives_written, &result.observations, &today);
    let suppliers =
        annexa_assess::suppliers::assess(&suppliers_written, &result.inventory.components, &today);
    // The ledger is read only when something needs its history: a period (monitoring, 9.1)
    // or corrective actions to verify. A ledger that does not verify is not used.
    let wanted = period.is_some() || !actions_written.is_empty();
    let ledger = match &ledger_path {
        Some(p) if wanted => match verified_ledger(p)? {
            Ok(l) => Some(l),
            // A ledger named on the command line must be there.
            Err(why) if ledger.is_some() && !(annexa_ledger::Ledger::is_url(p) || p.is_file()) => {
                return Err(usage(format!(
                    "{why} (record runs with `annexa scan --record`)"
                )));
            }
            Err(why) => {
                if annexa_ledger::Ledger::is_url(p) || p.is_file() {
                    eprintln!(
                        "annexa: warning: {why}; its runs are not used as monitoring or verification evidence"
                    );
                }
                None
            }
        },
        Some(p) if ledger.is_some() && !(annexa_ledger::Ledger::is_url(p) || p.is_file()) => {
            return Err(usage(format!(
                "{}: no evidence ledger here (record runs with `annexa scan --record`)",
                p.display()
            )));
        }
        _ => None,
    };
    let monitoring = match (&period, &ledger) {
        (Some((from, to)), Some(l)) => Some(monitoring(l, from, to, &as_of)?),
        (Some(_), None) => {
            eprintln!(
                "annexa: note: monitoring over the period (9.1) is not evaluated: no usable evidence ledger (--ledger or [evidence] store)"
            );
            None
        }
        _ => None,
    };
    let mut nc_input = NcInput {
        checks: &result.checks,
        observations: &result.observations,
        assessment: &assessment,
        soa_present: soa.present,
        soa_reasons: soa
            .decisions
            .iter()
            .map(|d| (d.control, d.reason.clone()))
            .collect(),
        policies: policies.clone(),
        risks: risks.clone(),
        risk_register_present,
        risk_criteria_present,
        acceptances: acceptances.clone(),
        objectives: objectives.clone(),
        suppliers: suppliers.clone(),
        actions: Vec::new(),
        calendar: calendar.clone(),
        monitoring,
        attested: decisions
            .attestations()
            .iter()
            .filter(|a| a.current && a.sha256.is_some())
            .map(|a| a.kind.as_str().to_owned())
            .collect(),
    };
    // Corrective actions are verified against the nonconformities raised without them, then
    // their own 10.2 nonconformities join the list.
    let before_actions = ncs::detect(&nc_input);
    let raised_now: std::collections::BTreeSet<String> =
        before_actions.ncs.iter().map(|n| n.id.clone()).collect();
    let history = match &ledger {
        Some(l) if !actions_written.is_empty() => recorded_history(l, &as_of)?,
        _ => Vec::new(),
    };
    let actions = actions_written
        .iter()
        .map(|a| {
            let (mut runs, scopes) =
                recorded_runs(&history, &a.nc, &result.checks, &result.observations);
            let subjects: Vec<String> = result
                .observations
                .iter()
                .map(|o| o.subject.to_string())
                .collect();
            let (raised, examined) = match mapped_checks(&a.nc, &result.checks) {
                Some(mapped) => ncs::evidence_state(
                    &mapped,
                    &scopes,
                    result
                        .observations
                        .iter()
                        .zip(&subjects)
                        .map(|(o, subject)| {
                            (
                                o.check.as_str(),
                                o.outcome.as_str(),
                                o.provenance.as_str(),
                                subject.as_str(),
                            )
                        }),
                ),
                // Clause, record and register nonconformities: this run's detection examined
                // the ISMS records themselves.
                None => (raised_now.contains(&a.nc), true),
            };
            runs.push(annexa_assess::actions::RunCheck {
                as_of: as_of.clone(),
                seq: None,
                raised,
                examined,
            });
            annexa_assess::actions::verify(a, runs, verify_runs, &today)
        })
        .collect::<Vec<_>>();
    nc_input.actions = actions.clone();
    let found = if actions.is_empty() {
        before_actions
    } else {
        ncs::detect(&nc_input)
    };
    let populations = populations(&inputs.snapshot, &policy, &as_of)?;
    let isms = IsmsView {
        period,
        scope_statement,
        soa,
        policies,
        ncs: found,
        criteria,
        risks,
        acceptances,
        objectives,
        suppliers,
        actions,
        calendar,
        populations,
    };
    Ok(Gathered {
        result,
        assessment,
        isms,
        as_of,
        ledger_path,
        ledger,
    })
}

/// Recorded runs over the period and the stretches of days without one. Only runs and days up
/// to the report's as-of count: a later run is not evidence for a report dated before it, and
/// days after it are not gaps yet.
pub(crate) fn monitoring(
    ledger: &annexa_ledger::Ledger,
    from: &str,
    to: &str,
    as_of: &str,
) -> anyhow::Result<ncs::Monitoring> {
    use annexa_ledger::history::Period;
    let until = as_of.get(..10).unwrap_or(to).min(to);
    let mut period = Period::parse(&format!("{from}..{to}")).map_err(usage)?;
    if let Ok(d) = until.parse::<jiff::civil::Date>()
        && d < period.to
    {
        period.to = d.max(period.from);
    }
    let cutoff: jiff::Timestamp = as_of.parse().map_err(|e| usage(format!("--as-of: {e}")))?;
    let c = annexa_ledger::history::coverage(ledger, &period, cutoff)?;
    Ok(ncs::Monitoring {
        from: from.to_owned(),
        to: period.to.to_string(),
        runs: c.runs,
        gaps: c
            .gaps
            .into_iter()
            .map(|(a, b, n)| (a.to_string(), b.to_string(), n))
            .collect(),
        not_evidence: c.not_evidence,
    })
}

/// The evidence ledger at `path` when it exists and verifies; otherwise why not (no ledger
/// there, or it does not verify), for the caller to say where it matters.
pub(crate) fn verified_ledger(
    path: &Path,
) -> anyhow::Result<Result<annexa_ledger::Ledger, String>> {
    if !(annexa_ledger::Ledger::is_url(path) || path.is_file()) {
        return Ok(Err(format!("{}: no evidence ledger here", path.display())));
    }
    let l = crate::ledger_cli::open(path)?;
    Ok(if l.verify(None)?.ok() {
        Ok(l)
    } else {
        Err(format!(
            "{}: the evidence ledger does not verify (`annexa evidence verify`)",
            path.display()
        ))
    })
}

/// One recorded run as action verification needs it.
pub(crate) struct RecordedRun {
    at: jiff::Timestamp,
    as_of: String,
    seq: u64,
    /// Recorded more than a day after its as-of: a scan of later files dated back, never
    /// evidence of the day it names.
    backdated: bool,
    /// Each observation's check, outcome, provenance and subject key.
    items: Vec<(String, String, String, String)>,
}

/// Every recorded run up to the report's as-of, oldest first, read once.
fn recorded_history(
    ledger: &annexa_ledger::Ledger,
    as_of: &str,
) -> anyhow::Result<Vec<RecordedRun>> {
    let cutoff: jiff::Timestamp = as_of.parse().map_err(|e| usage(format!("--as-of: {e}")))?;
    let mut out = Vec::new();
    for run in ledger.runs()? {
        let h = &run.header;
        let Ok(at) = h.as_of.parse::<jiff::Timestamp>() else {
            continue;
        };
        if at > cutoff {
            continue;
        }
        let items = ledger
            .observations(h.seq)?
            .into_iter()
            .map(|o| (o.check, o.outcome, o.provenance, o.subject))
            .collect();
        out.push(RecordedRun {
            at,
            as_of: h.as_of.clone(),
            seq: h.seq,
            backdated: annexa_ledger::history::backdated(h),
            items,
        });
    }
    out.sort_by_key(|r| (r.at, r.seq));
    Ok(out)
}

/// The checks whose evidence a control nonconformity rests on, or `None` when its evidence
/// cannot be re-derived from observations.
fn mapped_checks<'a>(
    nc: &str,
    checks: &[&'a annexa_model::CheckMeta],
) -> Option<std::collections::BTreeSet<&'a str>> {
    let (_, control) = ncs::control_nc(nc)?;
    Some(
        checks
            .iter()
            .filter(|m| m.controls.contains(&control))
            .map(|m| m.id.as_str())
            .collect(),
    )
}

/// What each recorded run showed about nonconformity `nc`, and the scopes (repositories,
/// platform organisations) where its evidence ever failed, up to the report's as-of. Only
/// control nonconformities (`topic/A.x.y`) can be re-derived from a recorded run; for others
/// the list is empty and the current run alone is judged.
///
/// A run is clean only if every scope where the evidence ever failed was examined in it (see
/// [`ncs::evidence_state`]), so another repository's clean run in a shared ledger verifies
/// nothing. A backdated run is undecided.
fn recorded_runs(
    history: &[RecordedRun],
    nc: &str,
    checks: &[&'static annexa_model::CheckMeta],
    current: &[annexa_model::Observation],
) -> (
    Vec<annexa_assess::actions::RunCheck>,
    std::collections::BTreeSet<String>,
) {
    let Some(mapped) = mapped_checks(nc, checks) else {
        return (Vec::new(), Default::default());
    };
    let mut scopes: std::collections::BTreeSet<String> = history
        .iter()
        .filter(|r| !r.backdated)
        .flat_map(|r| &r.items)
        .filter(|(c, o, _, _)| o == "fail" && mapped.contains(c.as_str()))
        .map(|(_, _, _, subject)| ncs::subject_scope(subject))
        .collect();
    scopes.extend(
        current
            .iter()
            .filter(|o| {
                o.outcome == annexa_model::Outcome::Fail && mapped.contains(o.check.as_str())
            })
            .map(|o| ncs::subject_scope(&o.subject.to_string())),
    );
    let runs = history
        .iter()
        .map(|r| {
            let (raised, examined) = ncs::evidence_state(
                &mapped,
                &scopes,
                r.items.iter().map(|(c, o, p, subject)| {
                    (c.as_str(), o.as_str(), p.as_str(), subject.as_str())
                }),
            );
            annexa_assess::actions::RunCheck {
                as_of: r.as_of.clone(),
                seq: Some(r.seq as i64),
                raised: raised && !r.backdated,
                examined: examined && !r.backdated,
            }
        })
        .collect();
    (runs, scopes)
}

/// The populations of every GitHub snapshot (changes and deployments only when it was
/// collected with a period).
fn populations(
    snapshots: &[PathBuf],
    policy: &annexa_checks::PlatformPolicy,
    as_of: &str,
) -> anyhow::Result<Vec<PopulationSummary>> {
    let at: jiff::Timestamp = as_of.parse().map_err(|e| usage(format!("--as-of: {e}")))?;
    let mut out = Vec::new();
    for dir in snapshots {
        let snap = Snapshot::open(dir).map_err(|e| usage(e.to_string()))?;
        if snap.platform() != PlatformKind::Github {
            continue;
        }
        let m = &snap.manifest;
        let system = !m.synthetic && snap.edited().is_empty();
        let source = m
            .scope
            .org
            .clone()
            .or_else(|| m.scope.group.clone())
            .unwrap_or_else(|| dir.display().to_string());
        let gh = Github::read(&snap);
        if m.period.is_some() {
            out.push(summary(
                &population::changes(&gh, m),
                &source,
                system,
                |c| (format!("{} {}", c.repo, c.id), c.exception.clone()),
            ));
            out.push(summary(
                &population::deployments(&gh, m),
                &source,
                system,
                |d| {
                    (
                        format!("{} deployment {} to {}", d.repo, d.id, d.environment),
                        d.exception.clone(),
                    )
                },
            ));
        }
        out.push(summary(
            &population::access(&gh, m, i64::from(policy.inactive_days), at),
            &source,
            system,
            |a| {
                (
                    format!("{} {} ({})", a.repo, a.login, a.permission),
                    a.exception.clone(),
                )
            },
        ));
        out.push(summary(
            &population::alerts(&gh, m, at, |s| policy.sla_days(s)),
            &source,
            system,
            |a| {
                (
                    format!("{} {} #{} ({})", a.repo, a.kind, a.number, a.severity),
                    a.exception.clone(),
                )
            },
        ));
    }
    Ok(out)
}

fn summary<T>(
    p: &Population<T>,
    source: &str,
    system_evidence: bool,
    item: impl Fn(&T) -> (String, Option<String>),
) -> PopulationSummary {
    PopulationSummary {
        name: p.name.to_owned(),
        source: source.to_owned(),
        query: p.query.clone(),
        filters: p.filters.clone(),
        period: p.period.clone(),
        extracted_at: p.extracted_at.clone(),
        collector: p.collector.clone(),
        total: p.items.len(),
        meeting: p.meeting,
        exceptions: p.exceptions,
        reconciliation: p.reconciliation.clone(),
        unreadable: p.unreadable.clone(),
        exception_items: p
            .items
            .iter()
            .filter_map(|i| {
                let (what, why) = item(i);
                why.map(|w| format!("{what}: {w}"))
            })
            .collect(),
        system_evidence,
    }
}

pub fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let period = args.period.as_deref().map(parse_period).transpose()?;
    let framework = match &args.framework {
        Some(name) => Some(annexa_report::crosswalk::framework(name).ok_or_else(|| {
            usage(format!(
                "--framework `{name}`: expected one of {}",
                annexa_report::crosswalk::FRAMEWORKS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?),
        None => None,
    };
    let g = gather(
        &args.inputs,
        args.isms.as_deref(),
        period,
        args.ledger.as_deref(),
    )?;
    let input = ReportInput {
        scan: &g.result,
        assessment: &g.assessment,
        as_of: &g.as_of,
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    use annexa_report::{crosswalk, html, oscal};
    let text = match (framework, args.format) {
        (Some(f), ReportFormat::Terminal) => crosswalk::terminal(&crosswalk::view(&input, f)),
        (Some(f), ReportFormat::Markdown) => crosswalk::markdown(&crosswalk::view(&input, f)),
        (Some(f), ReportFormat::Json) => {
            serde_json::to_string_pretty(&crosswalk::view(&input, f))? + "\n"
        }
        (_, ReportFormat::Html) => html::render_with(&input, &g.isms, args.framework.as_deref()),
        (Some(_), _) => {
            return Err(usage(
                "--framework gives a crosswalk view: use --format terminal, markdown, json or html",
            ));
        }
        (None, ReportFormat::OscalAr) => {
            crate::emit_with(&args.output, |w| {
                oscal::write_assessment_results(&input, &g.isms, w)
            })?;
            return Ok(ExitCode::SUCCESS);
        }
        (None, ReportFormat::OscalSsp) => oscal::ssp(&input, &g.isms),
        (None, ReportFormat::OscalPoam) => oscal::poam(&input, &g.isms),
        (None, ReportFormat::OscalComponent) => oscal::component_definition(&input),
        (None, ReportFormat::Terminal | ReportFormat::Markdown | ReportFormat::Json) => {
            return Err(usage(
                "without --framework, `annexa report` writes --format html or an OSCAL document; `annexa scan`, `soa`, `ncs`, `risks` and `review` give the terminal, Markdown and JSON views",
            ));
        }
    };
    emit(&args.output, &text)?;
    Ok(ExitCode::SUCCESS)
}
