//! Fetching one resource into the snapshot: resume, conditional request, pages, merge, store.
//! The platform crawls (`github.rs`, `gitlab.rs`) say *what* to fetch; this says *how*.

use annexa_platform::{Requests, ResourceMeta, SnapshotWriter, canonical_key};
use jiff::Timestamp;
use serde_json::Value;

use crate::http::{Client, Got};
use crate::progress::Progress;
use crate::{CollectError, json};

/// Items asked for per page (the maximum both platforms allow).
pub(crate) const PER_PAGE: usize = 100;
/// Pages fetched for one resource at most; the rest is marked `truncated`.
pub(crate) const MAX_PAGES: u32 = 1000;
/// Resources failing one after another before the collection stops (the API is unreachable or
/// refusing everything; going on would only burn the retry budget on every resource).
const MAX_CONSECUTIVE_FAILURES: u32 = 5;

/// How a resource is requested and cleaned.
#[derive(Clone, Debug)]
pub(crate) struct Spec<'k> {
    pub key: &'k str,
    /// A list: ask for `per_page=100`.
    pub list: bool,
    /// Stop paging once a page's last item has this timestamp field before this instant.
    pub stop_before: Option<(&'static str, Timestamp)>,
    /// Query parameters sent but not part of the key.
    pub extra: &'static [(&'static str, &'static str)],
    /// Members removed from the body before it is stored (secret values).
    pub strip: &'static [&'static str],
}

impl<'k> Spec<'k> {
    pub(crate) fn one(key: &'k str) -> Spec<'k> {
        Spec {
            key,
            list: false,
            stop_before: None,
            extra: &[],
            strip: &[],
        }
    }

    pub(crate) fn list(key: &'k str) -> Spec<'k> {
        Spec {
            list: true,
            ..Spec::one(key)
        }
    }

    pub(crate) fn stop_before(mut self, field: &'static str, start: Timestamp) -> Self {
        self.stop_before = Some((field, start));
        self
    }

    pub(crate) fn extra(mut self, extra: &'static [(&'static str, &'static str)]) -> Self {
        self.extra = extra;
        self
    }

    pub(crate) fn strip(mut self, strip: &'static [&'static str]) -> Self {
        self.strip = strip;
        self
    }
}

/// What the snapshot now holds for a resource.
#[derive(Debug)]
pub(crate) enum Fetched {
    Stored {
        status: u16,
        body: Option<Value>,
    },
    /// Not fetched (listed in `incomplete`, or the collection has stopped).
    Missing,
}

impl Fetched {
    /// The body of a successful answer (the base for dependent resources).
    pub(crate) fn ok(&self) -> Option<&Value> {
        match self {
            Fetched::Stored { status, body } if (200..300).contains(status) => body.as_ref(),
            _ => None,
        }
    }

    pub(crate) fn items(&self) -> &[Value] {
        self.ok().and_then(json::items).map_or(&[], Vec::as_slice)
    }
}

/// Who is collecting: the identity request's outcome, the login and the token's scopes, as
/// far as the API said.
pub(crate) struct Identity {
    pub fetched: Fetched,
    pub login: Option<String>,
    pub scopes: Vec<String>,
}

/// Counters for the summary.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Tally {
    pub stored: usize,
    pub resumed: usize,
    pub error_answers: usize,
    pub truncated: usize,
}

pub(crate) struct Ctx {
    pub client: Client,
    pub writer: SnapshotWriter,
    pub progress: Progress,
    pub counts: Requests,
    pub incomplete: Vec<String>,
    /// Why the collection stopped early, if it did.
    pub stopped: Option<String>,
    /// The repository / project (or the organisation / group) requests are counted under.
    pub label: String,
    pub tally: Tally,
    token: String,
    consecutive_failures: u32,
}

impl Ctx {
    pub(crate) fn new(
        client: Client,
        writer: SnapshotWriter,
        progress: Progress,
        token: &str,
        label: &str,
    ) -> Ctx {
        Ctx {
            client,
            writer,
            progress,
            counts: Requests::default(),
            incomplete: Vec::new(),
            stopped: None,
            label: label.to_owned(),
            tally: Tally::default(),
            token: token.to_owned(),
            consecutive_failures: 0,
        }
    }

    /// Fetch a resource (all its pages) and store it, unless an interrupted run already did.
    pub(crate) fn fetch(&mut self, spec: Spec<'_>) -> Result<Fetched, CollectError> {
        let key = spec.key;
        if self.stopped.is_some() {
            return Ok(Fetched::Missing);
        }
        self.progress
            .working_on(self.counts.total, &format!("{} {key}", self.label));
        if self.writer.already_stored(key) {
            return Ok(self.resumed(key));
        }

        // A conditional request only when the stored body is the whole resource in one page
        // that was not full: an unchanged first page says nothing about the pages after it
        // (an item added to a later page leaves page 1 and its ETag as they were).
        let previous = self.writer.previous(key).cloned().and_then(|meta| {
            let body = self.writer.stored_body(key)?;
            let parsed = json::parse(&body).ok()?;
            let one_page = meta.pages <= 1
                && meta.truncated.is_none()
                && parsed
                    .as_ref()
                    .and_then(json::items)
                    .is_none_or(|items| items.len() < PER_PAGE);
            (one_page && meta.etag.is_some()).then_some((meta, body, parsed))
        });

        let mut url = self.client.base.join(key);
        if spec.list {
            url = crate::url::with_params(&url, &[("per_page", "100")]);
        }
        url = crate::url::with_params(&url, spec.extra);

        let mut merged: Option<Value> = None;
        let mut single_raw: Option<Vec<u8>>;
        let mut pages: u32 = 0;
        let mut first: Option<(Option<String>, Option<String>)> = None;
        let mut status;
        let mut truncated = None;
        loop {
            let inm = if pages == 0 {
                previous.as_ref().and_then(|(m, _, _)| m.etag.as_deref())
            } else {
                None
            };
            let got = self
                .client
                .get(&url, inm, &self.label, &mut self.counts, &self.progress);
            let page = match got {
                Got::Failed(reason) => return Ok(self.fail(key, &reason)),
                Got::Page(p) => p,
            };
            if page.status == 401 {
                // The token is not (or no longer) valid: everything after this would be a 401
                // too. Not stored, so a re-run with a good token resumes here.
                return Err(CollectError::Unauthorized {
                    url: self.client.base.path_of(&url).to_owned(),
                });
            }
            if page.status == 304 {
                if let (Some((meta, body, parsed)), 0) = (&previous, pages) {
                    let meta = ResourceMeta {
                        etag: page.etag.clone().or_else(|| meta.etag.clone()),
                        last_modified: page
                            .last_modified
                            .clone()
                            .or_else(|| meta.last_modified.clone()),
                        fetched_at: Timestamp::now().to_string(),
                        not_modified: true,
                        ..meta.clone()
                    };
                    let status = meta.status;
                    self.counts.not_modified += 1;
                    if status >= 300 {
                        self.tally.error_answers += 1;
                    }
                    self.store(key, meta, body)?;
                    return Ok(Fetched::Stored {
                        status,
                        body: parsed.clone(),
                    });
                }
                return Ok(self.fail(
                    key,
                    "answered 304 Not Modified to a request that was not conditional",
                ));
            }
            if page.status >= 300 {
                if pages > 0 {
                    return Ok(self.fail(
                        key,
                        &format!("page {} answered HTTP {}", pages + 1, page.status),
                    ));
                }
                // An error answer is a fact (GitHub's "Branch not protected", a missing
                // permission): stored with its status and what the endpoint accepts.
                let body = match json::parse(&page.body) {
                    Ok(_) => page.body,
                    Err(_) => {
                        let text = String::from_utf8_lossy(&page.body);
                        let text: String = text.chars().take(4096).collect();
                        serde_json::to_vec(&serde_json::json!({ "message": text }))
                            .unwrap_or_default()
                    }
                };
                let meta = ResourceMeta {
                    status: page.status,
                    etag: page.etag,
                    last_modified: page.last_modified,
                    fetched_at: Timestamp::now().to_string(),
                    sha256: String::new(),
                    pages: 1,
                    not_modified: false,
                    accepted_permissions: page.accepted,
                    truncated: None,
                };
                let body = json::redact(body, &self.token);
                let parsed = json::parse(&body).ok().flatten();
                self.tally.error_answers += 1;
                self.store(key, meta, &body)?;
                return Ok(Fetched::Stored {
                    status: page.status,
                    body: parsed,
                });
            }

            pages += 1;
            status = page.status;
            if first.is_none() {
                first = Some((page.etag.clone(), page.last_modified.clone()));
            }
            let value = match json::parse(&page.body) {
                Ok(v) => v,
                Err(e) => {
                    return Ok(self.fail(key, &format!("page {pages}: the body is not JSON ({e})")));
                }
            };
            let ends_before = match (&value, spec.stop_before) {
                (Some(v), Some((field, start))) => last_item_before(v, field, start),
                _ => false,
            };
            match (&mut merged, value) {
                (None, v) => {
                    merged = v;
                    single_raw = Some(page.body);
                }
                (Some(acc), Some(v)) => {
                    single_raw = None;
                    if let Err(e) = json::merge_page(acc, v) {
                        return Ok(self.fail(key, &format!("page {pages}: {e}")));
                    }
                }
                (Some(_), None) => single_raw = None,
            }
            let Some(next) = page.next else { break };
            if ends_before {
                // By design: the list is newest first and the rest is before the period.
                break;
            }
            if !self.client.base.contains(&next) {
                truncated = Some(format!(
                    "the next-page link leaves the API base URL {}; not followed",
                    self.client.base.url
                ));
                break;
            }
            if pages >= MAX_PAGES {
                truncated = Some(format!(
                    "stopped after {MAX_PAGES} pages (the per-resource page limit)"
                ));
                break;
            }
            url = next;
        }

        let mut stripped = false;
        if let Some(v) = merged.as_mut() {
            for name in spec.strip {
                stripped |= json::strip_members(v, name) > 0;
            }
        }
        let body = match (single_raw, &merged) {
            (Some(raw), _) if !stripped => raw,
            (_, Some(v)) => serde_json::to_vec(v).unwrap_or_default(),
            (_, None) => Vec::new(),
        };
        let body = json::redact(body, &self.token);
        let (etag, last_modified) = first.unwrap_or_default();
        if truncated.is_some() {
            self.tally.truncated += 1;
        }
        let meta = ResourceMeta {
            status,
            etag,
            last_modified,
            fetched_at: Timestamp::now().to_string(),
            sha256: String::new(),
            pages,
            not_modified: false,
            accepted_permissions: None,
            truncated,
        };
        self.store(key, meta, &body)?;
        Ok(Fetched::Stored {
            status,
            body: merged,
        })
    }

    fn store(&mut self, key: &str, meta: ResourceMeta, body: &[u8]) -> Result<(), CollectError> {
        self.writer.put(key, meta, body)?;
        self.tally.stored += 1;
        self.consecutive_failures = 0;
        Ok(())
    }

    /// A resource an interrupted run stored: its status and body as stored.
    fn resumed(&mut self, key: &str) -> Fetched {
        self.tally.resumed += 1;
        let status = canonical_key(key)
            .ok()
            .and_then(|c| self.writer.manifest().resources.get(&c).map(|m| m.status))
            .unwrap_or(200);
        let body = self
            .writer
            .stored_body(key)
            .and_then(|b| json::parse(&b).ok().flatten());
        Fetched::Stored { status, body }
    }

    /// Record a resource as not fetched.
    fn fail(&mut self, key: &str, reason: &str) -> Fetched {
        self.incomplete.push(format!("{key}: {reason}"));
        self.progress
            .log(&format!("annexa: {key}: not fetched: {reason}"));
        self.consecutive_failures += 1;
        if self.consecutive_failures >= MAX_CONSECUTIVE_FAILURES {
            self.stopped = Some(format!(
                "stopped after {MAX_CONSECUTIVE_FAILURES} resources in a row could not be fetched; the resources after {key} were not requested"
            ));
        }
        Fetched::Missing
    }
}

/// Whether a page's last item has `field` (a timestamp) before `start`.
fn last_item_before(page: &Value, field: &str, start: Timestamp) -> bool {
    json::items(page)
        .and_then(|items| items.last())
        .and_then(|item| item.get(field))
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<Timestamp>().ok())
        .is_some_and(|t| t < start)
}

/// A timestamp field of an item, parsed.
pub(crate) fn time_of(item: &Value, field: &str) -> Option<Timestamp> {
    item.get(field)?.as_str()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn period_stop_looks_at_the_last_item() {
        let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let page = json!([
            {"updated_at": "2026-02-01T00:00:00Z"},
            {"updated_at": "2025-12-31T23:59:59Z"}
        ]);
        assert!(last_item_before(&page, "updated_at", start));
        let page =
            json!([{"updated_at": "2025-12-01T00:00:00Z"}, {"updated_at": "2026-01-01T00:00:00Z"}]);
        assert!(!last_item_before(&page, "updated_at", start));
        assert!(!last_item_before(&json!([]), "updated_at", start));
        assert!(!last_item_before(&json!([{"x": 1}]), "updated_at", start));
    }
}
