//! System Security Plan: the Statement of Applicability as control implementations, the
//! system characterised by the ISMS scope statement.

use annexa_assess::isms::IsmsView;
use annexa_model::status::{Declared, Level, Overall};

use super::model::{
    ByComponent, Described, Import, InformationType, Metadata, Party, ResponsibleParty, Role,
    SspControlImplementation, SspDocument, SspRequirement, Status, SystemCharacteristics,
    SystemComponent, SystemImplementation, SystemInformation, SystemSecurityPlan,
};
use super::{
    ISO_RESOURCE, OSCAL_VERSION, Props, as_of, declared_str, href_to, implementation_status,
    iso_resource, line, line_or, scope_statement, system_id, text_or, uuid,
};
use crate::ReportInput;

pub(super) fn build(input: &ReportInput<'_>, isms: &IsmsView) -> SspDocument {
    let scan = input.scan;
    let at = as_of(input);
    let soa = &isms.soa;
    let statement = scope_statement(input, isms);

    // Metadata: the SoA's version and approval.
    let mut props = Props::default();
    props
        .add("tool", "annexa")
        .add("tool-version", input.tool_version)
        .add("soa-present", if soa.present { "true" } else { "false" })
        .opt("soa-version", soa.version.as_deref())
        .opt("soa-approver", soa.approver.as_deref())
        .opt("soa-approved-on", soa.approved_on.as_deref());
    let (roles, parties, responsible) = match soa.approver.as_deref().map(line) {
        Some(name) if !name.is_empty() => {
            let party = uuid("party", &name);
            (
                vec![Role {
                    id: "approver",
                    title: "Approver of the Statement of Applicability",
                }],
                vec![Party {
                    uuid: party.clone(),
                    kind: "person",
                    name,
                }],
                vec![ResponsibleParty {
                    role_id: "approver",
                    party_uuids: vec![party],
                }],
            )
        }
        _ => (Vec::new(), Vec::new(), Vec::new()),
    };
    let approval = match (&soa.approver, &soa.approved_on) {
        (Some(a), Some(d)) => format!("Approved by {} on {}.", line(a), line(d)),
        (Some(a), None) => format!("Approver {} named, with no approval date.", line(a)),
        (None, Some(d)) => format!("Approval date {} recorded, with no approver.", line(d)),
        (None, None) => "No approval is recorded.".to_owned(),
    };
    let metadata = Metadata {
        title: "Statement of Applicability — ISO/IEC 27001:2022 Annex A".to_owned(),
        last_modified: at.clone(),
        version: match &soa.version {
            Some(v) => line_or(v, "SoA version not stated"),
            None => "SoA version not stated".to_owned(),
        },
        oscal_version: OSCAL_VERSION,
        props: props.done(),
        roles,
        parties,
        responsible_parties: responsible,
        remarks: Some(format!(
            "{} {approval} Written by annexa {} as of {at}: the implementation status of each \
             control is annexa's assessment of the evidence, never the SoA's word or the \
             configuration files alone.",
            if soa.present {
                "The organisation's Statement of Applicability (annexa.toml `[soa]`)."
            } else {
                "annexa.toml records no Statement of Applicability decisions: every control is `undeclared`."
            },
            input.tool_version
        )),
    };

    // The system: the ISMS scope (4.3).
    let this_system = uuid("component", "this-system");
    let mut boundary = String::new();
    for (status, heading) in [
        ("in-scope", "In scope"),
        ("out-of-scope", "Out of scope"),
        ("undeclared", "Neither in nor out of the declared scope"),
    ] {
        let entries: Vec<String> = scan
            .scope
            .entries
            .iter()
            .filter(|e| e.status == status)
            .map(|e| {
                let mut s = format!("- {}", e.repository);
                if let Some(r) = &e.reason {
                    s.push_str(&format!(" — {}", line(r)));
                }
                let examined = match (e.files_examined, e.platform_examined) {
                    (true, true) => "files and platform state examined",
                    (true, false) => "files examined",
                    (false, true) => "platform state examined",
                    (false, false) => "not examined",
                };
                s.push_str(&format!(" ({examined})"));
                s
            })
            .collect();
        if !entries.is_empty() {
            boundary.push_str(&format!("{heading}:\n\n{}\n\n", entries.join("\n")));
        }
    }
    if !scan.scope.unmatched.is_empty() {
        boundary.push_str(&format!(
            "Declared in scope but found nowhere in the scan or its snapshots: {}.\n\n",
            scan.scope.unmatched.join(", ")
        ));
    }
    if !scan.scope.declared {
        boundary.push_str(
            "The scope (4.3) is not stated: annexa.toml has no `[scope]`; the repositories above are only what this run found.",
        );
    }
    let mut components = vec![SystemComponent {
        uuid: this_system.clone(),
        kind: "this-system",
        title: "The ISMS scope: software delivery".to_owned(),
        description: match &statement {
            Some(s) => format!("The ISMS scope statement (4.3): {}", s.trim()),
            None => "The ISMS scope (4.3) is not stated in annexa.toml.".to_owned(),
        },
        props: Vec::new(),
        status: Status {
            state: "other",
            remarks: Some("annexa does not record the system's lifecycle state.".to_owned()),
        },
        remarks: None,
    }];
    for r in &scan.repositories {
        components.push(SystemComponent {
            uuid: uuid("component", &format!("repo:{}", r.identity)),
            kind: "software",
            title: line(&format!("Repository {}", r.identity)),
            description: format!(
                "A repository whose files annexa examined (`{}`{}).",
                r.display,
                r.commit
                    .as_deref()
                    .map(|c| format!(" at commit {c}"))
                    .unwrap_or_default()
            ),
            props: Vec::new(),
            status: Status {
                state: "other",
                remarks: Some("annexa does not record a lifecycle state.".to_owned()),
            },
            remarks: None,
        });
    }
    for s in &scan.snapshots {
        let org = s
            .manifest
            .scope
            .org
            .clone()
            .or_else(|| s.manifest.scope.group.clone());
        components.push(SystemComponent {
            uuid: uuid("component", &format!("snapshot:{}", s.display)),
            kind: "service",
            title: line(&format!(
                "Source platform {}{}",
                s.manifest.host,
                org.as_deref()
                    .map(|o| format!(" ({o})"))
                    .unwrap_or_default()
            )),
            description: format!(
                "The source platform whose state annexa read from snapshot `{}`, collected at {}.",
                s.display, s.manifest.collected_at
            ),
            props: Vec::new(),
            status: Status {
                state: "other",
                remarks: Some("annexa does not record a lifecycle state.".to_owned()),
            },
            remarks: None,
        });
    }

    let mut characteristic_props = Props::default();
    characteristic_props.add(
        "scope-declared",
        if scan.scope.declared { "true" } else { "false" },
    );
    let system_characteristics = SystemCharacteristics {
        system_ids: vec![system_id(input, isms)],
        system_name: match &statement {
            Some(s) => line_or(s, "ISMS scope not stated"),
            None => "ISMS scope not stated".to_owned(),
        },
        description: match &statement {
            Some(s) => format!("ISMS scope statement (4.3): {}", s.trim()),
            None => "The ISMS scope (4.3) is not stated: annexa.toml has no `[scope] statement`."
                .to_owned(),
        },
        props: characteristic_props.done(),
        system_information: SystemInformation {
            information_types: vec![InformationType {
                uuid: uuid("information-type", "not-stated"),
                title: "Information types not stated".to_owned(),
                description: "annexa records no information types or their categorisation; the \
                              organisation's own records categorise the information the scope \
                              stores, processes or transmits."
                    .to_owned(),
            }],
        },
        status: Status {
            state: "other",
            remarks: Some("annexa does not record the system's operational state.".to_owned()),
        },
        authorization_boundary: Described {
            description: text_or(&boundary, "No repository or snapshot was examined."),
            remarks: Some(
                "The scope reconciliation (4.3) of this run: the declared scope against the estate the scan and its snapshots revealed."
                    .to_owned(),
            ),
        },
        remarks: None,
    };

    // The SoA as control implementations: every control of the baseline.
    let requirements = input
        .assessment
        .controls
        .iter()
        .map(|c| {
            let code = c.control.code();
            let d = &c.dimensions;
            let text = soa.decisions.iter().find(|t| t.control == c.control);
            let mut props = Props::default();
            props
                .add("soa-decision", declared_str(d.declared))
                .add("annexa-status", c.overall.as_str());
            for (name, l) in [
                ("design", d.design),
                ("operation", d.operation),
                ("attestation", d.attestation),
            ] {
                props.add(name, l.map_or("not-required", Level::as_str));
            }
            let remarks = match (d.declared, text) {
                (Declared::Applicable, Some(t)) => {
                    format!("Applicable. Reason for inclusion: {}", t.reason.trim())
                }
                (Declared::Applicable, None) => "Applicable (no reason recorded).".to_owned(),
                (Declared::Excluded, Some(t)) => {
                    format!("Excluded. Justification: {}", t.reason.trim())
                }
                (Declared::Excluded, None) => "Excluded (no justification recorded).".to_owned(),
                (Declared::Undeclared, _) => {
                    "No Statement of Applicability decision is recorded for this control."
                        .to_owned()
                }
            };
            let mut why = match c.overall {
                Overall::Excluded => match text {
                    Some(t) => format!("Excluded by the SoA: {}", t.reason.trim()),
                    None => "Excluded by the SoA.".to_owned(),
                },
                Overall::Implemented => {
                    "annexa status `implemented`: every evidence requirement is met, operation or attestation included."
                        .to_owned()
                }
                o => format!(
                    "annexa status `{}` (design {}, operation {}, attestation {}).",
                    o.as_str(),
                    d.design.map_or("not-required", Level::as_str),
                    d.operation.map_or("not-required", Level::as_str),
                    d.attestation.map_or("not-required", Level::as_str)
                ),
            };
            if c.excluded_but_failing() {
                why.push_str(" Evidence about this excluded control fails: drift between the SoA and what was observed.");
            }
            SspRequirement {
                uuid: uuid("ssp-requirement", code),
                control_id: code,
                props: props.done(),
                by_components: vec![ByComponent {
                    component_uuid: this_system.clone(),
                    uuid: uuid("ssp-by-component", code),
                    description: match text.and_then(|t| t.implementation.as_deref()) {
                        Some(i) => text_or(i, "No implementation notes in the SoA."),
                        None => "No implementation notes in the SoA.".to_owned(),
                    },
                    implementation_status: implementation_status(c.overall, why),
                }],
                remarks: Some(remarks),
            }
        })
        .collect::<Vec<SspRequirement>>();
    let control_implementation = SspControlImplementation {
        description: format!(
            "The Statement of Applicability{} as control implementations of ISO/IEC 27001:2022 \
             Annex A: each of the 93 controls with the SoA's decision (applicable with the reason \
             for inclusion, excluded with the justification, or undeclared) and its implementation \
             notes. The implementation status is annexa's assessment of the evidence (declared · \
             design · operation · attestation): `implemented` needs every evidence requirement \
             met, operation or attestation included, so configuration files alone reach \
             `partial` at most; an excluded control is `not-applicable`.",
            soa.version
                .as_deref()
                .map(|v| format!(" (version {})", line(v)))
                .unwrap_or_default()
        ),
        implemented_requirements: requirements,
    };

    SspDocument {
        system_security_plan: SystemSecurityPlan {
            uuid: uuid("system-security-plan", &at),
            metadata,
            import_profile: Import {
                href: href_to(ISO_RESOURCE),
                remarks: Some(
                    "Placeholder: ISO/IEC 27001:2022 Annex A has no published OSCAL profile; see the back-matter resource."
                        .to_owned(),
                ),
            },
            system_characteristics,
            system_implementation: SystemImplementation {
                components,
                remarks: None,
            },
            control_implementation,
            back_matter: super::model::BackMatter {
                resources: vec![iso_resource()],
            },
        },
    }
}
