//! What the platform answered about one thing: a value with its source, or why it is unknown.

use annexa_model::Provenance;
use serde::de::DeserializeOwned;

use crate::snapshot::{Lookup, Resource, Snapshot};

/// Where a value came from: the resource, its HTTP status and ETag, and how far it can be
/// trusted (`system-collected`, or `hand-edited` when the body was changed after collection).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub key: String,
    pub status: u16,
    pub etag: Option<String>,
    pub fetched_at: String,
    pub provenance: Provenance,
}

impl Source {
    fn of(r: &Resource) -> Source {
        Source {
            key: r.key.clone(),
            status: r.status,
            etag: r.etag.clone(),
            fetched_at: r.fetched_at.clone(),
            provenance: r.provenance,
        }
    }
}

/// A value the platform gave, or the reason it is not known. `Unknown` never counts as a pass.
#[derive(Clone, Debug)]
pub enum Known<T> {
    Yes(T, Source),
    Unknown {
        /// The resource that would have told (for the observation's subject and location).
        key: String,
        reason: String,
        /// The error answer, when there was one.
        source: Option<Source>,
    },
}

impl<T> Known<T> {
    pub fn value(&self) -> Option<&T> {
        match self {
            Known::Yes(v, _) => Some(v),
            Known::Unknown { .. } => None,
        }
    }

    pub fn source(&self) -> Option<&Source> {
        match self {
            Known::Yes(_, s) => Some(s),
            Known::Unknown { source, .. } => source.as_ref(),
        }
    }

    pub fn key(&self) -> &str {
        match self {
            Known::Yes(_, s) => &s.key,
            Known::Unknown { key, .. } => key,
        }
    }

    /// Why it is unknown (`None` when known).
    pub fn reason(&self) -> Option<&str> {
        match self {
            Known::Yes(..) => None,
            Known::Unknown { reason, .. } => Some(reason),
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Known<U> {
        match self {
            Known::Yes(v, s) => Known::Yes(f(v), s),
            Known::Unknown {
                key,
                reason,
                source,
            } => Known::Unknown {
                key,
                reason,
                source,
            },
        }
    }

    pub fn as_ref(&self) -> Known<&T> {
        match self {
            Known::Yes(v, s) => Known::Yes(v, s.clone()),
            Known::Unknown {
                key,
                reason,
                source,
            } => Known::Unknown {
                key: key.clone(),
                reason: reason.clone(),
                source: source.clone(),
            },
        }
    }

    pub fn not_collected(key: impl Into<String>) -> Known<T> {
        Known::Unknown {
            key: key.into(),
            reason: "not collected in this snapshot".to_owned(),
            source: None,
        }
    }
}

/// How a platform words an error answer, for the unknown's reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    Github,
    Gitlab,
}

/// The error message in an error answer's body.
pub(crate) fn error_message(body: Option<&serde_json::Value>) -> Option<String> {
    let b = body?;
    let m = b.get("message").or_else(|| b.get("error"))?;
    Some(match m {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// Read a resource and deserialise a 2xx body; error answers become `Unknown` with a reason
/// naming the status and, for 401/403/404, the permission the endpoint needs.
pub(crate) fn read<T: DeserializeOwned>(snap: &Snapshot, key: &str, dialect: Dialect) -> Known<T> {
    read_with(snap, key, dialect, |_, _| None)
}

/// Like [`read`], with a hook that turns an error answer into a fact (`Some(value)`), e.g.
/// GitHub's 404 "Branch not protected".
pub(crate) fn read_with<T: DeserializeOwned>(
    snap: &Snapshot,
    key: &str,
    dialect: Dialect,
    fact: impl FnOnce(u16, Option<&str>) -> Option<T>,
) -> Known<T> {
    let r = match snap.get(key) {
        Lookup::NotCollected => return Known::not_collected(key),
        Lookup::Unreadable { key, reason } => {
            return Known::Unknown {
                key,
                reason: format!("stored body unreadable: {reason}"),
                source: None,
            };
        }
        Lookup::Found(r) => r,
    };
    let source = Source::of(&r);
    if let Some(why) = &r.truncated {
        // A list cut short is not the list: whatever a check concluded from it could be wrong.
        return Known::Unknown {
            key: r.key.clone(),
            reason: format!("the list was not read to its end ({why})"),
            source: Some(source),
        };
    }
    if (200..300).contains(&r.status) {
        let body = r.body.unwrap_or(serde_json::Value::Null);
        return match serde_json::from_value::<T>(body) {
            Ok(v) => Known::Yes(v, source),
            Err(e) => Known::Unknown {
                key: r.key,
                reason: format!("the answer does not have the expected shape: {e}"),
                source: Some(source),
            },
        };
    }
    let message = error_message(r.body.as_ref());
    if let Some(v) = fact(r.status, message.as_deref()) {
        return Known::Yes(v, source);
    }
    let needs = r
        .accepted_permissions
        .as_deref()
        .filter(|p| !p.is_empty())
        .map(|p| format!("; the endpoint needs: {p}"))
        .unwrap_or_default();
    let said = message.map(|m| format!(" \"{m}\"")).unwrap_or_default();
    let reason = match (dialect, r.status) {
        (_, 401) => format!("the token was rejected (401{said})"),
        (Dialect::Github, 403) => {
            format!("the token lacks a permission (403{said}){needs}")
        }
        (Dialect::Github, 404) => format!(
            "GitHub answered 404{said}: the resource is missing or the token may not read it (GitHub answers 404 for both){needs}"
        ),
        (Dialect::Gitlab, 403) => format!(
            "GitLab answered 403{said}: the token's role is too low, or the feature is not on this tier"
        ),
        (Dialect::Gitlab, 404) => format!(
            "GitLab answered 404{said}: missing, not visible to the token, or not on this tier"
        ),
        (_, s) => format!("the platform answered {s}{said}"),
    };
    Known::Unknown {
        key: r.key,
        reason,
        source: Some(source),
    }
}
