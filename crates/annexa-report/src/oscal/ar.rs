//! Assessment Results: one result per run, one observation per check execution, one finding
//! per Annex A control.

use std::collections::BTreeMap;

use annexa_assess::ControlStatus;
use annexa_assess::isms::IsmsView;
use annexa_model::status::{Level, Overall};
use annexa_model::{CheckId, Outcome};

use super::model::{
    ArDocument, ArResult, AssessmentAssets, AssessmentResults, ControlSelection, Finding,
    FindingTarget, Import, IncludeAll, Metadata, ObjectiveStatus, RelatedObservation,
    ResultLocalDefinitions, ReviewedControls,
};
use super::{
    Inputs, OSCAL_VERSION, PLAN_RESOURCE, Props, as_of, day_end, day_start, declared_str, href_to,
    implementation_status, iso_resource, line, observation, observation_keys, plan_resource, uuid,
};
use crate::ReportInput;

pub(super) fn build(input: &ReportInput<'_>, isms: &IsmsView) -> ArDocument {
    let scan = input.scan;
    let at = as_of(input);
    let keys = observation_keys(scan);
    let mut inputs = Inputs::new(input);
    inputs.add_all_inputs();
    let observations: Vec<_> = scan
        .observations
        .iter()
        .zip(&keys)
        .map(|(o, k)| observation(&mut inputs, o, k))
        .collect();
    // check → the observations that are evidence (not-relevant ones are not).
    let mut by_check: BTreeMap<CheckId, Vec<String>> = BTreeMap::new();
    for (o, ob) in scan.observations.iter().zip(&observations) {
        if o.outcome != Outcome::NotRelevant {
            by_check.entry(o.check).or_default().push(ob.uuid.clone());
        }
    }
    let findings: Vec<Finding> = input
        .assessment
        .controls
        .iter()
        .map(|c| finding(input, isms, c, &by_check))
        .collect();

    let (start, end) = match &isms.period {
        Some((from, to)) => match (day_start(from), day_end(to)) {
            (Some(s), Some(e)) => (s, Some(e)),
            _ => (at.clone(), None),
        },
        None => (at.clone(), None),
    };
    let count = |outcome: Outcome| {
        scan.observations
            .iter()
            .filter(|o| o.outcome == outcome)
            .count()
    };
    let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &input.assessment.controls {
        *by_status.entry(c.overall.as_str()).or_default() += 1;
    }
    let mut description = format!(
        "annexa {} examined {} repositor{} ({} file(s)) and {} platform snapshot(s) as of {}: \
         {} observation(s) — {} pass, {} fail, {} unknown, {} not relevant.\n\n\
         Controls by annexa status: {}.",
        input.tool_version,
        scan.repositories.len(),
        if scan.repositories.len() == 1 {
            "y"
        } else {
            "ies"
        },
        scan.files.len(),
        scan.snapshots.len(),
        at,
        scan.observations.len(),
        count(Outcome::Pass),
        count(Outcome::Fail),
        count(Outcome::Unknown),
        count(Outcome::NotRelevant),
        by_status
            .iter()
            .map(|(s, n)| format!("{n} {s}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    if scan.files_only {
        description.push_str(
            "\n\nOnly the files named on the command line were examined: repository-wide checks did not run.",
        );
    }
    let not_examined = crate::json::missing_sources(scan, crate::json::soa_read(input));
    let mut props = Props::default();
    props.add("files-only", if scan.files_only { "true" } else { "false" });
    if let Some((from, to)) = &isms.period {
        props.add("period", format!("{from}..{to}"));
    }
    let result = ArResult {
        uuid: uuid("result", &at),
        title: line(&format!("annexa run as of {at}")),
        description,
        start,
        end,
        props: props.done(),
        local_definitions: ResultLocalDefinitions {
            components: inputs.take_components(),
            assessment_assets: AssessmentAssets {
                assessment_platforms: vec![super::assessment_platform(input)],
            },
        },
        reviewed_controls: ReviewedControls {
            description: "All 93 controls of ISO/IEC 27001:2022 Annex A; each has one finding."
                .to_owned(),
            control_selections: vec![ControlSelection {
                include_all: IncludeAll {},
            }],
        },
        observations,
        findings,
        remarks: (!not_examined.is_empty()).then(|| {
            let mut s = "Not examined in this run:\n".to_owned();
            for m in &not_examined {
                s.push_str(&format!("\n- {m}"));
            }
            s
        }),
    };
    let mut meta_props = Props::default();
    meta_props.add("tool", "annexa");
    ArDocument {
        assessment_results: AssessmentResults {
            uuid: uuid("assessment-results", &at),
            metadata: Metadata {
                title: line(&format!("annexa assessment results as of {at}")),
                last_modified: at.clone(),
                version: line(input.tool_version),
                oscal_version: OSCAL_VERSION,
                props: meta_props.done(),
                roles: Vec::new(),
                parties: Vec::new(),
                responsible_parties: Vec::new(),
                remarks: Some(
                    "Evidence gathered and checked by annexa; annexa does not audit or certify. \
                     A control is `satisfied` only when annexa's assessment says `implemented`; \
                     a scan of files alone never does."
                        .to_owned(),
                ),
            },
            import_ap: Import {
                href: href_to(PLAN_RESOURCE),
                remarks: Some(
                    "Placeholder: annexa publishes no OSCAL assessment plan; see the back-matter resource."
                        .to_owned(),
                ),
            },
            results: vec![result],
            back_matter: Some(inputs.back_matter(vec![plan_resource(), iso_resource()])),
        },
    }
}

fn level(l: Option<Level>) -> &'static str {
    l.map_or("not-required", Level::as_str)
}

fn finding(
    input: &ReportInput<'_>,
    isms: &IsmsView,
    c: &ControlStatus,
    by_check: &BTreeMap<CheckId, Vec<String>>,
) -> Finding {
    let info = c.control.info();
    let code = c.control.code();
    let d = &c.dimensions;
    let mut desc = format!(
        "annexa status: **{}**.\n\n- Declared (Statement of Applicability): {}",
        c.overall.as_str(),
        declared_str(d.declared)
    );
    if let Some(t) = isms.soa.decisions.iter().find(|t| t.control == c.control) {
        desc.push_str(&format!(" — {}", line(&t.reason)));
    }
    desc.push_str(&format!(
        "\n- Design: {}",
        match d.design {
            None => "no design requirement (no check gives design evidence)".to_owned(),
            Some(l) => {
                let silent = c.design.iter().filter(|e| e.level.is_none()).count();
                let mut s = format!(
                    "{} — {}",
                    l.as_str(),
                    c.design
                        .iter()
                        .filter(|e| e.level.is_some())
                        .map(|e| format!(
                            "`{}` {} pass, {} fail, {} unknown",
                            e.check.as_str(),
                            e.pass,
                            e.fail,
                            e.unknown
                        ))
                        .collect::<Vec<_>>()
                        .join("; ")
                );
                if silent > 0 {
                    s.push_str(&format!("; {silent} other check(s) saw nothing relevant"));
                }
                s
            }
        }
    ));
    for (name, dim, reqs) in [
        (
            "Operation",
            d.operation,
            c.operation
                .iter()
                .map(|r| format!("{}: {}", r.level.as_str(), r.reason))
                .collect::<Vec<_>>(),
        ),
        (
            "Attestation",
            d.attestation,
            c.attestation
                .iter()
                .map(|r| format!("{}: {}", r.level.as_str(), r.reason))
                .collect::<Vec<_>>(),
        ),
    ] {
        desc.push_str(&format!(
            "\n- {name}: {}",
            match dim {
                None => "no requirement of this kind".to_owned(),
                Some(l) => format!("{} — {}", l.as_str(), reqs.join("; ")),
            }
        ));
    }
    let mut props = Props::default();
    props
        .add("annexa-status", c.overall.as_str())
        .add("soa-decision", declared_str(d.declared))
        .add("design", level(d.design))
        .add("operation", level(d.operation))
        .add("attestation", level(d.attestation));
    // The checks that give evidence for the control: design checks and population checks.
    let mut related = Vec::new();
    for m in input
        .scan
        .checks
        .iter()
        .filter(|m| m.controls.contains(&c.control))
    {
        for id in by_check.get(&m.id).into_iter().flatten() {
            related.push(RelatedObservation {
                observation_uuid: id.clone(),
            });
        }
    }
    let (state, reason) = match c.overall {
        Overall::Implemented => ("satisfied", "pass"),
        Overall::NotImplemented => ("not-satisfied", "fail"),
        _ => ("not-satisfied", "other"),
    };
    let why = match c.overall {
        Overall::Implemented => {
            "implemented: every evidence requirement is met, operation or attestation included"
                .to_owned()
        }
        Overall::Excluded => {
            "excluded by the Statement of Applicability: not satisfied, not assessed as a requirement"
                .to_owned()
        }
        Overall::NotAssessed => {
            "not-assessed: no evidence either way; unknown is never a pass".to_owned()
        }
        Overall::Partial => {
            "partial: some evidence requirements are not met or not assessed".to_owned()
        }
        Overall::NotImplemented => {
            "not-implemented: the evidence assessed does not meet the requirements".to_owned()
        }
    };
    Finding {
        uuid: uuid("finding", code),
        title: line(&format!("{code} {}", info.title)),
        description: desc,
        props: props.done(),
        target: FindingTarget {
            kind: "objective-id",
            target_id: code.to_owned(),
            title: line(&format!("{code} {}", info.title)),
            status: ObjectiveStatus {
                state,
                reason,
                remarks: format!("annexa status: {why}."),
            },
            implementation_status: implementation_status(
                c.overall,
                format!("annexa status `{}`.", c.overall.as_str()),
            ),
        },
        related_observations: related,
        remarks: c.excluded_but_failing().then(|| {
            "The Statement of Applicability excludes this control, yet evidence about it fails: drift between the SoA and what was observed."
                .to_owned()
        }),
    }
}
