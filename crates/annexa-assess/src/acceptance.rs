//! Risk acceptances: a finding moves into accepted risk only through an acceptance that names
//! the check, the scope it covers, the reason, the risk owner, the approver and an expiry, under
//! the organisation's acceptance criteria. When it expires the finding reopens and the expired
//! acceptance is itself reported.

/// One `[[acceptance]]` as written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Acceptance {
    pub id: String,
    /// The check whose findings it covers.
    pub check: String,
    /// A glob over the subject's repository (`owner/name`) or its full subject key.
    pub scope: String,
    pub reason: String,
    /// The risk owner.
    pub owner: String,
    pub approver: Option<String>,
    /// `YYYY-MM-DD`.
    pub approved_on: Option<String>,
    /// `YYYY-MM-DD`: the last day the acceptance holds.
    pub expires: String,
    /// The register risk it belongs to, if named.
    pub risk: Option<String>,
}

/// Whether an acceptance applies at the report's date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AcceptanceStatus {
    /// Approved and not expired: matching findings are accepted risk.
    Active,
    /// Past its expiry: matching findings are open again.
    Expired,
    /// Not applied (no approver, unknown check, approval in the future ...): see `problem`.
    Invalid,
}

impl AcceptanceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AcceptanceStatus::Active => "active",
            AcceptanceStatus::Expired => "expired",
            AcceptanceStatus::Invalid => "invalid",
        }
    }
}

/// An acceptance as assessed at the report's date.
#[derive(Clone, Debug)]
pub struct AcceptanceState {
    pub acceptance: Acceptance,
    pub status: AcceptanceStatus,
    /// Why it is invalid.
    pub problem: Option<String>,
    /// Failing observations it matches (accepted while active, reopened once expired).
    pub findings: usize,
    /// The subjects of those observations (stable keys), sorted.
    pub subjects: Vec<String>,
}

use annexa_model::{CheckId, Observation, Outcome, SubjectKey};
use globset::GlobBuilder;

/// The names a scope pattern is matched against: the subject's repository as `owner/name`
/// (GitHub) or project path (GitLab), an organisation or group resource (`orgs/acme`,
/// `groups/acme`), and the full subject key.
fn scope_names(o: &Observation) -> Vec<String> {
    let mut names = vec![o.subject.to_string()];
    match &o.subject {
        SubjectKey::Repo { repo, .. } => {
            // As displayed (`host/owner/name`, `local/<folder>`), and as `owner/name`.
            names.push(repo.to_string());
            names.push(if repo.owner.is_empty() {
                repo.name.to_string()
            } else {
                format!("{}/{}", repo.owner, repo.name)
            });
        }
        SubjectKey::Api { resource, .. } => {
            let parts: Vec<&str> = resource.split('/').filter(|p| !p.is_empty()).collect();
            match parts.as_slice() {
                ["repos", owner, name, ..] => names.push(format!("{owner}/{name}")),
                ["projects", path, ..] => names.push(path.replace("%2F", "/").replace("%2f", "/")),
                [kind @ ("orgs" | "groups"), name, ..] => {
                    names.push(format!("{kind}/{}", name.replace("%2F", "/")));
                }
                _ => {}
            }
        }
        SubjectKey::Isms { kind, id } => names.push(format!("isms/{kind}/{id}")),
    }
    names
}

/// An acceptance's check and scope, compiled once.
pub struct Matcher {
    check: String,
    glob: globset::GlobMatcher,
}

impl Matcher {
    /// `None` when the scope is not a valid pattern (configuration validation refuses those).
    pub fn new(a: &Acceptance) -> Option<Matcher> {
        let glob = GlobBuilder::new(&a.scope)
            .literal_separator(false)
            .build()
            .ok()?
            .compile_matcher();
        Some(Matcher {
            check: a.check.clone(),
            glob,
        })
    }

    /// Whether the acceptance names this observation (its check, within its scope). Says
    /// nothing about whether it applies today: see [`status`].
    pub fn covers(&self, o: &Observation) -> bool {
        o.check.as_str() == self.check && scope_names(o).iter().any(|n| self.glob.is_match(n))
    }
}

/// Whether the acceptance applies on `today` (`YYYY-MM-DD`), and why not when it does not.
/// Dates are validated `YYYY-MM-DD` strings, so they compare as text. A risk is accepted
/// under the organisation's risk acceptance criteria (6.1.2): without `[risk-criteria]` no
/// acceptance applies.
pub fn status(
    a: &Acceptance,
    today: &str,
    criteria_established: bool,
) -> (AcceptanceStatus, Option<String>) {
    if CheckId::parse(&a.check).is_none() {
        return (
            AcceptanceStatus::Invalid,
            Some(format!("`{}` is not a check id", a.check)),
        );
    }
    if !criteria_established {
        return (
            AcceptanceStatus::Invalid,
            Some("no risk acceptance criteria ([risk-criteria]): a risk can only be accepted under them".into()),
        );
    }
    let Some(approver) = a.approver.as_deref() else {
        return (
            AcceptanceStatus::Invalid,
            Some("no approver: an acceptance applies only once approved under the risk acceptance criteria".into()),
        );
    };
    if approver.trim().is_empty() {
        return (
            AcceptanceStatus::Invalid,
            Some("the approver is empty".into()),
        );
    }
    match a.approved_on.as_deref() {
        None => {
            return (
                AcceptanceStatus::Invalid,
                Some("no approval date (`approved-on`)".into()),
            );
        }
        Some(d) if d > today => {
            return (
                AcceptanceStatus::Invalid,
                Some(format!("approved on {d}, after the report's date {today}")),
            );
        }
        Some(d) if d > a.expires.as_str() => {
            return (
                AcceptanceStatus::Invalid,
                Some(format!(
                    "approved on {d}, after its own expiry {}",
                    a.expires
                )),
            );
        }
        Some(_) => {}
    }
    if a.expires.as_str() < today {
        return (
            AcceptanceStatus::Expired,
            Some(format!(
                "expired on {}: its findings are open again",
                a.expires
            )),
        );
    }
    (AcceptanceStatus::Active, None)
}

/// Every acceptance as of `today`, with the failing observations it matches.
pub fn assess(
    acceptances: &[Acceptance],
    observations: &[Observation],
    today: &str,
    criteria_established: bool,
) -> Vec<AcceptanceState> {
    acceptances
        .iter()
        .map(|a| {
            let (status, problem) = status(a, today, criteria_established);
            let m = Matcher::new(a);
            let mut subjects: Vec<String> = observations
                .iter()
                .filter(|o| o.outcome == Outcome::Fail && m.as_ref().is_some_and(|m| m.covers(o)))
                .map(|o| o.subject.to_string())
                .collect();
            subjects.sort();
            let findings = subjects.len();
            subjects.dedup();
            AcceptanceState {
                acceptance: a.clone(),
                status,
                problem,
                findings,
                subjects,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acc() -> Acceptance {
        Acceptance {
            id: "ACC-1".into(),
            check: "unpinned-image".into(),
            scope: "acme/legacy-*".into(),
            reason: "vendor image, pinned by digest in Q3".into(),
            owner: "alice".into(),
            approver: Some("ciso".into()),
            approved_on: Some("2026-01-10".into()),
            expires: "2026-06-30".into(),
            risk: None,
        }
    }

    #[test]
    fn an_acceptance_holds_until_its_expiry_and_then_reopens() {
        assert_eq!(
            status(&acc(), "2026-06-30", true).0,
            AcceptanceStatus::Active
        );
        let (s, why) = status(&acc(), "2026-07-01", true);
        assert_eq!(s, AcceptanceStatus::Expired);
        assert!(why.unwrap().contains("open again"));
    }

    #[test]
    fn without_approval_it_never_applies() {
        let mut a = acc();
        a.approver = None;
        assert_eq!(status(&a, "2026-03-01", true).0, AcceptanceStatus::Invalid);
        let mut a = acc();
        a.approved_on = Some("2026-05-01".into());
        assert_eq!(status(&a, "2026-03-01", true).0, AcceptanceStatus::Invalid);
        let mut a = acc();
        a.check = "no-such-check".into();
        assert_eq!(status(&a, "2026-03-01", true).0, AcceptanceStatus::Invalid);
        // No risk acceptance criteria: nothing can be accepted.
        assert_eq!(
            status(&acc(), "2026-03-01", false).0,
            AcceptanceStatus::Invalid
        );
    }
}
