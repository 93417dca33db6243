//! Crosswalk views (`annexa report --framework F`): another framework's requirements, each with
//! the Annex A controls mapped to it and those controls' status. Every mapping shows its
//! relation, source and confidence, so a judgement row is never read as an official mapping;
//! the requirement's own status is never derived — the reader sees the controls' statuses side
//! by side.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use annexa_model::ControlId;
use annexa_model::controls::CROSSWALK;
use annexa_model::controls::Framework;
use serde::Serialize;

use crate::ReportInput;
use crate::markdown::escape;

/// The frameworks a view can be asked for, with the command-line name of each.
pub const FRAMEWORKS: [(&str, Framework); 9] = [
    ("soc2", Framework::Soc2),
    ("pci-dss-4", Framework::PciDss4),
    ("nis2", Framework::Nis2),
    ("dora", Framework::Dora),
    ("nist-csf-2", Framework::NistCsf2),
    ("ssdf", Framework::Ssdf),
    ("slsa", Framework::Slsa),
    ("cis-ssc", Framework::CisSsc),
    ("owasp-cicd", Framework::OwaspCicd),
];

/// The framework named `name` on the command line.
pub fn framework(name: &str) -> Option<Framework> {
    FRAMEWORKS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// One requirement of the other framework.
#[derive(Clone, Debug, Serialize)]
pub struct RequirementView {
    pub id: String,
    pub title: String,
    pub mappings: Vec<Mapping>,
}

/// One Annex A control mapped to the requirement.
#[derive(Clone, Debug, Serialize)]
pub struct Mapping {
    pub control: String,
    pub control_title: String,
    /// `equivalent`, `subset`, `superset`, `related`.
    pub relation: &'static str,
    /// Where the mapping comes from (`judgement`, a published mapping ...).
    pub source: &'static str,
    pub confidence: &'static str,
    pub note: &'static str,
    /// Whether the source is a published mapping rather than a judgement.
    pub official: bool,
    /// The control's overall status in this run, and its declared dimension.
    pub status: &'static str,
    pub declared: &'static str,
}

/// A framework's view, requirements in the order the crosswalk first names them.
#[derive(Clone, Debug, Serialize)]
pub struct FrameworkView {
    pub framework: &'static str,
    pub as_of: String,
    pub requirements: Vec<RequirementView>,
    /// Mappings whose source is a judgement, and all mappings.
    pub judgement_mappings: usize,
    pub mappings: usize,
}

/// Whether a crosswalk row's source is a published mapping (it names no judgement).
fn official(source: &str) -> bool {
    !source.trim_start().starts_with("judgement")
}

/// The view of `framework` over this run's control status.
pub fn view(input: &ReportInput<'_>, framework: Framework) -> FrameworkView {
    let mut order: Vec<&str> = Vec::new();
    let mut by_req: BTreeMap<&str, RequirementView> = BTreeMap::new();
    for row in CROSSWALK.iter().filter(|r| r.framework == framework) {
        let status = input.assessment.control(row.control);
        let entry = by_req.entry(row.requirement_id).or_insert_with(|| {
            order.push(row.requirement_id);
            RequirementView {
                id: row.requirement_id.to_owned(),
                title: row.title.to_owned(),
                mappings: Vec::new(),
            }
        });
        entry.mappings.push(Mapping {
            control: row.control.code().to_owned(),
            control_title: row.control.info().title.to_owned(),
            relation: row.relation.as_str(),
            source: row.source,
            confidence: row.confidence,
            note: row.note,
            official: official(row.source),
            status: status.overall.as_str(),
            declared: crate::soa::declared_str(status.dimensions.declared),
        });
    }
    let requirements: Vec<RequirementView> = order
        .iter()
        .filter_map(|id| by_req.remove(id))
        .map(|mut r| {
            r.mappings
                .sort_by_key(|m| ControlId::parse(&m.control).map(|c| c as usize));
            r
        })
        .collect();
    let mappings = requirements.iter().map(|r| r.mappings.len()).sum();
    let judgement_mappings = requirements
        .iter()
        .flat_map(|r| &r.mappings)
        .filter(|m| !m.official)
        .count();
    FrameworkView {
        framework: framework.name(),
        as_of: input.as_of.to_owned(),
        requirements,
        judgement_mappings,
        mappings,
    }
}

fn caveat(v: &FrameworkView) -> String {
    format!(
        "{} of {} mapping(s) are judgements, not published mappings: read `relation` and `source` before relying on one. A requirement's status is not derived here; the mapped controls' statuses are shown as assessed against ISO/IEC 27001:2022.",
        v.judgement_mappings, v.mappings
    )
}

/// Terminal text.
pub fn terminal(v: &FrameworkView) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{} — crosswalk view as of {}", v.framework, v.as_of);
    let _ = writeln!(s, "{}\n", caveat(v));
    for r in &v.requirements {
        let _ = writeln!(s, "{}  {}", r.id, r.title);
        for m in &r.mappings {
            let _ = writeln!(
                s,
                "    {:<7} {:<16} {:<11} {} ({}, confidence {}){}",
                m.control,
                m.status,
                m.relation,
                m.control_title,
                m.source,
                m.confidence,
                if m.note.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", m.note)
                }
            );
        }
    }
    s
}

/// Markdown: one table row per mapping.
pub fn markdown(v: &FrameworkView) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {} — crosswalk view\n", escape(v.framework));
    let _ = writeln!(s, "As of {}. {}\n", v.as_of, caveat(v));
    s.push_str(
        "| Requirement | Title | Annex A | Status | Relation | Source | Confidence | Note |\n",
    );
    s.push_str("|---|---|---|---|---|---|---|---|\n");
    for r in &v.requirements {
        for m in &r.mappings {
            let _ = writeln!(
                s,
                "| {} | {} | {} {} | {} | {} | {} | {} | {} |",
                escape(&r.id),
                escape(&r.title),
                m.control,
                escape(&m.control_title),
                m.status,
                m.relation,
                escape(m.source),
                m.confidence,
                escape(m.note)
            );
        }
    }
    s
}
