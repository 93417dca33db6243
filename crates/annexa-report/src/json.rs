//! The JSON report, version 1. Its schema is generated from these types
//! (`schemas/scan-report-v1.schema.json`) and every output is validated against it in tests.

use std::collections::BTreeMap;

use annexa_assess::{Assessment, ControlStatus};
use annexa_engine::{FileStatus, ScanResult, fingerprint};
use annexa_model::status::Level;
use annexa_model::{Location, Observation, Outcome, Severity};
use rayon::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;

use crate::{ReportInput, resolve};

/// The report format's identifier; bumped only with an incompatible change.
pub const SCHEMA_ID: &str = "https://annexa.dev/schemas/scan-report-v1.json";

/// A scan report.
#[derive(Serialize, JsonSchema)]
#[schemars(title = "annexa scan report v1")]
pub struct ScanReport {
    pub schema: String,
    pub schema_version: u32,
    pub tool: Tool,
    /// The time the report is "as of" (RFC 3339).
    pub as_of: String,
    pub repositories: Vec<RepositoryOut>,
    /// Platform snapshots the scan read (`--snapshot`).
    pub snapshots: Vec<SnapshotOut>,
    /// The declared ISMS scope (4.3) against the estate the scan and its snapshots reveal.
    pub scope: ScopeOut,
    pub summary: Summary,
    /// `fail` observations.
    pub findings: Vec<ObservationOut>,
    /// `pass` observations: the evidence that something is in place.
    pub passes: Vec<ObservationOut>,
    /// `unknown` observations, each with the reason the check could not decide.
    pub unknowns: Vec<ObservationOut>,
    /// `not-relevant` observations, counted per check.
    pub not_relevant: BTreeMap<String, usize>,
    pub diagnostics: Vec<DiagnosticOut>,
    pub files: Vec<FileOut>,
    /// All 93 Annex A controls with their status dimensions.
    pub controls: Vec<ControlOut>,
    pub checks: Vec<CheckOut>,
    pub not_examined: NotExamined,
}

/// Scope reconciliation (ISO/IEC 27001:2022 4.3).
#[derive(Serialize, JsonSchema)]
pub struct ScopeOut {
    /// Whether annexa.toml declares a `[scope]`.
    pub declared: bool,
    pub statement: Option<String>,
    /// Every repository the scan or a snapshot revealed.
    pub repositories: Vec<ScopeEntryOut>,
    /// Self-hosted runners the pipelines target, placed by the repositories using them.
    pub runners: Vec<RunnerOut>,
}

#[derive(Serialize, JsonSchema)]
pub struct RunnerOut {
    /// The labels jobs select the runner by.
    pub labels: String,
    /// `owner/name` of the repositories whose jobs run there.
    pub repositories: Vec<String>,
    /// `in-scope`, `out-of-scope` or `undeclared`.
    pub status: String,
    /// Runners a platform snapshot lists that can serve these labels: `name (org acme)`.
    pub registered: Vec<String>,
}

#[derive(Serialize, JsonSchema)]
pub struct ScopeEntryOut {
    /// `host/owner/name`.
    pub repository: String,
    /// `in-scope`, `out-of-scope` or `undeclared`.
    pub status: String,
    pub pattern: Option<String>,
    /// Why it is out of scope.
    pub reason: Option<String>,
    pub files_examined: bool,
    pub platform_examined: bool,
    pub found_in: Vec<String>,
}

/// A platform snapshot: what it is, who collected it, how complete it is.
#[derive(Serialize, JsonSchema)]
pub struct SnapshotOut {
    /// The folder as given on the command line.
    pub path: String,
    /// `github` or `gitlab`.
    pub platform: String,
    pub base_url: String,
    pub host: String,
    pub collected_at: String,
    pub finished_at: Option<String>,
    pub complete: bool,
    pub incomplete: Vec<String>,
    pub collector: Option<String>,
    pub token_kind: Option<String>,
    pub scopes: Vec<String>,
    pub organisation: Option<String>,
    pub period_from: Option<String>,
    pub period_to: Option<String>,
    pub resources: usize,
    /// Resources answered with an error status (each a fact or a named `unknown`).
    pub error_resources: usize,
    /// Resources whose body was changed after collection.
    pub hand_edited: Vec<String>,
    /// Built from a description (`annexa snapshot build`), not collected.
    pub synthetic: bool,
    /// Repositories / projects the platform checks examined.
    pub examined: Vec<String>,
    /// Those whose files the same scan read (index into `repositories`).
    pub joined: BTreeMap<String, u32>,
    /// The instant ages and deadlines were measured at.
    pub as_of: String,
}

#[derive(Serialize, JsonSchema)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Serialize, JsonSchema)]
pub struct RepositoryOut {
    pub index: u32,
    /// The folder as given on the command line.
    pub path: String,
    /// `host/owner/name` from the origin remote, or `local/<folder>`.
    pub identity: String,
    pub commit: Option<String>,
    pub branch: Option<String>,
    /// `repo-commit` for a clean git checkout, otherwise `working-tree`.
    pub provenance: String,
}

#[derive(Serialize, JsonSchema)]
pub struct Summary {
    pub files_examined: usize,
    pub files_partly_understood: usize,
    pub files_not_examined: usize,
    pub pass: usize,
    pub fail: usize,
    pub unknown: usize,
    pub not_relevant: usize,
    /// Open findings (not suppressed or baselined) per severity.
    pub findings_by_severity: BTreeMap<String, usize>,
    /// Findings suppressed inline or deselected, and findings matched by the baseline.
    pub suppressed: usize,
    pub baselined: usize,
    /// Controls per overall status.
    pub controls_by_status: BTreeMap<String, usize>,
}

#[derive(Serialize, JsonSchema)]
pub struct ObservationOut {
    pub check: String,
    pub outcome: String,
    pub severity: String,
    pub confidence: String,
    /// Stable subject key (no line numbers).
    pub subject: String,
    /// Hash of the check and the subject without its commit: stable across commits.
    pub fingerprint: String,
    pub message: String,
    pub provenance: String,
    pub controls: Vec<String>,
    pub locations: Vec<LocationOut>,
    /// Why a finding is not reported or gated (it still counts for control status).
    pub suppression: Option<SuppressionOut>,
}

#[derive(Serialize, JsonSchema)]
pub struct SuppressionOut {
    /// `inline`, `deselected`, `baselined`, `policy` or `accepted-risk`.
    pub kind: String,
    pub reason: Option<String>,
    /// `accepted-risk`: the `[[acceptance]]` id and its last day; the finding reopens after it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acceptance: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

#[derive(Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum LocationOut {
    File {
        repository: u32,
        /// Repository-relative path.
        path: String,
        /// Semantic route inside the file (empty for the whole file).
        route: String,
        line: Option<usize>,
        column: Option<usize>,
        end_line: Option<usize>,
        end_column: Option<usize>,
        byte_start: Option<usize>,
        byte_end: Option<usize>,
        label: Option<String>,
        via: Vec<ViaOut>,
    },
    Api {
        resource: String,
        pointer: String,
        status: u16,
        etag: Option<String>,
    },
    Record {
        id: String,
    },
}

#[derive(Serialize, JsonSchema)]
pub struct ViaOut {
    pub kind: String,
    pub path: String,
}

#[derive(Serialize, JsonSchema)]
pub struct DiagnosticOut {
    pub repository: u32,
    pub path: String,
    pub kind: String,
    pub message: String,
}

#[derive(Serialize, JsonSchema)]
pub struct FileOut {
    pub repository: u32,
    pub path: String,
    pub kind: String,
    pub status: String,
    pub provenance: String,
    pub sha256: Option<String>,
    /// `pipeline` (analysed on its own), `fragment` (an include or template found alone,
    /// analysed without the context of a file including it) or `included` (analysed as part of
    /// the pipelines in `included_by`); `null` for files that are not pipelines.
    pub role: Option<String>,
    /// The pipelines this file was analysed as part of.
    pub included_by: Vec<String>,
}

#[derive(Serialize, JsonSchema)]
pub struct ControlOut {
    pub id: String,
    pub title: String,
    pub theme: String,
    pub cicd_relevance: String,
    pub overall: String,
    pub declared: String,
    /// `null` when the control has no requirement of that kind.
    pub design: Option<String>,
    pub operation: Option<String>,
    pub attestation: Option<String>,
    pub design_evidence: Vec<CheckEvidenceOut>,
    pub operation_requirements: Vec<RequirementOut>,
    pub attestation_requirements: Vec<RequirementOut>,
}

#[derive(Serialize, JsonSchema)]
pub struct CheckEvidenceOut {
    pub check: String,
    /// `null` when the check saw nothing relevant.
    pub level: Option<String>,
    pub pass: usize,
    pub fail: usize,
    pub unknown: usize,
    pub not_relevant: usize,
    pub repositories_assessed: usize,
    pub repositories_meeting: usize,
}

#[derive(Serialize, JsonSchema)]
pub struct RequirementOut {
    pub kind: String,
    pub level: String,
    pub reason: String,
}

#[derive(Serialize, JsonSchema)]
pub struct CheckOut {
    pub id: String,
    pub summary: String,
    pub severity: String,
    pub confidence: String,
    pub platforms: Vec<String>,
    pub controls: Vec<String>,
}

/// What the run did not examine: never hidden.
#[derive(Serialize, JsonSchema)]
pub struct NotExamined {
    /// Files that could not be read or parsed at all.
    pub files: Vec<DiagnosticOut>,
    /// Files examined only in part.
    pub partly_understood: Vec<DiagnosticOut>,
    /// Files excluded by configuration.
    pub excluded: Vec<ExcludedOut>,
    /// Findings suppressed inline, deselected (`--select` / `--ignore` / `[checks]`) or accepted
    /// by policy (`trusted-owners`).
    pub suppressed: Vec<ObservationOut>,
    /// Findings matched by the baseline.
    pub baselined: Vec<ObservationOut>,
    /// Sources of evidence this run did not have.
    pub sources: Vec<String>,
    /// Observations the checks could not decide.
    pub unknown_observations: usize,
}

#[derive(Serialize, JsonSchema)]
pub struct ExcludedOut {
    pub repository: u32,
    pub path: String,
    pub pattern: String,
}

fn level(l: Option<Level>) -> Option<String> {
    l.map(|l| l.as_str().to_owned())
}

pub(crate) fn observation(scan: &ScanResult, o: &Observation) -> ObservationOut {
    let meta = scan.checks.iter().find(|m| m.id == o.check);
    ObservationOut {
        check: o.check.as_str().to_owned(),
        outcome: o.outcome.as_str().to_owned(),
        severity: o.severity.as_str().to_owned(),
        confidence: meta.map_or("high", |m| m.confidence.as_str()).to_owned(),
        subject: o.subject.to_string(),
        fingerprint: fingerprint(o),
        message: o.message.clone(),
        provenance: o.provenance.as_str().to_owned(),
        controls: meta
            .map(|m| m.controls.iter().map(|c| c.code().to_owned()).collect())
            .unwrap_or_default(),
        locations: o.locations.iter().map(|l| location(scan, l)).collect(),
        suppression: o.suppression.as_ref().map(|s| {
            let (acceptance, expires) = match s {
                annexa_model::Suppression::Accepted { id, expires, .. } => {
                    (Some(id.clone()), Some(expires.clone()))
                }
                _ => (None, None),
            };
            SuppressionOut {
                kind: s.kind().to_owned(),
                reason: s.reason().map(String::from),
                acceptance,
                expires,
            }
        }),
    }
}

fn location(scan: &ScanResult, l: &Location) -> LocationOut {
    match l {
        Location::File(f) => {
            let r = resolve(scan, l);
            LocationOut::File {
                repository: f.repo,
                path: f.path.clone(),
                route: f.route.to_string(),
                line: r.as_ref().and_then(|r| r.start.map(|s| s.0)),
                column: r.as_ref().and_then(|r| r.start.map(|s| s.1)),
                end_line: r.as_ref().and_then(|r| r.end.map(|s| s.0)),
                end_column: r.as_ref().and_then(|r| r.end.map(|s| s.1)),
                byte_start: f.span.map(|s| s.start),
                byte_end: f.span.map(|s| s.end),
                label: f.label.clone(),
                via: f
                    .via
                    .iter()
                    .map(|v| ViaOut {
                        kind: v.kind.as_str().to_owned(),
                        path: v.path.clone(),
                    })
                    .collect(),
            }
        }
        Location::Api {
            resource,
            pointer,
            status,
            etag,
        } => LocationOut::Api {
            resource: resource.clone(),
            pointer: pointer.clone(),
            status: *status,
            etag: etag.clone(),
        },
        Location::Record { id } => LocationOut::Record { id: id.clone() },
    }
}

pub(crate) fn control(c: &ControlStatus) -> ControlOut {
    let info = c.control.info();
    ControlOut {
        id: info.code.to_owned(),
        title: info.title.to_owned(),
        theme: info.theme.as_str().to_owned(),
        cicd_relevance: info.relevance.as_str().to_owned(),
        overall: c.overall.as_str().to_owned(),
        declared: match c.dimensions.declared {
            annexa_model::status::Declared::Undeclared => "undeclared",
            annexa_model::status::Declared::Applicable => "applicable",
            annexa_model::status::Declared::Excluded => "excluded",
        }
        .to_owned(),
        design: level(c.dimensions.design),
        operation: level(c.dimensions.operation),
        attestation: level(c.dimensions.attestation),
        design_evidence: c
            .design
            .iter()
            .map(|e| CheckEvidenceOut {
                check: e.check.as_str().to_owned(),
                level: level(e.level),
                pass: e.pass,
                fail: e.fail,
                unknown: e.unknown,
                not_relevant: e.not_relevant,
                repositories_assessed: e.repositories_assessed,
                repositories_meeting: e.repositories_meeting,
            })
            .collect(),
        operation_requirements: c
            .operation
            .iter()
            .map(|r| RequirementOut {
                kind: r.kind.as_str().to_owned(),
                level: r.level.as_str().to_owned(),
                reason: r.reason.clone(),
            })
            .collect(),
        attestation_requirements: c
            .attestation
            .iter()
            .map(|r| RequirementOut {
                kind: r.kind.as_str().to_owned(),
                level: r.level.as_str().to_owned(),
                reason: r.reason.clone(),
            })
            .collect(),
    }
}

/// Sources of evidence a scan of repository files does not have. `soa_read`: the SoA
/// decisions came from annexa.toml (the other ISMS records still did not).
pub fn missing_sources(scan: &ScanResult, soa_read: bool) -> Vec<String> {
    let mut v = Vec::new();
    if scan.files_only {
        v.push("repository-wide checks (security tooling, dependency updates, CODEOWNERS, SECURITY.md): only the files named on the command line were examined".to_owned());
    }
    if scan.snapshots.is_empty() {
        v.push("platform state (branch protection, reviews, members, environments, settings): no platform snapshot was given".to_owned());
    }
    for s in &scan.snapshots {
        let m = &s.manifest;
        if !m.complete {
            v.push(format!(
                "snapshot {}: incomplete ({}); what it lacks is `unknown`",
                s.display,
                if m.incomplete.is_empty() {
                    "the collection did not finish".to_owned()
                } else {
                    format!(
                        "{} resource(s) not fetched, e.g. {}",
                        m.incomplete.len(),
                        m.incomplete[0]
                    )
                }
            ));
        }
        if !s.errors.is_empty() {
            let mut by_status: BTreeMap<u16, usize> = BTreeMap::new();
            for (_, st) in &s.errors {
                *by_status.entry(*st).or_default() += 1;
            }
            let counts: Vec<String> = by_status
                .iter()
                .map(|(st, n)| format!("{n} × HTTP {st}"))
                .collect();
            v.push(format!(
                "snapshot {}: {} resource(s) answered with an error ({}): facts where the platform means one (\"Branch not protected\"), otherwise `unknown` naming the permission",
                s.display,
                s.errors.len(),
                counts.join(", ")
            ));
        }
        if m.synthetic {
            v.push(format!(
                "snapshot {}: built from a description, not collected (synthetic): every observation from it is `hand-edited`, never system evidence",
                s.display
            ));
        }
        let truncated: Vec<&str> = m
            .resources
            .iter()
            .filter(|(_, r)| r.truncated.is_some())
            .map(|(k, _)| k.as_str())
            .collect();
        if !truncated.is_empty() {
            v.push(format!(
                "snapshot {}: {} list(s) not read to their end (their checks are `unknown`): {}",
                s.display,
                truncated.len(),
                truncated.join(", ")
            ));
        }
        if !s.edited.is_empty() {
            v.push(format!(
                "snapshot {}: {} resource(s) hand-edited after collection (never system evidence): {}",
                s.display,
                s.edited.len(),
                s.edited.join(", ")
            ));
        }
        for (k, why) in &s.unreadable {
            v.push(format!("snapshot {}: {k} unreadable: {why}", s.display));
        }
    }
    let list = |names: Vec<&str>| {
        let n = names.len();
        let mut shown: Vec<&str> = names.into_iter().take(12).collect();
        shown.sort();
        let more = if n > 12 {
            format!(" (+{} more)", n - 12)
        } else {
            String::new()
        };
        format!("{}{more}", shown.join(", "))
    };
    let missed: Vec<&str> = scan
        .scope
        .in_scope_not_examined()
        .map(|e| e.repository.as_str())
        .collect();
    if !missed.is_empty() {
        v.push(format!(
            "in the declared scope (4.3) but not examined, neither files nor platform state: {}",
            list(missed)
        ));
    }
    if !scan.scope.unmatched.is_empty() {
        v.push(format!(
            "declared in scope (4.3) but found nowhere in the scan or its snapshots: {}",
            scan.scope.unmatched.join(", ")
        ));
    }
    for r in scan
        .scope
        .runners
        .iter()
        .filter(|r| r.status != "out-of-scope")
    {
        let used = if r.repositories.is_empty() {
            "targeted by no scanned pipeline".to_owned()
        } else {
            format!("used by {}", r.repositories.join(", "))
        };
        let registered = if r.registered.is_empty() {
            String::new()
        } else {
            format!("; registered as {}", r.registered.join(", "))
        };
        v.push(format!(
            "self-hosted runner [{}] ({}, {used}{registered}): the machine itself is not examined — its hardening, patching and physical security need their own evidence (attestations)",
            r.labels, r.status,
        ));
    }
    for s in &scan.scope.estate_unlisted {
        v.push(format!(
            "snapshot {s}: the organisation's / group's repository list was not read, so the estate is only what was collected"
        ));
    }
    let undeclared: Vec<&str> = scan
        .scope
        .undeclared()
        .map(|e| e.repository.as_str())
        .collect();
    if !undeclared.is_empty() && scan.scope.declared {
        v.push(format!(
            "found but neither in nor out of the declared scope (4.3): {}",
            list(undeclared)
        ));
    } else if !undeclared.is_empty() {
        let n = undeclared.len();
        v.push(format!(
            "no `[scope]` declared in annexa.toml: the scope (4.3) of the {n} {} found is not stated",
            if n == 1 { "repository" } else { "repositories" }
        ));
    }
    if !scan.snapshots.iter().any(|s| s.manifest.period.is_some()) {
        v.push("period evidence (merged changes, deployments, access, alerts over time): no snapshot was collected with a period".to_owned());
    }
    v.extend([
        if soa_read {
            "ISMS records: the policies under isms/policies/ are read only by `annexa report`, `ncs`, `assess`, `actions` and `review`; attestation records count only as annexa.toml lists them".to_owned()
        } else {
            "ISMS records (Statement of Applicability, policies, attestations): no ISMS configuration was read".to_owned()
        },
    ]);
    v
}

/// Whether the assessment had SoA decisions.
pub fn soa_read(input: &crate::ReportInput<'_>) -> bool {
    input
        .assessment
        .controls
        .iter()
        .any(|c| c.dimensions.declared != annexa_model::status::Declared::Undeclared)
}

fn diag(d: &annexa_model::Diagnostic) -> DiagnosticOut {
    DiagnosticOut {
        repository: d.repo,
        path: d.path.clone(),
        kind: d.kind.as_str().to_owned(),
        message: d.message.clone(),
    }
}

/// Build the report.
pub fn build(input: &ReportInput<'_>) -> ScanReport {
    let scan = input.scan;
    // Converting observations (paths, line numbers, fingerprints) is the bulk of the work:
    // done in parallel; rayon's collect keeps the engine's order.
    let by = |outcome: Outcome| -> Vec<ObservationOut> {
        scan.observations
            .par_iter()
            .filter(|o| o.outcome == outcome && o.suppression.is_none())
            .map(|o| observation(scan, o))
            .collect()
    };
    let mut not_relevant = BTreeMap::new();
    for o in scan
        .observations
        .iter()
        .filter(|o| o.outcome == Outcome::NotRelevant)
    {
        *not_relevant.entry(o.check.as_str().to_owned()).or_insert(0) += 1;
    }
    let count = |outcome: Outcome| {
        scan.observations
            .iter()
            .filter(|o| o.outcome == outcome)
            .count()
    };
    let mut findings_by_severity = BTreeMap::new();
    for s in Severity::ALL {
        let n = scan
            .observations
            .iter()
            .filter(|o| o.is_open_finding() && o.severity == s)
            .count();
        findings_by_severity.insert(s.as_str().to_owned(), n);
    }
    let mut controls_by_status = BTreeMap::new();
    for c in &input.assessment.controls {
        *controls_by_status
            .entry(c.overall.as_str().to_owned())
            .or_insert(0) += 1;
    }
    ScanReport {
        schema: SCHEMA_ID.to_owned(),
        schema_version: 1,
        tool: Tool {
            name: "annexa".to_owned(),
            version: input.tool_version.to_owned(),
        },
        as_of: input.as_of.to_owned(),
        repositories: scan
            .repositories
            .iter()
            .enumerate()
            .map(|(i, r)| RepositoryOut {
                index: i as u32,
                path: r.display.clone(),
                identity: r.identity.to_string(),
                commit: r.commit.clone(),
                branch: r.branch.clone(),
                provenance: if r.dirty {
                    "working-tree"
                } else {
                    "repo-commit"
                }
                .to_owned(),
            })
            .collect(),
        scope: ScopeOut {
            declared: scan.scope.declared,
            statement: scan.scope.statement.clone(),
            repositories: scan
                .scope
                .entries
                .iter()
                .map(|e| ScopeEntryOut {
                    repository: e.repository.clone(),
                    status: e.status.to_owned(),
                    pattern: e.pattern.clone(),
                    reason: e.reason.clone(),
                    files_examined: e.files_examined,
                    platform_examined: e.platform_examined,
                    found_in: e.found_in.clone(),
                })
                .collect(),
            runners: scan
                .scope
                .runners
                .iter()
                .map(|r| RunnerOut {
                    labels: r.labels.clone(),
                    repositories: r.repositories.clone(),
                    status: r.status.to_owned(),
                    registered: r.registered.clone(),
                })
                .collect(),
        },
        snapshots: scan
            .snapshots
            .iter()
            .map(|s| {
                let m = &s.manifest;
                SnapshotOut {
                    path: s.display.clone(),
                    platform: match m.platform {
                        annexa_platform::PlatformKind::Github => "github",
                        annexa_platform::PlatformKind::Gitlab => "gitlab",
                    }
                    .to_owned(),
                    base_url: m.base_url.clone(),
                    host: m.host.clone(),
                    collected_at: m.collected_at.clone(),
                    finished_at: m.finished_at.clone(),
                    complete: m.complete,
                    incomplete: m.incomplete.clone(),
                    collector: m.collector.login.clone(),
                    token_kind: m.collector.token_kind.clone(),
                    scopes: m.collector.scopes.clone(),
                    organisation: m.scope.org.clone().or(m.scope.group.clone()),
                    period_from: m.period.as_ref().map(|p| p.from.clone()),
                    period_to: m.period.as_ref().map(|p| p.to.clone()),
                    resources: m.resources.len(),
                    error_resources: s.errors.len(),
                    hand_edited: s.edited.clone(),
                    synthetic: m.synthetic,
                    examined: s.examined.clone(),
                    joined: s.joined.iter().cloned().collect(),
                    as_of: s.as_of.clone(),
                }
            })
            .collect(),
        summary: Summary {
            files_examined: scan
                .files
                .iter()
                .filter(|f| f.status != FileStatus::Refused)
                .count(),
            files_partly_understood: scan
                .files
                .iter()
                .filter(|f| f.status == FileStatus::Partly)
                .count(),
            files_not_examined: scan
                .files
                .iter()
                .filter(|f| f.status == FileStatus::Refused)
                .count(),
            pass: count(Outcome::Pass),
            fail: count(Outcome::Fail),
            unknown: count(Outcome::Unknown),
            not_relevant: count(Outcome::NotRelevant),
            findings_by_severity,
            suppressed: scan
                .observations
                .iter()
                .filter(|o| {
                    o.suppression
                        .as_ref()
                        .is_some_and(|s| *s != annexa_model::Suppression::Baselined)
                })
                .count(),
            baselined: scan
                .observations
                .iter()
                .filter(|o| o.suppression == Some(annexa_model::Suppression::Baselined))
                .count(),
            controls_by_status,
        },
        findings: by(Outcome::Fail),
        passes: by(Outcome::Pass),
        unknowns: by(Outcome::Unknown),
        not_relevant,
        diagnostics: scan.diagnostics.iter().map(diag).collect(),
        files: scan
            .files
            .iter()
            .map(|f| FileOut {
                repository: f.repo,
                path: f.path.clone(),
                kind: f.kind.as_str().to_owned(),
                status: f.status.as_str().to_owned(),
                provenance: f.provenance.as_str().to_owned(),
                sha256: f.sha256.clone(),
                role: f.role().map(String::from),
                included_by: f.included_by.clone(),
            })
            .collect(),
        controls: input.assessment.controls.iter().map(control).collect(),
        checks: scan.checks.iter().map(|m| check_out(m)).collect(),
        not_examined: NotExamined {
            files: scan
                .diagnostics
                .iter()
                .filter(|d| d.kind.is_skip())
                .map(diag)
                .collect(),
            partly_understood: scan
                .diagnostics
                .iter()
                .filter(|d| !d.kind.is_skip())
                .map(diag)
                .collect(),
            excluded: scan
                .excluded
                .iter()
                .map(|e| ExcludedOut {
                    repository: e.repo,
                    path: e.path.clone(),
                    pattern: e.pattern.clone(),
                })
                .collect(),
            suppressed: scan
                .observations
                .iter()
                .filter(|o| {
                    o.suppression
                        .as_ref()
                        .is_some_and(|s| *s != annexa_model::Suppression::Baselined)
                })
                .map(|o| observation(scan, o))
                .collect(),
            baselined: scan
                .observations
                .iter()
                .filter(|o| o.suppression == Some(annexa_model::Suppression::Baselined))
                .map(|o| observation(scan, o))
                .collect(),
            sources: missing_sources(scan, soa_read(input)),
            unknown_observations: count(Outcome::Unknown),
        },
    }
}

pub(crate) fn check_out(m: &annexa_model::CheckMeta) -> CheckOut {
    CheckOut {
        id: m.id.as_str().to_owned(),
        summary: m.summary.to_owned(),
        severity: m.severity.as_str().to_owned(),
        confidence: m.confidence.as_str().to_owned(),
        platforms: m.platforms.iter().map(|p| p.as_str().to_owned()).collect(),
        controls: m.controls.iter().map(|c| c.code().to_owned()).collect(),
    }
}

/// Write the report as pretty JSON with a trailing newline, streaming (large reports are never
/// held in memory as one string).
pub fn write(input: &ReportInput<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &build(input)).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}

/// Render the report as pretty JSON with a trailing newline.
pub fn render(input: &ReportInput<'_>) -> String {
    let mut s = serde_json::to_string_pretty(&build(input)).expect("report types always serialise");
    s.push('\n');
    s
}

/// The JSON schema of the report.
pub fn schema() -> String {
    let mut s = serde_json::to_string_pretty(&schemars::schema_for!(ScanReport))
        .expect("schema serialises");
    s.push('\n');
    s
}

/// Access to the assessment for other reporters.
pub fn controls_out(a: &Assessment) -> Vec<ControlOut> {
    a.controls.iter().map(control).collect()
}
