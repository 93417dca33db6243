//! What is reported and gated: severity overrides, inline suppressions, check selection and
//! baselines. Applied after the scan, to findings only; suppressed findings stay in the result
//! (marked), so every report can show them and the assessment still counts them.

use std::collections::BTreeMap;

use annexa_model::{CheckId, Location, Observation, Outcome, Severity, Suppression};
use serde::{Deserialize, Serialize};

use crate::{ScanResult, fingerprint};

/// Reporting policy, from configuration and the command line.
#[derive(Debug, Default)]
pub struct Policy {
    /// Only these checks are reported (`None`: all).
    pub select: Option<Vec<CheckId>>,
    pub ignore: Vec<CheckId>,
    pub severity: Vec<(CheckId, Severity)>,
    pub baseline: Option<Baseline>,
    /// Owners whose tag-pinned pipeline code is accepted (lower-case).
    pub trusted_owners: Vec<String>,
}

/// The baseline file: findings accepted as they are, so gating applies to new ones only.
/// Keyed on fingerprints (check + subject locator), so it survives line shifts, reformatting
/// and new commits.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub schema: String,
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub check: String,
    /// The subject without its commit (what the fingerprint hashes).
    pub subject: String,
    /// How many findings share this fingerprint.
    pub count: usize,
    pub message: String,
}

pub const BASELINE_SCHEMA: &str = "https://annexa.dev/schemas/baseline-v1.json";

impl Baseline {
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let b: Baseline =
            serde_json::from_str(text).map_err(|e| format!("not an annexa baseline: {e}"))?;
        if b.version != 1 {
            return Err(format!(
                "baseline version {} is not supported (expected 1)",
                b.version
            ));
        }
        Ok(b)
    }

    /// A baseline of the result's open findings, plus those already baselined (so writing a
    /// new baseline while reading an old one keeps the old entries that still apply).
    pub fn of(result: &ScanResult) -> Baseline {
        let mut by: BTreeMap<String, BaselineEntry> = BTreeMap::new();
        for o in result
            .observations
            .iter()
            .filter(|o| o.is_open_finding() || o.suppression == Some(Suppression::Baselined))
        {
            let fp = fingerprint(o);
            by.entry(fp.clone())
                .and_modify(|e| e.count += 1)
                .or_insert_with(|| BaselineEntry {
                    fingerprint: fp,
                    check: o.check.as_str().to_owned(),
                    subject: o.subject.locator(),
                    count: 1,
                    message: o.message.clone(),
                });
        }
        Baseline {
            schema: BASELINE_SCHEMA.to_owned(),
            version: 1,
            findings: by.into_values().collect(),
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("baseline serialises");
        s.push('\n');
        s
    }
}

/// Apply the policy to a scan result.
pub fn apply(result: &mut ScanResult, policy: &Policy) {
    let overrides: BTreeMap<CheckId, Severity> = policy.severity.iter().copied().collect();
    let mut remaining: BTreeMap<&str, usize> = policy
        .baseline
        .iter()
        .flat_map(|b| b.findings.iter().map(|e| (e.fingerprint.as_str(), e.count)))
        .collect();
    let files = &result.files;
    for o in result.observations.iter_mut() {
        if let Some(s) = overrides.get(&o.check) {
            o.severity = *s;
        }
        // An approved risk acceptance (applied by the scan) is a treatment decision; a
        // reporting choice never replaces it.
        if o.outcome != Outcome::Fail || matches!(o.suppression, Some(Suppression::Accepted { .. }))
        {
            continue;
        }
        if let Some(reason) = inline_reason(files, o) {
            o.suppression = Some(Suppression::Inline { reason });
            continue;
        }
        if o.check == CheckId::UnpinnedExternalCode
            && let Some(owner) = referenced_owner(files, o)
            && policy.trusted_owners.contains(&owner)
        {
            o.suppression = Some(Suppression::Policy {
                reason: format!("`{owner}` is a trusted owner (annexa.toml `trusted-owners`)"),
            });
            continue;
        }
        let selected = policy.select.as_ref().is_none_or(|s| s.contains(&o.check));
        if !selected || policy.ignore.contains(&o.check) {
            o.suppression = Some(Suppression::Deselected);
            continue;
        }
        let fp = fingerprint(o);
        if let Some(n) = remaining.get_mut(fp.as_str())
            && *n > 0
        {
            *n -= 1;
            o.suppression = Some(Suppression::Baselined);
        }
    }
}

/// The file and byte span of an observation's primary location, when it has one.
fn primary_in_file<'a>(
    files: &'a [crate::SourceFile],
    o: &Observation,
) -> Option<(&'a crate::SourceFile, annexa_model::Span)> {
    let Some(Location::File(f)) = o.locations.first() else {
        return None;
    };
    Some((crate::scan::find_file(files, f.repo, &f.path)?, f.span?))
}

/// The owner of the reference a finding points at (`actions` in `actions/checkout@v4`).
fn referenced_owner(files: &[crate::SourceFile], o: &Observation) -> Option<String> {
    let (file, span) = primary_in_file(files, o)?;
    let text = file
        .text
        .as_deref()?
        .get(span.start..span.end)?
        .trim()
        .trim_matches(['"', '\'']);
    // Only references pinned to a version tag are accepted: a branch or no version at all
    // stays a finding whoever the owner is.
    let (target, reference) = text.split_once('@')?;
    if annexa_model::pipeline::Pinning::of_git_ref(Some(reference))
        != annexa_model::pipeline::Pinning::Version
    {
        return None;
    }
    let owner = target.split('/').next()?.to_ascii_lowercase();
    (!owner.is_empty() && !owner.starts_with('.')).then_some(owner)
}

/// The reason of an `annexa: ignore[...]` comment naming the observation's check, on the line
/// of its primary location or on the line above.
fn inline_reason(files: &[crate::SourceFile], o: &Observation) -> Option<String> {
    let (file, span) = primary_in_file(files, o)?;
    let text = file.text.as_deref()?;
    let (line, _) = file.line_col(span.start)?;
    let line_text = |n: usize| -> Option<&str> {
        let start = *file.line_starts.get(n.checked_sub(1)?)?;
        let end = file.line_starts.get(n).map_or(text.len(), |&e| e);
        text.get(start..end)
    };
    [line, line.saturating_sub(1)]
        .into_iter()
        .filter(|&n| n > 0)
        .find_map(|n| parse_ignore(line_text(n)?, o.check))
}

/// Parse `# annexa: ignore[a, b] reason` in a line; the reason if `check` is listed.
pub fn parse_ignore(line: &str, check: CheckId) -> Option<String> {
    let at = line.find("annexa: ignore[")?;
    let before = &line[..at];
    if !before.trim_end().ends_with('#') && !before.contains('#') && !before.contains("//") {
        return None;
    }
    let rest = &line[at + "annexa: ignore[".len()..];
    let close = rest.find(']')?;
    let listed = rest[..close]
        .split(',')
        .map(str::trim)
        .any(|id| id == check.as_str());
    if !listed {
        return None;
    }
    let reason = rest[close + 1..].trim();
    Some(if reason.is_empty() {
        "(no reason given)".to_owned()
    } else {
        reason.to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_comments() {
        let c = CheckId::UnpinnedImage;
        assert_eq!(
            parse_ignore(
                "  image: node:20 # annexa: ignore[unpinned-image] built in-house",
                c
            )
            .as_deref(),
            Some("built in-house")
        );
        assert_eq!(
            parse_ignore("# annexa: ignore[template-injection, unpinned-image]", c).as_deref(),
            Some("(no reason given)")
        );
        assert_eq!(
            parse_ignore("# annexa: ignore[template-injection] x", c),
            None
        );
        assert_eq!(
            parse_ignore("echo 'annexa: ignore[unpinned-image]'", c),
            None
        );
    }
}
