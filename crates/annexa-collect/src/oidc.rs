//! The CI job's identity from its OpenID Connect token: the claims the CI system signed (which
//! repository, workflow, run, commit, ref, environment, actor), for the evidence ledger. The
//! token itself is never kept: only its claims are returned.
//!
//! GitHub Actions: a job with `permissions: id-token: write` has
//! `ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN`; a GET of the URL with
//! `&audience=annexa` and the request token as bearer answers `{"value": "<JWT>"}`.
//! GitLab CI: a job declaring `id_tokens: { ANNEXA_ID_TOKEN: { aud: annexa } }` has the JWT in
//! `ANNEXA_ID_TOKEN`.
//!
//! The claims are decoded, not verified: annexa records what the token said at recording time,
//! labelled as such, together with its issuer and key id so a reader can tell where it came from.

use std::time::Duration;

/// The audience annexa asks for.
pub const AUDIENCE: &str = "annexa";

/// Claims worth recording (everything else in a token is left out).
const KEEP: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "iat",
    "exp",
    "jti",
    "repository",
    "repository_id",
    "repository_owner",
    "repository_visibility",
    "workflow",
    "workflow_ref",
    "workflow_sha",
    "job_workflow_ref",
    "run_id",
    "run_number",
    "run_attempt",
    "sha",
    "ref",
    "ref_type",
    "ref_protected",
    "environment",
    "environment_protected",
    "event_name",
    "actor",
    "actor_id",
    "runner_environment",
    "project_path",
    "project_id",
    "namespace_path",
    "pipeline_id",
    "pipeline_source",
    "job_id",
    "user_login",
    "deployment_tier",
    "runner_id",
];

/// Why the claims could not be had.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the OIDC token request failed: {0}")]
    Request(String),
    #[error("the OIDC token is malformed: {0}")]
    Malformed(String),
}

/// Decode a JWT's header key id and payload claims (no signature check), keeping [`KEEP`].
pub fn claims_of(jwt: &str) -> Result<Vec<(String, String)>, OidcError> {
    let mut parts = jwt.trim().split('.');
    let (Some(header), Some(payload), Some(_sig)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(OidcError::Malformed("not three dot-separated parts".into()));
    };
    let decode = |part: &str, what: &str| -> Result<serde_json::Value, OidcError> {
        let bytes = base64url(part)
            .ok_or_else(|| OidcError::Malformed(format!("the {what} is not base64url")))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| OidcError::Malformed(format!("the {what} is not JSON: {e}")))
    };
    let h = decode(header, "header")?;
    let p = decode(payload, "payload")?;
    let mut out: Vec<(String, String)> = Vec::new();
    if let Some(kid) = h.get("kid").and_then(|v| v.as_str()) {
        out.push(("oidc.kid".into(), kid.into()));
    }
    if let Some(alg) = h.get("alg").and_then(|v| v.as_str()) {
        out.push(("oidc.alg".into(), alg.into()));
    }
    for k in KEEP {
        let Some(v) = p.get(*k) else { continue };
        let text = match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => continue,
            other => other.to_string(),
        };
        out.push((format!("oidc.{k}"), text));
    }
    out.push((
        "oidc.verified".into(),
        "no: decoded when recorded; the token itself is not kept".into(),
    ));
    Ok(out)
}

/// RFC 4648 base64url without padding (padding accepted).
fn base64url(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        } as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// RFC 4648 base64url without padding: for tests that build tokens (annexa never makes one).
#[doc(hidden)]
pub fn base64url_encode(s: &str) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in s.as_bytes().chunks(3) {
        let n = chunk.iter().fold(0u32, |a, &x| (a << 8) | x as u32) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Ask GitHub Actions for an OIDC token for `audience` and return its claims. `None` when the
/// job cannot request one (no `id-token: write`).
pub fn github_actions(timeout: Duration) -> Option<Result<Vec<(String, String)>, OidcError>> {
    let url = std::env::var("ACTIONS_ID_TOKEN_REQUEST_URL").ok()?;
    let token = std::env::var("ACTIONS_ID_TOKEN_REQUEST_TOKEN").ok()?;
    Some(request(&url, &token, timeout).and_then(|jwt| claims_of(&jwt)))
}

/// GitLab CI: the claims of the ID token in `ANNEXA_ID_TOKEN`, when the job declares one.
pub fn gitlab_ci() -> Option<Result<Vec<(String, String)>, OidcError>> {
    let jwt = std::env::var("ANNEXA_ID_TOKEN").ok()?;
    Some(claims_of(&jwt))
}

fn request(url: &str, bearer: &str, timeout: Duration) -> Result<String, OidcError> {
    let host = url
        .strip_prefix("http://")
        .map(|r| r.split(['/', '?']).next().unwrap_or(""))
        .map(|a| a.rsplit_once(':').map_or(a, |(h, _)| h));
    let loopback = host.is_some_and(|h| {
        h == "localhost"
            || h.trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    });
    if !url.starts_with("https://") && !loopback {
        return Err(OidcError::Request(
            "the token URL is not https (plain http is accepted for loopback only)".into(),
        ));
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    let full = format!("{url}{sep}audience={AUDIENCE}");
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(timeout))
        .user_agent(format!("annexa/{}", env!("CARGO_PKG_VERSION")));
    if loopback {
        config = config.proxy(None);
    }
    let agent: ureq::Agent = config.build().into();
    let mut resp = agent
        .get(&full)
        .header("Authorization", format!("Bearer {bearer}"))
        .header("Accept", "application/json")
        .call()
        // The error text of the HTTP library names the URL, never the bearer.
        .map_err(|e| OidcError::Request(e.to_string()))?;
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .with_config()
        .limit(1 << 20)
        .read_to_string()
        .map_err(|e| OidcError::Request(e.to_string()))?;
    if status != 200 {
        return Err(OidcError::Request(format!("HTTP {status}")));
    }
    let v: serde_json::Value =
        serde_json::from_str(&body).map_err(|e| OidcError::Malformed(e.to_string()))?;
    v.get("value")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .ok_or_else(|| OidcError::Malformed("the answer has no `value`".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64url_encode(s)
    }

    #[test]
    fn claims_are_decoded_and_filtered() {
        let jwt = format!(
            "{}.{}.c2ln",
            b64(r#"{"alg":"RS256","kid":"k1"}"#),
            b64(
                r#"{"iss":"https://token.actions.githubusercontent.com","repository":"acme/app","run_id":"42","secret_stuff":"x","exp":1}"#
            )
        );
        let c = claims_of(&jwt).unwrap();
        assert!(c.contains(&("oidc.repository".into(), "acme/app".into())));
        assert!(c.contains(&("oidc.kid".into(), "k1".into())));
        assert!(c.contains(&("oidc.exp".into(), "1".into())));
        assert!(!c.iter().any(|(k, _)| k.contains("secret_stuff")));
        assert!(claims_of("a.b").is_err());
        assert!(claims_of("!!.!!.!!").is_err());
    }
}
