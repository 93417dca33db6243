//! Sites, scalars and secret-name helpers shared by the Bitbucket Pipelines mapper.

use annexa_model::observation::{Via, ViaKind};
use annexa_model::pipeline::Site;
use annexa_model::{Route, Span};
use annexa_source::YamlFile;
use yaml_serde::Value;

/// Builds sites from routes. When a route runs through a YAML alias (`*name`) or a merge key
/// (`<<: *name`), the span layer stops at the alias: the site then points at the alias, where a
/// reader finds the element, and records the anchor it came through.
pub(crate) struct Sites<'a> {
    pub file: &'a YamlFile,
}

impl Sites<'_> {
    /// The site of the value at `route`.
    pub fn site(&self, route: Route) -> Site {
        let (span, via) = self.locate(&route, false);
        Site {
            route,
            span,
            via,
            ..Site::default()
        }
    }

    /// The site of the key at `route` (one line: good for jobs and steps).
    pub fn key_site(&self, route: Route) -> Site {
        let (span, via) = self.locate(&route, true);
        Site {
            route,
            span,
            via,
            ..Site::default()
        }
    }

    fn text(&self, s: Span) -> &str {
        self.file.text.get(s.start..s.end).unwrap_or("")
    }

    fn alias_via(&self, s: Span) -> Option<Via> {
        let t = self.text(s);
        let name = t.strip_prefix('*')?;
        let name = name
            .split(|c: char| c.is_whitespace())
            .next()
            .unwrap_or(name);
        Some(Via {
            kind: ViaKind::Anchor,
            path: name.to_owned(),
            span: Some(s),
        })
    }

    fn locate(&self, route: &Route, key: bool) -> (Option<Span>, Vec<Via>) {
        if let Some(value) = self.file.span(route) {
            // The route ends at an alias: the element is written at its anchor.
            let via: Vec<Via> = self.alias_via(value).into_iter().collect();
            let span = if key {
                self.file.key_span(route)
            } else {
                Some(value)
            };
            return (span, via);
        }
        // Walk up to the deepest element the span layer knows, and see whether the rest of the
        // route went through an alias or a merge key.
        let mut up = route.clone();
        while up.0.pop().is_some() {
            let Some(s) = self.file.span(&up) else {
                continue;
            };
            if let Some(v) = self.alias_via(s) {
                return (Some(s), vec![v]);
            }
            let merge = up.key("<<");
            if let Some(m) = self.file.span(&merge) {
                let via = self.alias_via(m).unwrap_or(Via {
                    kind: ViaKind::Anchor,
                    path: self.text(m).to_owned(),
                    span: Some(m),
                });
                return (Some(m), vec![via]);
            }
            return (None, Vec::new());
        }
        (None, Vec::new())
    }
}

/// A scalar as text (strings, numbers, booleans); `None` for collections and null.
pub(crate) fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Tagged(t) => scalar(&t.value),
        _ => None,
    }
}

/// The string field `k` of a mapping value.
pub(crate) fn field<'v>(v: &'v Value, k: &str) -> Option<&'v str> {
    v.get(k).and_then(Value::as_str)
}

/// Whether an environment variable name says it holds a credential. Bitbucket repository and
/// deployment variables are referenced by name in scripts (`$NPM_TOKEN`); the names are all the
/// file shows of them.
pub(crate) fn secret_like(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    if n.starts_with("CIRCLE_") || n.starts_with("BITBUCKET_") {
        return false;
    }
    [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "ACCESS_KEY",
        "CREDENTIAL",
        "AUTH_KEY",
    ]
    .iter()
    .any(|p| n.contains(p))
        && !n.ends_with("_FILE")
        && !n.ends_with("_PATH")
        && !n.ends_with("_NAME")
}

/// Environment variable names referenced in `text` (`$NAME`, `${NAME}`) that look like
/// credentials, in order of first use.
pub(crate) fn secret_vars(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let mut j = i + 1;
            let braced = bytes.get(j) == Some(&b'{');
            if braced {
                j += 1;
            }
            let start = j;
            while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                j += 1;
            }
            if j > start && !bytes[start].is_ascii_digit() {
                let name = &text[start..j];
                if secret_like(name) && !out.iter().any(|n| n == name) {
                    out.push(name.to_owned());
                }
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        assert_eq!(
            secret_vars(
                "npm publish --token $NPM_TOKEN ${AWS_SECRET_ACCESS_KEY} $HOME $CIRCLE_TOKEN"
            ),
            vec!["NPM_TOKEN", "AWS_SECRET_ACCESS_KEY"]
        );
        assert!(!secret_like("TOKEN_FILE"));
    }
}
