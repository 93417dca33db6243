//! Values with where they are written: a YAML subtree, the file (pipeline or template
//! instance) it comes from, and its route there. Template parameters are substituted by
//! swapping in the caller's node, so an element passed into a template keeps the caller's site.

use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use annexa_model::Route;
use annexa_model::observation::Via;
use annexa_model::pipeline::Site;
use annexa_source::YamlFile;
use yaml_serde::Value;

/// The file a node's spans point into.
pub(crate) enum FileRef<'a> {
    Root(&'a YamlFile),
    Other(Arc<YamlFile>),
}

impl FileRef<'_> {
    pub fn get(&self) -> &YamlFile {
        match self {
            FileRef::Root(f) => f,
            FileRef::Other(f) => f,
        }
    }
}

/// One file as instantiated: the pipeline file itself, or a template with its parameters.
pub(crate) struct Origin<'a> {
    pub file: FileRef<'a>,
    pub path: Arc<str>,
    /// Whether this is the pipeline's own file (sites carry no `file`).
    pub own: bool,
    /// How the template was reached, outermost first.
    pub via: Vec<Via>,
    /// Template parameters: the caller's value, or the template's default. Empty for the
    /// pipeline file, whose `${{ parameters.x }}` are chosen when a run is queued and stay as
    /// written.
    pub params: BTreeMap<String, Node<'a>>,
    /// Template files on the way here, for cycle detection.
    pub chain: Vec<Arc<str>>,
}

#[derive(Clone)]
pub(crate) struct Node<'a> {
    pub v: Value,
    pub o: Rc<Origin<'a>>,
    pub r: Route,
}

/// `x` when `s` is exactly `${{ parameters.x }}` (or `${{ parameters['x'] }}`).
pub(crate) fn param_ref(s: &str) -> Option<&str> {
    let inner = s
        .trim()
        .strip_prefix("${{")?
        .strip_suffix("}}")?
        .trim()
        .strip_prefix("parameters")?;
    let name = if let Some(n) = inner.strip_prefix('.') {
        n
    } else {
        inner.strip_prefix("['")?.strip_suffix("']")?
    };
    (!name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    .then_some(name)
}

/// Whether a mapping key is a template expression (`${{ if ... }}`, `${{ each ... }}`).
pub(crate) fn is_expr_key(k: &str) -> bool {
    k.trim_start().starts_with("${{")
}

pub(crate) use annexa_source::scalar as scalar_text;

impl<'a> Node<'a> {
    pub fn new(v: Value, o: Rc<Origin<'a>>, r: Route) -> Node<'a> {
        Node { v, o, r }.resolved()
    }

    /// Follow `${{ parameters.x }}` to the value passed in (bounded: parameters may forward
    /// parameters).
    pub fn resolved(mut self) -> Node<'a> {
        for _ in 0..16 {
            let Some(p) = self
                .v
                .as_str()
                .and_then(param_ref)
                .and_then(|name| self.o.params.get(name))
            else {
                break;
            };
            self = p.clone();
        }
        self
    }

    pub fn site(&self) -> Site {
        Site {
            span: self.o.file.get().span(&self.r),
            route: self.r.clone(),
            via: self.o.via.clone(),
            file: (!self.o.own).then(|| self.o.path.clone()),
        }
    }

    /// One line for a list entry or a key (`- job: build`).
    pub fn key_site(&self) -> Site {
        Site {
            span: self.o.file.get().key_span(&self.r),
            ..self.site()
        }
    }

    pub fn text(&self) -> Option<String> {
        scalar_text(&self.v)
    }

    pub fn str(&self) -> Option<&str> {
        self.v.as_str()
    }

    /// Where the element is, for notes.
    pub fn at(&self) -> String {
        if self.o.own {
            self.r.to_string()
        } else {
            format!("{} {}", self.o.path, self.r)
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.v, Value::Null)
    }

    /// The mapping entries, with `${{ if }}` / `${{ each }}` keys opened: their contents are
    /// taken as if every branch applied (`conditional` lists the expression keys seen). Keys
    /// that are not strings are skipped.
    pub fn entries(&self, conditional: &mut Vec<String>) -> Vec<(String, Node<'a>)> {
        let mut out = Vec::new();
        self.entries_into(&mut out, conditional, 0);
        out
    }

    fn entries_into(
        &self,
        out: &mut Vec<(String, Node<'a>)>,
        conditional: &mut Vec<String>,
        depth: usize,
    ) {
        let Value::Mapping(m) = &self.v else { return };
        for (k, x) in m {
            let Some(k) = k.as_str() else { continue };
            let child = Node::new(x.clone(), self.o.clone(), self.r.key(k));
            if is_expr_key(k) && depth < 8 {
                conditional.push(format!("{}: `{}`", self.at(), k.trim()));
                child.entries_into(out, conditional, depth + 1);
            } else {
                out.push((k.to_owned(), child));
            }
        }
    }

    /// Whether the mapping has `${{ }}` keys.
    pub fn has_expr_keys(&self) -> bool {
        matches!(&self.v, Value::Mapping(m) if m.keys().any(|k| k.as_str().is_some_and(is_expr_key)))
    }

    /// The value of `key` (the first one, conditional branches included).
    pub fn get(&self, key: &str) -> Option<Node<'a>> {
        let Value::Mapping(m) = &self.v else {
            return None;
        };
        if let Some(x) = m.get(key) {
            return Some(Node::new(x.clone(), self.o.clone(), self.r.key(key)));
        }
        // Only mappings with `${{ }}` keys can hold the key in a branch; the others are not
        // copied again.
        if !m.keys().any(|k| k.as_str().is_some_and(is_expr_key)) {
            return None;
        }
        let mut ignored = Vec::new();
        self.entries(&mut ignored)
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, n)| n)
    }

    /// A key's scalar value as text.
    pub fn get_text(&self, key: &str) -> Option<String> {
        self.get(key).and_then(|n| n.text())
    }

    /// Sequence entries (each resolved), or nothing.
    pub fn items(&self) -> Vec<Node<'a>> {
        match &self.v {
            Value::Sequence(s) => s
                .iter()
                .enumerate()
                .map(|(i, x)| Node::new(x.clone(), self.o.clone(), self.r.index(i)))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// This node's route with its last index replaced by a named segment.
    pub fn renamed(&self, field: &str, value: &str) -> Node<'a> {
        let mut r = self.r.clone();
        if let Some(annexa_model::RouteSeg::Index(i)) = r.0.last().cloned() {
            r.0.pop();
            r = r.named(i, field, value);
        }
        Node {
            v: self.v.clone(),
            o: self.o.clone(),
            r,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn parameter_refs() {
        assert_eq!(super::param_ref("${{ parameters.steps }}"), Some("steps"));
        assert_eq!(super::param_ref(" ${{parameters['a-b']}} "), Some("a-b"));
        assert_eq!(super::param_ref("${{ parameters.a }}-x"), None);
        assert_eq!(super::param_ref("${{ variables.a }}"), None);
    }
}
