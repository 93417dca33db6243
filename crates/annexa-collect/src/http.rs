//! One HTTP GET with everything a polite API client does around it: authentication headers,
//! same-origin redirects, rate-limit waits (primary, secondary, GitLab's 429), retries with
//! exponential backoff on 5xx, timeouts and connection errors, and request counting.
//!
//! Requests are strictly serial: GitHub asks integrators to send requests for one token one at
//! a time, and the secondary limits punish concurrency.

use std::time::{Duration, Instant};

use annexa_platform::{PlatformKind, Requests};

use crate::progress::Progress;
use crate::url::Base;

/// Bodies larger than this per page are refused (a page is at most 100 items).
const MAX_PAGE_BYTES: u64 = 256 * 1024 * 1024;
/// Same-origin redirects followed for one request (a renamed repository answers 301).
const MAX_REDIRECTS: u32 = 5;
/// The first backoff after a 5xx, a timeout or a connection error; doubled on each retry.
const BACKOFF_START: Duration = Duration::from_secs(1);
/// The first wait after a secondary rate limit that names no time (GitHub: "at least one
/// minute"), doubled on each further hit.
const SECONDARY_START: Duration = Duration::from_secs(60);

/// One answered request (any status the caller has to judge).
#[derive(Debug)]
pub(crate) struct Page {
    pub status: u16,
    pub body: Vec<u8>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The `rel="next"` link, or GitLab's `x-next-page` turned into a URL.
    pub next: Option<String>,
    /// `X-Accepted-GitHub-Permissions` / `X-Accepted-OAuth-Scopes`: what the endpoint needs.
    pub accepted: Option<String>,
}

/// What became of a request.
#[derive(Debug)]
pub(crate) enum Got {
    Page(Page),
    /// Retries were exhausted or the error cannot be retried; the reason names what happened.
    Failed(String),
}

/// Waits made (for the summary).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Waits {
    pub count: u32,
    pub total: Duration,
}

pub(crate) struct Client {
    agent: ureq::Agent,
    pub base: Base,
    platform: PlatformKind,
    token: String,
    max_retries: u32,
    max_wait: Duration,
    /// Set when an answer said the primary limit is used up: no request before this instant.
    pause_until: Option<(Instant, String)>,
    /// `X-OAuth-Scopes` as first seen (classic tokens and OAuth apps send it on every answer).
    pub oauth_scopes: Option<String>,
    pub waits: Waits,
}

/// Why a request is tried again.
struct Retry {
    reason: String,
    wait: Duration,
}

impl Client {
    pub(crate) fn new(
        base: Base,
        platform: PlatformKind,
        token: &str,
        timeout: Duration,
        max_retries: u32,
        max_wait: Duration,
    ) -> Client {
        let mut config = ureq::Agent::config_builder()
            // 4xx/5xx are answers to judge, not errors.
            .http_status_as_error(false)
            // Redirects are followed here, only within the API (the token goes with them).
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_global(Some(timeout))
            .user_agent(format!("annexa/{}", env!("CARGO_PKG_VERSION")));
        if base.loopback {
            // A proxy from the environment must not intercept a loopback API.
            config = config.proxy(None);
        }
        Client {
            agent: config.build().into(),
            base,
            platform,
            token: token.to_owned(),
            max_retries,
            max_wait,
            pause_until: None,
            oauth_scopes: None,
            waits: Waits::default(),
        }
    }

    /// GET `url` (which must be under the base URL), retrying what can be retried.
    pub(crate) fn get(
        &mut self,
        url: &str,
        if_none_match: Option<&str>,
        label: &str,
        counts: &mut Requests,
        progress: &Progress,
    ) -> Got {
        let mut url = url.to_owned();
        let mut attempt: u32 = 0;
        let mut secondary_hits: u32 = 0;
        let mut redirects: u32 = 0;
        loop {
            if let Some((until, why)) = self.pause_until.take() {
                let now = Instant::now();
                if until > now {
                    self.wait(until - now, &why, &url, progress);
                }
            }
            counts.total += 1;
            *counts.per_repository.entry(label.to_owned()).or_default() += 1;
            let retry = match self.send(&url, if_none_match) {
                Err(e) => {
                    let reason = describe(&e);
                    if !retryable(&e) {
                        return Got::Failed(reason);
                    }
                    Retry {
                        reason,
                        wait: backoff(BACKOFF_START, attempt),
                    }
                }
                Ok(answer) => {
                    let status = answer.status;
                    if let Some((reset, remaining)) = answer.reset.zip(answer.remaining)
                        && remaining == 0
                        && status < 400
                    {
                        // The next request would be refused: wait for the window to reset.
                        self.pause_until = Some((
                            instant_of_epoch(reset),
                            "primary rate limit used up".to_owned(),
                        ));
                    }
                    if matches!(status, 301 | 302 | 303 | 307 | 308)
                        && let Some(loc) = &answer.location
                    {
                        let target = self.base.resolve(loc);
                        if self.base.contains(&target) && redirects < MAX_REDIRECTS {
                            redirects += 1;
                            url = target;
                            continue;
                        }
                    }
                    if let Some(r) = self.rate_limited(&answer, secondary_hits) {
                        secondary_hits += u32::from(r.1);
                        r.0
                    } else if (500..=599).contains(&status) {
                        Retry {
                            reason: format!("HTTP {status}"),
                            wait: backoff(BACKOFF_START, attempt),
                        }
                    } else {
                        return Got::Page(answer.into_page(&url));
                    }
                }
            };
            if attempt >= self.max_retries {
                let tries = attempt + 1;
                return Got::Failed(format!(
                    "{} (gave up after {tries} attempt{})",
                    retry.reason,
                    if tries == 1 { "" } else { "s" }
                ));
            }
            attempt += 1;
            counts.retries += 1;
            self.wait(retry.wait, &retry.reason, &url, progress);
        }
    }

    fn send(&mut self, url: &str, if_none_match: Option<&str>) -> Result<Answer, ureq::Error> {
        let mut req = self.agent.get(url);
        req = match self.platform {
            PlatformKind::Github => req
                .header("Authorization", format!("Bearer {}", self.token))
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", "2022-11-28"),
            PlatformKind::Gitlab => req
                .header("PRIVATE-TOKEN", self.token.as_str())
                .header("Accept", "application/json"),
        };
        if let Some(tag) = if_none_match {
            req = req.header("If-None-Match", tag);
        }
        let mut resp = req.call()?;
        let h = resp.headers();
        let one = |name: &str| {
            h.get(name)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.trim().to_owned())
        };
        let links: Vec<String> = h
            .get_all("link")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let accepted = [
            one("x-accepted-github-permissions"),
            one("x-accepted-oauth-scopes"),
        ]
        .into_iter()
        .flatten()
        .find(|s| !s.is_empty());
        if self.oauth_scopes.is_none() {
            self.oauth_scopes = one("x-oauth-scopes");
        }
        let mut answer = Answer {
            status: resp.status().as_u16(),
            etag: one("etag"),
            last_modified: one("last-modified"),
            location: one("location"),
            links,
            next_page: one("x-next-page"),
            accepted,
            retry_after: one("retry-after"),
            remaining: one("x-ratelimit-remaining")
                .or_else(|| one("ratelimit-remaining"))
                .and_then(|s| s.parse().ok()),
            reset: one("x-ratelimit-reset")
                .or_else(|| one("ratelimit-reset"))
                .and_then(|s| s.parse().ok()),
            body: Vec::new(),
        };
        answer.body = resp
            .body_mut()
            .with_config()
            .limit(MAX_PAGE_BYTES)
            .read_to_vec()?;
        Ok(answer)
    }

    /// A rate-limit answer and how long to wait; the flag says it was a secondary limit.
    fn rate_limited(&self, a: &Answer, secondary_hits: u32) -> Option<(Retry, bool)> {
        let retry_after = a.retry_after.as_deref().and_then(retry_after_secs);
        let until_reset = a.reset.map(seconds_until_epoch);
        match self.platform {
            PlatformKind::Github => {
                if a.status != 403 && a.status != 429 {
                    return None;
                }
                let message = serde_json::from_slice::<serde_json::Value>(&a.body)
                    .ok()
                    .and_then(|v| {
                        v.get("message")
                            .and_then(|m| m.as_str())
                            .map(str::to_lowercase)
                    })
                    .unwrap_or_default();
                let secondary =
                    message.contains("secondary rate limit") || message.contains("abuse detection");
                if a.remaining == Some(0) && !secondary {
                    let wait = Duration::from_secs(until_reset.unwrap_or(60).max(1));
                    return Some((
                        Retry {
                            reason: format!("HTTP {}: primary rate limit used up", a.status),
                            wait,
                        },
                        false,
                    ));
                }
                if !(secondary || a.status == 429 || retry_after.is_some()) {
                    // A plain 403: a missing permission or a policy, which is a fact.
                    return None;
                }
                let (wait, hit) = match (retry_after, a.remaining, until_reset) {
                    (Some(s), _, _) => (Duration::from_secs(s), false),
                    (None, Some(0), Some(s)) => (Duration::from_secs(s.max(1)), false),
                    _ => (backoff(SECONDARY_START, secondary_hits), true),
                };
                Some((
                    Retry {
                        reason: format!("HTTP {}: secondary rate limit", a.status),
                        wait,
                    },
                    hit,
                ))
            }
            PlatformKind::Gitlab => {
                if a.status != 429 {
                    return None;
                }
                let (wait, hit) = match (retry_after, until_reset) {
                    (Some(s), _) => (Duration::from_secs(s), false),
                    (None, Some(s)) => (Duration::from_secs(s.max(1)), false),
                    _ => (backoff(SECONDARY_START, secondary_hits), true),
                };
                Some((
                    Retry {
                        reason: "HTTP 429: rate limited".to_owned(),
                        wait,
                    },
                    hit,
                ))
            }
        }
    }

    /// Sleep, capped by `max_wait`, and say so on stderr.
    fn wait(&mut self, want: Duration, why: &str, url: &str, progress: &Progress) {
        let wait = want.min(self.max_wait);
        let capped = if wait < want {
            format!(" (capped from {})", secs(want))
        } else {
            String::new()
        };
        progress.log(&format!(
            "annexa: {}: {why}; waiting {}{capped}",
            self.base.path_of(url),
            secs(wait)
        ));
        self.waits.count += 1;
        self.waits.total += wait;
        std::thread::sleep(wait);
    }
}

/// A response read in full, with the headers the collector uses.
struct Answer {
    status: u16,
    etag: Option<String>,
    last_modified: Option<String>,
    location: Option<String>,
    links: Vec<String>,
    next_page: Option<String>,
    accepted: Option<String>,
    retry_after: Option<String>,
    remaining: Option<u64>,
    reset: Option<u64>,
    body: Vec<u8>,
}

impl Answer {
    fn into_page(self, url: &str) -> Page {
        let next = crate::url::next_link(self.links.iter().map(String::as_str)).or_else(|| {
            // GitLab may send only `x-next-page` (e.g. when the Link header is stripped by a
            // proxy): the same request with that page number.
            self.next_page
                .as_deref()
                .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                .map(|p| crate::url::with_param(url, "page", p))
        });
        Page {
            status: self.status,
            body: self.body,
            etag: self.etag,
            last_modified: self.last_modified,
            next,
            accepted: self.accepted,
        }
    }
}

/// `start · 2^attempt`, without overflowing.
fn backoff(start: Duration, attempt: u32) -> Duration {
    start.saturating_mul(1u32 << attempt.min(16))
}

/// `Retry-After` as seconds: a number, or an HTTP date.
fn retry_after_secs(v: &str) -> Option<u64> {
    if let Ok(n) = v.trim().parse::<u64>() {
        return Some(n);
    }
    let when = jiff::fmt::rfc2822::parse(v.trim()).ok()?.timestamp();
    let now = jiff::Timestamp::now();
    Some(u64::try_from(when.as_second() - now.as_second()).unwrap_or(0))
}

/// Seconds from now until a Unix time (0 when it has passed), plus one second of slack:
/// reset times are whole seconds and the clocks are not the same.
fn seconds_until_epoch(epoch: u64) -> u64 {
    let now = jiff::Timestamp::now().as_second();
    u64::try_from(i64::try_from(epoch).unwrap_or(i64::MAX).saturating_sub(now))
        .unwrap_or(0)
        .saturating_add(1)
}

fn instant_of_epoch(epoch: u64) -> Instant {
    Instant::now() + Duration::from_secs(seconds_until_epoch(epoch))
}

fn secs(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

fn retryable(e: &ureq::Error) -> bool {
    matches!(
        e,
        ureq::Error::Timeout(_)
            | ureq::Error::Io(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::HostNotFound
            | ureq::Error::Protocol(_)
            | ureq::Error::BodyStalled
    )
}

/// An error in words. ureq's messages name the URL at most, never request headers, so the
/// token cannot appear in them.
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::HostNotFound => "host not found".to_owned(),
        ureq::Error::ConnectionFailed => "connection failed".to_owned(),
        ureq::Error::BodyExceedsLimit(n) => format!("a page is larger than {n} bytes"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_saturates() {
        assert_eq!(backoff(Duration::from_secs(1), 0), Duration::from_secs(1));
        assert_eq!(backoff(Duration::from_secs(1), 3), Duration::from_secs(8));
        assert_eq!(
            backoff(Duration::from_secs(60), 1),
            Duration::from_secs(120)
        );
        assert!(backoff(Duration::from_secs(60), 99) >= Duration::from_secs(60 * 65536));
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(retry_after_secs("1"), Some(1));
        assert_eq!(retry_after_secs(" 30 "), Some(30));
        assert_eq!(retry_after_secs("Wed, 21 Oct 2015 07:28:00 GMT"), Some(0));
        assert_eq!(retry_after_secs("soon"), None);
    }

    #[test]
    fn reset_in_the_past_waits_only_the_slack() {
        assert_eq!(seconds_until_epoch(0), 1);
        let future = u64::try_from(jiff::Timestamp::now().as_second()).unwrap() + 10;
        assert!((10..=11).contains(&seconds_until_epoch(future)));
    }
}
