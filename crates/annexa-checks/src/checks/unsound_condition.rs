use annexa_model::{Outcome, Platform};

use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Finds `if:` conditions that are always true because they mix `${{ }}` with other text —
    /// `if: ${{ a }} && ${{ b }}`, or a block scalar `if: |` around an expression — and
    /// `contains()` used on a string literal where a list was meant
    /// (`contains('refs/heads/main refs/heads/dev', github.ref)`).
    ///
    /// ## Why is this bad?
    /// An `if:` whose text is more than one `${{ }}` expression is a non-empty string, and a
    /// non-empty string is true: the guard never stops anything. `contains()` on a string does
    /// substring matching, so a branch named `main` matches `refs/heads/main-fork`, and a
    /// branch named `dev` matches too. Either way a step meant for trusted refs runs for
    /// others.
    ///
    /// ## Example
    /// ```yaml
    ///     if: ${{ github.event_name == 'push' }} && ${{ github.ref == 'refs/heads/main' }}
    /// ```
    ///
    /// ## Fix
    /// One expression: `if: github.event_name == 'push' && github.ref == 'refs/heads/main'`;
    /// for lists use `contains(fromJSON('["refs/heads/main", "refs/heads/dev"]'), github.ref)`.
    pub struct UnsoundCondition {
        id: UnsoundCondition,
        summary: "condition that is always true or matches too much",
        severity: Medium,
        confidence: High,
        scope: Pipeline,
        platforms: &[Platform::GithubActions],
        controls: [A8_25, A8_28],
    }
}

fn unsound(cond: &str) -> Option<&'static str> {
    let t = cond.trim();
    if t.contains("${{") {
        let single = t.starts_with("${{") && t.ends_with("}}") && t.matches("${{").count() == 1;
        if !single {
            return Some(
                "mixes `${{ }}` with other text, so it is a non-empty string and always true",
            );
        }
    }
    let c: String = t
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    if c.contains("contains('") || c.contains("contains(\"") {
        return Some(
            "uses `contains()` on a string literal, which matches substrings, not list items",
        );
    }
    None
}

impl Check for UnsoundCondition {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        let conditions = cx.pipeline.conditions();
        if conditions.is_empty() {
            out.file(cx.file, Outcome::NotRelevant, "no conditions");
            return;
        }
        let mut any = false;
        for (cond, site, what) in conditions {
            if let Some(why) = unsound(cond) {
                any = true;
                out.at(
                    cx.file,
                    site,
                    Outcome::Fail,
                    format!("the condition of {what} {why}"),
                );
            }
        }
        if !any {
            out.file(
                cx.file,
                Outcome::Pass,
                "every condition is a single expression",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unsound;

    #[test]
    fn conditions() {
        assert!(unsound("${{ a }} && ${{ b }}").is_some());
        assert!(unsound("${{ a }}\n").is_none());
        assert!(unsound("github.ref == 'refs/heads/main'").is_none());
        assert!(unsound("contains('refs/heads/main refs/heads/dev', github.ref)").is_some());
        assert!(unsound("contains(github.event.pull_request.labels.*.name, 'ok')").is_none());
    }
}
