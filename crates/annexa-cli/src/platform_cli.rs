//! `annexa snapshot verify|build` and `annexa population`: platform snapshots and the
//! populations over an audit period an auditor samples.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use annexa_platform::github::Github;
use annexa_platform::population::{self, Population};
use annexa_platform::{Lookup, PlatformKind, Snapshot};
use clap::{Subcommand, ValueEnum};
use serde::Serialize;

use crate::{emit, usage};

#[derive(Subcommand)]
pub enum SnapshotCommand {
    /// Check a snapshot folder: every listed body is present, readable and matches its digest
    /// (a changed body is hand-edited and never system evidence). Exit 1 when one is not.
    Verify { dir: PathBuf },
    /// Write a snapshot folder from a compact JSON description (what the check fixtures, the
    /// examples and the benchmark generator use; see docs/snapshot.md).
    Build {
        spec: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Folders where `base` descriptions are looked up, after the description's own.
        #[arg(long = "base-dir")]
        base_dirs: Vec<PathBuf>,
    },
}

pub fn snapshot(cmd: SnapshotCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SnapshotCommand::Verify { dir } => {
            let snap = Snapshot::open(&dir).map_err(|e| usage(e.to_string()))?;
            let m = &snap.manifest;
            let mut edited = Vec::new();
            let mut unreadable = Vec::new();
            let mut errors = 0;
            for key in snap.keys() {
                match snap.get(key) {
                    Lookup::Found(r) if !r.digest_matches => edited.push(r.key),
                    Lookup::Found(r) if r.status >= 400 => errors += 1,
                    Lookup::Unreadable { key, reason } => {
                        unreadable.push(format!("{key}: {reason}"))
                    }
                    _ => {}
                }
            }
            let mut out = format!(
                "{} snapshot of {} collected {} by {}\n{} resources ({} answered with an error status — facts, not failures), {} requests ({} not modified)\ncomplete: {}\n",
                match m.platform {
                    PlatformKind::Github => "GitHub",
                    PlatformKind::Gitlab => "GitLab",
                },
                m.base_url,
                m.collected_at,
                m.collector.login.as_deref().unwrap_or("an unknown account"),
                m.resources.len(),
                errors,
                m.requests.total,
                m.requests.not_modified,
                if m.complete {
                    "yes".to_owned()
                } else {
                    format!("no ({})", m.incomplete.join("; "))
                },
            );
            if m.synthetic {
                out.push_str("synthetic: built from a description (`annexa snapshot build`), not collected; nothing drawn from it is system evidence\n");
            }
            for k in &edited {
                out.push_str(&format!("hand-edited: {k}\n"));
            }
            for u in &unreadable {
                out.push_str(&format!("unreadable: {u}\n"));
            }
            if edited.is_empty() && unreadable.is_empty() {
                out.push_str("every body matches its digest\n");
            }
            emit(&None, &out)?;
            Ok(if edited.is_empty() && unreadable.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        SnapshotCommand::Build {
            spec,
            out,
            base_dirs,
        } => {
            let dirs: Vec<&Path> = base_dirs.iter().map(PathBuf::as_path).collect();
            let m = annexa_platform::fixture::build(&spec, &dirs, &out)
                .map_err(|e| usage(e.to_string()))?;
            eprintln!(
                "annexa: wrote {} resources to {}",
                m.resources.len(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PopulationKind {
    /// Merged pull requests and direct pushes to default branches, with their approvals.
    Changes,
    /// Deployments to production environments with their approvals.
    Deployments,
    /// Who holds write, maintain or admin, through what, and their last activity.
    Access,
    /// Vulnerability alerts with their ages against the deadlines in `[platform]
    /// alert-sla-days`.
    Alerts,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PopulationFormat {
    Terminal,
    Json,
    Csv,
}

#[derive(clap::Args)]
pub struct PopulationArgs {
    kind: PopulationKind,
    /// The snapshot folder (collected with --period).
    #[arg(long)]
    snapshot: PathBuf,
    #[arg(long, value_enum, default_value_t = PopulationFormat::Terminal)]
    format: PopulationFormat,
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Access: accounts with no activity in this many days are exceptions; default
    /// `[platform] inactive-days` of the configuration, else 90.
    #[arg(long)]
    inactive_days: Option<i64>,
    /// The instant inactivity and alert ages are measured at (RFC 3339); default: when the
    /// snapshot was collected.
    #[arg(long)]
    as_of: Option<String>,
    /// Configuration with `[platform] alert-sla-days` (alerts); default: the built-in deadlines.
    #[arg(long)]
    config: Option<PathBuf>,
}

pub fn population(args: PopulationArgs) -> anyhow::Result<ExitCode> {
    let snap = Snapshot::open(&args.snapshot).map_err(|e| usage(e.to_string()))?;
    if snap.platform() != PlatformKind::Github {
        return Err(usage(
            "populations are built from GitHub snapshots in this version; GitLab merged merge requests are judged by `unapproved-changes` in `annexa scan --snapshot`".to_owned(),
        ));
    }
    let m = snap.manifest.clone();
    if m.period.is_none()
        && matches!(
            args.kind,
            PopulationKind::Changes | PopulationKind::Deployments
        )
    {
        return Err(usage(format!(
            "{}: the snapshot has no period; collect it with --period FROM..TO",
            args.snapshot.display()
        )));
    }
    let gh = Github::read(&snap);
    let settings = match &args.config {
        Some(p) => annexa_config::Settings::load(p)?,
        None => annexa_config::Settings::default(),
    };
    let policy = crate::platform_policy(&settings);
    let inactive_days = args
        .inactive_days
        .unwrap_or(i64::from(policy.inactive_days));
    let as_of: jiff::Timestamp = match &args.as_of {
        Some(s) => s
            .parse()
            .map_err(|e| usage(format!("--as-of `{s}`: {e}")))?,
        None => m
            .finished_at
            .as_deref()
            .unwrap_or(&m.collected_at)
            .parse()
            .map_err(|e| {
                usage(format!(
                    "the snapshot's collection time does not parse: {e}"
                ))
            })?,
    };
    let text = match args.kind {
        PopulationKind::Changes => render(
            &population::changes(&gh, &m),
            args.format,
            |c| {
                vec![
                    c.repo.clone(),
                    c.id.clone(),
                    c.author.clone().unwrap_or_default(),
                    c.merged_by.clone().unwrap_or_default(),
                    c.merged_at.clone().unwrap_or_default(),
                    c.approvals.join("; "),
                    c.deployed.clone().unwrap_or_default(),
                    c.exception.clone().unwrap_or_default(),
                    c.link.clone().unwrap_or_default(),
                ]
            },
            &[
                "repository",
                "change",
                "author",
                "merged by",
                "merged at",
                "independent approvals",
                "deployed",
                "exception",
                "link",
            ],
        )?,
        PopulationKind::Deployments => render(
            &population::deployments(&gh, &m),
            args.format,
            |d| {
                vec![
                    d.repo.clone(),
                    d.id.to_string(),
                    d.environment.clone(),
                    d.created_at.clone().unwrap_or_default(),
                    d.creator.clone().unwrap_or_default(),
                    d.approvals.join("; "),
                    d.exception.clone().unwrap_or_default(),
                    d.run.map(|r| r.to_string()).unwrap_or_default(),
                ]
            },
            &[
                "repository",
                "deployment",
                "environment",
                "created at",
                "creator",
                "approvals",
                "exception",
                "run",
            ],
        )?,
        PopulationKind::Access => render(
            &population::access(&gh, &m, inactive_days, as_of),
            args.format,
            |a| {
                vec![
                    a.repo.clone(),
                    a.login.clone(),
                    a.permission.clone(),
                    a.through.join("; "),
                    a.last_activity.clone().unwrap_or_default(),
                    a.exception.clone().unwrap_or_default(),
                ]
            },
            &[
                "repository",
                "account",
                "permission",
                "through",
                "last activity",
                "exception",
            ],
        )?,
        PopulationKind::Alerts => render(
            &population::alerts(&gh, &m, as_of, |s| policy.sla_days(s)),
            args.format,
            |a| {
                vec![
                    a.repo.clone(),
                    format!("{} #{}", a.kind, a.number),
                    a.severity.clone(),
                    a.state.clone(),
                    a.age_days.map(|d| d.to_string()).unwrap_or_default(),
                    a.sla_days.map(|d| d.to_string()).unwrap_or_default(),
                    a.exception.clone().unwrap_or_default(),
                    a.link.clone().unwrap_or_default(),
                ]
            },
            &[
                "repository",
                "alert",
                "severity",
                "state",
                "age (days)",
                "deadline (days)",
                "exception",
                "link",
            ],
        )?,
    };
    emit(&args.output, &text)?;
    Ok(ExitCode::SUCCESS)
}

fn render<T: Serialize>(
    p: &Population<T>,
    format: PopulationFormat,
    row: impl Fn(&T) -> Vec<String>,
    header: &[&str],
) -> anyhow::Result<String> {
    Ok(match format {
        PopulationFormat::Json => serde_json::to_string_pretty(p)? + "\n",
        PopulationFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(header)?;
            for item in &p.items {
                w.write_record(row(item))?;
            }
            String::from_utf8(w.into_inner()?)?
        }
        PopulationFormat::Terminal => {
            let total = p.items.len();
            let rate = if total == 0 {
                "—".to_owned()
            } else {
                format!("{:.1}%", 100.0 * p.meeting as f64 / total as f64)
            };
            let mut s = format!(
                "population: {}\nperiod: {}\nextracted: {} by {}\nfilter: {}\n{} item(s): {} meet the requirement ({rate}), {} exception(s)\n",
                p.name,
                p.period
                    .as_ref()
                    .map_or("—".to_owned(), |(a, b)| format!("{a} .. {b}")),
                p.extracted_at,
                p.collector.as_deref().unwrap_or("an unknown account"),
                p.filters,
                total,
                p.meeting,
                p.exceptions
            );
            for q in &p.query {
                s.push_str(&format!("query: {q}\n"));
            }
            for r in &p.reconciliation {
                s.push_str(&format!("reconciled: {r}\n"));
            }
            for u in &p.unreadable {
                s.push_str(&format!("not readable: {u}\n"));
            }
            s.push_str("\nexceptions:\n");
            let mut any = false;
            for item in &p.items {
                let cells = row(item);
                if header
                    .iter()
                    .zip(&cells)
                    .any(|(h, c)| *h == "exception" && !c.is_empty())
                {
                    any = true;
                    s.push_str(&format!("  {}\n", cells.join(" | ")));
                }
            }
            if !any {
                s.push_str("  none\n");
            }
            s
        }
    })
}
