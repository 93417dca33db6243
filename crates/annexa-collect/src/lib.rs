//! The live collector behind `annexa collect github|gitlab`: reads an organisation's (group's)
//! platform state over the REST API into an API mirror snapshot (`annexa_platform::snapshot`,
//! `docs/snapshot.md`).
//!
//! - Requests are serial, with the headers GitHub / GitLab ask for.
//! - Lists are paged with `Link: rel="next"` (GitLab: `x-next-page` as a fallback) and merged
//!   into one body; period-bounded lists stop once the pages are older than the period.
//! - A re-collection sends `If-None-Match` with the previous snapshot's ETag and reuses the
//!   stored body on `304`.
//! - Rate limits are waited out (primary: until the reset; secondary: `Retry-After`, the reset,
//!   or a minute doubling), 5xx, timeouts and connection errors retried with backoff; what still
//!   fails is listed in `incomplete` and the snapshot is not `complete`.
//! - Error answers (401 aside) are stored as facts with their status and the permission the
//!   endpoint accepts.
//! - An interrupted collection resumes: stored resources are not requested again, and dependent
//!   resources are planned from the stored bodies.
//! - The token is sent in a header and never written: not to the snapshot, the journal, error
//!   messages or log lines (a body echoing it is blanked).

use std::path::PathBuf;
use std::time::Duration;

use annexa_platform::{Manifest, Period, PlatformKind, Scope, SnapshotError, SnapshotWriter};
use jiff::Timestamp;

mod crawl;
mod github;
mod gitlab;
mod http;
mod json;
pub mod oidc;
mod progress;
mod url;

pub use url::web_host;

/// How to collect.
#[derive(Clone, Debug)]
pub struct Options {
    /// The REST API base URL (`https://api.github.com`, `https://ghe.example/api/v3`,
    /// `https://gitlab.com/api/v4`).
    pub api_url: String,
    /// The web host subject keys use (`github.com`); see [`web_host`].
    pub web_host: String,
    /// The access token. Sent in a header, never written anywhere.
    pub token: String,
    /// The snapshot directory (created; an existing snapshot there is re-collected, an
    /// interrupted collection resumed).
    pub out: PathBuf,
    /// The audit period as RFC 3339 instants, both inclusive: histories (pull requests,
    /// deployments, commits, audit events) are collected for it.
    pub period: Option<(String, String)>,
    /// For one request, including reading the answer.
    pub timeout: Duration,
    /// Retries of one request after a 5xx, a timeout, a connection error or a rate limit.
    pub max_retries: u32,
    /// The cap on any one wait (rate-limit reset, `Retry-After`, backoff).
    pub max_wait: Duration,
    /// No progress bar and no wait lines on stderr.
    pub quiet: bool,
}

/// What to collect.
#[derive(Clone, Debug)]
pub enum Target {
    /// A GitHub organisation; `repos` (`owner/name`) limits the repositories, empty = all.
    GithubOrg { org: String, repos: Vec<String> },
    /// A GitLab group; `projects` (full paths) limits the projects, empty = all of the group
    /// and its subgroups.
    GitlabGroup {
        group: String,
        projects: Vec<String>,
    },
}

/// The outcome of a collection.
#[derive(Clone, Debug)]
pub struct Summary {
    /// The manifest as written to `snapshot.json`.
    pub manifest: Manifest,
    /// Resources written by this run (fetched, revalidated or error answers).
    pub stored: usize,
    /// Resources an interrupted run had already stored (not requested again).
    pub resumed: usize,
    /// Error answers stored as facts (403, 404, ...).
    pub error_answers: usize,
    /// Resources whose pagination stopped at a limit.
    pub truncated: usize,
    /// Waits for rate limits and backoff, and their total time.
    pub waits: u32,
    pub waited: Duration,
}

/// Why a collection could not run or had to stop. Resources that could not be fetched are not
/// errors: they are listed in the manifest's `incomplete`.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The options are unusable (the message says which and why).
    #[error("{0}")]
    Usage(String),
    /// The API answered 401: the token is invalid, expired or revoked. What was stored so far
    /// is kept; a re-run with a valid token resumes.
    #[error(
        "{url}: the API answered 401 Unauthorized: the token is invalid, expired or revoked (what was collected so far is kept; re-run with a valid token to resume)"
    )]
    Unauthorized { url: String },
    /// The first request could not be answered at all (DNS, TLS, connection, timeouts).
    #[error("{url}: the API could not be reached: {reason}")]
    Unreachable { url: String, reason: String },
    /// Writing the snapshot failed.
    #[error("writing the snapshot: {0}")]
    Snapshot(#[from] SnapshotError),
}

/// The audit period in the forms the keys need.
pub(crate) struct Window {
    pub from: Timestamp,
    pub to: Timestamp,
    /// RFC 3339, as sent (`2026-01-01T00:00:00Z`).
    pub from_s: String,
    pub to_s: String,
    /// `YYYY-MM-DD` (UTC), for the audit-log search phrase.
    pub from_date: String,
    pub to_date: String,
}

impl Window {
    fn parse(from: &str, to: &str) -> Result<Window, CollectError> {
        let ts = |s: &str| {
            s.parse::<Timestamp>().map_err(|e| {
                CollectError::Usage(format!(
                    "period bound {s:?} is not an RFC 3339 instant: {e}"
                ))
            })
        };
        let (from, to) = (ts(from)?, ts(to)?);
        if from > to {
            return Err(CollectError::Usage(format!(
                "the period starts ({from}) after it ends ({to})"
            )));
        }
        Ok(Window {
            from,
            to,
            from_s: from.to_string(),
            to_s: to.to_string(),
            from_date: from.strftime("%Y-%m-%d").to_string(),
            to_date: to.strftime("%Y-%m-%d").to_string(),
        })
    }

    pub(crate) fn contains(&self, t: Timestamp) -> bool {
        self.from <= t && t <= self.to
    }
}

/// `FROM..TO` in days (`2026-01-01..2026-03-31`, UTC, both inclusive) as RFC 3339 instants:
/// from the start of the first day to the last second of the last.
pub fn period_of_days(s: &str) -> Result<(String, String), String> {
    let (a, b) = s
        .split_once("..")
        .ok_or_else(|| format!("period {s:?} is not FROM..TO (e.g. 2026-01-01..2026-03-31)"))?;
    let day = |d: &str| {
        d.trim()
            .parse::<jiff::civil::Date>()
            .map_err(|e| format!("period {s:?}: {d:?} is not a date (YYYY-MM-DD): {e}"))
    };
    let (from, to) = (day(a)?, day(b)?);
    if from > to {
        return Err(format!("period {s:?} starts after it ends"));
    }
    Ok((format!("{from}T00:00:00Z"), format!("{to}T23:59:59Z")))
}

/// The kind of token, from its prefix (GitHub and GitLab prefix their tokens).
pub fn token_kind(token: &str) -> Option<&'static str> {
    [
        ("github_pat_", "fine-grained"),
        ("ghp_", "classic"),
        ("gho_", "oauth"),
        ("ghu_", "app-user"),
        ("ghs_", "app"),
        ("glpat-", "gitlab-pat"),
        ("gloas-", "gitlab-oauth"),
        ("gldt-", "gitlab-deploy-token"),
    ]
    .into_iter()
    .find(|(prefix, _)| token.starts_with(prefix))
    .map(|(_, kind)| kind)
}

/// An interrupted collection in `dir` of another organisation, group or period would be
/// resumed into this one (the writer matches platform and base URL only): refuse it rather
/// than mix two collections in one snapshot.
fn refuse_other_job(dir: &std::path::Path, fresh: &Manifest) -> Result<(), CollectError> {
    let path = dir.join(annexa_platform::snapshot::JOURNAL);
    let Ok(file) = std::fs::File::open(&path) else {
        return Ok(());
    };
    let mut head = String::new();
    // The first line is the header: a manifest without resources, small.
    let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(file), &mut head);
    let Ok(old) = serde_json::from_str::<Manifest>(&head) else {
        return Ok(());
    };
    if old.platform != fresh.platform || old.base_url != fresh.base_url {
        // The writer does not resume it: the collection starts afresh.
        return Ok(());
    }
    let what = |m: &Manifest| {
        let name = m
            .scope
            .org
            .as_deref()
            .or(m.scope.group.as_deref())
            .unwrap_or("?");
        match &m.period {
            Some(p) => format!("{name} for {}..{}", p.from, p.to),
            None => format!("{name} without a period"),
        }
    };
    // Journals written before the scope was recorded up front cannot be told apart.
    let known = old.scope.org.is_some() || old.scope.group.is_some();
    let same = old.scope.org == fresh.scope.org
        && old.scope.group == fresh.scope.group
        && old.period == fresh.period;
    if known && !same {
        return Err(CollectError::Usage(format!(
            "{} holds an interrupted collection of {}, not {}: re-run that collection to finish it, or use another --out folder (or delete {})",
            dir.display(),
            what(&old),
            what(fresh),
            path.display()
        )));
    }
    Ok(())
}

/// Identity first, then the organisation or group; returns who collected and the
/// repositories (projects) collected.
fn crawl_target(
    ctx: &mut crawl::Ctx,
    target: &Target,
    window: Option<&Window>,
) -> Result<(crawl::Identity, Vec<String>), CollectError> {
    // Who is collecting comes first: a bad token or an unreachable API shows here, before
    // anything else is attempted.
    let who = match target {
        Target::GithubOrg { .. } => github::identity(ctx)?,
        Target::GitlabGroup { .. } => gitlab::identity(ctx)?,
    };
    if matches!(who.fetched, crawl::Fetched::Missing) {
        let reason = ctx.incomplete.last().map_or_else(String::new, |line| {
            line.split_once(": ")
                .map_or(line.as_str(), |(_, r)| r)
                .to_owned()
        });
        return Err(CollectError::Unreachable {
            url: ctx.client.base.url.clone(),
            reason,
        });
    }
    let collected = match target {
        Target::GithubOrg { org, repos } => github::crawl(ctx, org, repos, window)?,
        Target::GitlabGroup { group, projects } => gitlab::crawl(ctx, group, projects, window)?,
    };
    Ok((who, collected))
}

/// Collect `target` into `opts.out`.
pub fn collect(target: &Target, opts: &Options) -> Result<Summary, CollectError> {
    let base = url::Base::parse(&opts.api_url).map_err(CollectError::Usage)?;
    if opts.token.is_empty() {
        return Err(CollectError::Usage("the token is empty".to_owned()));
    }
    // Said without echoing the token: it must fit in an HTTP header as it is.
    if !opts.token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(CollectError::Usage(
            "the token contains spaces, control or non-ASCII characters (a stray newline?)"
                .to_owned(),
        ));
    }
    let window = match &opts.period {
        Some((from, to)) => Some(Window::parse(from, to)?),
        None => None,
    };
    let (platform, name) = match target {
        Target::GithubOrg { org, .. } => (PlatformKind::Github, org),
        Target::GitlabGroup { group, .. } => (PlatformKind::Gitlab, group),
    };
    if name.trim().is_empty() {
        return Err(CollectError::Usage(match platform {
            PlatformKind::Github => "the organisation name is empty".to_owned(),
            PlatformKind::Gitlab => "the group path is empty".to_owned(),
        }));
    }

    let mut fresh = Manifest::new(
        platform,
        &base.url,
        &opts.web_host,
        Timestamp::now().to_string(),
    );
    // In the journal's first line from the start, so a resume can tell it is the same job.
    fresh.scope = Scope {
        org: matches!(platform, PlatformKind::Github).then(|| name.clone()),
        group: matches!(platform, PlatformKind::Gitlab).then(|| name.clone()),
        repositories: Vec::new(),
    };
    fresh.period = window.as_ref().map(|w| Period {
        from: w.from_s.clone(),
        to: w.to_s.clone(),
    });
    refuse_other_job(&opts.out, &fresh)?;
    let writer = SnapshotWriter::start(&opts.out, fresh)?;
    let client = http::Client::new(
        base,
        platform,
        &opts.token,
        opts.timeout,
        opts.max_retries,
        opts.max_wait,
    );
    let progress = progress::Progress::new(opts.quiet);
    let mut ctx = crawl::Ctx::new(client, writer, progress, &opts.token, name);

    let outcome = crawl_target(&mut ctx, target, window.as_ref());
    ctx.progress.finish();
    let (who, collected) = outcome?;
    let crawl::Identity {
        login, mut scopes, ..
    } = who;

    if scopes.is_empty()
        && let Some(s) = &ctx.client.oauth_scopes
    {
        scopes = s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
    }
    let crawl::Ctx {
        writer: mut w,
        counts,
        mut incomplete,
        stopped,
        tally,
        client,
        ..
    } = ctx;
    incomplete.extend(stopped);
    let complete = incomplete.is_empty();
    let m = w.manifest_mut();
    m.collector.tool = format!("annexa {}", env!("CARGO_PKG_VERSION"));
    m.collector.login = login;
    m.collector.token_kind = token_kind(&opts.token).map(str::to_owned);
    m.collector.scopes = scopes;
    m.scope.repositories = collected;
    // Added to what the manifest already holds, so counts kept across a resume add up.
    m.requests.total += counts.total;
    m.requests.not_modified += counts.not_modified;
    m.requests.retries += counts.retries;
    for (label, n) in counts.per_repository {
        *m.requests.per_repository.entry(label).or_default() += n;
    }
    m.incomplete = incomplete;
    let manifest = w.finish(Timestamp::now().to_string(), complete)?;
    Ok(Summary {
        manifest,
        stored: tally.stored,
        resumed: tally.resumed,
        error_answers: tally.error_answers,
        truncated: tally.truncated,
        waits: client.waits.count,
        waited: client.waits.total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_in_days() {
        assert_eq!(
            period_of_days("2026-01-01..2026-03-31").unwrap(),
            (
                "2026-01-01T00:00:00Z".to_owned(),
                "2026-03-31T23:59:59Z".to_owned()
            )
        );
        assert!(period_of_days("2026-03-31..2026-01-01").is_err());
        assert!(period_of_days("2026-01-01").is_err());
        assert!(period_of_days("2026-01-01..soon").is_err());
        assert!(period_of_days("2026-02-30..2026-03-01").is_err());
    }

    #[test]
    fn windows() {
        let w = Window::parse("2026-01-01T00:00:00Z", "2026-03-31T23:59:59Z").unwrap();
        assert_eq!(w.from_date, "2026-01-01");
        assert_eq!(w.to_date, "2026-03-31");
        assert!(w.contains("2026-03-31T23:59:59Z".parse().unwrap()));
        assert!(!w.contains("2026-04-01T00:00:00Z".parse().unwrap()));
        assert!(Window::parse("2026-03-31T00:00:00Z", "2026-01-01T00:00:00Z").is_err());
        assert!(Window::parse("yesterday", "2026-01-01T00:00:00Z").is_err());
    }

    #[test]
    fn token_kinds() {
        assert_eq!(token_kind("ghp_x"), Some("classic"));
        assert_eq!(token_kind("github_pat_x"), Some("fine-grained"));
        assert_eq!(token_kind("ghs_x"), Some("app"));
        assert_eq!(token_kind("glpat-x"), Some("gitlab-pat"));
        assert_eq!(token_kind("abc"), None);
    }

    #[test]
    fn unusable_options_are_refused_before_any_request() {
        let dir = tempfile::tempdir().unwrap();
        let opts = |api: &str, token: &str| Options {
            api_url: api.to_owned(),
            web_host: "github.com".to_owned(),
            token: token.to_owned(),
            out: dir.path().join("snap"),
            period: None,
            timeout: Duration::from_secs(1),
            max_retries: 0,
            max_wait: Duration::from_secs(1),
            quiet: true,
        };
        let org = Target::GithubOrg {
            org: "acme".into(),
            repos: vec![],
        };
        for (api, token) in [
            ("http://api.example", "ghp_abcdefgh"),
            ("https://api.github.com", ""),
            ("https://api.github.com", "ghp_abc\n"),
        ] {
            let e = collect(&org, &opts(api, token)).unwrap_err();
            assert!(matches!(e, CollectError::Usage(_)), "{e}");
            assert!(!e.to_string().contains("ghp_abc"), "{e}");
        }
        assert!(!dir.path().join("snap").exists());
    }
}
