//! `${{ ... }}` expressions inside strings.

/// One `${{ ... }}` expression found in a string: its byte range within the string (including
/// the braces) and its body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expression<'a> {
    pub start: usize,
    pub end: usize,
    pub body: &'a str,
}

/// Every `${{ ... }}` in `s`, left to right. An unclosed `${{` ends the search.
pub fn expressions_in(s: &str) -> Vec<Expression<'_>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(rel) = s[from..].find("${{") {
        let start = from + rel;
        let Some(close) = s[start + 3..].find("}}") else {
            break;
        };
        let end = start + 3 + close + 2;
        out.push(Expression {
            start,
            end,
            body: s[start + 3..end - 2].trim(),
        });
        from = end;
    }
    out
}

/// Names of secrets referenced as `secrets.NAME` or `secrets['NAME']` inside expressions.
pub(crate) fn secret_names(s: &str) -> Vec<String> {
    let mut names = Vec::new();
    for e in expressions_in(s) {
        let mut rest = e.body;
        while let Some(i) = rest.find("secrets") {
            let before_ok = rest[..i]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.'));
            let after = &rest[i + "secrets".len()..];
            let name: String = if let Some(a) = after.strip_prefix('.') {
                a.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
                    .collect()
            } else if let Some(a) = after
                .strip_prefix("['")
                .or_else(|| after.strip_prefix("[\""))
            {
                a.chars().take_while(|c| *c != '\'' && *c != '"').collect()
            } else {
                String::new()
            };
            if before_ok && !name.is_empty() && !names.contains(&name) {
                names.push(name);
            }
            rest = after;
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_expressions_and_secrets() {
        let s =
            "echo ${{ github.event.issue.title }} ${{secrets.TOKEN}} ${{ secrets['OTHER'] }} ${{ x";
        let e = expressions_in(s);
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].body, "github.event.issue.title");
        assert_eq!(&s[e[1].start..e[1].end], "${{secrets.TOKEN}}");
        assert_eq!(secret_names(s), vec!["TOKEN", "OTHER"]);
        assert!(secret_names("${{ mysecrets.X }}").is_empty());
    }
}
