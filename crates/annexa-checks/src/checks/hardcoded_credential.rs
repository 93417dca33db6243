use annexa_model::pipeline::{Site, StepAction};
use annexa_model::{Outcome, Platform};

use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Finds credentials written into pipeline files: variables and step inputs whose name
    /// says they hold a secret (`password`, `token`, `api_key`, `secret`, ...) with a literal
    /// value, and values anywhere that look like well-known token formats (GitHub, GitLab,
    /// AWS, Slack, Stripe, Google API keys, private keys). The value is never shown: messages
    /// name the variable, and source snippets show it masked.
    ///
    /// ## Why is this bad?
    /// A secret in a repository is readable by everyone who can read the repository and stays
    /// in its history after it is removed. It cannot be rotated without a code change, it is
    /// not scoped to an environment, and nobody is told when it is used.
    ///
    /// ## Example
    /// ```yaml
    /// env:
    ///   DEPLOY_TOKEN: abcd1234efgh5678
    /// ```
    ///
    /// ## Fix
    /// Rotate the credential, then reference a stored secret:
    /// ```yaml
    /// env:
    ///   DEPLOY_TOKEN: ${{ secrets.DEPLOY_TOKEN }}
    /// ```
    pub struct HardcodedCredential {
        id: HardcodedCredential,
        summary: "credential written into a pipeline file",
        severity: High,
        confidence: Medium,
        scope: Pipeline,
        platforms: Platform::CI,
        controls: [A5_17, A8_12],
    }
}

const SECRET_NAMES: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "api-key",
    "private_key",
    "private-key",
    "access_key",
    "access-key",
    "client_secret",
    "credentials",
];

/// Well-known token prefixes and the minimum length of a real token with that prefix.
const TOKEN_PREFIXES: &[(&str, usize)] = &[
    ("ghp_", 40),
    ("gho_", 40),
    ("ghu_", 40),
    ("ghs_", 40),
    ("ghr_", 40),
    ("github_pat_", 50),
    ("glpat-", 26),
    ("xoxb-", 20),
    ("xoxp-", 20),
    ("xoxa-", 20),
    ("sk_live_", 24),
    ("AIza", 39),
    ("-----BEGIN", 30),
];

/// Every well-known token in `value`, as byte ranges within `value`.
pub(crate) fn tokens_in(value: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    // A private key block runs to the end of the value; look for its marker once.
    let has_private_key = value.contains("PRIVATE KEY");
    for (prefix, min) in TOKEN_PREFIXES {
        for (i, _) in value.match_indices(prefix) {
            let rest = &value[i..];
            let len = if *prefix == "-----BEGIN" {
                if !has_private_key {
                    continue;
                }
                rest.len()
            } else {
                rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                    .unwrap_or(rest.len())
            };
            if len >= *min {
                out.push((i, i + len));
            }
        }
    }
    // AWS access key ids: AKIA followed by 16 upper-case letters or digits.
    out.extend(value.match_indices("AKIA").filter_map(|(i, _)| {
        let id = value.get(i..i + 20)?;
        id[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            .then_some((i, i + 20))
    }));
    out.sort_unstable();
    out.dedup();
    out
}

/// The first well-known token in `value`.
#[cfg(test)]
fn token_in(value: &str) -> Option<(usize, usize)> {
    tokens_in(value).into_iter().next()
}

fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    SECRET_NAMES.iter().any(|s| n.contains(s))
        && !n.ends_with("_file")
        && !n.ends_with("_path")
        && !n.contains("name")
}

/// A literal that could be a secret: long enough, not an expression, variable, boolean,
/// number or path.
fn literal_secret(value: &str) -> bool {
    let v = value.trim();
    v.len() >= 8
        && !v.contains("${")
        && !v.starts_with('$')
        && !v.contains("$(")
        && !v.contains('%')
        && !v.starts_with('/')
        && !v.starts_with("./")
        && !v.contains(' ')
        && !matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "required" | "optional"
        )
        && v.parse::<f64>().is_err()
}

impl Check for HardcodedCredential {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        let mut candidates: Vec<(String, &str, &Site)> = Vec::new();
        for v in cx.pipeline.all_variables() {
            candidates.push((format!("variable `{}`", v.name), &v.value, &v.site));
        }
        for (_, step) in cx.pipeline.steps() {
            match &step.action {
                StepAction::Uses { inputs, .. } => candidates.extend(inputs.iter().map(|i| {
                    (
                        format!("input `{}` of step `{}`", i.name, step.label()),
                        i.value.as_str(),
                        &i.site,
                    )
                })),
                StepAction::Run { script, site, .. } => candidates.push((
                    format!("the script of step `{}`", step.label()),
                    script.as_str(),
                    site,
                )),
                StepAction::Other(_) => {}
            }
        }
        let mut any = false;
        for (what, value, site) in candidates {
            let named = what.starts_with("variable") || what.starts_with("input");
            let name_part = what.split('`').nth(1).unwrap_or_default();
            let mut hits: Vec<(&str, &str)> = tokens_in(value)
                .into_iter()
                .map(|(a, b)| (&value[a..b], "looks like a real token"))
                .collect();
            if hits.is_empty() && named && secret_name(name_part) && literal_secret(value) {
                hits.push((value.trim(), "holds a literal value"));
            }
            for (secret, why) in hits {
                any = true;
                let span = site.find_span(cx.source_of(site), secret, 0);
                out.at_span(
                    cx.file,
                    site,
                    span,
                    Outcome::Fail,
                    format!("{what} {why}: a credential written into the file (value not shown)"),
                );
            }
        }
        if !any {
            out.file(
                cx.file,
                Outcome::Pass,
                "no credential written into the file",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_literals() {
        assert!(token_in("export T=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB").is_some());
        assert!(token_in("ghp_short").is_none());
        assert!(token_in("AKIAABCDEFGHIJKLMNOP").is_some());
        assert!(token_in("AKIA-docs").is_none());
        assert!(
            secret_name("DEPLOY_TOKEN")
                && secret_name("password")
                && !secret_name("TOKEN_FILE")
                && !secret_name("SECRET_NAME")
        );
        assert!(literal_secret("hunter2hunter2"));
        assert!(
            !literal_secret("${{ secrets.X }}")
                && !literal_secret("true")
                && !literal_secret("12345678")
                && !literal_secret("$TOKEN")
        );
    }
}
