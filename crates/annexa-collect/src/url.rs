//! Just enough URL handling for an API base URL and the links an API answers with: no general
//! URL parser, because the collector only ever needs to (a) know the base URL's origin, (b)
//! decide whether a link stays under the base URL (the token must never be sent anywhere else)
//! and (c) replace one query parameter.

/// A validated API base URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Base {
    /// `scheme://host[:port][/path]`, without a trailing slash.
    pub url: String,
    /// `scheme://host[:port]`.
    pub origin: String,
    /// `host[:port]`, lower-case.
    pub authority: String,
    /// The host without port (and without brackets for IPv6).
    pub host: String,
    /// Whether the host is a loopback address (then no proxy is used and plain http is allowed).
    pub loopback: bool,
}

impl Base {
    /// Parse and check an API base URL such as `https://api.github.com` or
    /// `https://gitlab.example/api/v4`.
    pub(crate) fn parse(api_url: &str) -> Result<Base, String> {
        let trimmed = api_url.trim().trim_end_matches('/');
        let (scheme, rest) = trimmed
            .split_once("://")
            .ok_or_else(|| format!("API URL {api_url:?} has no scheme (expected https://...)"))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "https" && scheme != "http" {
            return Err(format!(
                "API URL {api_url:?}: scheme {scheme:?} is not http or https"
            ));
        }
        if rest.contains(['?', '#']) {
            return Err(format!(
                "API URL {api_url:?} has a query or fragment; give only the base URL"
            ));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.is_empty() {
            return Err(format!("API URL {api_url:?} has no host"));
        }
        // Credentials in the URL would end up in the manifest's base_url.
        if authority.contains('@') {
            return Err(
                "API URL has user information before the host; pass the token in the environment instead"
                    .to_owned(),
            );
        }
        let authority = authority.to_ascii_lowercase();
        let host = if let Some(v6) = authority.strip_prefix('[') {
            v6.split(']').next().unwrap_or_default().to_owned()
        } else {
            authority
                .rsplit_once(':')
                .map_or(authority.as_str(), |(h, _)| h)
                .to_owned()
        };
        let loopback = host == "localhost"
            || host == "::1"
            || host
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_loopback());
        // The token travels in a header: never in clear text over a network.
        if scheme == "http" && !loopback {
            return Err(format!(
                "API URL {api_url:?} is plain http; the token would cross the network unencrypted (http is only accepted for loopback addresses)"
            ));
        }
        let origin = format!("{scheme}://{authority}");
        Ok(Base {
            url: format!("{origin}{path}"),
            origin,
            authority,
            host,
            loopback,
        })
    }

    /// The URL of a resource key (an API path relative to the base URL).
    pub(crate) fn join(&self, key: &str) -> String {
        format!("{}{key}", self.url)
    }

    /// Whether `url` is under this base URL (same scheme, host, port and path prefix).
    pub(crate) fn contains(&self, url: &str) -> bool {
        url.get(..self.url.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(&self.url))
            && matches!(url.as_bytes().get(self.url.len()), Some(b'/' | b'?'))
    }

    /// Resolve a `Location` header (absolute, or absolute-path relative to the origin).
    pub(crate) fn resolve(&self, location: &str) -> String {
        if location.starts_with('/') && !location.starts_with("//") {
            format!("{}{location}", self.origin)
        } else {
            location.to_owned()
        }
    }

    /// The part of a URL after the origin, for log lines and error messages.
    pub(crate) fn path_of<'u>(&self, url: &'u str) -> &'u str {
        match url.get(..self.origin.len()) {
            Some(head) if head.eq_ignore_ascii_case(&self.origin) => &url[self.origin.len()..],
            _ => url,
        }
    }
}

/// The web host for an API base URL: `api.github.com` → `github.com`; otherwise the API's own
/// host (with its port, when one is given): `https://ghe.example/api/v3` → `ghe.example`,
/// `https://gitlab.example/api/v4` → `gitlab.example`.
pub fn web_host(api_url: &str) -> Result<String, String> {
    let base = Base::parse(api_url)?;
    if base.authority == "api.github.com" {
        return Ok("github.com".to_owned());
    }
    Ok(base.authority)
}

/// The `rel="next"` target of `Link` header values, if any.
pub(crate) fn next_link<'h>(values: impl IntoIterator<Item = &'h str>) -> Option<String> {
    for value in values {
        let mut rest = value;
        while let Some(open) = rest.find('<') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('>') else {
                break;
            };
            let target = &after[..close];
            let params_and_more = &after[close + 1..];
            let params = match params_and_more.find('<') {
                Some(next) => &params_and_more[..next],
                None => params_and_more,
            };
            if params.split(';').any(|p| {
                let p = p.trim().trim_end_matches(',').trim();
                p.strip_prefix("rel=").is_some_and(|rel| {
                    rel.trim_matches('"')
                        .split_ascii_whitespace()
                        .any(|r| r.eq_ignore_ascii_case("next"))
                })
            }) {
                return Some(target.trim().to_owned());
            }
            rest = params_and_more;
        }
    }
    None
}

/// `url` with query parameter `name` set to `value` (replaced when present, appended if not).
pub(crate) fn with_param(url: &str, name: &str, value: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let mut params: Vec<String> = query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| p.split('=').next() != Some(name))
        .map(str::to_owned)
        .collect();
    params.push(format!("{name}={value}"));
    format!("{head}?{}", params.join("&"))
}

/// `url` with extra query parameters appended.
pub(crate) fn with_params(url: &str, params: &[(&str, &str)]) -> String {
    let mut out = url.to_owned();
    for (name, value) in params {
        out.push(if out.contains('?') { '&' } else { '?' });
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked() {
        let b = Base::parse("https://API.GitHub.com/").unwrap();
        assert_eq!(b.url, "https://api.github.com");
        assert_eq!(b.origin, "https://api.github.com");
        assert!(!b.loopback);
        let b = Base::parse("https://ghe.example/api/v3").unwrap();
        assert_eq!(b.url, "https://ghe.example/api/v3");
        assert_eq!(b.origin, "https://ghe.example");
        let b = Base::parse("http://127.0.0.1:8080/api/v4").unwrap();
        assert!(b.loopback);
        assert_eq!(b.host, "127.0.0.1");
        assert!(Base::parse("http://[::1]:9/").unwrap().loopback);
        for bad in [
            "api.github.com",
            "ftp://x",
            "http://gitlab.example/api/v4",
            "https://user:pw@ghe.example",
            "https://x/?a=1",
            "https:///path",
        ] {
            assert!(Base::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn web_hosts() {
        assert_eq!(web_host("https://api.github.com").unwrap(), "github.com");
        assert_eq!(
            web_host("https://ghe.example/api/v3").unwrap(),
            "ghe.example"
        );
        assert_eq!(web_host("https://gitlab.com/api/v4").unwrap(), "gitlab.com");
        assert_eq!(
            web_host("https://gitlab.example:8443/api/v4").unwrap(),
            "gitlab.example:8443"
        );
    }

    #[test]
    fn containment_and_resolution() {
        let b = Base::parse("https://ghe.example/api/v3").unwrap();
        assert!(b.contains("https://ghe.example/api/v3/orgs/a?page=2"));
        assert!(!b.contains("https://ghe.example/api/v3x/orgs"));
        assert!(!b.contains("https://ghe.example.evil/api/v3/orgs"));
        assert!(!b.contains("https://ghe.example/api/v"));
        assert!(!b.contains("http://ghe.example/api/v3/orgs"));
        assert_eq!(
            b.resolve("/api/v3/repositories/1"),
            "https://ghe.example/api/v3/repositories/1"
        );
        assert_eq!(b.resolve("//evil.example/x"), "//evil.example/x");
        assert_eq!(
            b.path_of("https://ghe.example/api/v3/orgs/a"),
            "/api/v3/orgs/a"
        );
    }

    #[test]
    fn link_headers() {
        let h = r#"<https://api.github.com/orgs/a/members?page=2&per_page=100>; rel="next", <https://api.github.com/orgs/a/members?page=5&per_page=100>; rel="last""#;
        assert_eq!(
            next_link([h]).as_deref(),
            Some("https://api.github.com/orgs/a/members?page=2&per_page=100")
        );
        let last_first = r#"<https://x/a?page=1>; rel="first", <https://x/a?page=3>; rel="next""#;
        assert_eq!(
            next_link([last_first]).as_deref(),
            Some("https://x/a?page=3")
        );
        assert_eq!(next_link([r#"<https://x/a?page=1>; rel="prev""#]), None);
        assert_eq!(
            next_link(["<https://x/a?after=Y2,9>; rel=next"]).as_deref(),
            Some("https://x/a?after=Y2,9")
        );
        assert_eq!(
            next_link(["garbage", "<https://x/b>; rel=\"next\""]).as_deref(),
            Some("https://x/b")
        );
        assert_eq!(next_link(["<unterminated; rel=next"]), None);
    }

    #[test]
    fn query_parameters() {
        assert_eq!(
            with_param("https://x/a?per_page=100&page=2", "page", "3"),
            "https://x/a?per_page=100&page=3"
        );
        assert_eq!(with_param("https://x/a", "page", "2"), "https://x/a?page=2");
        assert_eq!(
            with_params("https://x/a?b=1", &[("per_page", "100")]),
            "https://x/a?b=1&per_page=100"
        );
        assert_eq!(
            with_params("https://x/a", &[("per_page", "100"), ("c", "d")]),
            "https://x/a?per_page=100&c=d"
        );
    }
}
