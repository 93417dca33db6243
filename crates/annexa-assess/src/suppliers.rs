//! The supplier register (A.5.19–A.5.23; A.7 for hosted runners) against the suppliers the
//! estate shows: CI services, third-party actions, orbs, images, pipes, templates and runners.

/// One `[[supplier]]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Supplier {
    pub id: String,
    pub name: String,
    /// `ci-service`, `runner`, `action`, `orb`, `image`, `pipe`, `template`, `library`,
    /// `other`.
    pub kind: String,
    /// Globs over discovered component names (`actions/*`, `docker.io/library/*`,
    /// `github-actions`) that this supplier covers.
    pub covers: Vec<String>,
    pub owner: Option<String>,
    /// `YYYY-MM-DD` of the last supplier risk assessment.
    pub assessed_on: Option<String>,
    /// The provider's assurance report: `iso27001`, `soc2-type2`, ... (cloud CI services).
    pub assurance: Option<Assurance>,
}

/// A provider's certificate or SOC 2 report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assurance {
    pub kind: String,
    /// `YYYY-MM-DD`: the period the report covers (SOC 2), when given.
    pub period_from: Option<String>,
    pub period_to: Option<String>,
    /// `YYYY-MM-DD`: the certificate's expiry, or the date the report is no longer relied on.
    pub expires: Option<String>,
}

/// A supplier or third-party component the scan or a snapshot revealed.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Component {
    /// As in [`Supplier::kind`].
    pub kind: String,
    /// The component's name without version (`actions/checkout`, `docker.io/library/node`,
    /// `circleci/node`, `github-actions`, `self-hosted: linux, gpu`).
    pub name: String,
    /// The publisher part (`actions`, `docker.io/library`, `circleci`), which the register
    /// usually covers as a whole.
    pub publisher: String,
    pub uses: usize,
    /// `owner/name` of the repositories using it (sorted).
    pub repositories: Vec<String>,
}

/// A register entry as assessed.
#[derive(Clone, Debug)]
pub struct SupplierRow {
    pub supplier: Supplier,
    /// Discovered components it covers.
    pub components: usize,
    /// What the entry lacks (no owner, assessment older than 12 months, assurance expired or
    /// missing for a CI service, ...).
    pub problems: Vec<String>,
}

/// The register against the estate.
#[derive(Clone, Debug, Default)]
pub struct SupplierReport {
    /// Whether `[[supplier]]` has any entry.
    pub present: bool,
    pub rows: Vec<SupplierRow>,
    /// Components no register entry covers, grouped by publisher.
    pub unregistered: Vec<Component>,
    /// Every component discovered.
    pub discovered: Vec<Component>,
}

use std::collections::BTreeMap;

use globset::GlobBuilder;

/// How many distinct publishers the components come from.
pub fn publishers(components: &[Component]) -> usize {
    components
        .iter()
        .map(|c| c.publisher.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

/// `YYYY-MM-DD` one year before `today` (29 February → 28 February).
pub(crate) fn year_before(today: &str) -> String {
    let (y, rest) = today.split_at(4.min(today.len()));
    let y: i32 = y.parse().unwrap_or(0);
    let rest = if rest == "-02-29" { "-02-28" } else { rest };
    format!("{:04}{rest}", y - 1)
}

/// A register entry's `covers` patterns, compiled once.
fn matcher(s: &Supplier) -> globset::GlobSet {
    let mut b = globset::GlobSetBuilder::new();
    for g in &s.covers {
        if let Ok(g) = GlobBuilder::new(g).literal_separator(false).build() {
            b.add(g);
        }
    }
    b.build().unwrap_or_else(|_| globset::GlobSet::empty())
}

/// Whether a register entry covers a component (a `covers` glob matches its name or its
/// publisher).
fn covered(m: &globset::GlobSet, c: &Component) -> bool {
    m.is_match(&c.name) || m.is_match(&c.publisher)
}

/// The register against the components discovered, as of `today` (`YYYY-MM-DD`).
pub fn assess(register: &[Supplier], discovered: &[Component], today: &str) -> SupplierReport {
    let year_ago = year_before(today);
    let matchers: Vec<globset::GlobSet> = register.iter().map(matcher).collect();
    let rows = register
        .iter()
        .zip(&matchers)
        .map(|(s, m)| {
            let mut problems = Vec::new();
            if s.owner.as_deref().is_none_or(|o| o.trim().is_empty()) {
                problems.push("no owner".to_owned());
            }
            match s.assessed_on.as_deref() {
                None => problems.push("no supplier risk assessment recorded (`assessed-on`)".to_owned()),
                Some(d) if d < year_ago.as_str() => problems.push(format!(
                    "last assessed on {d}, more than 12 months before {today}"
                )),
                Some(_) => {}
            }
            let needs_assurance = matches!(s.kind.as_str(), "ci-service" | "runner");
            match &s.assurance {
                None if needs_assurance => problems.push(
                    "no provider certificate or assurance report (ISO/IEC 27001 certificate, SOC 2 report) recorded".to_owned(),
                ),
                None => {}
                Some(a) => {
                    if let Some(e) = a.expires.as_deref()
                        && e < today
                    {
                        problems.push(format!("{} expired on {e}", a.kind));
                    }
                    if let Some(p) = a.period_to.as_deref()
                        && p < year_ago.as_str()
                    {
                        problems.push(format!(
                            "{} covers a period ending {p}, more than 12 months before {today}",
                            a.kind
                        ));
                    }
                    if a.expires.is_none() && a.period_to.is_none() {
                        problems.push(format!("{}: neither its period nor its expiry is recorded", a.kind));
                    }
                }
            }
            SupplierRow {
                components: discovered.iter().filter(|c| covered(m, c)).count(),
                supplier: s.clone(),
                problems,
            }
        })
        .collect();
    let mut unregistered: BTreeMap<(String, String), Component> = BTreeMap::new();
    for c in discovered
        .iter()
        .filter(|c| !matchers.iter().any(|m| covered(m, c)))
    {
        let e = unregistered
            .entry((c.kind.clone(), c.publisher.clone()))
            .or_insert_with(|| Component {
                kind: c.kind.clone(),
                name: c.publisher.clone(),
                publisher: c.publisher.clone(),
                uses: 0,
                repositories: Vec::new(),
            });
        e.uses += c.uses;
        e.repositories.extend(c.repositories.iter().cloned());
    }
    SupplierReport {
        present: !register.is_empty(),
        rows,
        unregistered: unregistered
            .into_values()
            .map(|mut c| {
                c.repositories.sort();
                c.repositories.dedup();
                c
            })
            .collect(),
        discovered: discovered.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comp(kind: &str, name: &str, publisher: &str) -> Component {
        Component {
            kind: kind.into(),
            name: name.into(),
            publisher: publisher.into(),
            uses: 1,
            repositories: vec!["acme/app".into()],
        }
    }

    #[test]
    fn the_register_is_judged_against_what_the_estate_uses() {
        let register = vec![Supplier {
            id: "S1".into(),
            name: "GitHub".into(),
            kind: "ci-service".into(),
            covers: vec!["github-actions".into(), "actions".into()],
            owner: Some("platform team".into()),
            assessed_on: Some("2025-01-01".into()),
            assurance: Some(Assurance {
                kind: "soc2-type2".into(),
                period_from: Some("2025-01-01".into()),
                period_to: Some("2025-06-30".into()),
                expires: None,
            }),
        }];
        let found = vec![
            comp("ci-service", "github-actions", "github-actions"),
            comp("action", "actions/checkout", "actions"),
            comp("action", "docker/login-action", "docker"),
            comp("action", "docker/build-push-action", "docker"),
        ];
        let r = assess(&register, &found, "2026-11-26");
        assert_eq!(r.rows[0].components, 2);
        assert!(
            r.rows[0]
                .problems
                .iter()
                .any(|p| p.contains("more than 12 months")),
            "{:?}",
            r.rows[0].problems
        );
        assert_eq!(r.unregistered.len(), 1);
        assert_eq!(r.unregistered[0].name, "docker");
        assert_eq!(r.unregistered[0].uses, 2);
        assert_eq!(year_before("2028-02-29"), "2027-02-28");
    }
}
