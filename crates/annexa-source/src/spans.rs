//! One pass of a streaming YAML parser (saphyr-parser) builds both the value tree the typed
//! models deserialise from (`yaml_serde::Value`) and a tree of byte spans for every node.
//!
//! Scalars are resolved as `yaml_serde` resolves them (YAML 1.2 core schema: null, booleans,
//! decimal / hex / octal / binary integers, floats, otherwise strings; only plain scalars are
//! resolved). Aliases are expanded with a budget, so an alias bomb is refused, not expanded.
//! In the span tree an alias is a leaf: routes through it stop at the alias, which is where a
//! reader looks.

use std::collections::HashMap;

use annexa_model::{Route, RouteSeg, Span};
use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use yaml_serde::value::{Tag as YamlTag, TaggedValue};
use yaml_serde::{Mapping, Number, Value};

/// Why a document could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    Syntax(String),
    AliasBudget(usize),
    DuplicateKey(String, Span),
    MultipleDocuments,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Syntax(e) => f.write_str(e),
            LoadError::AliasBudget(n) => write!(
                f,
                "aliases expand to more than {n} nodes (an alias bomb?); refused"
            ),
            LoadError::DuplicateKey(k, _) => write!(f, "duplicate mapping key `{k}`"),
            LoadError::MultipleDocuments => f.write_str("more than one YAML document in the file"),
        }
    }
}

#[derive(Debug)]
struct Node {
    span: Span,
    key_span: Option<Span>,
    /// The entry's key when the parent is a mapping with a string key.
    key: Option<Box<str>>,
    /// Range in `SpanTree::children`.
    children: (u32, u32),
}

/// Spans of every node of one YAML document.
#[derive(Debug)]
pub struct SpanTree {
    nodes: Vec<Node>,
    children: Vec<u32>,
}

/// Converts the parser's character offsets into byte offsets.
struct Offsets<'a> {
    text: &'a str,
    ascii: bool,
    /// For non-ASCII text: byte offset of every char index (plus one past the end).
    table: Vec<u32>,
}

impl<'a> Offsets<'a> {
    fn new(text: &'a str) -> Offsets<'a> {
        let ascii = text.is_ascii();
        let table = if ascii {
            Vec::new()
        } else {
            text.char_indices()
                .map(|(b, _)| b as u32)
                .chain(std::iter::once(text.len() as u32))
                .collect()
        };
        Offsets { text, ascii, table }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.ascii {
            char_index.min(self.text.len())
        } else {
            self.table
                .get(char_index)
                .map_or(self.text.len(), |&b| b as usize)
        }
    }

    fn span(&self, s: saphyr_parser::Span) -> Span {
        let start = self.byte(s.start.index());
        let end = self.byte(s.end.index()).max(start);
        Span { start, end }
    }

    /// Trim what collections' end markers include beyond the collection: for flow collections
    /// everything after the matching bracket, for block collections trailing blank and
    /// comment lines.
    fn trim(&self, mut s: Span) -> Span {
        let bytes = self.text.as_bytes();
        if matches!(bytes.get(s.start), Some(b'[' | b'{')) {
            let (mut depth, mut quote) = (0usize, None::<u8>);
            for (i, &b) in bytes[s.start..s.end].iter().enumerate() {
                match (quote, b) {
                    (Some(q), _) if b == q => quote = None,
                    (Some(_), _) => {}
                    (None, b'\'' | b'"') => quote = Some(b),
                    (None, b'[' | b'{') => depth += 1,
                    (None, b']' | b'}') => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return Span {
                                start: s.start,
                                end: s.start + i + 1,
                            };
                        }
                    }
                    _ => {}
                }
            }
        }
        loop {
            while s.end > s.start && bytes[s.end - 1].is_ascii_whitespace() {
                s.end -= 1;
            }
            let line_start = self.text[s.start..s.end]
                .rfind('\n')
                .map_or(s.start, |n| s.start + n + 1);
            if line_start > s.start && self.text[line_start..s.end].trim_start().starts_with('#') {
                s.end = line_start;
                continue;
            }
            return s;
        }
    }
}

/// A collection being built.
struct Frame {
    node: u32,
    anchor: usize,
    tag: Option<String>,
    /// Span-tree children (node indices).
    kids: Vec<u32>,
    /// Nodes in the value built so far, aliases expanded.
    size: usize,
    body: Body,
}

enum Body {
    Map {
        map: Mapping,
        key: Option<(Value, Option<Box<str>>, Span)>,
    },
    Seq(Vec<Value>),
}

struct Loader<'t> {
    offsets: Offsets<'t>,
    tree: SpanTree,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Value, usize)>,
    budget: usize,
    expanded: usize,
    root: Option<Value>,
}

/// Load one YAML document: its value and its span tree.
pub fn load(text: &str) -> Result<(Value, SpanTree), LoadError> {
    let mut l = Loader {
        offsets: Offsets::new(text),
        tree: SpanTree {
            nodes: Vec::new(),
            children: Vec::new(),
        },
        stack: Vec::new(),
        anchors: HashMap::new(),
        // Generous for real files (a few anchors reused a few times), fatal for a bomb.
        budget: 100_000 + 20 * text.len() / 8,
        expanded: 0,
        root: None,
    };
    let mut parser = Parser::new_from_str(text);
    let mut documents = 0;
    while let Some(item) = parser.next_event() {
        let (event, span) = item.map_err(|e| LoadError::Syntax(e.to_string()))?;
        let span = l.offsets.span(span);
        let is_map = matches!(event, Event::MappingStart(..));
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(LoadError::MultipleDocuments);
                }
            }
            Event::Scalar(mut value, style, anchor, tag) => {
                if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
                    && clip_at_eof(text, span)
                    && value.ends_with('\n')
                {
                    // A clipped block scalar that ends the file without a final line break has
                    // no trailing newline (libyaml, and so GitHub, read it that way).
                    value.to_mut().pop();
                }
                let v = resolve(&value, style, tag.as_deref());
                // Weigh a scalar by its length as well, so one long anchored string repeated by
                // many aliases exhausts the budget too.
                let size = 1 + value.len() / 64;
                if anchor != 0 {
                    l.anchors.insert(anchor, (v.clone(), size));
                }
                let key_text = v.as_str().map(Box::from);
                l.add(v, key_text, span, size)?;
            }
            Event::Alias(id) => {
                let size = l.anchors.get(&id).map_or(1, |a| a.1);
                // Check before cloning: the clone is what a bomb would blow up.
                l.expanded = l.expanded.saturating_add(size);
                if l.expanded > l.budget {
                    return Err(LoadError::AliasBudget(l.budget));
                }
                let v = l.anchors.get(&id).map_or(Value::Null, |a| a.0.clone());
                l.add(v, None, span, size)?;
            }
            Event::MappingStart(anchor, tag) | Event::SequenceStart(anchor, tag) => {
                let body = if is_map {
                    Body::Map {
                        map: Mapping::new(),
                        key: None,
                    }
                } else {
                    Body::Seq(Vec::new())
                };
                let node = l.tree.nodes.len() as u32;
                l.tree.nodes.push(Node {
                    span,
                    key_span: None,
                    key: None,
                    children: (0, 0),
                });
                l.stack.push(Frame {
                    node,
                    anchor,
                    tag: custom_tag(tag.as_deref()),
                    kids: Vec::new(),
                    size: 1,
                    body,
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let Some(frame) = l.stack.pop() else { break };
                let start = l.tree.children.len() as u32;
                l.tree.children.extend(&frame.kids);
                let end = l.tree.children.len() as u32;
                let n = &mut l.tree.nodes[frame.node as usize];
                n.children = (start, end);
                n.span = l.offsets.trim(Span {
                    start: n.span.start,
                    end: span.end.max(n.span.start),
                });
                let node_span = n.span;
                let size = frame.size;
                let mut v = match frame.body {
                    Body::Map { map, .. } => Value::Mapping(map),
                    Body::Seq(seq) => Value::Sequence(seq),
                };
                if let Some(t) = frame.tag {
                    v = Value::Tagged(Box::new(TaggedValue {
                        tag: YamlTag::new(t),
                        value: v,
                    }));
                }
                if frame.anchor != 0 {
                    l.anchors.insert(frame.anchor, (v.clone(), size));
                }
                l.attach(v, node_span, frame.node, size)?;
            }
            _ => {}
        }
    }
    Ok((l.root.unwrap_or(Value::Null), l.tree))
}

impl Loader<'_> {
    /// A scalar or alias: a new leaf node, then attached to its parent.
    fn add(
        &mut self,
        v: Value,
        key_text: Option<Box<str>>,
        span: Span,
        size: usize,
    ) -> Result<(), LoadError> {
        // A scalar in key position becomes the pending key, not a node.
        if let Some(Frame {
            body: Body::Map { key, .. },
            size: frame_size,
            ..
        }) = self.stack.last_mut()
            && key.is_none()
        {
            *frame_size = frame_size.saturating_add(size);
            *key = Some((v, key_text, span));
            return Ok(());
        }
        let node = self.tree.nodes.len() as u32;
        self.tree.nodes.push(Node {
            span,
            key_span: None,
            key: None,
            children: (0, 0),
        });
        self.attach(v, span, node, size)
    }

    /// Attach a finished value (and its span node) to the collection on top of the stack.
    fn attach(&mut self, v: Value, span: Span, node: u32, size: usize) -> Result<(), LoadError> {
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(v);
            return Ok(());
        };
        frame.size = frame.size.saturating_add(size);
        match &mut frame.body {
            Body::Seq(seq) => {
                seq.push(v);
                frame.kids.push(node);
            }
            Body::Map { map, key } => match key.take() {
                None => {
                    // A collection in key position (rare): use it as the key; no span entry.
                    *key = Some((v, None, span));
                }
                Some((k, text, key_span)) => {
                    if k.as_str() == Some("<<")
                        && let Some(prev) = map.get_mut(&k)
                    {
                        // Repeated merge keys (`<<: *a` then `<<: *b`) are rejected by the
                        // YAML spec's uniqueness rule but accepted by libyaml-based tools and
                        // common in CircleCI files. As there, the later key wins: merge them
                        // as `<<: [*b, *a]` (in a merge list the first mapping wins).
                        let earlier = std::mem::take(prev);
                        let mut list = match v {
                            Value::Sequence(s) => s,
                            other => vec![other],
                        };
                        match earlier {
                            Value::Sequence(s) => list.extend(s),
                            other => list.push(other),
                        }
                        *prev = Value::Sequence(list);
                        return Ok(());
                    }
                    if map.contains_key(&k) {
                        let shown = text
                            .as_deref()
                            .map_or_else(|| format!("{k:?}"), String::from);
                        return Err(LoadError::DuplicateKey(shown, key_span));
                    }
                    map.insert(k, v);
                    let n = &mut self.tree.nodes[node as usize];
                    n.key = text;
                    n.key_span = Some(key_span);
                    frame.kids.push(node);
                }
            },
        }
        Ok(())
    }
}

/// Whether a block scalar at `span` runs to the end of a file that has no final line break,
/// with the default (clip) chomping.
fn clip_at_eof(text: &str, span: Span) -> bool {
    let trimmed = text.trim_end_matches([' ', '\t']);
    if trimmed.ends_with('\n') || span.end < trimmed.len() {
        return false;
    }
    // The block header (`|`, `>-`, `|+2`) is where the span starts, or ends the line before.
    let rest = &text[span.start..];
    let header_line = if rest.starts_with(['|', '>']) {
        rest.lines().next().unwrap_or_default()
    } else {
        text[..span.start]
            .trim_end()
            .lines()
            .next_back()
            .unwrap_or_default()
    };
    let header = header_line
        .split(" #")
        .next()
        .unwrap_or_default()
        .trim_end();
    let indicator = header.rsplit([' ', ':']).next().unwrap_or_default();
    indicator.starts_with(['|', '>']) && !indicator.contains(['+', '-'])
}

/// A tag that is not from the core schema, as `yaml_serde` writes it (`!reference`).
fn custom_tag(tag: Option<&Tag>) -> Option<String> {
    let t = tag?;
    if t.is_yaml_core_schema() {
        return None;
    }
    let s = t.to_string();
    (!s.is_empty()).then_some(s)
}

/// Resolve a scalar the way `yaml_serde` does.
fn resolve(v: &str, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    if let Some(t) = tag {
        if t.is_yaml_core_schema() {
            return match t.suffix.as_str() {
                "str" => Value::String(v.to_string()),
                "null" => Value::Null,
                "bool" => parse_bool(v).map_or_else(|| Value::String(v.to_string()), Value::Bool),
                "int" | "float" => number(v).unwrap_or_else(|| Value::String(v.to_string())),
                _ => Value::String(v.to_string()),
            };
        }
        if let Some(name) = custom_tag(Some(t)) {
            let inner = resolve(v, style, None);
            return Value::Tagged(Box::new(TaggedValue {
                tag: YamlTag::new(name),
                value: inner,
            }));
        }
    }
    if style != ScalarStyle::Plain {
        return Value::String(v.to_string());
    }
    if v.is_empty() || matches!(v, "~" | "null" | "Null" | "NULL") {
        return Value::Null;
    }
    if let Some(b) = parse_bool(v) {
        return Value::Bool(b);
    }
    number(v).unwrap_or_else(|| Value::String(v.to_string()))
}

fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// Leading zeros followed by digits are a string in YAML 1.2.
fn digits_but_not_number(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    s.len() > 1 && s.starts_with('0') && s[1..].bytes().all(|b| b.is_ascii_digit())
}

fn radix_int(s: &str) -> Option<i128> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if body.starts_with(['+', '-']) {
        return None;
    }
    let (radix, digits) = if let Some(d) = body.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = body.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = body.strip_prefix("0b") {
        (2, d)
    } else {
        if digits_but_not_number(s) {
            return None;
        }
        (10, body)
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let n = i128::from_str_radix(digits, radix).ok()?;
    Some(if neg { -n } else { n })
}

fn number(v: &str) -> Option<Value> {
    if let Some(n) = radix_int(v) {
        if let Ok(u) = u64::try_from(n) {
            return Some(Value::Number(Number::from(u)));
        }
        if let Ok(i) = i64::try_from(n) {
            return Some(Value::Number(Number::from(i)));
        }
        return None;
    }
    if digits_but_not_number(v) {
        return None;
    }
    let unpositive = match v.strip_prefix('+') {
        Some(u) if u.starts_with(['+', '-']) => return None,
        Some(u) => u,
        None => v,
    };
    let f = match unpositive {
        ".inf" | ".Inf" | ".INF" => f64::INFINITY,
        "-.inf" | "-.Inf" | "-.INF" => f64::NEG_INFINITY,
        ".nan" | ".NaN" | ".NAN" => f64::NAN,
        s => match s.parse::<f64>() {
            Ok(f) if f.is_finite() => f,
            _ => return None,
        },
    };
    Some(Value::Number(Number::from(f)))
}

impl SpanTree {
    fn kids(&self, n: &Node) -> &[u32] {
        &self.children[n.children.0 as usize..n.children.1 as usize]
    }

    fn find(&self, route: &Route) -> Option<&Node> {
        // The root is the first node created that is not a key (nodes are pushed in
        // document order, and the root collection or scalar comes first).
        let mut node = self.nodes.first()?;
        for seg in &route.0 {
            let kids = self.kids(node);
            node = match seg {
                RouteSeg::Key(k) => kids
                    .iter()
                    .map(|&i| &self.nodes[i as usize])
                    .find(|n| n.key.as_deref() == Some(k.as_str()))?,
                RouteSeg::Index(i) | RouteSeg::Named { index: i, .. } => {
                    &self.nodes[*kids.get(*i)? as usize]
                }
            };
        }
        Some(node)
    }

    /// The span of the value at `route`.
    pub fn span(&self, route: &Route) -> Option<Span> {
        self.find(route).map(|n| n.span)
    }

    /// The span of the key at `route` (for sequence items and the root, the value's span).
    pub fn key_span(&self, route: &Route) -> Option<Span> {
        let n = self.find(route)?;
        n.key_span.or(Some(n.span))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(s: &str) -> Value {
        load(s).expect("loads").0
    }

    #[test]
    fn resolves_like_yaml_serde() {
        let cases = [
            "a: 1",
            "a: -7",
            "a: 0x1F",
            "a: 0o17",
            "a: 0b101",
            "a: 007",
            "a: 1.5",
            "a: .inf",
            "a: -.INF",
            "a: 1e3",
            "a: true",
            "a: False",
            "a: yes",
            "a: ~",
            "a:",
            "a: null",
            "a: '1'",
            "a: \"true\"",
            "a: 18446744073709551615",
            "a: -9223372036854775808",
            "a: +12",
            "a: 3.10",
            "a: !!str 12",
            "a: [1, '2', x]",
            "a: {b: c}",
            "on: push",
            "a: |\n  x\n  y\n",
            "x: &a {k: v}\ny: *a",
            "base: &b {k: 1}\nderived:\n  <<: *b\n  j: 2",
            "a: !reference [x, y]",
            "a: .nan",
        ];
        for c in cases {
            let ours = value(c);
            let theirs: Value = yaml_serde::from_str(c).expect("yaml_serde loads");
            let same = match (&ours, &theirs) {
                // NaN never equals itself.
                _ if format!("{ours:?}").contains("NaN") => {
                    format!("{ours:?}") == format!("{theirs:?}")
                }
                _ => ours == theirs,
            };
            assert!(same, "{c:?}: ours {ours:?}, yaml_serde {theirs:?}");
        }
    }

    #[test]
    fn refuses_duplicates_bombs_and_streams() {
        assert!(matches!(
            load("a: 1\na: 2\n"),
            Err(LoadError::DuplicateKey(..))
        ));
        assert!(matches!(
            load("a: 1\n---\nb: 2\n"),
            Err(LoadError::MultipleDocuments)
        ));
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = format!("*a{}", i - 1);
            s.push_str(&format!("a{i}: &a{i} [{}]\n", vec![p; 10].join(", ")));
        }
        assert!(matches!(load(&s), Err(LoadError::AliasBudget(_))));
        // One long string, many aliases: refused by weight, not copied.
        let long = format!(
            "a: &a \"{}\"\nb: [{}]\n",
            "x".repeat(200_000),
            vec!["*a"; 20_000].join(", ")
        );
        assert!(matches!(load(&long), Err(LoadError::AliasBudget(_))));
        assert!(matches!(load("a: [1, 2\n"), Err(LoadError::Syntax(_))));
    }
}
