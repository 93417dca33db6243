//! Roll-up: observations → per-control status, with the evidence behind each dimension.
//!
//! Rules (documented in ARCHITECTURE.md, "Control status"):
//! - a control's *design* requirements are the checks whose metadata names it;
//! - per check and repository, the counts of pass / fail / unknown give a level
//!   ([`Level::of_counts`]); repositories where the check saw nothing relevant are left out;
//! - a check's level across repositories, and the design level across checks, combine with
//!   [`Level::combine`]: meets only when every part meets;
//! - operation and attestation requirements come from the control's evidence requirements;
//!   this layer has no populations or attestation records yet, so they are `not-assessed`,
//!   each with the reason;
//! - the declared dimension comes from the Statement of Applicability's decisions
//!   ([`Decisions`], given to [`assess_with`]); a control the SoA does not name is
//!   `undeclared`, and an excluded control keeps all its evidence (excluded yet failing is
//!   drift the report must show, not hide);
//! - the overall status comes from [`Dimensions::overall`]; files alone never reach
//!   `implemented`.
//!
//! Architecture invariant: pure functions of their inputs; suppression never reaches here.

use std::collections::BTreeMap;

pub mod acceptance;
pub mod actions;
pub mod calendar;
pub mod isms;
pub mod ncs;
mod ncs_isms;
pub mod objectives;
pub mod readiness;
pub mod risks;
pub mod suppliers;

use annexa_model::status::{Declared, Dimensions, Level, Overall};
use annexa_model::{
    AttestationKind, CheckId, CheckMeta, ControlId, Observation, Outcome, Population, Provenance,
    SubjectKey,
};

/// What one check contributed to a control's design dimension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckEvidence {
    pub check: CheckId,
    /// `None` when the check saw nothing relevant anywhere (or did not run).
    pub level: Option<Level>,
    pub pass: usize,
    pub fail: usize,
    pub unknown: usize,
    pub not_relevant: usize,
    /// Repositories where the check saw something relevant, and how many of them meet.
    pub repositories_assessed: usize,
    pub repositories_meeting: usize,
}

/// An operating or attestation requirement and why it stands where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequirementState<K> {
    pub kind: K,
    pub level: Level,
    pub reason: String,
}

/// The status of one control with the evidence behind each dimension.
#[derive(Clone, Debug)]
pub struct ControlStatus {
    pub control: ControlId,
    pub dimensions: Dimensions,
    pub overall: Overall,
    pub design: Vec<CheckEvidence>,
    pub operation: Vec<RequirementState<Population>>,
    pub attestation: Vec<RequirementState<AttestationKind>>,
}

/// The assessment of one scan.
#[derive(Clone, Debug)]
pub struct Assessment {
    /// All 93 controls, in catalogue order.
    pub controls: Vec<ControlStatus>,
}

impl ControlStatus {
    /// The SoA excludes the control yet evidence about it fails: drift between the SoA and
    /// what was observed (a fact; judging it is for the nonconformity layer).
    pub fn excluded_but_failing(&self) -> bool {
        self.dimensions.declared == Declared::Excluded && self.design.iter().any(|e| e.fail > 0)
    }
}

/// The Statement of Applicability's decisions: the declared dimension per control.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decisions(BTreeMap<ControlId, Declared>, Vec<Attestation>);

/// A human record for the process part of controls (`[[attestation]]`), hashed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attestation {
    pub kind: AttestationKind,
    /// The controls it is evidence for; empty: every control that needs this kind.
    pub controls: Vec<ControlId>,
    /// When the activity took place (YYYY-MM-DD).
    pub date: String,
    pub owner: String,
    /// The record (a file), as written.
    pub record: String,
    /// SHA-256 of the record as read; `None` when it could not be read.
    pub sha256: Option<String>,
    /// Within its validity window (12 months) at the report's point in time.
    pub current: bool,
}

impl Decisions {
    /// No decisions: every control is `undeclared`.
    pub fn none() -> Decisions {
        Decisions::default()
    }

    /// The attestation records.
    pub fn attestations(&self) -> &[Attestation] {
        &self.1
    }

    /// The same decisions with these attestation records.
    pub fn with_attestations(mut self, attestations: Vec<Attestation>) -> Decisions {
        self.1 = attestations;
        self
    }

    /// What the SoA declares for `id`.
    pub fn declared(&self, id: ControlId) -> Declared {
        self.0.get(&id).copied().unwrap_or(Declared::Undeclared)
    }
}

impl FromIterator<(ControlId, Declared)> for Decisions {
    fn from_iter<I: IntoIterator<Item = (ControlId, Declared)>>(iter: I) -> Self {
        Decisions(iter.into_iter().collect(), Vec::new())
    }
}

impl Assessment {
    pub fn control(&self, id: ControlId) -> &ControlStatus {
        &self.controls[id as usize]
    }

    pub fn count(&self, overall: Overall) -> usize {
        self.controls
            .iter()
            .filter(|c| c.overall == overall)
            .count()
    }
}

/// Which repository an observation is about (its subject's repository identity).
pub(crate) fn repo_of(o: &Observation) -> String {
    match &o.subject {
        SubjectKey::Repo { repo, .. } => repo.to_string(),
        // Platform state is per repository / project (`/repos/o/r`, `/projects/p`) or per
        // organisation / group (`/orgs/o`, `/groups/g`).
        SubjectKey::Api { host, resource, .. } => {
            let mut parts = resource.split('/').filter(|p| !p.is_empty());
            let scope = match parts.next() {
                Some("repos") => [parts.next(), parts.next()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("/"),
                Some(kind) => format!("{kind}/{}", parts.next().unwrap_or("")),
                None => String::new(),
            };
            format!("{host}/{scope}")
        }
        SubjectKey::Isms { .. } => "isms".to_owned(),
    }
}

#[derive(Default)]
struct Counts {
    pass: usize,
    fail: usize,
    unknown: usize,
    not_relevant: usize,
}

/// Assess `observations` from the checks in `checks`, with no SoA (every control
/// `undeclared`).
pub fn assess(checks: &[&'static CheckMeta], observations: &[Observation]) -> Assessment {
    assess_with(checks, observations, &Decisions::none())
}

/// Assess `observations` from the checks in `checks`, the declared dimension taken from the
/// SoA's `decisions`.
pub fn assess_with(
    checks: &[&'static CheckMeta],
    observations: &[Observation],
    decisions: &Decisions,
) -> Assessment {
    // check → repository → counts
    let mut by_check: BTreeMap<CheckId, BTreeMap<String, Counts>> = BTreeMap::new();
    for o in observations {
        let c = by_check
            .entry(o.check)
            .or_default()
            .entry(repo_of(o))
            .or_default();
        match o.outcome {
            Outcome::Pass => c.pass += 1,
            Outcome::Fail => c.fail += 1,
            Outcome::Unknown => c.unknown += 1,
            Outcome::NotRelevant => c.not_relevant += 1,
        }
    }
    let evidence_for = |meta: &CheckMeta| -> CheckEvidence {
        let mut e = CheckEvidence {
            check: meta.id,
            level: None,
            pass: 0,
            fail: 0,
            unknown: 0,
            not_relevant: 0,
            repositories_assessed: 0,
            repositories_meeting: 0,
        };
        let mut levels = Vec::new();
        if let Some(repos) = by_check.get(&meta.id) {
            for c in repos.values() {
                e.pass += c.pass;
                e.fail += c.fail;
                e.unknown += c.unknown;
                e.not_relevant += c.not_relevant;
                if c.pass + c.fail + c.unknown == 0 {
                    continue;
                }
                let l = Level::of_counts(c.pass, c.fail, c.unknown);
                e.repositories_assessed += 1;
                if l == Level::Meets {
                    e.repositories_meeting += 1;
                }
                levels.push(l);
            }
        }
        if !levels.is_empty() {
            e.level = Some(Level::combine(levels));
        }
        e
    };

    let controls = ControlId::all()
        .map(|id| {
            // Checks whose observations are a population's items are operating evidence.
            let design: Vec<CheckEvidence> = checks
                .iter()
                .filter(|m| m.controls.contains(&id) && m.population.is_none())
                .map(|m| evidence_for(m))
                .collect();
            let design_level = if design.is_empty() {
                None
            } else {
                Some(Level::combine(design.iter().filter_map(|e| e.level)))
            };
            let req = id.requirements();
            let operation: Vec<RequirementState<Population>> = req
                .populations
                .iter()
                .map(|&p| {
                    let items: Vec<CheckEvidence> = checks
                        .iter()
                        .filter(|m| m.population == Some(p) && m.controls.contains(&id))
                        .map(|m| evidence_for(m))
                        .filter(|e| e.pass + e.fail + e.unknown > 0)
                        .collect();
                    if items.is_empty() {
                        return RequirementState {
                            kind: p,
                            level: Level::NotAssessed,
                            reason: format!(
                                "no period evidence: the `{}` population was not collected",
                                p.as_str()
                            ),
                        };
                    }
                    let (pass, fail, unknown) = items.iter().fold((0, 0, 0), |(a, b, c), e| {
                        (a + e.pass, b + e.fail, c + e.unknown)
                    });
                    // A passing item drawn from a hand-edited (or synthetic) snapshot is not
                    // system evidence that the control operated: it counts as undecided.
                    let names: Vec<CheckId> = items.iter().map(|e| e.check).collect();
                    let edited = observations
                        .iter()
                        .filter(|o| {
                            o.outcome == Outcome::Pass
                                && names.contains(&o.check)
                                && matches!(o.provenance, Provenance::HandEdited | Provenance::WorkingTree)
                        })
                        .count();
                    let (pass, unknown) = (pass - edited, unknown + edited);
                    let checks: Vec<&str> = items.iter().map(|e| e.check.as_str()).collect();
                    let edited_note = if edited > 0 {
                        format!(", {edited} passing item(s) from hand-edited evidence not counted")
                    } else {
                        String::new()
                    };
                    RequirementState {
                        kind: p,
                        level: Level::of_counts(pass, fail, unknown),
                        reason: format!(
                            "`{}` over the period: {pass} of {} item(s) meet the requirement, {fail} exception(s), {unknown} not readable or not system evidence{edited_note} ({})",
                            p.as_str(),
                            pass + fail + unknown,
                            checks.join(", ")
                        ),
                    }
                })
                .collect();
            let attestation: Vec<RequirementState<AttestationKind>> = req
                .attestations
                .iter()
                .map(|&a| {
                    let records: Vec<&Attestation> = decisions
                        .1
                        .iter()
                        .filter(|r| r.kind == a && (r.controls.is_empty() || r.controls.contains(&id)))
                        .collect();
                    let readable: Vec<&&Attestation> =
                        records.iter().filter(|r| r.sha256.is_some()).collect();
                    let (level, reason) = if records.is_empty() {
                        (Level::NotAssessed, format!("no `{}` record was provided", a.as_str()))
                    } else if let Some(r) = readable.iter().filter(|r| r.current).max_by_key(|r| r.date.clone()) {
                        (
                            Level::Meets,
                            format!(
                                "`{}` record of {} by {} ({}, SHA-256 {})",
                                a.as_str(),
                                r.date,
                                r.owner,
                                r.record,
                                r.sha256.as_deref().map_or("", |h| h.get(..12).unwrap_or(h))
                            ),
                        )
                    } else if let Some(r) = readable.iter().max_by_key(|r| r.date.clone()) {
                        (
                            Level::DoesNotMeet,
                            format!(
                                "the latest `{}` record is of {}: older than 12 months",
                                a.as_str(),
                                r.date
                            ),
                        )
                    } else {
                        (
                            Level::NotAssessed,
                            format!(
                                "`{}` record(s) declared but unreadable: {}",
                                a.as_str(),
                                records.iter().map(|r| r.record.as_str()).collect::<Vec<_>>().join(", ")
                            ),
                        )
                    };
                    RequirementState { kind: a, level, reason }
                })
                .collect();
            let dimensions = Dimensions {
                declared: decisions.declared(id),
                design: design_level,
                operation: (!operation.is_empty())
                    .then(|| Level::combine(operation.iter().map(|r| r.level))),
                attestation: (!attestation.is_empty())
                    .then(|| Level::combine(attestation.iter().map(|r| r.level))),
            };
            ControlStatus {
                control: id,
                overall: dimensions.overall(),
                dimensions,
                design,
                operation,
                attestation,
            }
        })
        .collect();
    Assessment { controls }
}

#[cfg(test)]
mod tests {
    use annexa_model::{Provenance, RepoIdentity, Route, Severity};

    use super::*;

    static META_A: CheckMeta = CheckMeta {
        id: CheckId::WorkflowsWithoutCodeowners,
        summary: "",
        severity: Severity::Medium,
        confidence: annexa_model::Confidence::High,
        scope: annexa_model::check::CheckScope::Repository,
        platforms: &[],
        controls: &[ControlId::A8_32],
        population: None,
        doc: "",
    };
    static META_B: CheckMeta = CheckMeta {
        id: CheckId::DeployWithoutGate,
        ..META_A
    };

    fn obs(check: CheckId, repo: &str, outcome: Outcome) -> Observation {
        Observation {
            check,
            outcome,
            severity: Severity::Medium,
            subject: SubjectKey::Repo {
                repo: RepoIdentity {
                    host: "local".into(),
                    owner: "".into(),
                    name: repo.into(),
                },
                commit: None,
                path: String::new(),
                route: Route::root(),
            },
            message: String::new(),
            locations: Vec::new(),
            provenance: Provenance::WorkingTree,
            suppression: None,
        }
    }

    #[test]
    fn aggregation_across_repositories() {
        let checks: &[&'static CheckMeta] = &[&META_A, &META_B];
        let a = assess(
            checks,
            &[
                obs(CheckId::WorkflowsWithoutCodeowners, "one", Outcome::Pass),
                obs(CheckId::WorkflowsWithoutCodeowners, "two", Outcome::Pass),
                obs(CheckId::DeployWithoutGate, "one", Outcome::Pass),
                obs(CheckId::DeployWithoutGate, "two", Outcome::NotRelevant),
            ],
        );
        let c = a.control(ControlId::A8_32);
        assert_eq!(c.dimensions.design, Some(Level::Meets));
        assert_eq!(c.design[1].repositories_assessed, 1);
        // Operation evidence is missing, so files alone stop at partial.
        assert_eq!(c.overall, Overall::Partial);

        let a = assess(
            checks,
            &[
                obs(CheckId::WorkflowsWithoutCodeowners, "one", Outcome::Pass),
                obs(CheckId::WorkflowsWithoutCodeowners, "two", Outcome::Fail),
            ],
        );
        assert_eq!(
            a.control(ControlId::A8_32).dimensions.design,
            Some(Level::Partly)
        );

        let a = assess(
            checks,
            &[obs(
                CheckId::WorkflowsWithoutCodeowners,
                "one",
                Outcome::Unknown,
            )],
        );
        assert_eq!(
            a.control(ControlId::A8_32).dimensions.design,
            Some(Level::NotAssessed)
        );
        assert_eq!(a.control(ControlId::A8_32).overall, Overall::NotAssessed);

        let a = assess(
            checks,
            &[obs(
                CheckId::WorkflowsWithoutCodeowners,
                "one",
                Outcome::Fail,
            )],
        );
        assert_eq!(a.control(ControlId::A8_32).overall, Overall::NotImplemented);
        assert_eq!(a.controls.len(), 93);
    }

    #[test]
    fn declared_from_the_soa() {
        let checks: &[&'static CheckMeta] = &[&META_A, &META_B];
        let observations = [
            obs(CheckId::WorkflowsWithoutCodeowners, "one", Outcome::Fail),
            obs(CheckId::DeployWithoutGate, "one", Outcome::Pass),
        ];
        let decisions: Decisions = [
            (ControlId::A8_32, Declared::Excluded),
            (ControlId::A5_1, Declared::Applicable),
        ]
        .into_iter()
        .collect();
        let a = assess_with(checks, &observations, &decisions);
        let c = a.control(ControlId::A8_32);
        assert_eq!(c.dimensions.declared, Declared::Excluded);
        assert_eq!(c.overall, Overall::Excluded);
        // The evidence stays: excluded yet failing is visible.
        assert_eq!(c.dimensions.design, Some(Level::Partly));
        assert_eq!(c.design[0].fail, 1);
        assert!(c.excluded_but_failing());
        assert_eq!(
            a.control(ControlId::A5_1).dimensions.declared,
            Declared::Applicable
        );
        assert_eq!(
            a.control(ControlId::A5_2).dimensions.declared,
            Declared::Undeclared
        );
        // Applicable does not lift a scan of files to implemented.
        assert!(a.controls.iter().all(|c| c.overall != Overall::Implemented));
        // Without decisions, the same as `assess`.
        let plain = assess(checks, &observations);
        let none = assess_with(checks, &observations, &Decisions::none());
        assert_eq!(
            plain.controls.iter().map(|c| c.overall).collect::<Vec<_>>(),
            none.controls.iter().map(|c| c.overall).collect::<Vec<_>>()
        );
        assert!(!plain.control(ControlId::A8_32).excluded_but_failing());
    }
}

#[cfg(test)]
mod nc_tests {
    use annexa_model::{Provenance, RepoIdentity, Route, Severity};

    use super::ncs::{Grade, NcInput, detect};
    use super::*;

    static META: CheckMeta = CheckMeta {
        id: CheckId::DeployWithoutGate,
        summary: "",
        severity: Severity::High,
        confidence: annexa_model::Confidence::High,
        scope: annexa_model::check::CheckScope::Pipeline,
        platforms: &[],
        controls: &[ControlId::A8_32],
        population: None,
        doc: "",
    };

    fn obs(repo: &str, path: &str, outcome: Outcome) -> Observation {
        Observation {
            check: CheckId::DeployWithoutGate,
            outcome,
            severity: Severity::High,
            subject: SubjectKey::Repo {
                repo: RepoIdentity {
                    host: "local".into(),
                    owner: "".into(),
                    name: repo.into(),
                },
                commit: None,
                path: path.into(),
                route: Route::root(),
            },
            message: format!("{repo}/{path}"),
            locations: Vec::new(),
            provenance: Provenance::WorkingTree,
            suppression: None,
        }
    }

    fn grade_of(observations: &[Observation], declared: Declared) -> (Vec<Grade>, usize) {
        let checks = [&META];
        let decisions: Decisions = [(ControlId::A8_32, declared)].into_iter().collect();
        let a = assess_with(&checks, observations, &decisions);
        let d = detect(&NcInput {
            checks: &checks,
            observations,
            assessment: &a,
            soa_present: true,
            soa_reasons: Default::default(),
            policies: Vec::new(),
            risks: Vec::new(),
            risk_register_present: true,
            risk_criteria_present: true,
            acceptances: Vec::new(),
            objectives: Vec::new(),
            suppliers: Default::default(),
            actions: Vec::new(),
            calendar: Vec::new(),
            monitoring: None,
            attested: Vec::new(),
        });
        // Only the change-management topic is under test (no objectives are given, so 6.2
        // is raised too).
        let topic = |t: crate::ncs::Topic| t == crate::ncs::Topic::ChangeManagement;
        (
            d.ncs
                .iter()
                .filter(|n| topic(n.topic))
                .map(|n| n.grade)
                .collect(),
            d.opportunities.iter().filter(|o| topic(o.topic)).count(),
        )
    }

    #[test]
    fn grades_follow_the_documented_heuristic() {
        use Outcome::*;
        // Fails and nothing passes: not addressed at all.
        assert_eq!(
            grade_of(&[obs("a", "x", Fail)], Declared::Applicable).0,
            [Grade::Major]
        );
        // One failing file among five repositories that pass: isolated.
        let mut o = vec![obs("a", "x", Fail)];
        o.extend(["b", "c", "d", "e"].map(|r| obs(r, "y", Pass)));
        o.push(obs("a", "y", Pass));
        assert_eq!(grade_of(&o, Declared::Applicable).0, [Grade::Minor]);
        // Failures in half the repositories: systemic.
        let o = vec![
            obs("a", "x", Fail),
            obs("b", "x", Fail),
            obs("c", "x", Pass),
            obs("d", "x", Pass),
        ];
        assert_eq!(grade_of(&o, Declared::Applicable).0, [Grade::Major]);
        // No SoA decision: an opportunity, never a nonconformity.
        assert_eq!(
            grade_of(&[obs("a", "x", Fail)], Declared::Undeclared),
            (vec![], 1)
        );
        // Unknowns are not objective evidence of a failure.
        assert_eq!(
            grade_of(&[obs("a", "x", Unknown)], Declared::Applicable),
            (vec![], 0)
        );
    }
}
