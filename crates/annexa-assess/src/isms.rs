//! Everything the ISMS reports (HTML, OSCAL, the management-review pack) show besides the scan
//! and its control status: the SoA's words, potential nonconformities, the risk register, risk
//! acceptances, objectives, suppliers, corrective actions, the audit calendar and the
//! populations over the period. The CLI assembles one [`IsmsView`] per run; reporters only
//! format it.

use annexa_model::ControlId;

use crate::acceptance::AcceptanceState;
use crate::actions::ActionState;
use crate::calendar::CalendarEntry;
use crate::ncs::{Detected, PolicyFact};
use crate::objectives::ObjectiveResult;
use crate::risks::{Criteria, RiskRow};
use crate::suppliers::SupplierReport;

/// The ISMS as of one run.
#[derive(Clone, Debug, Default)]
pub struct IsmsView {
    /// The reporting period (`YYYY-MM-DD`, inclusive), when one was given.
    pub period: Option<(String, String)>,
    /// `[scope] statement`.
    pub scope_statement: Option<String>,
    pub soa: SoaMeta,
    pub policies: Vec<PolicyFact>,
    pub ncs: Detected,
    /// `None` when `[risk-criteria]` is absent.
    pub criteria: Option<Criteria>,
    pub risks: Vec<RiskRow>,
    pub acceptances: Vec<AcceptanceState>,
    pub objectives: Vec<ObjectiveResult>,
    pub suppliers: SupplierReport,
    pub actions: Vec<ActionState>,
    pub calendar: Vec<CalendarEntry>,
    pub populations: Vec<PopulationSummary>,
}

/// The Statement of Applicability as written (`[soa]`).
#[derive(Clone, Debug, Default)]
pub struct SoaMeta {
    /// Whether any decision exists.
    pub present: bool,
    pub version: Option<String>,
    pub approver: Option<String>,
    /// `YYYY-MM-DD`.
    pub approved_on: Option<String>,
    pub decisions: Vec<SoaDecisionText>,
}

/// The words of one SoA decision (applicable or excluded is the assessment's declared
/// dimension).
#[derive(Clone, Debug)]
pub struct SoaDecisionText {
    pub control: ControlId,
    /// Reason for inclusion, or justification for exclusion.
    pub reason: String,
    pub implementation: Option<String>,
}

/// A population an auditor samples (merged changes, production deployments, access grants,
/// alerts), summarised: counts, reconciliation, what could not be read, and every exception.
#[derive(Clone, Debug, Default)]
pub struct PopulationSummary {
    /// `changes`, `deployments`, `access`, `alerts`.
    pub name: String,
    /// The snapshot's organisation or group.
    pub source: String,
    pub query: Vec<String>,
    pub filters: String,
    pub period: Option<(String, String)>,
    pub extracted_at: String,
    pub collector: Option<String>,
    pub total: usize,
    pub meeting: usize,
    pub exceptions: usize,
    pub reconciliation: Vec<String>,
    pub unreadable: Vec<String>,
    /// One line per exception: the item and why it misses the requirement.
    pub exception_items: Vec<String>,
    /// Whether the snapshot is system evidence (not synthetic or hand-edited).
    pub system_evidence: bool,
}
