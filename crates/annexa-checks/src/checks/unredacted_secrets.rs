use annexa_github::expressions_in;
use annexa_model::{Outcome, Platform};

use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Finds expressions that take a field out of a structured secret —
    /// `fromJSON(secrets.CONFIG).password`.
    ///
    /// ## Why is this bad?
    /// GitHub masks a secret's value in logs as a whole string. A field taken out of a JSON
    /// secret is a new string the runner has never been told to mask, so it is printed in
    /// clear wherever it is echoed or appears in an error message.
    ///
    /// ## Example
    /// ```yaml
    ///         env:
    ///           PASSWORD: ${{ fromJSON(secrets.DB).password }}
    /// ```
    ///
    /// ## Fix
    /// Store each value as its own secret, or mask the extracted value first
    /// (`echo "::add-mask::$VALUE"`).
    pub struct UnredactedSecrets {
        id: UnredactedSecrets,
        summary: "field of a structured secret escapes log masking",
        severity: Medium,
        confidence: High,
        scope: Pipeline,
        platforms: &[Platform::GithubActions],
        controls: [A5_17, A8_15],
    }
}

fn unredacted(body: &str) -> bool {
    let c: String = body
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    c.match_indices("fromjson(secrets.").any(|(i, _)| {
        let rest = &c[i..];
        rest.find(')')
            .is_some_and(|close| matches!(rest.as_bytes().get(close + 1), Some(b'.' | b'[')))
    })
}

impl Check for UnredactedSecrets {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        let strings = cx.pipeline.texts();
        let mut secrets_used = false;
        let mut any = false;
        for (text, site) in strings {
            for e in expressions_in(text) {
                secrets_used |= e.body.contains("secrets");
                if unredacted(e.body) {
                    any = true;
                    out.at(cx.file, site, Outcome::Fail, format!("`${{{{ {} }}}}` takes a field out of a secret, and the field is not masked in logs", e.body));
                }
            }
        }
        if !any {
            if secrets_used {
                out.file(
                    cx.file,
                    Outcome::Pass,
                    "secrets are used whole, so log masking applies",
                );
            } else {
                out.file(cx.file, Outcome::NotRelevant, "no secrets in expressions");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn detects() {
        assert!(super::unredacted("fromJSON(secrets.DB).password"));
        assert!(super::unredacted("fromJson( secrets.DB )['user']"));
        assert!(!super::unredacted("fromJSON(secrets.DB)"));
        assert!(!super::unredacted("secrets.DB"));
    }
}
