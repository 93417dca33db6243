//! `annexa.toml`: read into raw structs that reject unknown keys, then validated into typed
//! [`Settings`]. Every error names the file and the line.
//!
//! Architecture invariant: configuration narrows or tunes what is examined and reported; it
//! never changes what a check concludes.

mod isms;

use std::path::{Path, PathBuf};

use annexa_model::status::Declared;
use annexa_model::{CheckId, ControlId, Severity};
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
    /// The Statement of Applicability (ISO/IEC 27001:2022 6.1.3 d): one decision per Annex A
    /// control, with its version and approval.
    soa: Option<RawSoa>,
    /// The organisation's own thresholds that platform checks judge a snapshot against.
    #[serde(default)]
    platform: RawPlatform,
    /// The ISMS scope (ISO/IEC 27001:2022 4.3) as it concerns software delivery: which
    /// repositories are in scope and which are out, with the reason. Reports reconcile it with
    /// the estate the scan and its snapshots reveal.
    scope: Option<RawScope>,
    /// The risk criteria (6.1.2): scales and the acceptance threshold, with their approval.
    risk_criteria: Option<RawRiskCriteria>,
    /// The CI/CD risk register: starter risks adopted (by id, `R01`…) or declared not
    /// applicable, and the organisation's own.
    #[serde(default)]
    #[schemars(with = "Vec<RawRisk>")]
    risk: Vec<toml::Spanned<RawRisk>>,
    /// Human records for the process parts of controls (access reviews, training, screening,
    /// physical security of self-hosted runners, supplier assessments, internal audit,
    /// management review): each points at a file annexa hashes.
    #[serde(default)]
    #[schemars(with = "Vec<RawAttestation>")]
    attestation: Vec<toml::Spanned<RawAttestation>>,
    /// Risk acceptances: the only way a finding becomes accepted risk (check, scope, reason,
    /// owner, approver, expiry); it reopens when the acceptance expires.
    #[serde(default)]
    #[schemars(with = "Vec<isms::RawAcceptance>")]
    acceptance: Vec<toml::Spanned<isms::RawAcceptance>>,
    /// Information security objectives (6.2) with the measure annexa evaluates on every run.
    #[serde(default)]
    #[schemars(with = "Vec<isms::RawObjective>")]
    objective: Vec<toml::Spanned<isms::RawObjective>>,
    /// The supplier register (A.5.19–A.5.23): CI services, runners, third-party actions, orbs,
    /// images, pipes.
    #[serde(default)]
    #[schemars(with = "Vec<isms::RawSupplier>")]
    supplier: Vec<toml::Spanned<isms::RawSupplier>>,
    /// Corrective actions (10.2), each answering a potential nonconformity.
    #[serde(default)]
    #[schemars(with = "Vec<isms::RawAction>")]
    action: Vec<toml::Spanned<isms::RawAction>>,
    /// How corrective actions are verified.
    #[schemars(with = "Option<isms::RawActions>")]
    actions: Option<toml::Spanned<isms::RawActions>>,
    /// The audit calendar: internal audits, management reviews, certification audits.
    #[serde(default)]
    #[schemars(with = "Vec<isms::RawAudit>")]
    audit: Vec<toml::Spanned<isms::RawAudit>>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawAttestation {
    /// `access-review`, `training`, `screening`, `physical-security`, `supplier-assessment`,
    /// `incident-record`, `internal-audit`, `management-review`, `record`, `policy`.
    kind: String,
    /// Annex A controls it is evidence for; default: every control that needs this kind.
    #[serde(default)]
    controls: Vec<String>,
    /// When the activity took place: a date, `2026-10-01`.
    date: String,
    /// Who performed or owns it.
    owner: String,
    /// The record: a file, relative to this configuration file.
    record: String,
}

/// One `[[attestation]]`, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttestationEntry {
    pub kind: annexa_model::AttestationKind,
    pub controls: Vec<ControlId>,
    pub date: String,
    pub owner: String,
    /// As written.
    pub record: String,
    /// Resolved against the configuration file's folder.
    pub record_path: PathBuf,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRiskCriteria {
    /// Highest likelihood on the scale (1..=this). Default 5.
    likelihood_max: Option<u8>,
    /// Highest impact on the scale (1..=this). Default 5.
    impact_max: Option<u8>,
    /// A risk whose likelihood × impact is at or below this is acceptable.
    accept_at_or_below: u32,
    approved_by: Option<String>,
    /// A date, `2026-03-01`.
    approved_on: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRisk {
    /// A starter risk id (`R01`…; `annexa risks` lists them) or the organisation's own.
    id: String,
    /// Required for the organisation's own risks; a starter risk keeps its title otherwise.
    title: Option<String>,
    /// `false`: the risk does not apply here (`reason` required).
    #[serde(default = "yes")]
    applicable: bool,
    reason: Option<String>,
    owner: Option<String>,
    likelihood: Option<u8>,
    impact: Option<u8>,
    /// Annex A controls that treat it; a starter risk's by default.
    #[serde(default)]
    controls: Vec<String>,
    /// `mitigate`, `accept`, `avoid` or `transfer`.
    treatment: Option<String>,
    /// The treatment plan.
    plan: Option<String>,
    residual_likelihood: Option<u8>,
    residual_impact: Option<u8>,
    /// Who signed off the residual risk, and when (a date).
    residual_approved_by: Option<String>,
    residual_approved_on: Option<String>,
}

fn yes() -> bool {
    true
}

/// Risk criteria (`[risk-criteria]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskCriteria {
    pub likelihood_max: u8,
    pub impact_max: u8,
    pub accept_at_or_below: u32,
    pub approved_by: Option<String>,
    pub approved_on: Option<String>,
}

/// One `[[risk]]` entry, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskEntry {
    pub id: String,
    pub title: Option<String>,
    pub applicable: bool,
    pub reason: Option<String>,
    pub owner: Option<String>,
    pub likelihood: Option<u8>,
    pub impact: Option<u8>,
    pub controls: Vec<ControlId>,
    pub treatment: Option<String>,
    pub plan: Option<String>,
    pub residual_likelihood: Option<u8>,
    pub residual_impact: Option<u8>,
    pub residual_approved_by: Option<String>,
    pub residual_approved_on: Option<String>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawScope {
    /// The scope statement, or a reference to where it is written.
    statement: Option<String>,
    /// Repositories (GitLab projects) in scope: globs over `owner/name` (`acme/*`,
    /// `acme/platform/**`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    repositories: Vec<toml::Spanned<String>>,
    /// Repositories out of scope, each with the reason (required).
    #[serde(default)]
    #[schemars(with = "Vec<RawScopeExclusion>")]
    excluded: Vec<toml::Spanned<RawScopeExclusion>>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawScopeExclusion {
    /// A glob over `owner/name`.
    repository: String,
    /// Why it is out of scope (required).
    reason: Option<String>,
}

/// The declared ISMS scope (`[scope]`).
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub statement: Option<String>,
    /// Globs of in-scope repositories, as written.
    pub repositories: Vec<String>,
    included: GlobSet,
    /// (glob, reason) of out-of-scope repositories.
    pub excluded: Vec<(String, String)>,
    excluded_set: GlobSet,
}

/// Where a repository stands against the declared scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InScope {
    /// Matches an in-scope pattern (the first one).
    Yes(String),
    /// Matches an exclusion (pattern, reason). Exclusions win over inclusions.
    Excluded(String, String),
    /// Matches neither: the scope does not say.
    Undeclared,
}

impl Scope {
    /// Indexes of the in-scope patterns `owner/name` matches.
    pub fn matching(&self, full_name: &str) -> Vec<usize> {
        self.included.matches(full_name.to_ascii_lowercase())
    }

    /// Where `owner/name` (case-insensitive) stands.
    pub fn classify(&self, full_name: &str) -> InScope {
        let name = full_name.to_ascii_lowercase();
        if let Some(&i) = self.excluded_set.matches(&name).first() {
            let (p, r) = &self.excluded[i];
            return InScope::Excluded(p.clone(), r.clone());
        }
        match self.included.matches(&name).first() {
            Some(&i) => InScope::Yes(self.repositories[i].clone()),
            None => InScope::Undeclared,
        }
    }
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPlatform {
    /// Days an open vulnerability alert may stay open, per severity (your vulnerability
    /// management policy's deadlines). Defaults: critical 15, high 30, medium 90, low 180.
    alert_sla_days: Option<RawSla>,
    /// More organisation owners (GitHub) / group Owners (GitLab) than this is a finding.
    /// Default 3.
    max_org_admins: Option<u32>,
    /// More repository / project administrators than this is a finding. Default 3.
    max_repo_admins: Option<u32>,
    /// Where the platform's audit log is exported and kept beyond the platform's own retention
    /// (e.g. `SIEM: splunk index gh-audit, 400 days`). Without it, an audit period longer than
    /// the platform keeps its log is a finding.
    audit_log_archive: Option<String>,
    /// An account holding write access with no audit-log activity for this many days is
    /// inactive (`inactive-write-access`). Default 90.
    inactive_days: Option<u32>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSla {
    critical: Option<u32>,
    high: Option<u32>,
    medium: Option<u32>,
    low: Option<u32>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSoa {
    /// The SoA's version, e.g. `3` or `2026.1`.
    version: Option<String>,
    /// Who approved this version (name or role).
    approver: Option<String>,
    /// When this version was approved: a date, `2026-03-01` (a TOML date or a string).
    #[schemars(with = "Option<DateSchema>")]
    approved_on: Option<toml::Spanned<toml::Value>>,
    /// One decision per Annex A control; controls not listed are reported as undeclared.
    #[serde(default)]
    #[schemars(with = "Vec<RawSoaControl>")]
    control: Vec<toml::Spanned<RawSoaControl>>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSoaControl {
    /// The Annex A control, e.g. `A.8.32`.
    #[schemars(with = "ControlIdSchema")]
    id: toml::Spanned<String>,
    /// `true`: the control is applicable; `false`: it is excluded.
    applicable: bool,
    /// The reason for including the control, or the justification for excluding it
    /// (required).
    #[schemars(with = "String")]
    reason: Option<toml::Spanned<String>>,
    /// How the control is implemented (notes, references to procedures).
    implementation: Option<String>,
}

/// An Annex A control id (`annexa controls` lists them).
#[derive(schemars::JsonSchema)]
#[allow(dead_code)]
struct ControlIdSchema(#[schemars(extend("enum" = control_ids()))] String);

/// A calendar date, YYYY-MM-DD.
#[derive(schemars::JsonSchema)]
#[allow(dead_code)]
struct DateSchema(#[schemars(extend("format" = "date"))] String);

fn control_ids() -> Vec<&'static str> {
    ControlId::all().map(|c| c.code()).collect()
}

/// A valid `YYYY-MM-DD` date.
fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let t = &s[r];
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())
            .flatten()
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// The Statement of Applicability from `[soa]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Soa {
    pub version: Option<String>,
    pub approver: Option<String>,
    /// `YYYY-MM-DD`.
    pub approved_on: Option<String>,
    /// The decisions, in the order written (each control at most once).
    pub controls: Vec<SoaDecision>,
}

/// One SoA decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SoaDecision {
    pub control: ControlId,
    pub applicable: bool,
    /// Reason for inclusion, or justification for exclusion (never empty).
    pub reason: String,
    pub implementation: Option<String>,
}

impl SoaDecision {
    /// The declared dimension this decision gives.
    pub fn declared(&self) -> Declared {
        if self.applicable {
            Declared::Applicable
        } else {
            Declared::Excluded
        }
    }
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
    /// `[soa]`: the Statement of Applicability, if the file has one.
    pub soa: Option<Soa>,
    /// `[platform]`: alert deadlines (days) for critical, high, medium, low, where set.
    pub alert_sla_days: [Option<u32>; 4],
    pub max_org_admins: Option<u32>,
    pub max_repo_admins: Option<u32>,
    pub audit_log_archive: Option<String>,
    pub inactive_days: Option<u32>,
    /// `[scope]`: the declared ISMS scope, if the file has one.
    pub scope: Option<Scope>,
    /// `[risk-criteria]`, if the file has them.
    pub risk_criteria: Option<RiskCriteria>,
    /// `[[risk]]` entries, in file order.
    pub risks: Vec<RiskEntry>,
    /// `[[attestation]]` records, in file order.
    pub attestations: Vec<AttestationEntry>,
    /// `[[acceptance]]` risk acceptances, in file order.
    pub acceptances: Vec<annexa_assess::acceptance::Acceptance>,
    /// `[[objective]]` entries, in file order.
    pub objectives: Vec<annexa_assess::objectives::Objective>,
    /// `[[supplier]]` register entries, in file order.
    pub suppliers: Vec<annexa_assess::suppliers::Supplier>,
    /// `[[action]]` corrective actions, in file order.
    pub actions: Vec<annexa_assess::actions::CorrectiveAction>,
    /// `[actions] verify-runs`: clean days required after a corrective action's completion
    /// before it counts as effective (default 3; 0 only in `Settings::default()`, read as 3).
    verify_runs: usize,
    /// `[[audit]]` calendar entries, in file order (status not yet judged).
    pub audits: Vec<annexa_assess::calendar::CalendarEntry>,
}

impl Settings {
    /// Clean runs required after a corrective action's completion before it counts as
    /// effective: `[actions] verify-runs`, default 3.
    pub fn verify_runs(&self) -> usize {
        if self.verify_runs == 0 {
            3
        } else {
            self.verify_runs
        }
    }

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
        let soa = match raw.soa {
            None => None,
            Some(raw) => Some(soa(raw, &at)?),
        };
        let scope = match raw.scope {
            None => None,
            Some(sc) => {
                let glob = |pat: &toml::Spanned<String>| {
                    globset::GlobBuilder::new(&pat.get_ref().to_ascii_lowercase())
                        .literal_separator(true)
                        .build()
                        .map_err(|e| {
                            at(Some(pat.span()), format!("invalid repository pattern: {e}"))
                        })
                };
                let mut inc = GlobSetBuilder::new();
                for p in &sc.repositories {
                    inc.add(glob(p)?);
                }
                let mut exc = GlobSetBuilder::new();
                let mut excluded = Vec::new();
                for e in &sc.excluded {
                    let reason = e.get_ref().reason.clone().filter(|r| !r.trim().is_empty()).ok_or_else(|| {
                        at(Some(e.span()), format!("`[[scope.excluded]]` `{}` needs a `reason`: an exclusion from the ISMS scope must be justified", e.get_ref().repository))
                    })?;
                    let spanned = toml::Spanned::new(e.span(), e.get_ref().repository.clone());
                    exc.add(glob(&spanned)?);
                    excluded.push((e.get_ref().repository.clone(), reason));
                }
                Some(Scope {
                    statement: sc.statement,
                    repositories: sc
                        .repositories
                        .iter()
                        .map(|p| p.get_ref().clone())
                        .collect(),
                    included: inc
                        .build()
                        .map_err(|e| at(None, format!("invalid scope patterns: {e}")))?,
                    excluded,
                    excluded_set: exc
                        .build()
                        .map_err(|e| at(None, format!("invalid scope patterns: {e}")))?,
                })
            }
        };
        let risk_criteria = match raw.risk_criteria {
            None => None,
            Some(c) => {
                for d in c.approved_on.iter() {
                    if !valid_date(d) {
                        return Err(at(
                            None,
                            format!(
                                "`[risk-criteria] approved-on` must be a date (YYYY-MM-DD); found `{d}`"
                            ),
                        ));
                    }
                }
                Some(RiskCriteria {
                    likelihood_max: c.likelihood_max.unwrap_or(5).max(1),
                    impact_max: c.impact_max.unwrap_or(5).max(1),
                    accept_at_or_below: c.accept_at_or_below,
                    approved_by: c.approved_by,
                    approved_on: c.approved_on,
                })
            }
        };
        let (lmax, imax) = risk_criteria
            .as_ref()
            .map_or((5, 5), |c| (c.likelihood_max, c.impact_max));
        let mut risks = Vec::new();
        let mut seen_ids = std::collections::BTreeSet::new();
        for r in raw.risk {
            let span = r.span();
            let r = r.into_inner();
            let here = |m: String| at(Some(span.clone()), m);
            if !seen_ids.insert(r.id.clone()) {
                return Err(here(format!("risk `{}` is listed twice", r.id)));
            }
            if !r.applicable && r.reason.as_deref().is_none_or(|x| x.trim().is_empty()) {
                return Err(here(format!(
                    "risk `{}` is not applicable: it needs a `reason`",
                    r.id
                )));
            }
            for (name, v, max) in [
                ("likelihood", r.likelihood, lmax),
                ("impact", r.impact, imax),
                ("residual-likelihood", r.residual_likelihood, lmax),
                ("residual-impact", r.residual_impact, imax),
            ] {
                if let Some(v) = v
                    && !(1..=max).contains(&v)
                {
                    return Err(here(format!(
                        "risk `{}`: `{name}` must be 1..={max}; found {v}",
                        r.id
                    )));
                }
            }
            if let Some(t) = &r.treatment
                && !matches!(t.as_str(), "mitigate" | "accept" | "avoid" | "transfer")
            {
                return Err(here(format!(
                    "risk `{}`: `treatment` must be mitigate, accept, avoid or transfer; found `{t}`",
                    r.id
                )));
            }
            if let Some(d) = &r.residual_approved_on
                && !valid_date(d)
            {
                return Err(here(format!(
                    "risk `{}`: `residual-approved-on` must be a date (YYYY-MM-DD)",
                    r.id
                )));
            }
            let mut controls = Vec::new();
            for c in &r.controls {
                controls.push(ControlId::parse(c).ok_or_else(|| {
                    here(format!("risk `{}`: `{c}` is not an Annex A control", r.id))
                })?);
            }
            risks.push(RiskEntry {
                id: r.id,
                title: r.title,
                applicable: r.applicable,
                reason: r.reason,
                owner: r.owner,
                likelihood: r.likelihood,
                impact: r.impact,
                controls,
                treatment: r.treatment,
                plan: r.plan,
                residual_likelihood: r.residual_likelihood,
                residual_impact: r.residual_impact,
                residual_approved_by: r.residual_approved_by,
                residual_approved_on: r.residual_approved_on,
            });
        }
        let mut attestations = Vec::new();
        for a in raw.attestation {
            let span = a.span();
            let a = a.into_inner();
            let here = |m: String| at(Some(span.clone()), m);
            let kind = annexa_model::AttestationKind::parse(&a.kind).ok_or_else(|| {
                here(format!(
                    "`kind` must be one of {}; found `{}`",
                    annexa_model::AttestationKind::ALL
                        .map(|k| k.as_str())
                        .join(", "),
                    a.kind
                ))
            })?;
            if !valid_date(&a.date) {
                return Err(here(format!(
                    "`date` must be a date (YYYY-MM-DD); found `{}`",
                    a.date
                )));
            }
            if a.record.trim().is_empty() {
                return Err(here(
                    "`record` must name the file that holds the record".into(),
                ));
            }
            let mut controls = Vec::new();
            for c in &a.controls {
                controls.push(
                    ControlId::parse(c)
                        .ok_or_else(|| here(format!("`{c}` is not an Annex A control")))?,
                );
            }
            attestations.push(AttestationEntry {
                kind,
                controls,
                date: a.date,
                owner: a.owner,
                record_path: base.join(&a.record),
                record: a.record,
            });
        }
        let sla = raw.platform.alert_sla_days.unwrap_or_default();
        let acceptances = isms::acceptances(raw.acceptance, &at)?;
        let objectives = isms::objectives(raw.objective, &at)?;
        let suppliers = isms::suppliers(raw.supplier, &at)?;
        let actions = isms::actions(raw.action, &at)?;
        let audits = isms::audits(raw.audit, &at)?;
        Ok(Settings {
            acceptances,
            objectives,
            suppliers,
            actions,
            verify_runs: isms::verify_runs(raw.actions.as_ref(), &at)?,
            audits,
            alert_sla_days: [sla.critical, sla.high, sla.medium, sla.low],
            max_org_admins: raw.platform.max_org_admins,
            max_repo_admins: raw.platform.max_repo_admins,
            audit_log_archive: raw.platform.audit_log_archive,
            inactive_days: raw.platform.inactive_days,
            scope,
            risk_criteria,
            risks,
            attestations,
            soa,
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

/// Validate `[soa]`: known, distinct control ids, a reason for every decision, a real date.
fn soa(
    raw: RawSoa,
    at: &dyn Fn(Option<std::ops::Range<usize>>, String) -> ConfigError,
) -> Result<Soa, ConfigError> {
    let approved_on = match raw.approved_on {
        None => None,
        Some(v) => {
            let span = v.span();
            let text = match v.into_inner() {
                toml::Value::String(s) => s,
                toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => d.to_string(),
                other => other.to_string(),
            };
            if !valid_date(&text) {
                return Err(at(
                    Some(span),
                    format!("`approved-on` must be a date (YYYY-MM-DD); found `{text}`"),
                ));
            }
            Some(text)
        }
    };
    let mut controls: Vec<SoaDecision> = Vec::new();
    let mut seen: std::collections::BTreeMap<ControlId, std::ops::Range<usize>> =
        std::collections::BTreeMap::new();
    for entry in raw.control {
        let entry_span = entry.span();
        let c = entry.into_inner();
        let id_span = c.id.span();
        let control = ControlId::parse(c.id.get_ref()).ok_or_else(|| {
            at(
                Some(id_span.clone()),
                format!(
                    "unknown Annex A control id `{}` (e.g. A.8.32; `annexa controls` lists them)",
                    c.id.get_ref()
                ),
            )
        })?;
        if let Some(first) = seen.get(&control) {
            let line = match at(Some(first.clone()), String::new()) {
                ConfigError::Invalid { line, .. } => line,
                ConfigError::Read { .. } => 0,
            };
            return Err(at(
                Some(id_span),
                format!(
                    "{} is declared twice in [soa] (first on line {line})",
                    control.code()
                ),
            ));
        }
        seen.insert(control, id_span);
        let reason = match c.reason {
            Some(r) if !r.get_ref().trim().is_empty() => r.into_inner().trim().to_owned(),
            Some(r) => {
                return Err(at(
                    Some(r.span()),
                    format!(
                        "the `reason` for {} is empty: give the reason for inclusion or the justification for exclusion",
                        control.code()
                    ),
                ));
            }
            None => {
                return Err(at(
                    Some(entry_span),
                    format!(
                        "{} has no `reason`: give the reason for inclusion or the justification for exclusion",
                        control.code()
                    ),
                ));
            }
        };
        controls.push(SoaDecision {
            control,
            applicable: c.applicable,
            reason,
            implementation: c
                .implementation
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
        });
    }
    Ok(Soa {
        version: raw.version,
        approver: raw.approver,
        approved_on,
        controls,
    })
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

    const SOA: &str = r#"[soa]
version = "3"
approver = "CISO"
approved-on = 2026-03-01

[[soa.control]]
id = "A.8.32"
applicable = true
reason = "Changes to pipelines go through review"
implementation = "CODEOWNERS and branch protection"

[[soa.control]]
id = "A.7.4"
applicable = false
reason = "No premises: hosted runners only"
"#;

    fn err(text: &str) -> String {
        Settings::parse(Path::new("annexa.toml"), text)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn soa_valid() {
        let s = Settings::parse(Path::new("annexa.toml"), SOA).unwrap();
        let soa = s.soa.unwrap();
        assert_eq!(soa.version.as_deref(), Some("3"));
        assert_eq!(soa.approver.as_deref(), Some("CISO"));
        assert_eq!(soa.approved_on.as_deref(), Some("2026-03-01"));
        assert_eq!(soa.controls.len(), 2);
        assert_eq!(soa.controls[0].control, ControlId::A8_32);
        assert_eq!(soa.controls[0].declared(), Declared::Applicable);
        assert_eq!(soa.controls[1].declared(), Declared::Excluded);
        assert_eq!(soa.controls[1].implementation, None);
        let s = Settings::parse(
            Path::new("annexa.toml"),
            "[soa]\napproved-on = \"2024-02-29\"\n",
        )
        .unwrap();
        assert_eq!(s.soa.unwrap().approved_on.as_deref(), Some("2024-02-29"));
        assert!(
            Settings::parse(Path::new("annexa.toml"), "")
                .unwrap()
                .soa
                .is_none()
        );
    }

    #[test]
    fn soa_errors_point_at_the_line() {
        let e = err(&SOA.replace("\"A.7.4\"", "\"A.9.9\""));
        assert!(
            e.starts_with("annexa.toml:13:6: unknown Annex A control id `A.9.9`"),
            "{e}"
        );
        let e = err(&SOA.replace("\"A.7.4\"", "\"A.8.32\""));
        assert!(
            e.starts_with("annexa.toml:13:6: A.8.32 is declared twice in [soa] (first on line 7)"),
            "{e}"
        );
        let e = err(&SOA.replace("reason = \"No premises: hosted runners only\"\n", ""));
        assert!(
            e.starts_with("annexa.toml:12:1: A.7.4 has no `reason`"),
            "{e}"
        );
        let e = err(&SOA.replace("\"No premises: hosted runners only\"", "\"  \""));
        assert!(
            e.starts_with("annexa.toml:15:10:") && e.contains("is empty"),
            "{e}"
        );
        let e = err(&SOA.replace("2026-03-01", "\"2026-02-30\""));
        assert!(
            e.starts_with("annexa.toml:4:15: `approved-on` must be a date"),
            "{e}"
        );
        let e = err(&SOA.replace("2026-03-01", "2026-03-01T10:00:00Z"));
        assert!(e.starts_with("annexa.toml:4:15:"), "{e}");
        let e = err(&SOA.replace("applicable = false", "applicable = false\nowner = \"x\""));
        assert!(
            e.starts_with("annexa.toml:15:1: unknown field `owner`"),
            "{e}"
        );
    }
}
