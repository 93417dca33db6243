//! The Annex A catalogue (ids and short titles only), crosswalks and evidence requirements,
//! compiled in from `data/*.csv` by `build.rs`.

use std::fmt;

include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

/// ISO/IEC 27002:2022 theme of a control.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Organizational,
    People,
    Physical,
    Technological,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Organizational => "Organizational",
            Theme::People => "People",
            Theme::Physical => "Physical",
            Theme::Technological => "Technological",
        }
    }
}

/// How relevant a control is to CI/CD (the reference data's judgement, not the standard's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Relevance {
    High,
    Medium,
    Low,
    None,
}

impl Relevance {
    pub fn as_str(self) -> &'static str {
        match self {
            Relevance::High => "high",
            Relevance::Medium => "medium",
            Relevance::Low => "low",
            Relevance::None => "none",
        }
    }
}

/// One Annex A control with its 27002 attributes (`;`-separated as in the reference data).
#[derive(Debug)]
pub struct Control {
    pub id: ControlId,
    pub code: &'static str,
    pub title: &'static str,
    pub theme: Theme,
    pub control_types: &'static str,
    pub properties: &'static str,
    pub concepts: &'static str,
    pub capabilities: &'static str,
    pub domains: &'static str,
    pub new_in_2022: bool,
    pub relevance: Relevance,
    pub relevance_note: &'static str,
}

impl ControlId {
    /// Every control, in catalogue order.
    pub fn all() -> impl Iterator<Item = ControlId> {
        CONTROLS.iter().map(|c| c.id)
    }

    pub fn info(self) -> &'static Control {
        // Generated in catalogue order, so the discriminant is the index.
        &CONTROLS[self as usize]
    }

    /// The id as the standard writes it, e.g. `A.8.32`.
    pub fn code(self) -> &'static str {
        self.info().code
    }

    /// Parse `A.8.32` (also accepts `a.8.32` and `8.32`).
    pub fn parse(s: &str) -> Option<ControlId> {
        let s = s.trim();
        let bare = s
            .strip_prefix("A.")
            .or_else(|| s.strip_prefix("a."))
            .unwrap_or(s);
        CONTROLS.iter().find(|c| &c.code[2..] == bare).map(|c| c.id)
    }

    pub fn requirements(self) -> &'static ControlRequirements {
        &EVIDENCE_REQUIREMENTS[self as usize]
    }

    pub fn crosswalk(self) -> impl Iterator<Item = &'static CrosswalkRow> {
        CROSSWALK.iter().filter(move |r| r.control == self)
    }
}

impl fmt::Display for ControlId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A framework the crosswalk maps Annex A controls to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Framework {
    Soc2,
    PciDss4,
    Nis2,
    Dora,
    NistCsf2,
    Ssdf,
    Slsa,
    CisSsc,
    OwaspCicd,
}

impl Framework {
    pub fn name(self) -> &'static str {
        match self {
            Framework::Soc2 => "SOC 2 TSC 2017",
            Framework::PciDss4 => "PCI DSS v4.0",
            Framework::Nis2 => "NIS2 Art. 21(2)",
            Framework::Dora => "DORA (EU) 2022/2554",
            Framework::NistCsf2 => "NIST CSF 2.0",
            Framework::Ssdf => "NIST SP 800-218 SSDF v1.1",
            Framework::Slsa => "SLSA v1.0 Build track",
            Framework::CisSsc => "CIS Software Supply Chain Security Guide v1.0",
            Framework::OwaspCicd => "OWASP Top 10 CI/CD Security Risks",
        }
    }
}

/// How another framework's requirement relates to the Annex A control.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    Equivalent,
    Subset,
    Superset,
    Related,
}

impl Relation {
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Equivalent => "equivalent",
            Relation::Subset => "subset",
            Relation::Superset => "superset",
            Relation::Related => "related",
        }
    }
}

/// One crosswalk mapping; `source` says whether it is published or a judgement.
#[derive(Debug)]
pub struct CrosswalkRow {
    pub control: ControlId,
    pub framework: Framework,
    pub requirement_id: &'static str,
    pub title: &'static str,
    pub relation: Relation,
    pub source: &'static str,
    pub confidence: &'static str,
    pub note: &'static str,
}

/// A set an auditor samples to see a control operate over a period (DESIGN.md §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Population {
    /// Merged pull / merge requests with their reviews.
    Changes,
    /// Deployments to production environments with their approvals.
    Deployments,
    /// Who holds which access, through what.
    Access,
    /// Vulnerability alerts with their ages.
    Alerts,
    /// Findings raised over the period and how they were handled.
    Findings,
    /// Recorded scan runs covering the period (the control was checked continuously).
    Runs,
    /// Platform audit-log events over the period.
    AuditLog,
}

impl Population {
    pub fn as_str(self) -> &'static str {
        match self {
            Population::Changes => "changes",
            Population::Deployments => "deployments",
            Population::Access => "access",
            Population::Alerts => "alerts",
            Population::Findings => "findings",
            Population::Runs => "runs",
            Population::AuditLog => "audit-log",
        }
    }
}

/// A human record for the process part of a control, hashed into the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AttestationKind {
    /// An approved policy within its review interval.
    Policy,
    AccessReview,
    Training,
    Screening,
    PhysicalSecurity,
    SupplierAssessment,
    IncidentRecord,
    InternalAudit,
    ManagementReview,
    /// A dated record that the control's process ran (owner, date, outcome).
    Record,
}

impl AttestationKind {
    pub const ALL: [AttestationKind; 10] = [
        AttestationKind::Policy,
        AttestationKind::AccessReview,
        AttestationKind::Training,
        AttestationKind::Screening,
        AttestationKind::PhysicalSecurity,
        AttestationKind::SupplierAssessment,
        AttestationKind::IncidentRecord,
        AttestationKind::InternalAudit,
        AttestationKind::ManagementReview,
        AttestationKind::Record,
    ];

    pub fn parse(s: &str) -> Option<AttestationKind> {
        AttestationKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AttestationKind::Policy => "policy",
            AttestationKind::AccessReview => "access-review",
            AttestationKind::Training => "training",
            AttestationKind::Screening => "screening",
            AttestationKind::PhysicalSecurity => "physical-security",
            AttestationKind::SupplierAssessment => "supplier-assessment",
            AttestationKind::IncidentRecord => "incident-record",
            AttestationKind::InternalAudit => "internal-audit",
            AttestationKind::ManagementReview => "management-review",
            AttestationKind::Record => "record",
        }
    }
}

/// Evidence a control needs beyond its design checks. The design checks themselves are not
/// listed here: they are every check whose metadata names the control, so the matrix is
/// generated from the checks' code and cannot drift.
#[derive(Debug)]
pub struct ControlRequirements {
    pub control: ControlId,
    pub populations: &'static [Population],
    pub attestations: &'static [AttestationKind],
}

/// ISMS clauses of ISO/IEC 27001:2022 that annexa cites (ids only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Clause {
    C4_3,
    C6_1_2,
    C6_1_3,
    C6_2,
    C7_2,
    C7_5,
    C9_1,
    C9_2,
    C9_3,
    C10_1,
    C10_2,
}

impl Clause {
    pub const ALL: [Clause; 11] = [
        Clause::C4_3,
        Clause::C6_1_2,
        Clause::C6_1_3,
        Clause::C6_2,
        Clause::C7_2,
        Clause::C7_5,
        Clause::C9_1,
        Clause::C9_2,
        Clause::C9_3,
        Clause::C10_1,
        Clause::C10_2,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Clause::C4_3 => "4.3",
            Clause::C6_1_2 => "6.1.2",
            Clause::C6_1_3 => "6.1.3",
            Clause::C6_2 => "6.2",
            Clause::C7_2 => "7.2",
            Clause::C7_5 => "7.5",
            Clause::C9_1 => "9.1",
            Clause::C9_2 => "9.2",
            Clause::C9_3 => "9.3",
            Clause::C10_1 => "10.1",
            Clause::C10_2 => "10.2",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Clause::C4_3 => "Determining the scope of the ISMS",
            Clause::C6_1_2 => "Information security risk assessment",
            Clause::C6_1_3 => "Information security risk treatment",
            Clause::C6_2 => "Information security objectives and planning to achieve them",
            Clause::C7_2 => "Competence",
            Clause::C7_5 => "Documented information",
            Clause::C9_1 => "Monitoring, measurement, analysis and evaluation",
            Clause::C9_2 => "Internal audit",
            Clause::C9_3 => "Management review",
            Clause::C10_1 => "Continual improvement",
            Clause::C10_2 => "Nonconformity and corrective action",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_complete_and_indexed() {
        assert_eq!(ControlId::all().count(), 93);
        for (i, c) in CONTROLS.iter().enumerate() {
            assert_eq!(c.id as usize, i);
            assert_eq!(ControlId::parse(c.code), Some(c.id));
            assert_eq!(c.id.requirements().control, c.id);
        }
        assert_eq!(ControlId::parse("8.32"), Some(ControlId::A8_32));
        assert_eq!(ControlId::parse("A.9.1"), None);
        assert_eq!(ControlId::A8_32.info().title, "Change management");
        assert_eq!(
            CONTROLS
                .iter()
                .filter(|c| c.theme == Theme::Physical)
                .count(),
            14
        );
    }

    #[test]
    fn crosswalk_covers_high_relevance_controls() {
        assert_eq!(CROSSWALK.len(), 529);
        for c in CONTROLS.iter().filter(|c| c.relevance == Relevance::High) {
            assert!(
                c.id.crosswalk().next().is_some(),
                "{} has no crosswalk",
                c.code
            );
        }
    }
}
