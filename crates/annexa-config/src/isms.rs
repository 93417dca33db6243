//! The ISMS records of `annexa.toml` beyond the SoA, scope and risks: risk acceptances,
//! objectives, the supplier register, corrective actions and the audit calendar. Raw structs
//! reject unknown keys; validation turns them into the assessment's own types and names the
//! line of the entry that is wrong.

use std::collections::BTreeSet;
use std::ops::Range;

use annexa_assess::acceptance::Acceptance;
use annexa_assess::actions::CorrectiveAction;
use annexa_assess::calendar::CalendarEntry;
use annexa_assess::objectives::{Measure, Objective};
use annexa_assess::suppliers::{Assurance, Supplier};
use annexa_model::{ControlId, Severity};
use serde::Deserialize;

use crate::{ConfigError, valid_date};

type At<'a> = &'a dyn Fn(Option<Range<usize>>, String) -> ConfigError;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawAcceptance {
    /// A short id, unique in the file (`ACC-1`).
    id: String,
    /// The check whose findings are accepted (`annexa checks` lists them).
    check: String,
    /// Which findings: a glob over the repository (`acme/legacy-*`) or over the full subject
    /// key. `*` accepts the check's findings everywhere — say so deliberately.
    scope: String,
    /// Why the risk is accepted.
    reason: String,
    /// The risk owner.
    owner: String,
    /// Who approved the acceptance under the risk acceptance criteria (required for it to
    /// apply).
    approver: Option<String>,
    /// When it was approved, `2026-03-01`.
    approved_on: Option<String>,
    /// The last day it holds, `2026-12-31`; afterwards the findings reopen.
    expires: String,
    /// The register risk it belongs to (`R07`).
    risk: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawObjective {
    /// A short id, unique in the file (`OBJ-1`).
    id: String,
    title: String,
    owner: Option<String>,
    /// `pass-rate` (percentage of the observations of `checks` that pass on reliable evidence,
    /// undecided ones counted against; `target` is a minimum) or `open-findings` (open findings of `checks`, all checks when empty, at or
    /// above `min-severity`; `target` is a maximum).
    measure: String,
    #[serde(default)]
    checks: Vec<String>,
    /// `critical`, `high`, `medium`, `low` or `info` (open-findings only).
    min_severity: Option<String>,
    target: f64,
    /// By when the target is to be met, `2026-12-31`.
    due: Option<String>,
    /// Annex A controls the objective concerns.
    #[serde(default)]
    controls: Vec<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawSupplier {
    /// A short id, unique in the file.
    id: String,
    name: String,
    /// `ci-service`, `runner`, `action`, `orb`, `image`, `pipe`, `template`, `library`,
    /// `other`.
    kind: String,
    /// Globs over discovered component names this entry covers (`actions/*`,
    /// `docker.io/library/*`, `github-actions`); `annexa report` lists what the estate uses.
    #[serde(default)]
    covers: Vec<String>,
    owner: Option<String>,
    /// The last supplier risk assessment, `2026-02-01`.
    assessed_on: Option<String>,
    /// The provider's certificate or assurance report (cloud CI services).
    assurance: Option<RawAssurance>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawAssurance {
    /// `iso27001`, `soc2-type2`, `soc2-type1`, `other`.
    kind: String,
    period_from: Option<String>,
    period_to: Option<String>,
    /// When the certificate expires or the report is no longer relied on.
    expires: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawAction {
    /// A short id, unique in the file (`CA-1`).
    id: String,
    /// The potential nonconformity it answers, as `annexa ncs` names it
    /// (`change-management/A.8.32`).
    nc: String,
    /// What was done at once to contain the nonconformity.
    correction: String,
    root_cause: String,
    /// The action that removes the cause.
    action: String,
    owner: String,
    raised_on: String,
    due: String,
    /// When the owner completed it; effectiveness is verified over the runs after it.
    completed_on: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawAudit {
    /// `internal-audit`, `management-review`, `stage-1`, `stage-2`, `surveillance`,
    /// `recertification`, `access-review`, `other`.
    kind: String,
    title: String,
    /// The planned date, `2026-10-15`.
    planned: String,
    /// When it was held.
    held_on: Option<String>,
    scope: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct RawActions {
    /// Consecutive days with runs after completion on which the nonconformity's evidence must
    /// be examined and clean before an action counts as effective. Default 3.
    verify_runs: Option<usize>,
}

const SUPPLIER_KINDS: [&str; 9] = [
    "ci-service",
    "runner",
    "action",
    "orb",
    "image",
    "pipe",
    "template",
    "library",
    "other",
];

const ASSURANCE_KINDS: [&str; 4] = ["iso27001", "soc2-type2", "soc2-type1", "other"];

const AUDIT_KINDS: [&str; 8] = [
    "internal-audit",
    "management-review",
    "stage-1",
    "stage-2",
    "surveillance",
    "recertification",
    "access-review",
    "other",
];

fn date(at: At<'_>, span: &Range<usize>, what: &str, v: &str) -> Result<(), ConfigError> {
    if valid_date(v) {
        Ok(())
    } else {
        Err(at(
            Some(span.clone()),
            format!("{what} must be a date (YYYY-MM-DD); found `{v}`"),
        ))
    }
}

fn unique(
    at: At<'_>,
    span: &Range<usize>,
    seen: &mut BTreeSet<String>,
    table: &str,
    id: &str,
) -> Result<(), ConfigError> {
    if id.trim().is_empty() {
        return Err(at(
            Some(span.clone()),
            format!("`[[{table}]]` needs an `id`"),
        ));
    }
    if !seen.insert(id.to_owned()) {
        return Err(at(
            Some(span.clone()),
            format!("`[[{table}]]` id `{id}` is listed twice"),
        ));
    }
    Ok(())
}

fn controls(
    at: At<'_>,
    span: &Range<usize>,
    list: &[String],
) -> Result<Vec<ControlId>, ConfigError> {
    list.iter()
        .map(|c| {
            ControlId::parse(c).ok_or_else(|| {
                at(
                    Some(span.clone()),
                    format!("`{c}` is not an Annex A control"),
                )
            })
        })
        .collect()
}

pub(crate) fn acceptances(
    raw: Vec<toml::Spanned<RawAcceptance>>,
    at: At<'_>,
) -> Result<Vec<Acceptance>, ConfigError> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for a in raw {
        let span = a.span();
        let a = a.into_inner();
        unique(at, &span, &mut seen, "acceptance", &a.id)?;
        for (field, v) in [
            ("check", &a.check),
            ("scope", &a.scope),
            ("reason", &a.reason),
            ("owner", &a.owner),
        ] {
            if v.trim().is_empty() {
                return Err(at(
                    Some(span.clone()),
                    format!("acceptance `{}`: `{field}` must not be empty", a.id),
                ));
            }
        }
        if annexa_model::CheckId::parse(&a.check).is_none() {
            return Err(at(
                Some(span.clone()),
                format!("acceptance `{}`: `{}` is not a check id", a.id, a.check),
            ));
        }
        if let Err(e) = globset::Glob::new(&a.scope) {
            return Err(at(
                Some(span.clone()),
                format!("acceptance `{}`: `scope` is not a valid pattern: {e}", a.id),
            ));
        }
        date(
            at,
            &span,
            &format!("acceptance `{}`: `expires`", a.id),
            &a.expires,
        )?;
        if let Some(d) = &a.approved_on {
            date(
                at,
                &span,
                &format!("acceptance `{}`: `approved-on`", a.id),
                d,
            )?;
        }
        out.push(Acceptance {
            id: a.id,
            check: a.check,
            scope: a.scope,
            reason: a.reason,
            owner: a.owner,
            approver: a.approver.filter(|s| !s.trim().is_empty()),
            approved_on: a.approved_on,
            expires: a.expires,
            risk: a.risk,
        });
    }
    Ok(out)
}

pub(crate) fn objectives(
    raw: Vec<toml::Spanned<RawObjective>>,
    at: At<'_>,
) -> Result<Vec<Objective>, ConfigError> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for o in raw {
        let span = o.span();
        let o = o.into_inner();
        unique(at, &span, &mut seen, "objective", &o.id)?;
        let here = |m: String| at(Some(span.clone()), format!("objective `{}`: {m}", o.id));
        for c in &o.checks {
            if annexa_model::CheckId::parse(c).is_none() {
                return Err(here(format!("`{c}` is not a check id")));
            }
        }
        if !o.target.is_finite() || o.target < 0.0 {
            return Err(here(format!(
                "`target` must be a number ≥ 0; found {}",
                o.target
            )));
        }
        let measure = match o.measure.as_str() {
            "pass-rate" => {
                if o.checks.is_empty() {
                    return Err(here("`pass-rate` needs the `checks` it measures".into()));
                }
                if o.target > 100.0 {
                    return Err(here("a `pass-rate` target is a percentage (0–100)".into()));
                }
                if o.min_severity.is_some() {
                    return Err(here(
                        "`min-severity` applies to `open-findings` only".into(),
                    ));
                }
                Measure::PassRate { checks: o.checks }
            }
            "open-findings" => {
                let min_severity = match &o.min_severity {
                    None => None,
                    Some(s) => Some(Severity::parse(s).ok_or_else(|| {
                        here(format!(
                            "`min-severity` must be critical, high, medium, low or info; found `{s}`"
                        ))
                    })?),
                };
                Measure::OpenFindings {
                    checks: o.checks,
                    min_severity,
                }
            }
            other => {
                return Err(here(format!(
                    "`measure` must be `pass-rate` or `open-findings`; found `{other}`"
                )));
            }
        };
        if let Some(d) = &o.due {
            date(at, &span, &format!("objective `{}`: `due`", o.id), d)?;
        }
        out.push(Objective {
            controls: controls(at, &span, &o.controls)?,
            id: o.id,
            title: o.title,
            owner: o.owner,
            measure,
            target: o.target,
            due: o.due,
        });
    }
    Ok(out)
}

pub(crate) fn suppliers(
    raw: Vec<toml::Spanned<RawSupplier>>,
    at: At<'_>,
) -> Result<Vec<Supplier>, ConfigError> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for s in raw {
        let span = s.span();
        let s = s.into_inner();
        unique(at, &span, &mut seen, "supplier", &s.id)?;
        let here = |m: String| at(Some(span.clone()), format!("supplier `{}`: {m}", s.id));
        if !SUPPLIER_KINDS.contains(&s.kind.as_str()) {
            return Err(here(format!(
                "`kind` must be one of {}; found `{}`",
                SUPPLIER_KINDS.join(", "),
                s.kind
            )));
        }
        for c in &s.covers {
            if let Err(e) = globset::Glob::new(c) {
                return Err(here(format!("`covers` pattern `{c}` is not valid: {e}")));
            }
        }
        if let Some(d) = &s.assessed_on {
            date(at, &span, &format!("supplier `{}`: `assessed-on`", s.id), d)?;
        }
        let assurance = match s.assurance {
            None => None,
            Some(a) => {
                if !ASSURANCE_KINDS.contains(&a.kind.as_str()) {
                    return Err(here(format!(
                        "assurance `kind` must be one of {}; found `{}`",
                        ASSURANCE_KINDS.join(", "),
                        a.kind
                    )));
                }
                for (f, v) in [
                    ("period-from", &a.period_from),
                    ("period-to", &a.period_to),
                    ("expires", &a.expires),
                ] {
                    if let Some(v) = v {
                        date(
                            at,
                            &span,
                            &format!("supplier `{}`: assurance `{f}`", s.id),
                            v,
                        )?;
                    }
                }
                Some(Assurance {
                    kind: a.kind,
                    period_from: a.period_from,
                    period_to: a.period_to,
                    expires: a.expires,
                })
            }
        };
        out.push(Supplier {
            id: s.id,
            name: s.name,
            kind: s.kind,
            covers: s.covers,
            owner: s.owner,
            assessed_on: s.assessed_on,
            assurance,
        });
    }
    Ok(out)
}

pub(crate) fn actions(
    raw: Vec<toml::Spanned<RawAction>>,
    at: At<'_>,
) -> Result<Vec<CorrectiveAction>, ConfigError> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for a in raw {
        let span = a.span();
        let a = a.into_inner();
        unique(at, &span, &mut seen, "action", &a.id)?;
        for (field, v) in [
            ("nc", &a.nc),
            ("correction", &a.correction),
            ("root-cause", &a.root_cause),
            ("action", &a.action),
            ("owner", &a.owner),
        ] {
            if v.trim().is_empty() {
                return Err(at(
                    Some(span.clone()),
                    format!("action `{}`: `{field}` must not be empty", a.id),
                ));
            }
        }
        let topic = a.nc.split('/').next().unwrap_or("");
        if !annexa_assess::ncs::known_topic(topic) || !a.nc.contains('/') {
            return Err(at(
                Some(span.clone()),
                format!(
                    "action `{}`: `nc` must be a potential nonconformity id as `annexa ncs` prints it (`change-management/A.8.32`); `{}` does not start with a known topic",
                    a.id, a.nc
                ),
            ));
        }
        let what = |f: &str| format!("action `{}`: `{f}`", a.id);
        date(at, &span, &what("raised-on"), &a.raised_on)?;
        date(at, &span, &what("due"), &a.due)?;
        if let Some(d) = &a.completed_on {
            date(at, &span, &what("completed-on"), d)?;
        }
        out.push(CorrectiveAction {
            id: a.id,
            nc: a.nc,
            correction: a.correction,
            root_cause: a.root_cause,
            action: a.action,
            owner: a.owner,
            raised_on: a.raised_on,
            due: a.due,
            completed_on: a.completed_on,
        });
    }
    Ok(out)
}

pub(crate) fn audits(
    raw: Vec<toml::Spanned<RawAudit>>,
    at: At<'_>,
) -> Result<Vec<CalendarEntry>, ConfigError> {
    let mut out = Vec::new();
    for a in raw {
        let span = a.span();
        let a = a.into_inner();
        if !AUDIT_KINDS.contains(&a.kind.as_str()) {
            return Err(at(
                Some(span),
                format!(
                    "`[[audit]] kind` must be one of {}; found `{}`",
                    AUDIT_KINDS.join(", "),
                    a.kind
                ),
            ));
        }
        date(at, &span, "`[[audit]] planned`", &a.planned)?;
        if let Some(d) = &a.held_on {
            date(at, &span, "`[[audit]] held-on`", d)?;
        }
        out.push(CalendarEntry {
            kind: a.kind,
            title: a.title,
            planned: a.planned,
            held_on: a.held_on,
            scope: a.scope,
            status: String::new(),
        });
    }
    Ok(out)
}

pub(crate) fn verify_runs(
    raw: Option<&toml::Spanned<RawActions>>,
    at: At<'_>,
) -> Result<usize, ConfigError> {
    let Some(raw) = raw else { return Ok(3) };
    match raw.get_ref().verify_runs {
        Some(0) => Err(at(
            Some(raw.span()),
            "`[actions] verify-runs` must be at least 1".into(),
        )),
        Some(n) => Ok(n),
        None => Ok(3),
    }
}
