//! Resource keys and where their bodies live in a snapshot directory.
//!
//! A resource key is the API path as requested, without host and without paging parameters:
//! `/repos/acme/app/branches/release%2F1.0/protection`, `/orgs/acme/members?filter=2fa_disabled`.
//! Its file is `<platform>/<segments>[@<query>].json` where every segment (percent-decoded) is
//! written with only the bytes `a-z 0-9 . _ -` kept as they are and everything else as `%XX`
//! (upper-case hex). So a branch name with `/` stays one file name, `Main` and `main` never
//! collide on a case-insensitive file system, and no segment can be `.`, `..` or empty: a
//! hostile `snapshot.json` cannot name a file outside its directory. The encoding is reversible
//! ([`key_of_file`]).

use std::fmt::Write as _;
use std::path::PathBuf;

/// Why a resource key or file name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("resource key {0:?} does not start with '/'")]
    NotAbsolute(String),
    #[error("resource key {0:?} has an empty, '.' or '..' segment")]
    BadSegment(String),
    #[error("resource key {0:?} has a malformed percent escape")]
    BadEscape(String),
    #[error("file name {0:?} is not an encoded resource")]
    NotEncoded(String),
}

fn keep_in_file(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
}

/// Characters a URL path segment carries unescaped (RFC 3986 unreserved).
fn keep_in_url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'~')
}

fn percent_decode(s: &str, key: &str) -> Result<Vec<u8>, PathError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| PathError::BadEscape(key.to_owned()))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(out)
}

fn escape(bytes: &[u8], keep: fn(u8) -> bool) -> String {
    let mut s = String::with_capacity(bytes.len());
    for &b in bytes {
        if keep(b) {
            s.push(b as char);
        } else {
            let _ = write!(s, "%{b:02X}");
        }
    }
    s
}

/// Split a key into its decoded path segments and its query (as written).
fn split(key: &str) -> Result<(Vec<Vec<u8>>, Option<&str>), PathError> {
    let rest = key
        .strip_prefix('/')
        .ok_or_else(|| PathError::NotAbsolute(key.to_owned()))?;
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let mut segments = Vec::new();
    for seg in path.split('/') {
        let raw = percent_decode(seg, key)?;
        if raw.is_empty() || raw == b"." || raw == b".." {
            return Err(PathError::BadSegment(key.to_owned()));
        }
        segments.push(raw);
    }
    Ok((segments, query.filter(|q| !q.is_empty())))
}

/// The canonical form of a key: segments escaped the way a URL needs (so `release/1.0` is
/// `release%2F1.0`, `%41` is `A`), the query's parameters sorted.
pub fn canonical_key(key: &str) -> Result<String, PathError> {
    let (segments, query) = split(key)?;
    let mut out = String::with_capacity(key.len());
    for s in &segments {
        out.push('/');
        out.push_str(&escape(s, keep_in_url));
    }
    if let Some(q) = query {
        let params = query_params(q, key)?;
        if !params.is_empty() {
            out.push('?');
            let written: Vec<String> = params
                .iter()
                .map(|(n, v)| {
                    format!(
                        "{}={}",
                        escape(n, keep_in_url_query),
                        escape(v, keep_in_url_query)
                    )
                })
                .collect();
            out.push_str(&written.join("&"));
        }
    }
    Ok(out)
}

/// Characters a query name or value carries unescaped.
fn keep_in_url_query(b: u8) -> bool {
    keep_in_url(b) || matches!(b, b':' | b',')
}

/// A decoded query parameter: name and value bytes.
type Param = (Vec<u8>, Vec<u8>);

/// A query's parameters, decoded and sorted.
fn query_params(q: &str, key: &str) -> Result<Vec<Param>, PathError> {
    let mut params = Vec::new();
    for p in q.split('&').filter(|p| !p.is_empty()) {
        let (n, v) = p.split_once('=').unwrap_or((p, ""));
        params.push((percent_decode(n, key)?, percent_decode(v, key)?));
    }
    params.sort();
    Ok(params)
}

/// The file a resource's body is stored in, relative to the snapshot directory.
pub fn file_of_key(platform_dir: &str, key: &str) -> Result<PathBuf, PathError> {
    let canonical = canonical_key(key)?;
    let (segments, query) = split(&canonical)?;
    let mut path = PathBuf::from(platform_dir);
    let last = segments.len() - 1;
    for (i, s) in segments.iter().enumerate() {
        let mut name = escape(s, keep_in_file);
        // `app.json` the segment must not be `app` the resource's file: escape that dot.
        if let Some(stem) = name.strip_suffix(".json") {
            name = format!("{stem}%2Ejson");
        }
        if i == last {
            if let Some(q) = query {
                name.push('@');
                let written: Vec<String> = query_params(q, key)?
                    .iter()
                    .map(|(n, v)| {
                        format!("{}={}", escape(n, keep_in_file), escape(v, keep_in_file))
                    })
                    .collect();
                name.push_str(&written.join("&"));
            }
            name.push_str(".json");
        }
        path.push(name);
    }
    Ok(path)
}

/// The key a file (relative to the platform folder, `/`-separated) stores; the inverse of
/// [`file_of_key`] for canonical keys.
pub fn key_of_file(rel: &str) -> Result<String, PathError> {
    let bad = || PathError::NotEncoded(rel.to_owned());
    let stem = rel.strip_suffix(".json").ok_or_else(bad)?;
    let (path, query) = match stem.rsplit_once('@') {
        Some((p, q)) if !p.contains('@') => (p, Some(q)),
        Some(_) => return Err(bad()),
        None => (stem, None),
    };
    let mut key = String::new();
    for seg in path.split('/') {
        if seg.is_empty()
            || !seg
                .bytes()
                .all(|b| keep_in_file(b) || b == b'%' || b.is_ascii_uppercase())
        {
            return Err(bad());
        }
        let raw = percent_decode(seg, rel)?;
        key.push('/');
        key.push_str(&escape(&raw, keep_in_url));
    }
    if let Some(q) = query {
        key.push('?');
        let mut first = true;
        for p in q.split('&') {
            let (n, v) = p.split_once('=').ok_or_else(bad)?;
            if !first {
                key.push('&');
            }
            first = false;
            let _ = write!(
                key,
                "{}={}",
                escape(&percent_decode(n, rel)?, keep_in_url_query),
                escape(&percent_decode(v, rel)?, keep_in_url_query)
            );
        }
    }
    canonical_key(&key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_with_slash_is_one_file_name() {
        let f = file_of_key(
            "github",
            "/repos/acme/app/branches/release%2F1.0/protection",
        )
        .unwrap();
        assert_eq!(
            f,
            PathBuf::from("github/repos/acme/app/branches/release%2F1.0/protection.json")
        );
    }

    #[test]
    fn case_is_encoded() {
        let f = file_of_key("github", "/repos/Acme/App").unwrap();
        assert_eq!(f, PathBuf::from("github/repos/%41cme/%41pp.json"));
        assert_ne!(f, file_of_key("github", "/repos/acme/app").unwrap());
    }

    #[test]
    fn query_variants_are_separate_files() {
        let a = file_of_key("github", "/orgs/acme/members?filter=2fa_disabled").unwrap();
        let b = file_of_key("github", "/orgs/acme/members").unwrap();
        assert_eq!(
            a,
            PathBuf::from("github/orgs/acme/members@filter=2fa_disabled.json")
        );
        assert_ne!(a, b);
        // Parameter order does not make another resource.
        assert_eq!(
            file_of_key("github", "/x?b=2&a=1").unwrap(),
            file_of_key("github", "/x?a=1&b=2").unwrap()
        );
    }

    #[test]
    fn hostile_keys_are_refused() {
        for k in [
            "/repos/../../etc/passwd",
            "/a/./b",
            "/a//b",
            "repos/a",
            "/a/%2E%2E/b",
            "/a/%zz",
        ] {
            assert!(file_of_key("github", k).is_err(), "{k} accepted");
        }
        // An encoded slash or dot-dot inside a segment stays inside the segment.
        let f = file_of_key("github", "/a/..%2F..%2Fetc").unwrap();
        assert_eq!(f, PathBuf::from("github/a/..%2F..%2Fetc.json"));
    }

    #[test]
    fn a_segment_named_like_a_file_does_not_collide() {
        let a = file_of_key("github", "/repos/acme/app").unwrap();
        let b = file_of_key("github", "/repos/acme/app.json/hooks").unwrap();
        assert_eq!(a, PathBuf::from("github/repos/acme/app.json"));
        assert_eq!(b, PathBuf::from("github/repos/acme/app%2Ejson/hooks.json"));
        let c = file_of_key("github", "/repos/acme/app.json").unwrap();
        assert_eq!(c, PathBuf::from("github/repos/acme/app%2Ejson.json"));
        assert_eq!(
            key_of_file("repos/acme/app%2Ejson.json").unwrap(),
            "/repos/acme/app.json"
        );
    }

    #[test]
    fn round_trip() {
        for k in [
            "/repos/acme/app",
            "/repos/Acme/My.App/branches/feature%2Fx%20y/protection",
            "/orgs/acme/members?filter=2fa_disabled",
            "/repos/acme/app/pulls?base=main&state=closed",
            "/projects/acme%2Fapp/protected_branches",
            "/orgs/acme/audit-log?phrase=created%3A2026-01-01..2026-03-31",
        ] {
            let canonical = canonical_key(k).unwrap();
            let file = file_of_key("github", k).unwrap();
            let rel = file
                .strip_prefix("github")
                .unwrap()
                .to_str()
                .unwrap()
                .replace('\\', "/");
            assert_eq!(key_of_file(&rel).unwrap(), canonical, "{k} via {rel}");
        }
    }
}
