//! Guarded reading of repository files, and YAML with byte spans.
//!
//! Every file passes the same gate before any parser sees it: a size cap (never reading past
//! it), a binary check, UTF-8 validation and — for YAML — a nesting-depth check, because the
//! parsers behind it keep state per nesting level (tree-sitter-yaml, used before, aborted the
//! process on ~256-deep nesting).
//! Failures come back as a [`Refusal`] that names what is wrong; nothing here panics on input.
//!
//! Architecture invariant: this crate reads files and parses text; it never judges them.

use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;

mod local;
mod sites;
mod spans;
pub use local::{DirFiles, LocalFiles, MemoryFiles, resolve_path};
pub use sites::{Sites, scalar};
pub use spans::{LoadError, SpanTree};

use annexa_model::{DiagnosticKind, Route, RouteSeg, Span};

/// Resource limits for one file.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest file read, in bytes.
    pub max_bytes: u64,
    /// Deepest YAML nesting accepted (block indentation levels plus flow brackets).
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        // The largest CI file in the real-world corpus is well under 1 MiB and nests < 30 deep.
        Limits {
            max_bytes: 4 * 1024 * 1024,
            max_depth: 64,
        }
    }
}

/// Why a file was not parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    pub kind: DiagnosticKind,
    pub message: String,
}

impl Refusal {
    fn new(kind: DiagnosticKind, message: impl Into<String>) -> Refusal {
        Refusal {
            kind,
            message: message.into(),
        }
    }
}

/// Read a text file under the limits: never more than `max_bytes + 1` bytes are read.
pub fn read_text(path: &Path, limits: &Limits) -> Result<Arc<str>, Refusal> {
    let unreadable =
        |e: std::io::Error| Refusal::new(DiagnosticKind::Unreadable, format!("cannot read: {e}"));
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut bytes = Vec::new();
    file.take(limits.max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > limits.max_bytes {
        let size = std::fs::metadata(path)
            .map(|m| m.len())
            .unwrap_or(bytes.len() as u64);
        return Err(Refusal::new(
            DiagnosticKind::TooLarge,
            format!(
                "file is {size} bytes, over the {} byte limit; not examined",
                limits.max_bytes
            ),
        ));
    }
    text_from_bytes(bytes)
}

/// Validate bytes as a text file: no NUL bytes, valid UTF-8.
pub fn text_from_bytes(bytes: Vec<u8>) -> Result<Arc<str>, Refusal> {
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        return Err(Refusal::new(
            DiagnosticKind::Binary,
            format!("binary file (NUL byte at offset {pos}); not examined"),
        ));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        Refusal::new(
            DiagnosticKind::InvalidUtf8,
            format!("not valid UTF-8 (first bad byte at offset {at}); not examined"),
        )
    })?;
    // A byte-order mark stays: the text is the file as read (its SHA-256 must match), and the
    // parsers skip it.
    Ok(Arc::from(text))
}

/// An upper estimate of how deeply a YAML text nests: block indentation levels and sequence
/// dashes per line, plus flow brackets. Block scalars (`|`, `>`) are skipped, since their
/// indentation is content. Cheap (one pass, no allocation per line) and never below the real
/// depth for block and flow collections, so a file it accepts cannot overflow a parser's stack.
pub fn nesting_depth(text: &str) -> usize {
    let mut indents: Vec<usize> = Vec::new();
    let mut max = 0usize;
    let mut flow = 0usize;
    let mut block_scalar_parent: Option<usize> = None;
    for line in text.lines() {
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        if let Some(parent) = block_scalar_parent {
            if trimmed.is_empty() || indent > parent {
                continue;
            }
            block_scalar_parent = None;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if flow == 0 {
            while indents.last().is_some_and(|&top| top > indent) {
                indents.pop();
            }
            if indents.last().is_none_or(|&top| top < indent) {
                indents.push(indent);
            }
        }
        // Sequence dashes on one line (`- - - x`) each open a level.
        let mut rest = trimmed;
        let mut dashes = 0;
        while let Some(r) = rest.strip_prefix("- ").or_else(|| rest.strip_prefix("-\t")) {
            dashes += 1;
            rest = r.trim_start();
        }
        let mut depth_here = indents.len() + dashes + flow;
        let mut in_single = false;
        let mut in_double = false;
        let mut prev = ' ';
        let mut value_start = true;
        for c in rest.chars() {
            if in_single {
                in_single = c != '\'';
            } else if in_double {
                if c == '"' && prev != '\\' {
                    in_double = false;
                }
            } else {
                match c {
                    '\'' if value_start || flow > 0 => in_single = true,
                    '"' if value_start || flow > 0 => in_double = true,
                    '#' if prev == ' ' || prev == '\t' => break,
                    '[' | '{' if value_start || flow > 0 => {
                        flow += 1;
                        depth_here = depth_here.max(indents.len() + dashes + flow);
                    }
                    ']' | '}' if flow > 0 => flow -= 1,
                    _ => {}
                }
            }
            value_start = !in_single
                && !in_double
                && (c == ' ' && (prev == ':' || prev == '-')
                    || (flow > 0 && (c == ',' || c == '[' || c == '{')));
            prev = c;
        }
        max = max.max(depth_here);
        if flow == 0 {
            let body = rest.split(" #").next().unwrap_or(rest).trim_end();
            let indicator = body.rsplit(' ').next().unwrap_or(body);
            if indicator.starts_with('|') || indicator.starts_with('>') {
                block_scalar_parent = Some(indent);
            }
        }
    }
    max
}

/// For a file that starts with a GitLab `spec:` header document followed by `---` and the
/// configuration, the text with the header and separator blanked (newlines kept).
fn spec_header_blanked(text: &str) -> Option<String> {
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))?;
    if !first.starts_with("spec:") {
        return None;
    }
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        offset += line.len();
        if line.trim_end() == "---" {
            // Byte for byte, so every offset after the header stays the file's own (a
            // multi-byte character becomes as many spaces as it has bytes).
            let blank: String = text.as_bytes()[..offset]
                .iter()
                .map(|&b| if b == b'\n' { '\n' } else { ' ' })
                .collect();
            return Some(blank + &text[offset..]);
        }
    }
    None
}

/// A YAML file that passed the gate: its text, its value tree, and (when the span layer
/// accepted it) a tree for turning routes into byte spans.
pub struct YamlFile {
    pub text: Arc<str>,
    pub value: yaml_serde::Value,
    spans: Option<SpanTree>,
}

impl YamlFile {
    /// Parse `text` as one YAML document under the limits. Aliases are expanded by the loader
    /// with its own bound on repetition, so an alias bomb is refused, not expanded.
    pub fn parse(text: Arc<str>, limits: &Limits) -> Result<YamlFile, Refusal> {
        let depth = nesting_depth(&text);
        if depth > limits.max_depth {
            return Err(Refusal::new(
                DiagnosticKind::TooDeep,
                format!(
                    "YAML nests about {depth} levels deep, over the limit of {}; not examined",
                    limits.max_depth
                ),
            ));
        }
        // GitLab's `spec:` header document: analyse the configuration after it, with the
        // header blanked so byte offsets stay those of the file. One header only: a second
        // `spec:` document is refused as a multi-document file.
        let blanked = spec_header_blanked(&text);
        let body: &str = blanked.as_deref().unwrap_or(&text);
        let (mut value, spans) = match spans::load(body) {
            Ok((value, tree)) => (value, Some(tree)),
            // The span parser is stricter than libyaml about some indentation that GitHub
            // accepts; the reference loader then gives the value, without byte spans.
            Err(LoadError::Syntax(e)) => match yaml_serde::from_str::<yaml_serde::Value>(body) {
                Ok(v) => (v, None),
                Err(_) => {
                    return Err(Refusal::new(
                        DiagnosticKind::Syntax,
                        format!("invalid YAML: {e}"),
                    ));
                }
            },
            Err(e) => {
                let at = match &e {
                    LoadError::DuplicateKey(_, span) => {
                        let (l, c) = line_col(body, span.start);
                        format!(" at line {l} column {c}")
                    }
                    _ => String::new(),
                };
                return Err(Refusal::new(
                    DiagnosticKind::Syntax,
                    format!("invalid YAML: {e}{at}"),
                ));
            }
        };
        value.apply_merge().map_err(|e| {
            Refusal::new(
                DiagnosticKind::Syntax,
                format!("invalid YAML merge key: {e}"),
            )
        })?;
        Ok(YamlFile { text, value, spans })
    }

    /// Whether byte spans are available for this file.
    pub fn has_spans(&self) -> bool {
        self.spans.is_some()
    }

    /// The span of the value at `route` (`jobs.build.steps[2].uses` → the `uses` value).
    pub fn span(&self, route: &Route) -> Option<Span> {
        self.spans.as_ref()?.span(route)
    }

    /// The span of the key at `route` (`jobs.build` → `build`), for elements whose value is a
    /// long block: pointing at the key keeps diagnostics to one line. A sequence entry has no
    /// key: its first line is used.
    pub fn key_span(&self, route: &Route) -> Option<Span> {
        let tree = self.spans.as_ref()?;
        match route.0.last() {
            Some(RouteSeg::Key(_)) => tree.key_span(route),
            _ => {
                let s = tree.span(route)?;
                let end = self.text[s.start..s.end]
                    .find('\n')
                    .map_or(s.end, |n| s.start + n);
                Some(Span {
                    start: s.start,
                    end,
                })
            }
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    (line, before[line_start..].chars().count() + 1)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<YamlFile, Refusal> {
        YamlFile::parse(Arc::from(s), &Limits::default())
    }

    #[test]
    fn depth_estimate() {
        assert_eq!(nesting_depth("a: 1\n"), 1);
        assert_eq!(nesting_depth("a:\n  b:\n    c: 1\n"), 3);
        assert_eq!(nesting_depth("a:\n  - - - x\n"), 5);
        assert_eq!(nesting_depth("a: [[[1]]]\n"), 4);
        // Block scalar content does not count.
        assert_eq!(
            nesting_depth("run: |\n  if x; then\n        deep\n            deeper\n"),
            1
        );
        // Expressions are not flow collections.
        assert_eq!(nesting_depth("if: ${{ github.x }}\nb: 1\n"), 1);
        let deep = "[".repeat(300);
        assert!(nesting_depth(&deep) >= 300);
    }

    #[test]
    fn refusals() {
        assert_eq!(
            text_from_bytes(vec![b'a', 0, b'b']).unwrap_err().kind,
            DiagnosticKind::Binary
        );
        assert_eq!(
            text_from_bytes(vec![b'a', 0xff]).unwrap_err().kind,
            DiagnosticKind::InvalidUtf8
        );
        assert_eq!(
            parse("a: [1, 2\n").err().map(|r| r.kind),
            Some(DiagnosticKind::Syntax)
        );
        let deep = format!("a: {}1{}\n", "[".repeat(300), "]".repeat(300));
        assert_eq!(
            parse(&deep).err().map(|r| r.kind),
            Some(DiagnosticKind::TooDeep)
        );
    }

    #[test]
    fn byte_order_mark_is_kept_and_skipped() {
        let t = text_from_bytes(b"\xef\xbb\xbfon: push\n".to_vec()).unwrap();
        assert!(t.starts_with('\u{feff}'));
        let f = YamlFile::parse(t, &Limits::default()).unwrap();
        assert!(f.value.get("on").is_some());
        let s = f.span(&Route::root().key("on")).unwrap();
        assert_eq!(&f.text[s.start..s.end], "push");
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            s.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
        }
        let r = parse(&s).err().expect("alias bomb must be refused");
        assert_eq!(r.kind, DiagnosticKind::Syntax, "{}", r.message);
    }

    #[test]
    fn spans() {
        let f = parse("on: push\njobs:\n  build:\n    steps:\n      - uses: actions/checkout@v4\n        with: {a: 1, b: [x, \"y\"]}\n      - run: |\n          echo hi\n\n  # trailing comment\n  test: {}\n").unwrap();
        let text = |s: Span| f.text[s.start..s.end].to_owned();
        let steps = Route::root().key("jobs").key("build").key("steps");
        let uses = steps.index(0).key("uses");
        let s = f.span(&uses).unwrap();
        assert_eq!(text(s), "actions/checkout@v4");
        assert_eq!(line_col(&f.text, s.start), (5, 15));
        assert_eq!(
            text(f.key_span(&Route::root().key("jobs").key("build")).unwrap()),
            "build"
        );
        assert_eq!(
            text(f.span(&steps.index(0).key("with").key("b")).unwrap()),
            "[x, \"y\"]"
        );
        assert_eq!(
            text(
                f.span(&steps.index(0).key("with").key("b").index(1))
                    .unwrap()
            ),
            "\"y\""
        );
        assert_eq!(text(f.key_span(&steps.index(1)).unwrap()), "run: |");
        assert!(text(f.span(&steps.index(1).key("run")).unwrap()).contains("echo hi"));
        assert_eq!(
            text(f.span(&Route::root().key("jobs").key("build")).unwrap())
                .lines()
                .last(),
            Some("          echo hi")
        );
        assert_eq!(
            text(f.span(&Route::root().key("jobs").key("test")).unwrap()),
            "{}"
        );
        assert!(f.span(&steps.index(7)).is_none());
        // Non-ASCII text: offsets are bytes, not characters.
        let g = parse("name: \"h\u{e9}llo w\u{f6}rld\"\non: push\n").unwrap();
        let s = g.span(&Route::root().key("on")).unwrap();
        assert_eq!(&g.text[s.start..s.end], "push");
    }

    #[test]
    fn gitlab_spec_header_keeps_byte_offsets() {
        let text = "# Déploiement éèêë\nspec:\n  inputs: {}\n---\ndeploy:\n  script: [make]\n";
        let y = YamlFile::parse(Arc::from(text), &Limits::default()).expect("parses");
        let route = Route::root().key("deploy");
        let span = y.key_span(&route).expect("span");
        assert_eq!(&text[span.start..span.end], "deploy");
        // Only one header is read past; more documents are refused, not re-scanned.
        let many = "spec:\n---\n".repeat(3) + "a: 1\n";
        assert!(YamlFile::parse(Arc::from(many.as_str()), &Limits::default()).is_err());
    }

    #[test]
    fn repeated_merge_keys_later_wins() {
        let text = "a: &a {image: one}\nb: &b {image: two}\njob:\n  <<: *a\n  <<: *b\n";
        let y = YamlFile::parse(Arc::from(text), &Limits::default()).expect("parses");
        assert_eq!(
            y.value
                .get("job")
                .and_then(|j| j.get("image"))
                .and_then(|v| v.as_str()),
            Some("two")
        );
    }
}
