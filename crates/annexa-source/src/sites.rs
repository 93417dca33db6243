//! Sites for mappers of YAML pipelines whose elements may come through YAML anchors, and a
//! scalar helper: shared by the CircleCI and Bitbucket mappers.

use annexa_model::observation::{Via, ViaKind};
use annexa_model::pipeline::Site;
use annexa_model::{Route, Span};
use yaml_serde::Value;

use crate::YamlFile;

/// Builds sites from routes. When a route runs through a YAML alias (`*name`) or a merge key
/// (`<<: *name`), the span layer stops at the alias: the site then points at the alias, where a
/// reader finds the element, and records the anchor it came through.
pub struct Sites<'a> {
    pub file: &'a YamlFile,
    /// The file's repository-relative path, for the `Via` of an anchor.
    pub path: &'a str,
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
        // The anchor's name is in the text at `span`; `path` names the file.
        let _ = name;
        Some(Via {
            kind: ViaKind::Anchor,
            path: self.path.to_owned(),
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
                    path: self.path.to_owned(),
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
pub fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Tagged(t) => scalar(&t.value),
        _ => None,
    }
}
