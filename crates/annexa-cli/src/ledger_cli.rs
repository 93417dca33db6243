//! `annexa evidence export`, `annexa evidence verify PACK.zip` and `annexa sample
//! freeze|draw`: the audit pack and auditor sampling over the evidence ledger.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use annexa_ledger::history::Period;
use annexa_ledger::{Ledger, pack, sample};

use crate::{emit, emit_with, usage};

#[derive(clap::Args)]
pub struct ExportArgs {
    /// The audit period, FROM..TO (days, UTC, inclusive): the runs whose --as-of falls in it.
    #[arg(long)]
    period: String,
    /// The pack to write (a zip).
    #[arg(long)]
    out: PathBuf,
    /// The evidence ledger (a file, or a postgres:// URL).
    #[arg(long, default_value = ".annexa/evidence.db")]
    store: PathBuf,
    /// Replace collector and CI actor names and e-mail-like strings with pseudonyms
    /// (HMAC-SHA-256 under a random key that is not kept); original hashes still verify.
    #[arg(long)]
    pseudonymise: bool,
    /// A repository folder (repeatable) to copy the runs' input files from: it serves the runs
    /// whose repository identity ends in its folder name. A file ships, redacted, under
    /// inputs/ only when its SHA-256 on disk is the one the run recorded.
    #[arg(long = "files-from", value_name = "DIR")]
    files_from: Vec<PathBuf>,
}

#[derive(clap::Subcommand)]
pub enum SampleCommand {
    /// Freeze a population and record it, signed, in the ledger — before any seed exists.
    /// Prints the population hash to give the auditor.
    Freeze {
        /// findings (the fail observations), observations (all of them), or an operating
        /// population recorded from platform snapshots: changes (each merged pull / merge
        /// request and direct push, once), deployments (each production deployment, once) or
        /// access (each write-or-more grant, once; snapshots collected with --period).
        #[arg(long, value_parser = ["findings", "observations", "changes", "deployments", "access"])]
        population: String,
        /// FROM..TO (days, UTC, inclusive): the runs whose --as-of falls in it.
        #[arg(long)]
        period: String,
        #[arg(long, default_value = ".annexa/evidence.db")]
        store: PathBuf,
        /// File holding the signing key (hex); default: the ANNEXA_SIGNING_KEY variable.
        #[arg(long)]
        signing_key_file: Option<PathBuf>,
    },
    /// Draw a sample from a frozen population with the auditor's seed, deterministically
    /// (rank = SHA-256(seed \n population-hash \n RUN:INDEX:LEAF), first N; stratified:
    /// proportional, largest remainder), and record the draw, signed.
    ///
    /// Without --size, the size is suggested from the control's frequency (inferred from the
    /// runs per day of the period, or --frequency) by the common frequency table for tests of
    /// controls (annual 1, quarterly 2, monthly 2-5, weekly 5-15, daily 20-40, many times a
    /// day 25-60; the low end, or the high end with --higher-risk), never more than the
    /// population. The table is common audit practice, often attributed to AICPA guidance;
    /// the sources annexa could check are printed with the suggestion.
    Draw {
        /// The freeze id `sample freeze` printed.
        #[arg(long)]
        freeze: u64,
        /// The auditor's seed (any text without control characters).
        #[arg(long)]
        seed: String,
        /// How many items to draw at random.
        #[arg(long)]
        size: Option<u64>,
        /// Draw proportionally from each check or each outcome.
        #[arg(long, value_parser = ["check", "outcome"])]
        stratify: Option<String>,
        /// Judgemental additions, RUN:INDEX (repeatable); they must be in the population.
        #[arg(long = "add")]
        add: Vec<String>,
        /// For the size suggestion: annual, quarterly, monthly, weekly, daily,
        /// many-times-a-day (default: inferred from the runs per day of the period).
        #[arg(long)]
        frequency: Option<String>,
        /// For the size suggestion: the high end of the range.
        #[arg(long)]
        higher_risk: bool,
        #[arg(long, default_value = ".annexa/evidence.db")]
        store: PathBuf,
        #[arg(long)]
        signing_key_file: Option<PathBuf>,
    },
}

/// An existing ledger (a SQLite file or `postgres://…`): commands that read one never create it.
pub(crate) fn open(store: &Path) -> anyhow::Result<Ledger> {
    if !Ledger::is_url(store) && !store.is_file() {
        return Err(usage(format!(
            "{}: no evidence ledger here (record runs with `annexa scan --record`)",
            store.display()
        )));
    }
    Ledger::open_store(store).map_err(|e| usage(e.to_string()))
}

fn period(text: &str) -> anyhow::Result<Period> {
    Period::parse(text).map_err(|e| usage(format!("--period {e}")))
}

fn signer(file: &Option<PathBuf>) -> anyhow::Result<annexa_ledger::Signer> {
    let text = match file {
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| usage(format!("{}: cannot read the signing key: {e}", p.display())))?,
        None => std::env::var(annexa_ledger::KEY_ENV).map_err(|_| {
            usage(format!(
                "sampling records are signed: set {} or give --signing-key-file",
                annexa_ledger::KEY_ENV
            ))
        })?,
    };
    annexa_ledger::Signer::from_hex(&text).map_err(|e| usage(e.to_string()))
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

pub fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let p = period(&args.period)?;
    let ledger = open(&args.store)?;
    let mut sources = Vec::new();
    for dir in &args.files_from {
        if !dir.is_dir() {
            return Err(usage(format!(
                "--files-from {}: not a folder",
                dir.display()
            )));
        }
        // The folder's own name, even for `.` or a trailing slash.
        let dir = std::fs::canonicalize(dir)
            .map_err(|e| usage(format!("--files-from {}: {e}", dir.display())))?;
        sources.push(pack::InputSource {
            dir,
            identity: None,
        });
    }
    let out = pack::export_with(
        &ledger,
        &p,
        &args.period,
        args.pseudonymise,
        env!("CARGO_PKG_VERSION"),
        &sources,
    )
    .map_err(|e| usage(e.to_string()))?;
    emit_with(&Some(args.out.clone()), |w| w.write_all(&out.zip))?;
    let m = &out.manifest;
    let pseud = m.pseudonymisation.as_ref().map_or(String::new(), |p| {
        format!(
            ", pseudonymised ({} headers, {} observations, {} inputs changed)",
            p.headers.len(),
            p.observations.len(),
            p.inputs.len()
        )
    });
    eprintln!(
        "annexa: wrote {}: runs {} to {} of {}, {} files{pseud}",
        args.out.display(),
        m.first_run,
        m.last_run,
        args.period,
        m.files.len() + 2
    );
    if !args.files_from.is_empty() {
        eprintln!(
            "annexa: {} input files copied (redacted), {} left out (listed in the pack's README)",
            m.input_files.len(),
            m.inputs_left_out.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `annexa evidence verify PACK.zip [--tsa-ca CA.pem]`.
pub fn verify_pack_with(
    path: &Path,
    public_key: Option<&str>,
    tsa_ca: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(path)
        .map_err(|e| usage(format!("{}: cannot read the pack: {e}", path.display())))?;
    let ca = match tsa_ca {
        Some(p) => Some(
            std::fs::read_to_string(p)
                .map_err(|e| usage(format!("{}: cannot read the TSA CA: {e}", p.display())))?,
        ),
        None => None,
    };
    let v = pack::verify_with(&bytes, public_key, ca.as_deref());
    let mut out = String::new();
    if let Some(m) = &v.manifest {
        out.push_str(&format!(
            "{}: period {}, runs {} to {}; {} runs, {} observations, {} inputs checked; signatures against {}\n",
            path.display(),
            m.period,
            m.first_run,
            m.last_run,
            v.runs,
            v.observations,
            v.inputs,
            v.key
        ));
        out.push_str(&format!(
            "{} time-stamp anchors stamp their runs' hashes{}; {} redacted input copies match their recorded digests\n",
            v.anchors,
            if ca.is_some() {
                " and verify against the given TSA CA"
            } else {
                " (give --tsa-ca to check the tokens' signers and times)"
            },
            v.input_files
        ));
        if m.pseudonymisation.is_some() {
            out.push_str(&format!(
                "pseudonymised pack: {} headers and records checked byte for byte, {} pseudonymised (only their original hashes are signed)\n",
                v.exact, v.pseudonymised
            ));
        }
    }
    if v.ok() {
        out.push_str(
            "verified: every file, record, chain link, signature and the checkpoint hold\n",
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

pub fn sample(command: SampleCommand) -> anyhow::Result<ExitCode> {
    match command {
        SampleCommand::Freeze {
            population,
            period: text,
            store,
            signing_key_file,
        } => {
            let p = period(&text)?;
            let key = signer(&signing_key_file)?;
            let ledger = open(&store)?;
            let f = sample::freeze(&ledger, &population, &p, &text, &now(), &key)
                .map_err(|e| usage(e.to_string()))?;
            let r = &f.record;
            emit(
                &None,
                &format!(
                    "freeze {}\npopulation {} of {} ({} runs: {})\nsize {}\npopulation-hash {}\nfreeze-hash {}\n\
                     Give the auditor the population hash now; the seed comes after.\n",
                    f.id,
                    r.population,
                    r.period,
                    r.runs.len(),
                    runs_text(&r.runs),
                    r.size,
                    r.population_hash,
                    f.hash
                ),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        SampleCommand::Draw {
            freeze,
            seed,
            size,
            stratify,
            add,
            frequency,
            higher_risk,
            store,
            signing_key_file,
        } => {
            let key = signer(&signing_key_file)?;
            let ledger = open(&store)?;
            let f = sample::freeze_by_id(&ledger, freeze)
                .map_err(|e| usage(e.to_string()))?
                .ok_or_else(|| usage(format!("{}: no sample freeze {freeze}", store.display())))?;
            let mut note = String::new();
            let size = match size {
                Some(n) => n,
                None => {
                    let freq = match &frequency {
                        Some(s) => sample::Frequency::parse(s).ok_or_else(|| {
                            usage(format!(
                                "--frequency `{s}`: annual, quarterly, monthly, weekly, daily or many-times-a-day"
                            ))
                        })?,
                        None => {
                            let days = Period::parse(&f.record.period)
                                .map(|p| p.days().len() as u64)
                                .unwrap_or(1);
                            sample::Frequency::infer(f.record.runs.len() as u64, days)
                        }
                    };
                    let n = sample::suggest(freq, f.record.size, higher_risk);
                    let (lo, hi) = freq.range();
                    note = format!(
                        "size {n} suggested: a {} control ({} by the table: {lo}-{hi}), population {}.\nSource: {}.\n",
                        freq.as_str(),
                        if frequency.is_some() {
                            "as given"
                        } else {
                            "inferred from the runs per day"
                        },
                        f.record.size,
                        sample::SIZE_SOURCE
                    );
                    n
                }
            };
            let d = sample::draw(
                &ledger,
                freeze,
                &seed,
                size,
                stratify.as_deref(),
                &add,
                &now(),
                &key,
            )
            .map_err(|e| usage(e.to_string()))?;
            let r = &d.record;
            let mut out = format!(
                "draw {}\nfreeze {} (freeze-hash {})\npopulation-hash {}\nseed {}\nalgorithm {}\nsize {}{}\ndraw-hash {}\n{note}\n",
                d.id,
                r.freeze,
                r.freeze_hash,
                r.population_hash,
                r.seed,
                r.algorithm,
                r.size,
                r.stratify
                    .as_ref()
                    .map_or(String::new(), |s| format!(", stratified by {s}")),
                d.hash
            );
            out.push_str(&format!(
                "{:<20} {:>12}  {:<32} {:<10} {}\n",
                "selection", "run:index", "check", "outcome", "leaf"
            ));
            for i in &r.items {
                out.push_str(&format!(
                    "{:<20} {:>12}  {:<32} {:<10} {}\n",
                    i.selection,
                    format!("{}:{}", i.run, i.index),
                    i.check,
                    i.outcome,
                    &i.leaf[..16]
                ));
            }
            emit(&None, &out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn runs_text(runs: &[u64]) -> String {
    match (runs.first(), runs.last()) {
        (Some(a), Some(b)) if runs.len() as u64 == b - a + 1 => format!("{a} to {b}"),
        _ => format!("{runs:?}"),
    }
}
