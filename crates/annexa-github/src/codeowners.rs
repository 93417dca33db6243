//! CODEOWNERS: gitignore-style patterns, the last matching rule wins.

use globset::{GlobBuilder, GlobMatcher};

/// One CODEOWNERS rule.
#[derive(Clone, Debug)]
pub struct OwnerRule {
    pub pattern: String,
    pub owners: Vec<String>,
    /// 1-based line in the file.
    pub line: usize,
    /// Byte range of the line.
    pub start: usize,
    pub end: usize,
    matchers: Vec<GlobMatcher>,
}

/// A parsed CODEOWNERS file. Lines whose pattern cannot be compiled are kept in `invalid`.
#[derive(Clone, Debug, Default)]
pub struct CodeOwners {
    pub rules: Vec<OwnerRule>,
    pub invalid: Vec<(usize, String)>,
}

impl CodeOwners {
    pub fn parse(text: &str) -> CodeOwners {
        let mut out = CodeOwners::default();
        // A byte-order mark is not part of the first pattern; offsets stay those of the file.
        let body = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut offset = text.len() - body.len();
        for (n, raw) in body.split_inclusive('\n').enumerate() {
            let start = offset;
            offset += raw.len();
            let line = raw.trim_end_matches(['\n', '\r']);
            let content = line.split(" #").next().unwrap_or(line).trim();
            if content.is_empty() || content.starts_with('#') || content.starts_with('[') {
                continue;
            }
            let mut parts = content.split_whitespace();
            let Some(pattern) = parts.next() else {
                continue;
            };
            let owners: Vec<String> = parts.map(String::from).collect();
            match matchers(pattern) {
                Ok(matchers) => out.rules.push(OwnerRule {
                    pattern: pattern.to_owned(),
                    owners,
                    line: n + 1,
                    start,
                    end: start + line.len(),
                    matchers,
                }),
                Err(e) => out.invalid.push((n + 1, format!("{pattern}: {e}"))),
            }
        }
        out
    }

    /// The rule that decides who owns `path` (repository-relative), if any. A matching rule
    /// with no owners means the path is explicitly unowned.
    pub fn owner_of(&self, path: &str) -> Option<&OwnerRule> {
        self.rules
            .iter()
            .rev()
            .find(|r| r.matchers.iter().any(|m| m.is_match(path)))
    }
}

/// Compile a CODEOWNERS pattern into globs over repository-relative paths. As GitHub reads
/// them: `*` does not cross `/`; a pattern whose last segment has no wildcard (a directory such
/// as `docs/` or `/build/logs`) owns everything below it; `docs/*` owns only the files
/// directly in `docs`; a pattern without a `/` (other than a trailing one) matches anywhere.
fn matchers(pattern: &str) -> Result<Vec<GlobMatcher>, globset::Error> {
    let anchored = pattern.starts_with('/') || pattern.trim_end_matches('/').contains('/');
    let body = pattern.trim_start_matches('/');
    let dir_only = body.ends_with('/');
    let body = body.trim_end_matches('/');
    let base = if body.is_empty() || body == "*" {
        "**".to_owned()
    } else if anchored {
        body.to_owned()
    } else {
        format!("**/{body}")
    };
    let last = body.rsplit('/').next().unwrap_or(body);
    let mut globs = Vec::new();
    if dir_only || !last.contains(['*', '?', '[']) || base == "**" {
        globs.push(format!("{base}/**"));
    }
    if !dir_only {
        globs.push(base);
    }
    globs
        .into_iter()
        .map(|g| {
            GlobBuilder::new(&g)
                .literal_separator(true)
                .build()
                .map(|g| g.compile_matcher())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_match_wins() {
        let co = CodeOwners::parse("* @all\n/.github/ @platform\ndocs/*.md\n# c\n");
        assert_eq!(
            co.owner_of(".github/workflows/ci.yml")
                .map(|r| r.owners.clone()),
            Some(vec!["@platform".to_owned()])
        );
        assert_eq!(co.owner_of("src/main.rs").map(|r| r.line), Some(1));
        assert!(
            co.owner_of("docs/a.md")
                .is_some_and(|r| r.owners.is_empty())
        );
        let none = CodeOwners::parse("/src/ @dev\n");
        assert!(none.owner_of(".github/workflows/ci.yml").is_none());
        let unanchored = CodeOwners::parse("workflows/ @ci\n");
        assert!(unanchored.owner_of(".github/workflows/ci.yml").is_some());
        let star = CodeOwners::parse("*.yml @y\n");
        assert!(star.owner_of(".github/workflows/ci.yml").is_some());
        // `dir/*` owns only the files directly in it, as GitHub reads it.
        let shallow = CodeOwners::parse("/.github/* @team\n");
        assert!(shallow.owner_of(".github/CODEOWNERS").is_some());
        assert!(shallow.owner_of(".github/workflows/ci.yml").is_none());
        let all = CodeOwners::parse("* @all\n");
        assert!(all.owner_of("a/b/c.rs").is_some());
    }
}
