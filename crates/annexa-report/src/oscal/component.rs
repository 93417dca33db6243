//! Component definition of the check catalogue: which checks give evidence for which control.

use annexa_model::ControlId;

use super::model::{
    ComponentControlImplementation, ComponentDefinition, ComponentDocument, ComponentRequirement,
    DefinedComponent, Metadata,
};
use super::{ISO_RESOURCE, OSCAL_VERSION, Props, as_of, href_to, iso_resource, line, uuid};
use crate::ReportInput;

pub(super) fn build(input: &ReportInput<'_>) -> ComponentDocument {
    let at = as_of(input);
    let checks = &input.scan.checks;
    let requirements: Vec<ComponentRequirement> = ControlId::all()
        .filter_map(|control| {
            let giving: Vec<_> = checks
                .iter()
                .filter(|m| m.controls.contains(&control))
                .collect();
            if giving.is_empty() {
                return None;
            }
            let code = control.code();
            let mut props = Props::default();
            let mut description = format!(
                "annexa checks that give evidence for {code} {} (evidence, not an implementation of the control):\n",
                control.info().title
            );
            for m in &giving {
                let kind = match m.population {
                    Some(p) => {
                        description.push_str(&format!(
                            "\n- `{}` ({}; operating evidence over the period, population `{}`): {}",
                            m.id.as_str(),
                            m.severity.as_str(),
                            p.as_str(),
                            line(m.summary)
                        ));
                        "operation"
                    }
                    None => {
                        description.push_str(&format!(
                            "\n- `{}` ({}; design evidence): {}",
                            m.id.as_str(),
                            m.severity.as_str(),
                            line(m.summary)
                        ));
                        "design"
                    }
                };
                props.add_class("check", m.id.as_str(), Some(kind));
            }
            Some(ComponentRequirement {
                uuid: uuid("component-requirement", code),
                control_id: code,
                description,
                props: props.done(),
            })
        })
        .collect();
    let covered = requirements.len();
    let mut meta_props = Props::default();
    meta_props
        .add("tool", "annexa")
        .add("checks", checks.len().to_string());
    let component = DefinedComponent {
        uuid: uuid("component", "annexa-checks"),
        kind: "software",
        title: "annexa checks".to_owned(),
        description: format!(
            "annexa {}'s check catalogue: {} checks over CI/CD configuration, repository files and \
             source-platform state, each giving evidence for Annex A controls. {covered} of the 93 \
             controls have at least one check; the others rest on other evidence (populations, \
             attestations, the organisation's records).",
            input.tool_version,
            checks.len()
        ),
        purpose: "Gather and check evidence for ISO/IEC 27001:2022 Annex A controls in software delivery."
            .to_owned(),
        props: Vec::new(),
        control_implementations: if requirements.is_empty() {
            Vec::new()
        } else {
            vec![ComponentControlImplementation {
                uuid: uuid("control-implementation", ISO_RESOURCE),
                source: href_to(ISO_RESOURCE),
                description: "The controls annexa's checks give evidence for. A check's \
                              evidence alone never makes a control implemented: annexa's \
                              assessment also needs operating or attestation evidence."
                    .to_owned(),
                implemented_requirements: requirements,
            }]
        },
        remarks: None,
    };
    ComponentDocument {
        component_definition: ComponentDefinition {
            uuid: uuid("component-definition", &at),
            metadata: Metadata {
                title: line(&format!("annexa {} check catalogue", input.tool_version)),
                last_modified: at.clone(),
                version: line(input.tool_version),
                oscal_version: OSCAL_VERSION,
                props: meta_props.done(),
                roles: Vec::new(),
                parties: Vec::new(),
                responsible_parties: Vec::new(),
                remarks: None,
            },
            components: vec![component],
            back_matter: super::model::BackMatter {
                resources: vec![iso_resource()],
            },
        },
    }
}
