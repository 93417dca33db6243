//! `annexa collect github|gitlab`: a GitHub organisation's or a GitLab group's platform state
//! into an API mirror snapshot folder (`docs/snapshot.md`), through `annexa-collect`.
//!
//! Exit codes: 0 the snapshot is complete; 1 it is incomplete (what is missing is printed, and
//! re-running the same command resumes); 2 usage error, no token, a rejected token, an
//! unreachable API or a folder that cannot be written.
//!
//! Wiring in main.rs (three additions):
//!
//! ```text
//! mod collect_cli;
//!
//! // in `enum Command`:
//!     /// Collect a GitHub organisation's or a GitLab group's platform state (settings,
//!     /// access, alerts; with --period, changes and deployments) into a snapshot folder.
//!     Collect {
//!         #[command(subcommand)]
//!         command: collect_cli::CollectCommand,
//!     },
//!
//! // in `fn run`:
//!         Command::Collect { command } => collect_cli::run(command),
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use annexa_collect::{Options, Summary, Target};

#[derive(clap::Subcommand)]
pub enum CollectCommand {
    /// A GitHub organisation (github.com or GitHub Enterprise Server). The token comes from
    /// GITHUB_TOKEN, else GH_TOKEN; it needs read access only (docs/snapshot.md lists the
    /// permissions).
    Github(GithubArgs),
    /// A GitLab group and its subgroups (gitlab.com or self-managed). The token comes from
    /// GITLAB_TOKEN; scope read_api is enough.
    Gitlab(GitlabArgs),
}

#[derive(clap::Args)]
pub struct GithubArgs {
    /// The organisation's login.
    #[arg(long)]
    org: String,
    /// Collect this repository (OWNER/NAME) instead of all the organisation's; repeatable.
    #[arg(long = "repo", value_name = "OWNER/NAME")]
    repos: Vec<String>,
    /// A file with one OWNER/NAME per line (blank lines and `#` comments are skipped).
    #[arg(long, value_name = "FILE")]
    repos_file: Option<PathBuf>,
    /// The REST API base URL; GitHub Enterprise Server: https://HOST/api/v3.
    #[arg(long, value_name = "URL", default_value = "https://api.github.com")]
    api_url: String,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(clap::Args)]
pub struct GitlabArgs {
    /// The group's full path (e.g. acme or acme/platform).
    #[arg(long)]
    group: String,
    /// Collect this project (full path) instead of all the group's; repeatable.
    #[arg(long = "project", value_name = "PATH")]
    projects: Vec<String>,
    /// A file with one project path per line (blank lines and `#` comments are skipped).
    #[arg(long, value_name = "FILE")]
    projects_file: Option<PathBuf>,
    /// The REST API base URL; self-managed: https://HOST/api/v4.
    #[arg(long, value_name = "URL", default_value = "https://gitlab.com/api/v4")]
    api_url: String,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(clap::Args)]
struct CommonArgs {
    /// The snapshot folder. A finished snapshot there is re-collected (unchanged resources
    /// are revalidated with their ETags); an interrupted collection is resumed.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The audit period, FROM..TO (days, UTC, both inclusive, e.g. 2026-01-01..2026-03-31):
    /// also collect the merged pull / merge requests, deployments, commits and audit events
    /// of the period.
    #[arg(long, value_name = "FROM..TO")]
    period: Option<String>,
    /// Seconds one request may take, answer included, before it is retried.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    timeout: u64,
    /// Retries of one request after a 5xx, a timeout, a connection error or a rate limit.
    #[arg(long, value_name = "N", default_value_t = 5)]
    max_retries: u32,
    /// The longest single wait, in seconds, for a rate limit to reset or a backoff.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    max_wait: u64,
    /// No progress bar and no wait messages on stderr.
    #[arg(long)]
    quiet: bool,
}

/// Run `annexa collect`. Errors are reported here (exit 2), so every outcome is an exit code.
pub fn run(cmd: CollectCommand) -> anyhow::Result<ExitCode> {
    let (target, opts) = match prepare(cmd) {
        Ok(ready) => ready,
        Err(message) => {
            eprintln!("annexa: error: {message}");
            return Ok(ExitCode::from(2));
        }
    };
    match annexa_collect::collect(&target, &opts) {
        Ok(summary) => Ok(report(&target, &opts, &summary)),
        Err(e) => {
            eprintln!("annexa: error: {e}");
            Ok(ExitCode::from(2))
        }
    }
}

/// The target and options from the arguments and the environment, or what is wrong.
fn prepare(cmd: CollectCommand) -> Result<(Target, Options), String> {
    let (target, api_url, common, token) = match cmd {
        CollectCommand::Github(a) => {
            let org = a.org.trim().to_owned();
            if org.is_empty() || org.contains(['/', ' ']) {
                return Err(format!("--org {:?} is not an organisation login", a.org));
            }
            let mut repos = a.repos;
            if let Some(file) = &a.repos_file {
                repos.extend(lines_of(file)?);
            }
            let mut seen = std::collections::BTreeSet::new();
            let mut checked = Vec::new();
            for r in repos {
                let r = r.trim().to_owned();
                let ok = matches!(r.split_once('/'), Some((o, n))
                    if !o.is_empty() && !n.is_empty() && !n.contains('/') && !r.contains(char::is_whitespace));
                if !ok {
                    return Err(format!("repository {r:?} is not OWNER/NAME"));
                }
                if seen.insert(r.clone()) {
                    checked.push(r);
                }
            }
            let token = token_from(&["GITHUB_TOKEN", "GH_TOKEN"])?;
            let target = Target::GithubOrg {
                org,
                repos: checked,
            };
            (target, a.api_url, a.common, token)
        }
        CollectCommand::Gitlab(a) => {
            let group = a.group.trim().trim_matches('/').to_owned();
            if group.is_empty() || group.contains(char::is_whitespace) {
                return Err(format!("--group {:?} is not a group path", a.group));
            }
            let mut projects = a.projects;
            if let Some(file) = &a.projects_file {
                projects.extend(lines_of(file)?);
            }
            let mut seen = std::collections::BTreeSet::new();
            let mut checked = Vec::new();
            for p in projects {
                let p = p.trim().trim_matches('/').to_owned();
                if p.is_empty()
                    || !p.contains('/')
                    || p.contains(char::is_whitespace)
                    || p.contains("//")
                {
                    return Err(format!(
                        "project {p:?} is not a full path such as group/project"
                    ));
                }
                if seen.insert(p.clone()) {
                    checked.push(p);
                }
            }
            let token = token_from(&["GITLAB_TOKEN"])?;
            let target = Target::GitlabGroup {
                group,
                projects: checked,
            };
            (target, a.api_url, a.common, token)
        }
    };
    let web_host = annexa_collect::web_host(&api_url).map_err(|e| format!("--api-url: {e}"))?;
    let period = match &common.period {
        Some(p) => Some(annexa_collect::period_of_days(p).map_err(|e| format!("--period: {e}"))?),
        None => None,
    };
    if common.timeout == 0 {
        return Err("--timeout must be at least 1 second".to_owned());
    }
    Ok((
        target,
        Options {
            api_url,
            web_host,
            token,
            out: common.out,
            period,
            timeout: Duration::from_secs(common.timeout),
            max_retries: common.max_retries,
            max_wait: Duration::from_secs(common.max_wait),
            quiet: common.quiet,
        },
    ))
}

/// The first of these environment variables that is set and not empty.
fn token_from(names: &[&str]) -> Result<String, String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()))
        .ok_or_else(|| {
            format!(
                "no token: set {} to a read-only access token (docs/snapshot.md says which permissions)",
                names.join(" or ")
            )
        })
}

/// The entries of a list file: one per line, blank lines and `#` comments skipped.
fn lines_of(file: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(text
        .lines()
        .map(|l| l.split('#').next().unwrap_or_default().trim())
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

/// Print the summary; the exit code says whether the snapshot is complete.
fn report(target: &Target, opts: &Options, s: &Summary) -> ExitCode {
    let m = &s.manifest;
    let (what, name) = match target {
        Target::GithubOrg { org, .. } => ("GitHub organisation", org),
        Target::GitlabGroup { group, .. } => ("GitLab group", group),
    };
    println!(
        "Collected {what} {name} from {} into {} ({})",
        m.base_url,
        opts.out.display(),
        if m.complete { "complete" } else { "INCOMPLETE" }
    );
    println!(
        "  resources: {} ({} written by this run, {} kept from an interrupted run; {} error answers stored as facts)",
        m.resources.len(),
        s.stored,
        s.resumed,
        s.error_answers
    );
    let mut per_repo: Vec<u64> = m
        .requests
        .per_repository
        .iter()
        .filter(|(label, _)| label.as_str() != name.as_str())
        .map(|(_, n)| *n)
        .collect();
    per_repo.sort_unstable();
    let own = m
        .requests
        .per_repository
        .get(name.as_str())
        .copied()
        .unwrap_or(0);
    let spread = match per_repo.len() {
        0 => "no repository requests".to_owned(),
        n => format!(
            "per repository median {}, max {} over {n}",
            median(&per_repo),
            per_repo.last().copied().unwrap_or(0)
        ),
    };
    println!(
        "  requests: {} ({spread}; {own} for the {} itself)",
        m.requests.total,
        if matches!(target, Target::GithubOrg { .. }) {
            "organisation"
        } else {
            "group"
        }
    );
    println!(
        "  not modified (304): {}; retries: {}; waits: {} ({:.0}s)",
        m.requests.not_modified,
        m.requests.retries,
        s.waits,
        s.waited.as_secs_f64()
    );
    if s.truncated > 0 {
        println!(
            "  {} list(s) not followed to the end (marked `truncated` in snapshot.json)",
            s.truncated
        );
    }
    if let Some(login) = &m.collector.login {
        println!(
            "  collected as {login}{}",
            m.collector
                .token_kind
                .as_deref()
                .map(|k| format!(" ({k} token)"))
                .unwrap_or_default()
        );
    }
    if m.complete {
        return ExitCode::SUCCESS;
    }
    eprintln!(
        "annexa: the snapshot is incomplete: {} resource(s) could not be fetched:",
        m.incomplete.len()
    );
    for line in m.incomplete.iter().take(20) {
        eprintln!("  {line}");
    }
    if m.incomplete.len() > 20 {
        eprintln!(
            "  ... and {} more (see `incomplete` in snapshot.json)",
            m.incomplete.len() - 20
        );
    }
    eprintln!(
        "annexa: re-run the same command to resume: what was stored is kept and only the missing resources are requested"
    );
    ExitCode::from(1)
}

/// The median of sorted counts (the mean of the middle two for an even number).
fn median(sorted: &[u64]) -> String {
    let n = sorted.len();
    if n == 0 {
        return "0".to_owned();
    }
    if n % 2 == 1 {
        sorted[n / 2].to_string()
    } else {
        let (a, b) = (sorted[n / 2 - 1], sorted[n / 2]);
        if (a + b) % 2 == 0 {
            ((a + b) / 2).to_string()
        } else {
            format!("{:.1}", (a + b) as f64 / 2.0)
        }
    }
}
