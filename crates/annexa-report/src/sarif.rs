//! SARIF 2.1.0 (GitHub code scanning). Own small types, validated in tests against the official
//! schema. Rules carry their controls as properties; files annexa could not examine are tool
//! execution notifications, not results; suppressed and baselined findings are results with a
//! `suppressions` entry, so code scanning shows them as such.

use annexa_model::{CheckMeta, Location, Observation, Outcome, Severity, Suppression};
use serde::Serialize;

use crate::{ReportInput, repo_display, resolve};

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: Vec<Invocation>,
    results: Vec<SarifResult>,
    column_kind: &'static str,
    properties: RunProperties,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
    precision: &'static str,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    /// Annex A controls the rule gives design evidence for.
    controls: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    level: &'static str,
    message: Text,
    locations: Vec<SarifLocation>,
    descriptor: Descriptor,
}

#[derive(Serialize)]
struct Descriptor {
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression>,
    properties: ResultProperties,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "annexaSubject/v1")]
    subject: String,
}

#[derive(Serialize)]
struct SarifSuppression {
    kind: &'static str,
    justification: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties {
    subject: String,
    provenance: &'static str,
    confidence: &'static str,
    controls: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: Physical,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: Artifact,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct Artifact {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties {
    /// Observations the checks could not decide (not results: they are not findings).
    unknown_observations: usize,
    /// Sources of evidence the run did not have.
    not_examined: Vec<String>,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn rule(m: &CheckMeta) -> Rule {
    let doc = m.doc_markdown();
    let what = doc
        .split("## Why is this bad?")
        .next()
        .unwrap_or_default()
        .replace("## What it does", "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut tags = vec!["security".to_owned()];
    tags.extend(m.controls.iter().map(|c| format!("iso27001/{}", c.code())));
    Rule {
        id: m.id.as_str().to_owned(),
        name: m
            .id
            .as_str()
            .split('-')
            .map(|w| w[..1].to_uppercase() + &w[1..])
            .collect(),
        short_description: Text {
            text: m.summary.to_owned(),
        },
        full_description: Text { text: what },
        help: Help {
            text: doc.clone(),
            markdown: doc,
        },
        default_configuration: Configuration {
            level: level(m.severity),
        },
        properties: RuleProperties {
            tags,
            precision: match m.confidence {
                annexa_model::Confidence::High => "high",
                annexa_model::Confidence::Medium => "medium",
                annexa_model::Confidence::Low => "low",
            },
            security_severity: security_severity(m.severity),
            controls: m.controls.iter().map(|c| c.code().to_owned()).collect(),
        },
    }
}

fn location(input: &ReportInput<'_>, loc: &Location, id: Option<usize>) -> Option<SarifLocation> {
    let r = resolve(input.scan, loc)?;
    let region = match (r.start, r.end) {
        (Some((sl, sc)), Some((el, ec))) => Some(Region {
            start_line: sl,
            start_column: sc,
            end_line: el,
            end_column: ec,
        }),
        _ => None,
    };
    let message = match loc {
        Location::File(f) => f.label.clone().map(|text| Text { text }),
        _ => None,
    };
    Some(SarifLocation {
        id,
        physical_location: Physical {
            artifact_location: Artifact {
                uri: r.display_path,
            },
            region,
        },
        message,
    })
}

fn result(input: &ReportInput<'_>, o: &Observation, rule_index: usize) -> SarifResult {
    let meta = input.scan.checks[rule_index];
    let mut locations: Vec<SarifLocation> = o
        .locations
        .first()
        .and_then(|l| location(input, l, None))
        .into_iter()
        .collect();
    if locations.is_empty() {
        // Repository-wide findings point at the repository folder.
        locations.push(SarifLocation {
            id: None,
            physical_location: Physical {
                artifact_location: Artifact {
                    uri: repo_display(input.scan, o),
                },
                region: None,
            },
            message: None,
        });
    }
    let related = o
        .locations
        .iter()
        .skip(1)
        .enumerate()
        .filter_map(|(i, l)| location(input, l, Some(i + 1)))
        .collect();
    let suppressions = match &o.suppression {
        None => Vec::new(),
        Some(Suppression::Inline { reason }) => vec![SarifSuppression {
            kind: "inSource",
            justification: reason.clone(),
        }],
        Some(Suppression::Deselected) => vec![SarifSuppression {
            kind: "external",
            justification: "check deselected (--select / --ignore / [checks])".to_owned(),
        }],
        Some(Suppression::Baselined) => vec![SarifSuppression {
            kind: "external",
            justification: "in the baseline".to_owned(),
        }],
        Some(Suppression::Policy { reason }) => vec![SarifSuppression {
            kind: "external",
            justification: format!("accepted by policy: {reason}"),
        }],
        Some(s @ Suppression::Accepted { .. }) => vec![SarifSuppression {
            kind: "external",
            justification: crate::suppression_text(s),
        }],
    };
    SarifResult {
        rule_id: o.check.as_str().to_owned(),
        rule_index,
        level: level(o.severity),
        message: Text {
            text: o.message.clone(),
        },
        locations,
        related_locations: related,
        partial_fingerprints: Fingerprints {
            subject: annexa_engine::fingerprint(o),
        },
        suppressions,
        properties: ResultProperties {
            subject: o.subject.to_string(),
            provenance: o.provenance.as_str(),
            confidence: meta.confidence.as_str(),
            controls: meta.controls.iter().map(|c| c.code().to_owned()).collect(),
        },
    }
}

/// Render the SARIF log.
pub fn render(input: &ReportInput<'_>) -> String {
    let scan = input.scan;
    let rule_index = |o: &Observation| scan.checks.iter().position(|m| m.id == o.check);
    // Code scanning merges results with one fingerprint: number the findings that share a
    // subject (several in one script) so each stays its own alert.
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let results = scan
        .observations
        .iter()
        .filter(|o| o.outcome == Outcome::Fail)
        .filter_map(|o| {
            let mut r = result(input, o, rule_index(o)?);
            let n = seen
                .entry(r.partial_fingerprints.subject.clone())
                .or_insert(0);
            if *n > 0 {
                r.partial_fingerprints.subject = format!("{}:{n}", r.partial_fingerprints.subject);
            }
            *n += 1;
            Some(r)
        })
        .collect();
    let notifications = scan
        .diagnostics
        .iter()
        .map(|d| {
            let uri = crate::display_path(scan, d.repo, &d.path);
            Notification {
                level: if d.kind.is_skip() { "error" } else { "warning" },
                message: Text {
                    text: format!("{uri}: {}", d.message),
                },
                locations: vec![SarifLocation {
                    id: None,
                    physical_location: Physical {
                        artifact_location: Artifact { uri },
                        region: None,
                    },
                    message: None,
                }],
                descriptor: Descriptor {
                    id: d.kind.as_str().to_owned(),
                },
            }
        })
        .collect();
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "annexa",
                    version: input.tool_version,
                    information_uri: "https://github.com/annexa-dev/annexa",
                    rules: scan.checks.iter().map(|m| rule(m)).collect(),
                },
            },
            invocations: vec![Invocation {
                execution_successful: true,
                tool_execution_notifications: notifications,
            }],
            results,
            column_kind: "unicodeCodePoints",
            properties: RunProperties {
                unknown_observations: scan
                    .observations
                    .iter()
                    .filter(|o| o.outcome == Outcome::Unknown)
                    .count(),
                not_examined: crate::json::missing_sources(scan, crate::json::soa_read(input)),
            },
        }],
    };
    let mut s = serde_json::to_string_pretty(&log).expect("SARIF serialises");
    s.push('\n');
    s
}
