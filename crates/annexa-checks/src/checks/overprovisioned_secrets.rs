use annexa_github::expressions_in;
use annexa_model::{Outcome, Platform};

use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Finds expressions that hand over *all* secrets at once — `toJSON(secrets)` — or pick a
    /// secret by a computed name (`secrets[matrix.name]`).
    ///
    /// ## Why is this bad?
    /// GitHub only exposes to a job the secrets it references by name. `toJSON(secrets)`
    /// references every secret of the repository, organisation and environment, so one step
    /// (or one compromised action) receives all of them; a computed name makes it impossible
    /// to tell from the file which secrets a job can read.
    ///
    /// ## Example
    /// ```yaml
    ///       - run: ./deploy.sh
    ///         env:
    ///           ALL_SECRETS: ${{ toJSON(secrets) }}
    /// ```
    ///
    /// ## Fix
    /// Pass each secret the step needs by name.
    pub struct OverprovisionedSecrets {
        id: OverprovisionedSecrets,
        summary: "all secrets handed over at once",
        severity: Medium,
        confidence: High,
        scope: Pipeline,
        platforms: &[Platform::GithubActions],
        controls: [A5_17, A8_2],
    }
}

/// Whether an expression body exposes secrets wholesale or by a computed name.
fn overprovisions(body: &str) -> bool {
    let compact: String = body
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    if compact.contains("tojson(secrets)") {
        return true;
    }
    compact
        .match_indices("secrets[")
        .any(|(i, _)| !matches!(compact.as_bytes().get(i + 8), Some(b'\'' | b'"')))
}

impl Check for OverprovisionedSecrets {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        let strings = cx.pipeline.texts();
        let mut any = false;
        for (text, site) in strings {
            for e in expressions_in(text)
                .into_iter()
                .filter(|e| overprovisions(e.body))
            {
                any = true;
                out.at(
                    cx.file,
                    site,
                    Outcome::Fail,
                    format!(
                        "`${{{{ {} }}}}` exposes secrets wholesale or by a computed name",
                        e.body
                    ),
                );
            }
        }
        if !any {
            out.file(
                cx.file,
                Outcome::Pass,
                "secrets are referenced by name only",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn detects() {
        assert!(super::overprovisions("toJSON( secrets )"));
        assert!(super::overprovisions("secrets[matrix.key]"));
        assert!(!super::overprovisions("secrets['NAME']"));
        assert!(!super::overprovisions("secrets.NAME"));
    }
}
