//! `annexa.toml`: read into raw structs that reject unknown keys, then validated into typed
//! [`Settings`]. Every error names the file and the line.
//!
//! Architecture invariant: configuration narrows or tunes what is examined and reported; it
//! never changes what a check concludes.

use std::path::{Path, PathBuf};

use annexa_model::{CheckId, Severity};
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

/// The file annexa looks for in the first scanned repository when `--config` is not given.
pub const FILE_NAME: &str = "annexa.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
}

/// annexa's configuration file, `annexa.toml`, at the top of the first scanned repository.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "annexa.toml")]
struct RawConfig {
    /// What is examined and when a run fails.
    #[serde(default)]
    scan: RawScan,
    /// Which checks are reported and gated, and how severe their findings are.
    #[serde(default)]
    checks: RawChecks,
    /// The evidence ledger.
    #[serde(default)]
    evidence: RawEvidence,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawEvidence {
    /// Record every scan in the ledger, as `--record` does.
    #[serde(default)]
    record: bool,
    /// The ledger: a path (relative to this file) or `postgres://...`; default
    /// `.annexa/evidence.db` in the first scanned repository.
    store: Option<String>,
    /// File holding the signing key (hex), relative to this file; default: the
    /// ANNEXA_SIGNING_KEY variable. The key itself never belongs in this file.
    signing_key_file: Option<String>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawChecks {
    /// Report and gate only these check ids (all checks still run and count for control
    /// status).
    #[schemars(with = "Option<Vec<CheckIdSchema>>")]
    select: Option<Vec<toml::Spanned<String>>>,
    /// Do not report or gate these check ids (they still run and count for control status).
    #[serde(default)]
    #[schemars(with = "Vec<CheckIdSchema>")]
    ignore: Vec<toml::Spanned<String>>,
    /// Severity overrides for reporting and gating: check id = severity.
    #[serde(default)]
    #[schemars(with = "std::collections::BTreeMap<String, SeveritySchema>")]
    severity: std::collections::BTreeMap<toml::Spanned<String>, toml::Spanned<String>>,
    /// GitHub organisations or users whose tag-pinned actions are accepted by policy.
    #[serde(default)]
    trusted_owners: Vec<String>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawScan {
    /// Exit 1 when a finding at or above this severity remains (`never`: report only).
    #[schemars(with = "Option<FailOnSchema>")]
    fail_on: Option<toml::Spanned<String>>,
    /// Repository-relative globs of files not examined (always listed as excluded).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    exclude: Vec<toml::Spanned<String>>,
    /// Largest file read, in bytes (default 4194304).
    #[schemars(with = "Option<u64>")]
    max_file_bytes: Option<toml::Spanned<u64>>,
    /// Deepest YAML nesting accepted (default 64).
    #[schemars(with = "Option<usize>")]
    max_depth: Option<toml::Spanned<usize>>,
}

/// A check id (`annexa checks` lists them).
#[derive(schemars::JsonSchema)]
#[allow(dead_code)]
struct CheckIdSchema(#[schemars(extend("enum" = check_ids()))] String);

/// A severity.
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[allow(dead_code)]
enum SeveritySchema {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

/// `never`, or the lowest severity that fails the run.
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[allow(dead_code)]
enum FailOnSchema {
    Never,
    Info,
    Low,
    Medium,
    High,
    Critical,
}

fn check_ids() -> Vec<&'static str> {
    CheckId::ALL.iter().map(|c| c.as_str()).collect()
}

/// The JSON schema of `annexa.toml`, for editors (taplo / Even Better TOML read a
/// `#:schema` header comment pointing at it).
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(RawConfig);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

/// Validated settings.
#[derive(Debug, Default)]
pub struct Settings {
    /// Where the settings came from, if from a file.
    pub path: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity remains.
    pub fail_on: Option<Severity>,
    /// Repository-relative globs of files not examined (always reported as excluded).
    pub exclude: Vec<String>,
    exclude_set: GlobSet,
    pub max_file_bytes: Option<u64>,
    pub max_depth: Option<usize>,
    /// Only these checks are reported and gated (all run; the assessment sees them all).
    pub select: Option<Vec<CheckId>>,
    /// These checks are not reported or gated (they still run and count for control status).
    pub ignore: Vec<CheckId>,
    /// Severity overrides for reporting and gating.
    pub severity: Vec<(CheckId, Severity)>,
    /// Owners (GitHub organisations or users) whose tag-pinned actions the organisation
    /// accepts: `unpinned-external-code` findings for them are reported as accepted by policy.
    pub trusted_owners: Vec<String>,
    /// `[evidence] record = true`: record every scan.
    pub record: bool,
    /// `[evidence] store`, resolved against the file's folder unless it is a URL.
    pub evidence_store: Option<PathBuf>,
    /// `[evidence] signing-key-file`, resolved against the file's folder.
    pub signing_key_file: Option<PathBuf>,
}

impl Settings {
    /// The exclude pattern a repository-relative path matches, if any.
    pub fn excluded_by(&self, path: &str) -> Option<&str> {
        self.exclude_set
            .matches(path)
            .first()
            .map(|&i| self.exclude[i].as_str())
    }

    /// Read `path`.
    pub fn load(path: &Path) -> Result<Settings, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Settings::parse(path, &text)
    }

    /// Read `annexa.toml` in `dir` if it exists.
    pub fn discover(dir: &Path) -> Result<Settings, ConfigError> {
        let p = dir.join(FILE_NAME);
        if p.is_file() {
            Settings::load(&p)
        } else {
            Ok(Settings::default())
        }
    }

    pub fn parse(path: &Path, text: &str) -> Result<Settings, ConfigError> {
        let at = |span: Option<std::ops::Range<usize>>, message: String| {
            let offset = span.map_or(0, |s| s.start).min(text.len());
            let before = &text[..offset];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |n| n + 1) + 1;
            ConfigError::Invalid {
                path: path.to_owned(),
                line,
                column,
                message,
            }
        };
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| at(e.span(), e.message().to_owned()))?;
        let base = path.parent().unwrap_or(Path::new("")).to_owned();
        let fail_on = match raw.scan.fail_on {
            None => None,
            Some(s) => match s.get_ref().as_str() {
                "never" => None,
                v => Some(Severity::parse(v).ok_or_else(|| {
                    at(Some(s.span()), format!("`fail-on` must be one of never, info, low, medium, high, critical; found `{v}`"))
                })?),
            },
        };
        let mut builder = GlobSetBuilder::new();
        let mut exclude = Vec::new();
        for pat in raw.scan.exclude {
            let glob = Glob::new(pat.get_ref())
                .map_err(|e| at(Some(pat.span()), format!("invalid exclude pattern: {e}")))?;
            builder.add(glob);
            exclude.push(pat.into_inner());
        }
        let exclude_set = builder
            .build()
            .map_err(|e| at(None, format!("invalid exclude patterns: {e}")))?;
        if let Some(b) = &raw.scan.max_file_bytes
            && *b.get_ref() == 0
        {
            return Err(at(
                Some(b.span()),
                "`max-file-bytes` must be positive".into(),
            ));
        }
        if let Some(d) = &raw.scan.max_depth
            && !(1..=200).contains(d.get_ref())
        {
            return Err(at(Some(d.span()), "`max-depth` must be between 1 and 200 (the YAML span layer cannot go deeper safely)".into()));
        }
        let check = |s: &toml::Spanned<String>| {
            CheckId::parse(s.get_ref()).ok_or_else(|| {
                at(
                    Some(s.span()),
                    format!(
                        "unknown check id `{}` (`annexa checks` lists them)",
                        s.get_ref()
                    ),
                )
            })
        };
        let select = match &raw.checks.select {
            Some(v) => Some(v.iter().map(check).collect::<Result<Vec<_>, _>>()?),
            None => None,
        };
        let ignore = raw
            .checks
            .ignore
            .iter()
            .map(check)
            .collect::<Result<Vec<_>, _>>()?;
        let mut severity = Vec::new();
        for (k, v) in &raw.checks.severity {
            let id = check(k)?;
            let sev = Severity::parse(v.get_ref()).ok_or_else(|| {
                at(
                    Some(v.span()),
                    format!(
                        "severity must be one of info, low, medium, high, critical; found `{}`",
                        v.get_ref()
                    ),
                )
            })?;
            severity.push((id, sev));
        }
        Ok(Settings {
            select,
            ignore,
            severity,
            trusted_owners: raw
                .checks
                .trusted_owners
                .iter()
                .map(|o| o.trim().to_ascii_lowercase())
                .collect(),
            path: Some(path.to_owned()),
            fail_on,
            exclude,
            exclude_set,
            max_file_bytes: raw.scan.max_file_bytes.map(|s| s.into_inner()),
            max_depth: raw.scan.max_depth.map(|s| s.into_inner()),
            record: raw.evidence.record,
            evidence_store: raw.evidence.store.map(|s| {
                if s.contains("://") {
                    PathBuf::from(s)
                } else {
                    base.join(s)
                }
            }),
            signing_key_file: raw.evidence.signing_key_file.map(|s| base.join(s)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid() {
        let s = Settings::parse(
            Path::new("annexa.toml"),
            "[scan]\nfail-on = \"high\"\nexclude = [\"vendor/**\"]\n",
        )
        .unwrap();
        assert_eq!(s.fail_on, Some(Severity::High));
        assert_eq!(s.excluded_by("vendor/x/action.yml"), Some("vendor/**"));
        assert_eq!(s.excluded_by(".github/workflows/ci.yml"), None);
    }

    #[test]
    fn errors_point_at_the_line() {
        let e = Settings::parse(Path::new("annexa.toml"), "[scan]\n\nfail-onn = \"high\"\n")
            .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("annexa.toml:3:1: unknown field `fail-onn`"),
            "{msg}"
        );
        let e = Settings::parse(Path::new("annexa.toml"), "[scan]\nfail-on = \"severe\"\n")
            .unwrap_err();
        assert!(e.to_string().starts_with("annexa.toml:2:11:"), "{e}");
        let e =
            Settings::parse(Path::new("annexa.toml"), "[scan]\nmax-depth = 1000\n").unwrap_err();
        assert!(e.to_string().contains("max-depth"), "{e}");
    }
}
