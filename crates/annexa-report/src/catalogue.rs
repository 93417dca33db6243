//! The check catalogue and the control catalogue as text, JSON and generated Markdown docs.

use std::fmt::Write as _;

use annexa_assess::Assessment;
use annexa_model::{CheckMeta, ControlId, Outcome};
use serde::Serialize;

use crate::ReportInput;
use crate::json::{CheckOut, ControlOut, ObservationOut, check_out, control, observation};
use crate::terminal::truncate;

/// The platforms a check runs on, short: `all CI` for checks on the normalised pipeline model.
pub fn platforms_text(m: &CheckMeta) -> String {
    use annexa_model::Platform;
    let ci = Platform::CI.iter().all(|p| m.platforms.contains(p));
    let mut parts: Vec<&str> = Vec::new();
    if ci {
        parts.push("all CI");
    }
    parts.extend(
        m.platforms
            .iter()
            .filter(|p| !(ci && Platform::CI.contains(p)))
            .map(|p| p.as_str()),
    );
    parts.join(",")
}

/// `annexa checks`: one line per check.
pub fn checks_table(checks: &[&CheckMeta]) -> String {
    let mut out = format!(
        "{:<30} {:<9} {:<10} {:<22} {:<30} summary\n",
        "id", "severity", "confidence", "controls", "platforms"
    );
    for m in checks {
        let controls: Vec<&str> = m.controls.iter().map(|c| c.code()).collect();
        let _ = writeln!(
            out,
            "{:<30} {:<9} {:<10} {:<22} {:<30} {}",
            m.id.as_str(),
            m.severity.as_str(),
            m.confidence.as_str(),
            controls.join(","),
            platforms_text(m),
            m.summary
        );
    }
    out
}

/// The documentation page of one check (also `docs/checks/<id>.md`).
pub fn check_page(m: &CheckMeta) -> String {
    let mut out = format!("# `{}`\n\n{}.\n\n", m.id.as_str(), capitalise(m.summary));
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| severity | {} |", m.severity.as_str());
    let _ = writeln!(out, "| confidence | {} |", m.confidence.as_str());
    let _ = writeln!(
        out,
        "| platforms | {} |",
        m.platforms
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let controls: Vec<String> = m
        .controls
        .iter()
        .map(|c| format!("{} {}", c.code(), c.info().title))
        .collect();
    let _ = writeln!(out, "| controls | {} |\n", controls.join("; "));
    out.push_str(&m.doc_markdown());
    out.push_str(
        "\n<!-- Generated from the check's doc comment in crates/annexa-checks; do not edit. -->\n",
    );
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// `docs/checks/README.md`: the catalogue and the control → check matrix.
pub fn docs_index(checks: &[&CheckMeta]) -> String {
    let mut out = String::from(
        "# Checks\n\nGenerated from the code (`crates/annexa-checks`); `cargo test` fails when this file is stale.\n\n| check | severity | confidence | platforms | controls | summary |\n|---|---|---|---|---|---|\n",
    );
    for m in checks {
        let _ = writeln!(
            out,
            "| [`{id}`]({id}.md) | {} | {} | {} | {} | {} |",
            m.severity.as_str(),
            m.confidence.as_str(),
            m.platforms
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            m.controls
                .iter()
                .map(|c| c.code())
                .collect::<Vec<_>>()
                .join(", "),
            m.summary,
            id = m.id.as_str(),
        );
    }
    out.push_str("\n## Controls and the checks that give design evidence for them\n\n| control | title | checks |\n|---|---|---|\n");
    for id in ControlId::all() {
        let ids: Vec<String> = checks
            .iter()
            .filter(|m| m.controls.contains(&id))
            .map(|m| format!("`{}`", m.id.as_str()))
            .collect();
        if !ids.is_empty() {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                id.code(),
                id.info().title,
                ids.join(", ")
            );
        }
    }
    out
}

/// `annexa checks --format json`.
pub fn checks_json(checks: &[&CheckMeta]) -> String {
    let v: Vec<CheckOut> = checks.iter().map(|m| check_out(m)).collect();
    let mut s = serde_json::to_string_pretty(&v).expect("serialises");
    s.push('\n');
    s
}

/// `annexa checks ID --format json`.
pub fn check_json(m: &CheckMeta) -> String {
    #[derive(Serialize)]
    struct One {
        #[serde(flatten)]
        check: CheckOut,
        doc: String,
    }
    let mut s = serde_json::to_string_pretty(&One {
        check: check_out(m),
        doc: m.doc_markdown(),
    })
    .expect("serialises");
    s.push('\n');
    s
}

/// `annexa controls`: all 93 controls with their dimensions.
pub fn controls_table(a: &Assessment) -> String {
    let d = |l: Option<annexa_model::status::Level>| l.map_or("n/a", |l| l.as_str()).to_owned();
    let mut out = format!(
        "{:<7} {:<50} {:<6} {:<15} {:<14} {:<14} attestation\n",
        "id", "title", "cicd", "status", "design", "operation"
    );
    for c in &a.controls {
        let info = c.control.info();
        let _ = writeln!(
            out,
            "{:<7} {:<50} {:<6} {:<15} {:<14} {:<14} {}",
            info.code,
            truncate(info.title, 50),
            info.relevance.as_str(),
            c.overall.as_str(),
            d(c.dimensions.design),
            d(c.dimensions.operation),
            d(c.dimensions.attestation),
        );
    }
    out.push_str(
        "\nstatus needs every requirement met; files alone show design only (at most `partial`).\n",
    );
    out
}

/// `annexa controls --format json`.
pub fn controls_json(a: &Assessment) -> String {
    let v: Vec<ControlOut> = a.controls.iter().map(control).collect();
    let mut s = serde_json::to_string_pretty(&v).expect("serialises");
    s.push('\n');
    s
}

/// `annexa controls ID`: requirements, what was observed, and the crosswalk.
pub fn control_detail(input: &ReportInput<'_>, id: ControlId) -> String {
    let c = input.assessment.control(id);
    let info = id.info();
    let mut out = format!("{} {}\n", info.code, info.title);
    let _ = writeln!(
        out,
        "  theme {} · type {} · properties {} · concepts {}",
        info.theme.as_str(),
        info.control_types,
        info.properties,
        info.concepts
    );
    let _ = writeln!(
        out,
        "  CI/CD relevance {}: {}",
        info.relevance.as_str(),
        info.relevance_note
    );
    let d =
        |l: Option<annexa_model::status::Level>| l.map_or("n/a (no requirement)", |l| l.as_str());
    let _ = writeln!(out, "\nstatus: {}", c.overall.as_str());
    let _ = writeln!(
        out,
        "  declared     {}",
        match c.dimensions.declared {
            annexa_model::status::Declared::Undeclared =>
                "undeclared (no Statement of Applicability decision)",
            annexa_model::status::Declared::Applicable => "applicable",
            annexa_model::status::Declared::Excluded => "excluded",
        }
    );
    let _ = writeln!(out, "  design       {}", d(c.dimensions.design));
    let _ = writeln!(out, "  operation    {}", d(c.dimensions.operation));
    let _ = writeln!(out, "  attestation  {}", d(c.dimensions.attestation));

    let _ = writeln!(out, "\nevidence requirements");
    if c.design.is_empty() {
        let _ = writeln!(
            out,
            "  design: no check gives design evidence for this control"
        );
    }
    for e in &c.design {
        let _ = writeln!(
            out,
            "  design check {:<28} {:<14} {} pass, {} fail, {} unknown, {} not relevant; {} of {} repositories meet",
            e.check.as_str(),
            e.level.map_or("not relevant", |l| l.as_str()),
            e.pass,
            e.fail,
            e.unknown,
            e.not_relevant,
            e.repositories_meeting,
            e.repositories_assessed,
        );
    }
    for r in &c.operation {
        let _ = writeln!(
            out,
            "  population   {:<28} {:<14} {}",
            r.kind.as_str(),
            r.level.as_str(),
            r.reason
        );
    }
    for r in &c.attestation {
        let _ = writeln!(
            out,
            "  attestation  {:<28} {:<14} {}",
            r.kind.as_str(),
            r.level.as_str(),
            r.reason
        );
    }

    let observed: Vec<_> = input
        .scan
        .observations
        .iter()
        .filter(|o| {
            o.outcome != Outcome::NotRelevant && c.design.iter().any(|e| e.check == o.check)
        })
        .collect();
    let _ = writeln!(out, "\nobserved ({})", observed.len());
    for o in observed {
        let at = crate::location_text(input.scan, o, true);
        let _ = writeln!(
            out,
            "  {:<8} {:<28} {at}: {}",
            o.outcome.as_str(),
            o.check.as_str(),
            o.message
        );
    }

    let rows: Vec<_> = id.crosswalk().collect();
    let _ = writeln!(
        out,
        "\ncrosswalk ({} mappings; `relation` and `source` say how firm each is)",
        rows.len()
    );
    for r in rows {
        let _ = writeln!(
            out,
            "  {:<45} {:<14} {:<10} {} [{}]",
            r.framework.name(),
            r.requirement_id,
            r.relation.as_str(),
            r.title,
            r.source
        );
    }
    out
}

/// `annexa controls ID --format json`.
pub fn control_detail_json(input: &ReportInput<'_>, id: ControlId) -> String {
    #[derive(Serialize)]
    struct Crosswalk {
        framework: &'static str,
        requirement_id: &'static str,
        title: &'static str,
        relation: &'static str,
        source: &'static str,
        confidence: &'static str,
        note: &'static str,
    }
    #[derive(Serialize)]
    struct Detail {
        #[serde(flatten)]
        control: ControlOut,
        observed: Vec<ObservationOut>,
        crosswalk: Vec<Crosswalk>,
    }
    let c = input.assessment.control(id);
    let detail = Detail {
        control: control(c),
        observed: input
            .scan
            .observations
            .iter()
            .filter(|o| {
                o.outcome != Outcome::NotRelevant && c.design.iter().any(|e| e.check == o.check)
            })
            .map(|o| observation(input.scan, o))
            .collect(),
        crosswalk: id
            .crosswalk()
            .map(|r| Crosswalk {
                framework: r.framework.name(),
                requirement_id: r.requirement_id,
                title: r.title,
                relation: r.relation.as_str(),
                source: r.source,
                confidence: r.confidence,
                note: r.note,
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&detail).expect("serialises");
    s.push('\n');
    s
}
