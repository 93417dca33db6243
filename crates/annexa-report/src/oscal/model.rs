//! The subset of the OSCAL 1.2.1 JSON model annexa writes, as its own types (field names and
//! nesting as in the NIST schemas `oscal_*_schema.json`). Empty lists and absent values are
//! left out: OSCAL arrays have `minItems: 1`.

use serde::Serialize;

fn none<T>(v: &Option<T>) -> bool {
    v.is_none()
}

fn empty<T>(v: &[T]) -> bool {
    v.is_empty()
}

/// A namespaced name/value pair (`prop`).
#[derive(Clone, Debug, Serialize)]
pub struct Prop {
    pub name: &'static str,
    pub ns: &'static str,
    pub value: String,
    #[serde(skip_serializing_if = "none")]
    pub class: Option<&'static str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Metadata {
    pub title: String,
    pub last_modified: String,
    pub version: String,
    pub oscal_version: &'static str,
    #[serde(skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
    #[serde(skip_serializing_if = "empty")]
    pub roles: Vec<Role>,
    #[serde(skip_serializing_if = "empty")]
    pub parties: Vec<Party>,
    #[serde(skip_serializing_if = "empty")]
    pub responsible_parties: Vec<ResponsibleParty>,
    #[serde(skip_serializing_if = "none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Role {
    pub id: &'static str,
    pub title: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Party {
    pub uuid: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ResponsibleParty {
    pub role_id: &'static str,
    pub party_uuids: Vec<String>,
}

/// `import-ap`, `import-profile`, `import-ssp`.
#[derive(Debug, Serialize)]
pub struct Import {
    pub href: String,
    #[serde(skip_serializing_if = "none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct BackMatter {
    pub resources: Vec<Resource>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Resource {
    pub uuid: String,
    pub title: String,
    #[serde(skip_serializing_if = "none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
    #[serde(skip_serializing_if = "none")]
    pub citation: Option<Citation>,
    #[serde(skip_serializing_if = "empty")]
    pub rlinks: Vec<Rlink>,
    #[serde(skip_serializing_if = "none")]
    pub remarks: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Citation {
    pub text: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Rlink {
    pub href: String,
    #[serde(skip_serializing_if = "none")]
    pub media_type: Option<&'static str>,
    #[serde(skip_serializing_if = "empty")]
    pub hashes: Vec<Hash>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Hash {
    pub algorithm: &'static str,
    pub value: String,
}

/// A component (`system-component`).
#[derive(Debug, Serialize)]
pub struct SystemComponent {
    pub uuid: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
    pub status: Status,
    #[serde(skip_serializing_if = "none")]
    pub remarks: Option<String>,
}

/// A `status` with a `state` (system, component).
#[derive(Debug, Serialize)]
pub struct Status {
    pub state: &'static str,
    #[serde(skip_serializing_if = "none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ImplementationStatus {
    pub state: &'static str,
    #[serde(skip_serializing_if = "none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SystemId {
    pub identifier_type: &'static str,
    pub id: String,
}

// ---------------------------------------------------------------- assessment results

#[derive(Debug, Serialize)]
pub struct ArDocument {
    #[serde(rename = "assessment-results")]
    pub assessment_results: AssessmentResults,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct AssessmentResults {
    pub uuid: String,
    pub metadata: Metadata,
    pub import_ap: Import,
    pub results: Vec<ArResult>,
    #[serde(skip_serializing_if = "none")]
    pub back_matter: Option<BackMatter>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ArResult {
    pub uuid: String,
    pub title: String,
    pub description: String,
    pub start: String,
    #[serde(skip_serializing_if = "none")]
    pub end: Option<String>,
    #[serde(skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
    pub local_definitions: ResultLocalDefinitions,
    pub reviewed_controls: ReviewedControls,
    #[serde(skip_serializing_if = "empty")]
    pub observations: Vec<Observation>,
    #[serde(skip_serializing_if = "empty")]
    pub findings: Vec<Finding>,
    #[serde(skip_serializing_if = "none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ResultLocalDefinitions {
    #[serde(skip_serializing_if = "empty")]
    pub components: Vec<SystemComponent>,
    pub assessment_assets: AssessmentAssets,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct AssessmentAssets {
    pub assessment_platforms: Vec<AssessmentPlatform>,
}

#[derive(Debug, Serialize)]
pub struct AssessmentPlatform {
    pub uuid: String,
    pub title: String,
    #[serde(skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ReviewedControls {
    pub description: String,
    pub control_selections: Vec<ControlSelection>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ControlSelection {
    pub include_all: IncludeAll,
}

/// `{}`.
#[derive(Debug, Serialize)]
pub struct IncludeAll {}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Observation {
    pub uuid: String,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
    pub methods: Vec<&'static str>,
    #[serde(skip_serializing_if = "empty")]
    pub types: Vec<&'static str>,
    pub origins: Vec<Origin>,
    #[serde(skip_serializing_if = "empty")]
    pub subjects: Vec<SubjectReference>,
    #[serde(skip_serializing_if = "empty")]
    pub relevant_evidence: Vec<RelevantEvidence>,
    pub collected: String,
    #[serde(skip_serializing_if = "none")]
    pub remarks: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Origin {
    pub actors: Vec<Actor>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Actor {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub actor_uuid: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SubjectReference {
    pub subject_uuid: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    #[serde(skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RelevantEvidence {
    #[serde(skip_serializing_if = "none")]
    pub href: Option<String>,
    pub description: String,
    #[serde(skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Finding {
    pub uuid: String,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
    pub target: FindingTarget,
    #[serde(skip_serializing_if = "empty")]
    pub related_observations: Vec<RelatedObservation>,
    #[serde(skip_serializing_if = "none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct FindingTarget {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub target_id: String,
    pub title: String,
    pub status: ObjectiveStatus,
    pub implementation_status: ImplementationStatus,
}

#[derive(Debug, Serialize)]
pub struct ObjectiveStatus {
    pub state: &'static str,
    pub reason: &'static str,
    pub remarks: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct RelatedObservation {
    pub observation_uuid: String,
}

// ---------------------------------------------------------------- system security plan

#[derive(Debug, Serialize)]
pub struct SspDocument {
    #[serde(rename = "system-security-plan")]
    pub system_security_plan: SystemSecurityPlan,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SystemSecurityPlan {
    pub uuid: String,
    pub metadata: Metadata,
    pub import_profile: Import,
    pub system_characteristics: SystemCharacteristics,
    pub system_implementation: SystemImplementation,
    pub control_implementation: SspControlImplementation,
    pub back_matter: BackMatter,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SystemCharacteristics {
    pub system_ids: Vec<SystemId>,
    pub system_name: String,
    pub description: String,
    #[serde(skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
    pub system_information: SystemInformation,
    pub status: Status,
    pub authorization_boundary: Described,
    #[serde(skip_serializing_if = "none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SystemInformation {
    pub information_types: Vec<InformationType>,
}

#[derive(Debug, Serialize)]
pub struct InformationType {
    pub uuid: String,
    pub title: String,
    pub description: String,
}

#[derive(Debug, Serialize)]
pub struct Described {
    pub description: String,
    #[serde(skip_serializing_if = "none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct SystemImplementation {
    pub components: Vec<SystemComponent>,
    #[serde(skip_serializing_if = "none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SspControlImplementation {
    pub description: String,
    pub implemented_requirements: Vec<SspRequirement>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SspRequirement {
    pub uuid: String,
    pub control_id: &'static str,
    #[serde(skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
    pub by_components: Vec<ByComponent>,
    #[serde(skip_serializing_if = "none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ByComponent {
    pub component_uuid: String,
    pub uuid: String,
    pub description: String,
    pub implementation_status: ImplementationStatus,
}

// ---------------------------------------------------------------- plan of action and milestones

#[derive(Debug, Serialize)]
pub struct PoamDocument {
    #[serde(rename = "plan-of-action-and-milestones")]
    pub plan_of_action_and_milestones: Poam,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Poam {
    pub uuid: String,
    pub metadata: Metadata,
    pub system_id: SystemId,
    #[serde(skip_serializing_if = "none")]
    pub local_definitions: Option<ResultLocalDefinitions>,
    #[serde(skip_serializing_if = "empty")]
    pub observations: Vec<Observation>,
    #[serde(skip_serializing_if = "empty")]
    pub risks: Vec<Risk>,
    pub poam_items: Vec<PoamItem>,
    #[serde(skip_serializing_if = "none")]
    pub back_matter: Option<BackMatter>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Risk {
    pub uuid: String,
    pub title: String,
    pub description: String,
    pub statement: String,
    #[serde(skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
    pub status: &'static str,
    #[serde(skip_serializing_if = "none")]
    pub deadline: Option<String>,
    #[serde(skip_serializing_if = "empty")]
    pub remediations: Vec<Response>,
    #[serde(skip_serializing_if = "empty")]
    pub related_observations: Vec<RelatedObservation>,
}

#[derive(Debug, Serialize)]
pub struct Response {
    pub uuid: String,
    pub lifecycle: &'static str,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
    #[serde(skip_serializing_if = "empty")]
    pub tasks: Vec<Task>,
    #[serde(skip_serializing_if = "none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Task {
    pub uuid: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    #[serde(skip_serializing_if = "none")]
    pub timing: Option<Timing>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Timing {
    OnDate { date: String },
    WithinDateRange { start: String, end: String },
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct PoamItem {
    pub uuid: String,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
    #[serde(skip_serializing_if = "empty")]
    pub related_observations: Vec<RelatedObservation>,
    #[serde(skip_serializing_if = "empty")]
    pub related_risks: Vec<AssociatedRisk>,
    #[serde(skip_serializing_if = "none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct AssociatedRisk {
    pub risk_uuid: String,
}

// ---------------------------------------------------------------- component definition

#[derive(Debug, Serialize)]
pub struct ComponentDocument {
    #[serde(rename = "component-definition")]
    pub component_definition: ComponentDefinition,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ComponentDefinition {
    pub uuid: String,
    pub metadata: Metadata,
    pub components: Vec<DefinedComponent>,
    pub back_matter: BackMatter,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct DefinedComponent {
    pub uuid: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    pub description: String,
    pub purpose: String,
    #[serde(skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
    #[serde(skip_serializing_if = "empty")]
    pub control_implementations: Vec<ComponentControlImplementation>,
    #[serde(skip_serializing_if = "none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ComponentControlImplementation {
    pub uuid: String,
    pub source: String,
    pub description: String,
    pub implemented_requirements: Vec<ComponentRequirement>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ComponentRequirement {
    pub uuid: String,
    pub control_id: &'static str,
    pub description: String,
    #[serde(skip_serializing_if = "empty")]
    pub props: Vec<Prop>,
}
