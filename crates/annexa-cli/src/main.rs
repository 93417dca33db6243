//! `annexa`: the command line. The only composition root: it reads arguments and
//! configuration, runs the engine, assesses, and hands the result to a reporter.
//!
//! Exit codes: 0 clean; 1 findings at or above `--fail-on` (or unreadable files with
//! `--strict`); 2 usage or configuration error; 3 internal error.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};

use annexa_config::Settings;
use annexa_engine::{ScanOptions, ScanResult};
use annexa_model::{CheckId, ControlId, Severity};
use annexa_report::ReportInput;

mod collect_cli;
mod history;
mod init;
mod isms_cli;
mod ledger_cli;
mod ncs_cli;
mod platform_cli;
mod readiness_cli;
mod report_cli;
mod risks_cli;

// A scan allocates many small strings and vectors across threads; mimalloc handles that
// pattern markedly faster than the system allocator (measured with bench/run.sh).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "annexa",
    version,
    about = "ISO/IEC 27001:2022 evidence from CI/CD pipelines, repositories and source platforms"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the checks over repository folders (each PATH is one repository).
    Scan(ScanArgs),
    /// Collect a GitHub organisation's or a GitLab group's platform state (settings,
    /// access, alerts; with --period, changes and deployments) into a snapshot folder.
    Collect {
        #[command(subcommand)]
        command: collect_cli::CollectCommand,
    },
    /// Potential nonconformities, each against a cited requirement (a clause, an applicable
    /// control, the organisation's own policy) with its evidence and an indicative grade; and
    /// opportunities for improvement where no requirement is cited.
    Ncs(ncs_cli::NcArgs),
    /// Certification readiness: what a Stage 1 audit reviews (scope, SoA, policies, risk
    /// assessment and treatment) and, with --stage 2, what Stage 2 presupposes (internal audit,
    /// management review, operating evidence). Exit 1 when an item is not met.
    Assess(readiness_cli::AssessArgs),
    /// The CI/CD risk register: starter risks and the organisation's own under its criteria,
    /// what each lacks, and likelihood proposals from open findings (the owner decides).
    Risks(risks_cli::RiskArgs),
    /// The ISMS report: one self-contained HTML file (control status, SoA, potential
    /// nonconformities, corrective actions, risks, objectives, suppliers, populations, what was
    /// not examined), OSCAL 1.2.1 documents, or with --framework a crosswalk view.
    Report(report_cli::ReportArgs),
    /// Corrective actions (10.2): each with its nonconformity, verification over later recorded
    /// runs (effective, not effective, recurred), and the nonconformities no action answers —
    /// the surveillance view. Exit 1 when one is overdue, not effective or recurred.
    Actions(isms_cli::IsmsArgs),
    /// The management-review input pack (9.3): actions, changes, performance (status,
    /// nonconformities, objectives, audits), risks and acceptances, opportunities.
    Review(isms_cli::IsmsArgs),
    /// Check or build a platform snapshot folder.
    #[command(subcommand)]
    Snapshot(platform_cli::SnapshotCommand),
    /// A population over the audit period from a snapshot (merged changes, production
    /// deployments, access), with its rates, reconciliation and every exception: what an
    /// auditor samples.
    Population(platform_cli::PopulationArgs),
    /// All 93 Annex A controls with their status dimensions, or one control in detail.
    Controls {
        /// A control id such as A.8.32.
        id: Option<String>,
        /// Repository folders to assess (repeatable).
        #[arg(long = "path", default_value = ".")]
        paths: Vec<PathBuf>,
        /// Instead of assessing PATHs: control status in every run recorded in the evidence
        /// ledger with an as-of in FROM..TO (dates), and the days with no run.
        #[arg(long)]
        period: Option<String>,
        /// The evidence ledger for --period.
        #[arg(long, default_value = ".annexa/evidence.db")]
        store: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// What changed between two recorded runs: control status, new and resolved findings,
    /// changed inputs.
    Diff {
        run_a: u64,
        run_b: u64,
        #[arg(long, default_value = ".annexa/evidence.db")]
        store: PathBuf,
    },
    /// The Statement of Applicability: all 93 controls with the `[soa]` decisions of
    /// annexa.toml, their status dimensions, the checks mapped and the evidence counts.
    Soa(SoaArgs),
    /// The check catalogue, or one check's documentation.
    Checks {
        /// A check id such as unpinned-external-code.
        id: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Terminal)]
        format: Format,
    },
    /// The evidence ledger: signing keys, recorded runs, verification.
    Evidence {
        #[command(subcommand)]
        command: EvidenceCommand,
    },
    /// Auditor sampling: freeze a population, then draw with the auditor's seed.
    Sample {
        #[command(subcommand)]
        command: ledger_cli::SampleCommand,
    },
    /// A shell completion script (e.g. `annexa completions bash > /etc/bash_completion.d/annexa`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The manual page in roff (`annexa man | man -l -`, or install it as annexa.1).
    Man,
    /// The JSON schema of one of annexa's files, for editors and validators.
    Schema {
        #[arg(value_enum)]
        what: SchemaKind,
    },
    /// Write annexa.toml and editable CI/CD policy templates (isms/policies/*.md) into DIR;
    /// existing files are never overwritten.
    Init {
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// The ISMS policies under isms/policies: owner, approval, next review, overdue,
    /// controls, whether they mention CI/CD (exit 2 when a policy cannot be parsed).
    Policies {
        /// The folder holding isms/policies.
        #[arg(long, default_value = ".")]
        path: PathBuf,
        /// The date reviews are judged on (YYYY-MM-DD or RFC 3339); default: today.
        #[arg(long)]
        as_of: Option<String>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SchemaKind {
    /// `annexa.toml` (point editors at it with a `#:schema` comment on the file's first line).
    Config,
    /// The JSON scan report (`--format json`).
    Report,
}

#[derive(clap::Args)]
struct Common {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Terminal)]
    format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// The report's point in time (RFC 3339, e.g. 2026-11-26T00:00:00Z); default: now.
    #[arg(long)]
    as_of: Option<String>,
    /// Configuration file; default: annexa.toml in the first PATH, if present.
    #[arg(long)]
    config: Option<PathBuf>,
    /// A platform snapshot folder (written by `annexa collect`): its platform checks run too,
    /// joined to the repositories' files. Repeatable. With a snapshot and no PATH, no
    /// repository folder is scanned.
    #[arg(long, value_name = "DIR")]
    snapshot: Vec<PathBuf>,
}

#[derive(clap::Args)]
struct ScanArgs {
    /// Repository folders (default: the current folder, unless --snapshot is given), or files
    /// of the repository in the current folder: then only those files are examined (as a
    /// pre-commit hook does).
    paths: Vec<PathBuf>,
    #[command(flatten)]
    common: Common,
    /// Exit 1 when a finding at or above this severity remains (default: never).
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Also exit 1 when a file could not be read or parsed.
    #[arg(long)]
    strict: bool,
    /// Report and gate only these checks (comma-separated ids); all still run and count for
    /// control status.
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Do not report or gate these checks (comma-separated ids); they still run and count for
    /// control status.
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Findings in this baseline file are reported as baselined and not gated.
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Write the current open findings to FILE as a baseline.
    #[arg(long)]
    write_baseline: Option<PathBuf>,
    /// Record the run in the evidence ledger (signed with the key in ANNEXA_SIGNING_KEY or
    /// --signing-key-file; see `annexa evidence keygen`).
    #[arg(long)]
    record: bool,
    /// The evidence ledger: a SQLite file (default: .annexa/evidence.db in the first PATH) or
    /// a PostgreSQL database, postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (no TLS), which
    /// many workers can append to at once.
    #[arg(long)]
    store: Option<PathBuf>,
    /// File holding the signing key (hex); default: the ANNEXA_SIGNING_KEY variable.
    #[arg(long)]
    signing_key_file: Option<PathBuf>,
    /// Scan only shard I of N (I from 0 to N-1) of the repository PATHs: PATHs are sorted and
    /// the one at sorted position p belongs to shard p % N. N workers given the same PATHs and
    /// shards 0/N … N-1/N scan each repository exactly once, e.g. each recording its shard with
    /// --record --store postgres://… into one ledger.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    shard: Option<(usize, usize)>,
    /// Anchor the recorded run's hash with this RFC 3161 time-stamp authority (http:// URL),
    /// so that whoever holds the signing key cannot rewrite the run unnoticed.
    #[arg(long, value_name = "URL")]
    tsa: Option<String>,
}

/// `I/N` with N ≥ 1 and I < N.
fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let bad = || format!("{text}: expected I/N with 0 <= I < N, e.g. 0/4");
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let (i, n): (usize, usize) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

#[derive(Subcommand)]
enum EvidenceCommand {
    /// Create a signing key: the private key goes to FILE (mode 0600, never overwritten), the
    /// public key and its id to standard output.
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
    /// The recorded runs, oldest first.
    Log {
        #[arg(long, default_value = ".annexa/evidence.db")]
        store: PathBuf,
    },
    /// One recorded run: its header and its observations.
    Show {
        seq: u64,
        #[arg(long, default_value = ".annexa/evidence.db")]
        store: PathBuf,
    },
    /// Check every record, the chain, the signatures and the checkpoint; exit 1 and name the
    /// first bad record when anything does not hold.
    Verify {
        /// An audit pack (zip) to verify offline instead of the ledger.
        pack: Option<PathBuf>,
        #[arg(long, default_value = ".annexa/evidence.db")]
        store: PathBuf,
        /// The public key (hex) the runs must be signed with; without it, the keys stored in
        /// the ledger are used.
        #[arg(long)]
        public_key: Option<String>,
        /// The CA (PEM) of the time-stamp authority: every run must then carry an anchor that
        /// stamps its hash, signed by a TSA certificate this CA issued.
        #[arg(long, value_name = "PEM")]
        tsa_ca: Option<PathBuf>,
    },
    /// Write an audit pack of a period (zip), which `annexa evidence verify PACK.zip` checks
    /// offline.
    Export(ledger_cli::ExportArgs),
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Terminal,
    Json,
    Sarif,
    Markdown,
    Junit,
    /// GitLab's code quality report (merge-request widget).
    GitlabCodequality,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Never,
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl FailOn {
    fn severity(self) -> Option<Severity> {
        match self {
            FailOn::Never => None,
            FailOn::Info => Some(Severity::Info),
            FailOn::Low => Some(Severity::Low),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::High => Some(Severity::High),
            FailOn::Critical => Some(Severity::Critical),
        }
    }
}

/// An error the user can fix (exit 2).
#[derive(Debug)]
struct UsageError(String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

fn main() -> ExitCode {
    // Panics are bugs. One inside the engine is contained to its file (a diagnostic); one
    // anywhere else ends the run with exit code 3.
    std::panic::set_hook(Box::new(|info| {
        eprintln!(
            "annexa: internal error (a bug; please report it with the command you ran): {info}"
        );
    }));
    let cli = Cli::parse();
    let Ok(outcome) = std::panic::catch_unwind(|| run(cli)) else {
        return ExitCode::from(3);
    };
    match outcome {
        Ok(code) => code,
        Err(e)
            if e.downcast_ref::<UsageError>().is_some()
                || e.downcast_ref::<annexa_config::ConfigError>().is_some() =>
        {
            eprintln!("annexa: error: {e:#}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("annexa: internal error: {e:#}");
            ExitCode::from(3)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Scan(args) => scan(args),
        Command::Controls {
            id,
            period: Some(period),
            store,
            ..
        } => history::controls_over(&period, &store, id.as_deref()),
        Command::Controls {
            id, paths, common, ..
        } => controls(id, &paths, &common),
        Command::Diff {
            run_a,
            run_b,
            store,
        } => history::diff_runs(run_a, run_b, &store),
        Command::Checks { id, format } => checks(id, format),
        Command::Soa(args) => soa(&args),
        Command::Report(args) => report_cli::run(args),
        Command::Actions(args) => isms_cli::actions(args),
        Command::Review(args) => isms_cli::review(args),
        Command::Evidence { command } => evidence(command),
        Command::Sample { command } => ledger_cli::sample(command),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cmd, "annexa", &mut out);
            emit(&None, &String::from_utf8_lossy(&out))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .context("rendering the manual page")?;
            emit(&None, &String::from_utf8_lossy(&out))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Init { dir } => init::init(&dir),
        Command::Collect { command } => collect_cli::run(command),
        Command::Snapshot(cmd) => platform_cli::snapshot(cmd),
        Command::Ncs(args) => ncs_cli::run(args),
        Command::Assess(args) => readiness_cli::run(args),
        Command::Risks(args) => risks_cli::run(args),
        Command::Population(args) => platform_cli::population(args),
        Command::Policies { path, as_of } => init::policies(&path, as_of.as_deref()),
        Command::Schema { what } => {
            let text = match what {
                SchemaKind::Config => annexa_config::json_schema(),
                SchemaKind::Report => annexa_report::json::schema(),
            };
            emit(&None, &text)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub(crate) fn as_of(given: Option<&str>) -> anyhow::Result<String> {
    match given {
        Some(s) => {
            let ts: jiff::Timestamp = s
                .parse()
                .map_err(|e| usage(format!("--as-of `{s}` is not an RFC 3339 time: {e}")))?;
            Ok(ts.to_string())
        }
        None => Ok(jiff::Timestamp::now()
            .round(jiff::Unit::Second)
            .context("rounding the current time")?
            .to_string()),
    }
}

fn load_settings(common: &Common, first: &Path) -> anyhow::Result<Settings> {
    Ok(match &common.config {
        Some(p) => Settings::load(p)?,
        None => Settings::discover(first)?,
    })
}

/// The repository folders to scan: those given, else the current folder unless only snapshots
/// were given.
fn default_paths(paths: &[PathBuf], common: &Common) -> Vec<PathBuf> {
    if paths.is_empty() && common.snapshot.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    }
}

/// `[platform]` thresholds over the defaults.
pub(crate) fn platform_policy(settings: &Settings) -> annexa_checks::PlatformPolicy {
    let d = annexa_checks::PlatformPolicy::default();
    let mut sla = d.alert_sla_days;
    for (i, v) in settings.alert_sla_days.iter().enumerate() {
        if let Some(v) = v {
            sla[i] = *v;
        }
    }
    annexa_checks::PlatformPolicy {
        alert_sla_days: sla,
        max_org_admins: settings.max_org_admins.unwrap_or(d.max_org_admins),
        max_repo_admins: settings.max_repo_admins.unwrap_or(d.max_repo_admins),
        audit_log_archive: settings.audit_log_archive.clone(),
        inactive_days: settings.inactive_days.unwrap_or(d.inactive_days),
        ..d
    }
}

/// What the ISMS commands (`ncs`, `risks`, `assess`) read: repositories, snapshots,
/// configuration and the point in time.
#[derive(clap::Args)]
pub(crate) struct AssessInputs {
    /// Repository folders (default: the current folder, unless --snapshot is given).
    pub paths: Vec<PathBuf>,
    /// A platform snapshot folder (repeatable).
    #[arg(long, value_name = "DIR")]
    pub snapshot: Vec<PathBuf>,
    /// Configuration file; default: annexa.toml in the first PATH.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The point in time (RFC 3339); default: now.
    #[arg(long)]
    pub as_of: Option<String>,
}

/// The repository folders (the current one unless only snapshots were given) and the
/// configuration (`--config`, else annexa.toml in the first folder).
pub(crate) fn paths_and_settings(
    paths: &[PathBuf],
    snapshots: &[PathBuf],
    config: Option<&Path>,
) -> anyhow::Result<(Vec<PathBuf>, Settings)> {
    let paths = if paths.is_empty() && snapshots.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    let settings = match config {
        Some(p) => Settings::load(p)?,
        None => Settings::discover(paths.first().map_or(Path::new("."), |p| p.as_path()))?,
    };
    Ok((paths, settings))
}

/// Open the snapshot folders given with --snapshot.
fn open_snapshots(dirs: &[PathBuf]) -> anyhow::Result<Vec<annexa_engine::SnapshotInput>> {
    dirs.iter()
        .map(|d| {
            let snapshot = annexa_platform::Snapshot::open(d).map_err(|e| usage(e.to_string()))?;
            if !snapshot.manifest.complete {
                eprintln!(
                    "annexa: warning: snapshot {} is incomplete ({}); what it lacks is reported as unknown",
                    d.display(),
                    if snapshot.manifest.incomplete.is_empty() {
                        "collection did not finish".to_owned()
                    } else {
                        format!("{} resources not fetched", snapshot.manifest.incomplete.len())
                    }
                );
            }
            Ok(annexa_engine::SnapshotInput {
                display: d.to_string_lossy().replace('\\', "/"),
                snapshot,
            })
        })
        .collect()
}

pub(crate) fn run_scan(
    paths: &[PathBuf],
    settings: Settings,
    only_files: Option<std::collections::BTreeSet<String>>,
    snapshots: &[PathBuf],
    as_of: Option<&str>,
) -> anyhow::Result<ScanResult> {
    let mut limits = annexa_source::Limits::default();
    if let Some(b) = settings.max_file_bytes {
        limits.max_bytes = b;
    }
    if let Some(d) = settings.max_depth {
        limits.max_depth = d;
    }
    let as_of = match as_of {
        Some(s) => Some(
            s.parse::<jiff::Timestamp>()
                .map_err(|e| usage(format!("--as-of `{s}` is not an RFC 3339 time: {e}")))?,
        ),
        None => None,
    };
    let platform_policy = platform_policy(&settings);
    let options = ScanOptions {
        limits,
        settings,
        only_files,
        snapshots: open_snapshots(snapshots)?,
        platform_policy,
        as_of,
    };
    annexa_engine::scan(paths, &options).map_err(|e| usage(e.to_string()))
}

fn color_for(output: &Option<PathBuf>) -> bool {
    output.is_none()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal()
}

/// Write the report to the file (atomically: a crash never leaves half a report) or stdout.
fn emit(output: &Option<PathBuf>, text: &str) -> anyhow::Result<()> {
    emit_with(output, |w| w.write_all(text.as_bytes()))
}

/// Like [`emit`], for reporters that stream.
///
/// A new or regular file is written atomically (a temporary file in the same folder, renamed
/// over the target once complete), so a crash never leaves half a report. Anything else that
/// already exists — `/dev/null`, a FIFO, a terminal — is written in place: renaming over it
/// would replace the device with a regular file.
fn emit_with(
    output: &Option<PathBuf>,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let cannot = |path: &Path, e: &dyn std::fmt::Display| {
        usage(format!("{}: cannot write: {e}", path.display()))
    };
    match output {
        Some(path) if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) => {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| cannot(path, &e))?;
            let mut buf = std::io::BufWriter::new(file);
            write(&mut buf)
                .and_then(|()| buf.flush())
                .with_context(|| format!("writing {}", path.display()))?;
        }
        Some(path) => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| cannot(path, &e))?;
            let mut buf = std::io::BufWriter::new(tmp);
            write(&mut buf).with_context(|| format!("writing {}", path.display()))?;
            let tmp = buf
                .into_inner()
                .map_err(|e| anyhow::anyhow!("writing {}: {}", path.display(), e.error()))?;
            tmp.persist(path).map_err(|e| cannot(path, &e))?;
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            // A closed pipe (`annexa scan | head`) is not an error worth reporting.
            let _ = write(&mut out).and_then(|()| out.flush());
        }
    }
    Ok(())
}

/// Files named instead of folders (a pre-commit hook's changed files): the repository is the
/// current folder and only those files are examined. `None` when every PATH is a folder.
fn named_files(paths: &[PathBuf]) -> anyhow::Result<Option<std::collections::BTreeSet<String>>> {
    let files: Vec<&PathBuf> = paths.iter().filter(|p| p.is_file()).collect();
    if files.is_empty() {
        return Ok(None);
    }
    if files.len() != paths.len() {
        return Err(usage(
            "give either repository folders or files of the current repository, not both",
        ));
    }
    let cwd = std::env::current_dir().context("reading the current folder")?;
    let root = std::fs::canonicalize(&cwd).unwrap_or(cwd);
    let mut out = std::collections::BTreeSet::new();
    for f in files {
        let abs = std::fs::canonicalize(f).unwrap_or_else(|_| f.clone());
        let rel = abs.strip_prefix(&root).map_err(|_| {
            usage(format!(
                "{}: not inside the current folder (run annexa from the repository's top level)",
                f.display()
            ))
        })?;
        out.insert(rel.to_string_lossy().replace('\\', "/"));
    }
    Ok(Some(out))
}

fn scan(args: ScanArgs) -> anyhow::Result<ExitCode> {
    let given = default_paths(&args.paths, &args.common);
    let only_files = named_files(&given)?;
    let paths = if only_files.is_some() {
        vec![PathBuf::from(".")]
    } else {
        given
    };
    let paths = match args.shard {
        None => paths,
        Some(_) if only_files.is_some() => {
            return Err(usage(
                "--shard splits repository folders; it cannot be used with files".to_owned(),
            ));
        }
        Some((i, n)) => {
            let mut sorted = paths;
            sorted.sort();
            sorted.dedup();
            let all = sorted.len();
            let mine: Vec<PathBuf> = sorted
                .into_iter()
                .enumerate()
                .filter(|(p, _)| p % n == i)
                .map(|(_, path)| path)
                .collect();
            if mine.is_empty() {
                eprintln!("annexa: shard {i}/{n} holds none of the {all} PATHs; nothing scanned");
                return Ok(ExitCode::SUCCESS);
            }
            mine
        }
    };
    let settings = load_settings(&args.common, paths.first().map_or(Path::new("."), |p| p))?;
    let fail_on = match args.fail_on {
        Some(f) => f.severity(),
        None => settings.fail_on,
    };
    let as_of = as_of(args.common.as_of.as_deref())?;
    let policy = policy(&args, &settings)?;
    let config_path = settings.path.clone();
    // `[evidence]` in annexa.toml: the command line wins where both say something.
    let mut args = args;
    args.record |= settings.record;
    if args.store.is_none() {
        args.store = settings.evidence_store.clone();
    }
    if args.signing_key_file.is_none() {
        args.signing_key_file = settings.signing_key_file.clone();
    }
    // Fail before scanning when a run cannot be recorded. A recorded run names the point in
    // time it was scanned at: one dated in the future is refused (one dated back more than a
    // day is kept, but never counts as monitoring or verification evidence for that day).
    if args.record {
        signing_key(&args)?;
        if let Ok(t) = as_of.parse::<jiff::Timestamp>()
            && t.duration_since(jiff::Timestamp::now()) > jiff::SignedDuration::from_hours(1)
        {
            return Err(usage(format!(
                "--record with --as-of {as_of}: a run cannot be recorded as of a time in the future"
            )));
        }
    }
    let decisions = decisions(&settings, &as_of);
    let mut result = run_scan(
        &paths,
        settings,
        only_files,
        &args.common.snapshot,
        args.common.as_of.as_deref(),
    )?;
    // The assessment sees every observation: suppression never changes control status.
    let assessment = annexa_assess::assess_with(&result.checks, &result.observations, &decisions);
    annexa_engine::apply_policy(&mut result, &policy);
    if let Some(path) = &args.write_baseline {
        emit(
            &Some(path.clone()),
            &annexa_engine::Baseline::of(&result).to_json(),
        )?;
    }
    if args.record {
        let store = args.store.clone().unwrap_or_else(|| {
            paths
                .first()
                .map_or(Path::new("."), |p| p.as_path())
                .join(".annexa/evidence.db")
        });
        record(
            &args,
            &store,
            &result,
            &assessment,
            &as_of,
            config_path.as_deref(),
            decisions.attestations(),
        )?;
    }
    let input = ReportInput {
        scan: &result,
        assessment: &assessment,
        as_of: &as_of,
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    match args.common.format {
        Format::Json => emit_with(&args.common.output, |w| {
            annexa_report::json::write(&input, w)
        })?,
        format => {
            let text = match format {
                Format::Terminal => {
                    annexa_report::terminal::render(&input, color_for(&args.common.output))
                }
                Format::Sarif => annexa_report::sarif::render(&input),
                Format::Markdown => annexa_report::markdown::render(&input),
                Format::GitlabCodequality => annexa_report::gitlab::render(&input),
                _ => annexa_report::junit::render(&input),
            };
            emit(&args.common.output, &text)?;
        }
    }

    let gated = fail_on.map_or(0, |s| {
        result
            .observations
            .iter()
            .filter(|o| o.is_open_finding() && o.severity >= s)
            .count()
    });
    let unreadable = result
        .diagnostics
        .iter()
        .filter(|d| d.kind.is_skip())
        .count();
    if gated > 0 {
        eprintln!(
            "annexa: {gated} finding(s) at or above --fail-on {}",
            fail_on.map_or("never", |s| s.as_str())
        );
        return Ok(ExitCode::from(1));
    }
    if args.strict && unreadable > 0 {
        eprintln!("annexa: {unreadable} file(s) could not be examined (--strict)");
        return Ok(ExitCode::from(1));
    }
    // The process ends here: freeing every observation one by one only costs time.
    std::mem::forget(result);
    Ok(ExitCode::SUCCESS)
}

/// What is reported and gated: configuration first, the command line on top.
fn policy(args: &ScanArgs, settings: &Settings) -> anyhow::Result<annexa_engine::Policy> {
    let checks = |ids: &[String], flag: &str| -> anyhow::Result<Vec<CheckId>> {
        ids.iter()
            .map(|s| {
                CheckId::parse(s.trim()).ok_or_else(|| {
                    usage(format!(
                        "{flag} `{s}` is not a check id; `annexa checks` lists them"
                    ))
                })
            })
            .collect()
    };
    let mut policy = annexa_engine::Policy {
        select: if args.select.is_empty() {
            settings.select.clone()
        } else {
            Some(checks(&args.select, "--select")?)
        },
        ignore: settings.ignore.clone(),
        severity: settings.severity.clone(),
        baseline: None,
        trusted_owners: settings.trusted_owners.clone(),
    };
    policy.ignore.extend(checks(&args.ignore, "--ignore")?);
    if let Some(path) = &args.baseline {
        let text = std::fs::read_to_string(path)
            .map_err(|e| usage(format!("{}: cannot read the baseline: {e}", path.display())))?;
        policy.baseline = Some(
            annexa_engine::Baseline::parse(&text)
                .map_err(|e| usage(format!("{}: {e}", path.display())))?,
        );
    }
    Ok(policy)
}

fn controls(id: Option<String>, paths: &[PathBuf], common: &Common) -> anyhow::Result<ExitCode> {
    let control =
        match &id {
            Some(s) => Some(ControlId::parse(s).ok_or_else(|| {
                usage(format!("`{s}` is not an Annex A control id (e.g. A.8.32)"))
            })?),
            None => None,
        };
    let paths = &default_paths(paths, common);
    let settings = load_settings(common, paths.first().map_or(Path::new("."), |p| p))?;
    let as_of = as_of(common.as_of.as_deref())?;
    let decisions = decisions(&settings, &as_of);
    let result = run_scan(
        paths,
        settings,
        None,
        &common.snapshot,
        common.as_of.as_deref(),
    )?;
    let assessment = annexa_assess::assess_with(&result.checks, &result.observations, &decisions);
    let input = ReportInput {
        scan: &result,
        assessment: &assessment,
        as_of: &as_of,
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let text = match (control, common.format) {
        (None, Format::Terminal) => annexa_report::catalogue::controls_table(&assessment),
        (None, Format::Json) => annexa_report::catalogue::controls_json(&assessment),
        (Some(c), Format::Terminal) => annexa_report::catalogue::control_detail(&input, c),
        (Some(c), Format::Json) => annexa_report::catalogue::control_detail_json(&input, c),
        (_, other) => {
            return Err(usage(format!(
                "`annexa controls` writes terminal or json, not {}",
                format_name(other)
            )));
        }
    };
    emit(&common.output, &text)?;
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
struct SoaArgs {
    /// Repository folders to assess (repeatable).
    #[arg(long = "path", default_value = ".")]
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = SoaFormat::Csv)]
    format: SoaFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// The report's point in time (RFC 3339, e.g. 2026-11-26T00:00:00Z); default: now.
    #[arg(long)]
    as_of: Option<String>,
    /// Configuration file; default: annexa.toml in the first PATH, if present.
    #[arg(long)]
    config: Option<PathBuf>,
    /// A platform snapshot folder (`annexa collect`), repeatable.
    #[arg(long, value_name = "DIR")]
    snapshot: Vec<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SoaFormat {
    Csv,
    Markdown,
    /// A workbook (needs --output).
    Xlsx,
    /// One self-contained HTML page.
    Html,
    /// OSCAL 1.2.1 System Security Plan: the decisions as control implementations.
    OscalSsp,
}

/// The declared dimension from annexa.toml's `[soa]` (every control undeclared without one).
pub(crate) fn decisions(settings: &Settings, as_of: &str) -> annexa_assess::Decisions {
    let d: annexa_assess::Decisions = settings
        .soa
        .iter()
        .flat_map(|s| &s.controls)
        .map(|d| (d.control, d.declared()))
        .collect();
    d.with_attestations(attestations(settings, as_of))
}

/// `[[attestation]]` records, each hashed as read; current when dated within the 12 months
/// before `as_of` (and not after it).
fn attestations(settings: &Settings, as_of: &str) -> Vec<annexa_assess::Attestation> {
    let today = as_of
        .parse::<jiff::Timestamp>()
        .map(|t| jiff::tz::Offset::UTC.to_datetime(t).date())
        .ok();
    settings
        .attestations
        .iter()
        .map(|a| {
            let date = a.date.parse::<jiff::civil::Date>().ok();
            let current = match (date, today) {
                (Some(d), Some(t)) => {
                    d <= t
                        && t.checked_sub(jiff::Span::new().years(1))
                            .is_ok_and(|limit| d >= limit)
                }
                _ => false,
            };
            annexa_assess::Attestation {
                kind: a.kind,
                controls: a.controls.clone(),
                date: a.date.clone(),
                owner: a.owner.clone(),
                record: a.record.clone(),
                sha256: a
                    .record_path
                    .metadata()
                    .ok()
                    .filter(|m| m.is_file() && m.len() <= 64 * 1024 * 1024)
                    .and_then(|_| file_sha256(&a.record_path)),
                current,
            }
        })
        .collect()
}

fn soa(args: &SoaArgs) -> anyhow::Result<ExitCode> {
    if matches!(args.format, SoaFormat::Html | SoaFormat::OscalSsp) {
        let inputs = AssessInputs {
            paths: args.paths.clone(),
            snapshot: args.snapshot.clone(),
            config: args.config.clone(),
            as_of: args.as_of.clone(),
        };
        let g = report_cli::gather(&inputs, None, None, None)?;
        let input = ReportInput {
            scan: &g.result,
            assessment: &g.assessment,
            as_of: &g.as_of,
            tool_version: env!("CARGO_PKG_VERSION"),
        };
        let text = if args.format == SoaFormat::Html {
            annexa_report::html::render_soa(&input, &g.isms)
        } else {
            annexa_report::oscal::ssp(&input, &g.isms)
        };
        emit(&args.output, &text)?;
        return Ok(ExitCode::SUCCESS);
    }
    let settings = match &args.config {
        Some(p) => Settings::load(p)?,
        None => Settings::discover(&args.paths[0])?,
    };
    let as_of = as_of(args.as_of.as_deref())?;
    let decisions = decisions(&settings, &as_of);
    let written = settings.soa.clone().unwrap_or_default();
    let result = run_scan(
        &args.paths,
        settings,
        None,
        &args.snapshot,
        args.as_of.as_deref(),
    )?;
    let assessment = annexa_assess::assess_with(&result.checks, &result.observations, &decisions);
    let input = ReportInput {
        scan: &result,
        assessment: &assessment,
        as_of: &as_of,
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let document = annexa_report::soa::SoaDocument {
        version: written.version.as_deref(),
        approver: written.approver.as_deref(),
        approved_on: written.approved_on.as_deref(),
        decisions: written
            .controls
            .iter()
            .map(|d| annexa_report::soa::SoaNote {
                control: d.control,
                reason: &d.reason,
                implementation: d.implementation.as_deref(),
            })
            .collect(),
    };
    let text = match args.format {
        SoaFormat::Html | SoaFormat::OscalSsp => unreachable!("handled above"),
        SoaFormat::Csv => annexa_report::soa::csv(&input, &document),
        SoaFormat::Markdown => annexa_report::soa::markdown(&input, &document),
        SoaFormat::Xlsx => {
            if args.output.is_none() {
                return Err(usage(
                    "--format xlsx writes a workbook: give --output FILE.xlsx",
                ));
            }
            let bytes = annexa_report::soa::xlsx(&input, &document)
                .map_err(|e| anyhow::anyhow!("writing the workbook: {e}"))?;
            emit_with(&args.output, |w| w.write_all(&bytes))?;
            return Ok(ExitCode::SUCCESS);
        }
    };
    emit(&args.output, &text)?;
    Ok(ExitCode::SUCCESS)
}

fn checks(id: Option<String>, format: Format) -> anyhow::Result<ExitCode> {
    let metas: Vec<&'static annexa_model::CheckMeta> =
        annexa_checks::registry().iter().map(|c| c.meta()).collect();
    let text = match id {
        None => match format {
            Format::Terminal => annexa_report::catalogue::checks_table(&metas),
            Format::Json => annexa_report::catalogue::checks_json(&metas),
            other => {
                return Err(usage(format!(
                    "`annexa checks` writes terminal or json, not {}",
                    format_name(other)
                )));
            }
        },
        Some(s) => {
            let Some(check) = CheckId::parse(&s).and_then(annexa_checks::by_id) else {
                return Err(usage(format!(
                    "`{s}` is not a check id; `annexa checks` lists them"
                )));
            };
            match format {
                Format::Terminal => annexa_report::catalogue::check_page(check.meta()),
                Format::Json => annexa_report::catalogue::check_json(check.meta()),
                other => {
                    return Err(usage(format!(
                        "`annexa checks` writes terminal or json, not {}",
                        format_name(other)
                    )));
                }
            }
        }
    };
    emit(&None, &text)?;
    Ok(ExitCode::SUCCESS)
}

fn signing_key(args: &ScanArgs) -> anyhow::Result<annexa_ledger::Signer> {
    let text = match &args.signing_key_file {
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| usage(format!("{}: cannot read the signing key: {e}", p.display())))?,
        None => std::env::var(annexa_ledger::KEY_ENV).map_err(|_| {
            usage(format!(
                "--record needs a signing key: set {} or give --signing-key-file (create one with `annexa evidence keygen --out FILE`)",
                annexa_ledger::KEY_ENV
            ))
        })?,
    };
    annexa_ledger::Signer::from_hex(&text).map_err(|e| usage(e.to_string()))
}

/// SHA-256 of a file, read in blocks (the binary itself can be large).
fn file_sha256(path: &Path) -> Option<String> {
    use sha2::Digest as _;
    use std::io::Read as _;
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Some(
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

/// The CI job running annexa, from the CI system's own variables: never a token.
fn ci_identity() -> Option<annexa_ledger::record::CiIdentity> {
    let (system, names): (&str, &[&str]) = if std::env::var_os("GITHUB_ACTIONS").is_some() {
        (
            "github-actions",
            &[
                "GITHUB_SERVER_URL",
                "GITHUB_REPOSITORY",
                "GITHUB_WORKFLOW_REF",
                "GITHUB_RUN_ID",
                "GITHUB_RUN_ATTEMPT",
                "GITHUB_SHA",
                "GITHUB_REF",
                "GITHUB_ACTOR",
                "GITHUB_EVENT_NAME",
            ],
        )
    } else if std::env::var_os("GITLAB_CI").is_some() {
        (
            "gitlab-ci",
            &[
                "CI_SERVER_URL",
                "CI_PROJECT_PATH",
                "CI_PIPELINE_ID",
                "CI_JOB_ID",
                "CI_COMMIT_SHA",
                "CI_COMMIT_REF_NAME",
                "GITLAB_USER_LOGIN",
                "CI_PIPELINE_SOURCE",
            ],
        )
    } else {
        return None;
    };
    let mut claims: Vec<(String, String)> = names
        .iter()
        .filter_map(|n| std::env::var(n).ok().map(|v| ((*n).to_owned(), v)))
        .collect();
    // The CI system's signed statement of the same, when the job may ask for one: its claims
    // only, never the token.
    let oidc = if system == "github-actions" {
        annexa_collect::oidc::github_actions(std::time::Duration::from_secs(10))
    } else {
        annexa_collect::oidc::gitlab_ci()
    };
    match oidc {
        Some(Ok(c)) => claims.extend(c),
        Some(Err(e)) => {
            eprintln!("annexa: warning: no OIDC claims recorded: {e}");
            claims.push(("oidc.error".into(), e.to_string()));
        }
        None => {}
    }
    Some(annexa_ledger::record::CiIdentity {
        system: system.into(),
        claims,
    })
}

fn record(
    args: &ScanArgs,
    store: &Path,
    result: &ScanResult,
    assessment: &annexa_assess::Assessment,
    as_of: &str,
    config: Option<&Path>,
    attested: &[annexa_assess::Attestation],
) -> anyhow::Result<()> {
    let signer = signing_key(args)?;
    let mut draft =
        annexa_ledger::RunDraft::from_scan(result, assessment, as_of, env!("CARGO_PKG_VERSION"));
    // Attestation records are inputs too: their digests, as read, bind the run to them.
    draft.inputs.extend(attested.iter().map(|a| {
        annexa_ledger::record::InputRecord {
            format: annexa_ledger::record::INPUT_FORMAT.into(),
            run: 0,
            index: 0,
            repository: format!("isms:attestation/{}", a.kind.as_str()),
            path: a.record.clone(),
            sha256: a.sha256.clone(),
            provenance: annexa_model::Provenance::Attested.as_str().into(),
            status: if a.sha256.is_some() {
                "read"
            } else {
                "unreadable"
            }
            .into(),
        }
    }));
    draft.recorded_at = jiff::Timestamp::now().to_string();
    draft.binary_sha256 = std::env::current_exe().ok().and_then(|p| file_sha256(&p));
    draft.config_sha256 = config.and_then(file_sha256);
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into());
    draft.collector = format!("{user}@{host}");
    draft.ci = ci_identity();
    let mut ledger = annexa_ledger::Ledger::open_store(store).map_err(|e| usage(e.to_string()))?;
    let run = ledger
        .append(draft, &signer)
        .map_err(|e| usage(e.to_string()))?;
    eprintln!(
        "annexa: recorded run {} in {} ({} observations, head {})",
        run.header.seq,
        ledger.location().display(),
        run.header.observation_count,
        &run.hash[..16]
    );
    if let Some(url) = &args.tsa {
        match ledger.anchor(run.header.seq, url, std::time::Duration::from_secs(30)) {
            Ok(a) => eprintln!(
                "annexa: run {} anchored by {} at {}",
                run.header.seq, a.tsa_url, a.gen_time
            ),
            Err(e) => {
                return Err(usage(format!(
                    "run {} was recorded but NOT anchored: {e}",
                    run.header.seq
                )));
            }
        }
    }
    Ok(())
}

fn evidence(command: EvidenceCommand) -> anyhow::Result<ExitCode> {
    let open = ledger_cli::open;
    match command {
        EvidenceCommand::Keygen { out } => {
            let signer = annexa_ledger::Signer::generate()?;
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt as _;
                opts.mode(0o600);
            }
            let mut f = opts.open(&out).map_err(|e| {
                usage(format!(
                    "{}: cannot create the key file: {e}",
                    out.display()
                ))
            })?;
            f.write_all(format!("{}\n", signer.secret_hex()).as_bytes())
                .with_context(|| format!("writing {}", out.display()))?;
            emit(
                &None,
                &format!(
                    "public-key {}\nkey-id {}\n",
                    signer.public_hex(),
                    signer.key_id()
                ),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        EvidenceCommand::Log { store } => {
            let ledger = open(&store)?;
            let mut out = format!(
                "{:>5}  {:<25} {:<25} {:>12}  {:<16} {}\n",
                "run", "recorded at", "as of", "observations", "key", "hash"
            );
            for r in ledger.runs()? {
                out.push_str(&format!(
                    "{:>5}  {:<25} {:<25} {:>12}  {:<16} {}\n",
                    r.header.seq,
                    r.header.recorded_at,
                    r.header.as_of,
                    r.header.observation_count,
                    r.header.key_id,
                    &r.hash[..16]
                ));
            }
            emit(&None, &out)?;
            Ok(ExitCode::SUCCESS)
        }
        EvidenceCommand::Show { seq, store } => {
            let ledger = open(&store)?;
            let Some(run) = ledger.runs()?.into_iter().find(|r| r.header.seq == seq) else {
                return Err(usage(format!("{}: no run {seq}", store.display())));
            };
            let observations = ledger.observations(seq)?;
            let value = serde_json::json!({
                "hash": run.hash,
                "header": run.header,
                "observations": observations,
            });
            emit(
                &None,
                &format!("{}\n", serde_json::to_string_pretty(&value)?),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        EvidenceCommand::Export(args) => ledger_cli::export(args),
        EvidenceCommand::Verify {
            pack: Some(pack),
            public_key,
            tsa_ca,
            ..
        } => ledger_cli::verify_pack_with(&pack, public_key.as_deref(), tsa_ca.as_deref()),
        EvidenceCommand::Verify {
            store,
            public_key,
            tsa_ca,
            ..
        } => {
            let ledger = open(&store)?;
            let ca =
                match &tsa_ca {
                    Some(p) => Some(std::fs::read_to_string(p).map_err(|e| {
                        usage(format!("{}: cannot read the TSA CA: {e}", p.display()))
                    })?),
                    None => None,
                };
            let v = ledger.verify_with(public_key.as_deref(), ca.as_deref())?;
            let mut out = format!(
                "{}: {} runs, {} observations, {} inputs; signatures checked against {}\n",
                ledger.location().display(),
                v.runs,
                v.observations,
                v.inputs,
                v.key
            );
            if v.ok() {
                out.push_str(
                    "verified: every record, the chain, the signatures and the checkpoint hold\n",
                );
                emit(&None, &out)?;
                Ok(ExitCode::SUCCESS)
            } else {
                out.push_str(&format!("NOT VERIFIED: first problem: {}\n", v.problems[0]));
                for p in &v.problems[1..] {
                    out.push_str(&format!("  also: {p}\n"));
                }
                emit(&None, &out)?;
                Ok(ExitCode::from(1))
            }
        }
    }
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Terminal => "terminal",
        Format::Json => "json",
        Format::Sarif => "sarif",
        Format::Markdown => "markdown",
        Format::Junit => "junit",
        Format::GitlabCodequality => "gitlab-codequality",
    }
}
