//! `annexa actions` (10.2: corrective actions and the surveillance view) and `annexa review`
//! (9.3: the management-review input pack). Both read the ISMS view [`gather`] assembles.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use annexa_assess::actions::ActionStatus;
use annexa_assess::isms::IsmsView;
use annexa_model::status::Overall;
use clap::ValueEnum;
use serde_json::json;

use crate::emit;
use crate::report_cli::{Gathered, gather, parse_period};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IsmsFormat {
    Terminal,
    Markdown,
    Json,
}

#[derive(clap::Args)]
pub struct IsmsArgs {
    #[command(flatten)]
    pub inputs: crate::AssessInputs,
    /// Where `isms/policies/` is; default: the configuration file's folder, else the first
    /// PATH.
    #[arg(long)]
    pub isms: Option<PathBuf>,
    /// The reporting period (YYYY-MM-DD..YYYY-MM-DD).
    #[arg(long)]
    pub period: Option<String>,
    /// The evidence ledger (default: `[evidence] store` of the configuration).
    #[arg(long)]
    pub ledger: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = IsmsFormat::Terminal)]
    pub format: IsmsFormat,
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

fn gathered(args: &IsmsArgs) -> anyhow::Result<Gathered> {
    let period = args.period.as_deref().map(parse_period).transpose()?;
    gather(
        &args.inputs,
        args.isms.as_deref(),
        period,
        args.ledger.as_deref(),
    )
}

/// `annexa actions`: exit 1 when an action is overdue, not effective or recurred.
pub fn actions(args: IsmsArgs) -> anyhow::Result<ExitCode> {
    let g = gathered(&args)?;
    let v = &g.isms;
    let text = match args.format {
        IsmsFormat::Json => serde_json::to_string_pretty(&actions_json(v, &g.as_of))? + "\n",
        IsmsFormat::Terminal | IsmsFormat::Markdown => actions_text(v, &g.as_of),
    };
    emit(&args.output, &text)?;
    let bad = v.actions.iter().any(|a| {
        matches!(
            a.status,
            ActionStatus::Overdue | ActionStatus::NotEffective | ActionStatus::Recurred
        )
    });
    Ok(if bad {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The nonconformities raised now that no corrective action answers.
fn unanswered(v: &IsmsView) -> Vec<&annexa_assess::ncs::PotentialNc> {
    v.ncs
        .ncs
        .iter()
        .filter(|n| !v.actions.iter().any(|a| a.action.nc == n.id))
        .collect()
}

fn actions_text(v: &IsmsView, as_of: &str) -> String {
    let mut s = String::new();
    match v.actions.first() {
        Some(a) => {
            let _ = writeln!(
                s,
                "corrective actions as of {as_of} (clause 10.2; effective once the nonconformity's evidence is examined and clean on {} consecutive day(s) with runs after completion)\n",
                a.required_runs
            );
        }
        None => {
            let _ = writeln!(s, "corrective actions as of {as_of} (clause 10.2)\n");
        }
    }
    let _ = writeln!(s, "previous nonconformities and their actions:");
    if v.actions.is_empty() {
        let _ = writeln!(s, "  none recorded ([[action]] in annexa.toml)");
    }
    let mut sorted: Vec<_> = v.actions.iter().collect();
    sorted.sort_by(|a, b| (a.status, &a.action.id).cmp(&(b.status, &b.action.id)));
    for a in sorted {
        let ca = &a.action;
        let _ = writeln!(
            s,
            "  [{}] {} → {} (owner {}, due {}){}",
            a.status.as_str(),
            ca.id,
            ca.nc,
            ca.owner,
            ca.due,
            if a.raised_now {
                " — raised in this run"
            } else {
                " — not raised in this run"
            }
        );
        let _ = writeln!(s, "      correction: {}", ca.correction);
        let _ = writeln!(s, "      root cause: {}", ca.root_cause);
        let _ = writeln!(s, "      action:     {}", ca.action);
        let _ = writeln!(
            s,
            "      verified:   {} ({} of {} clean day(s); {} run(s) considered)",
            a.note,
            a.clean_runs,
            a.required_runs,
            a.runs.len()
        );
    }
    let open = unanswered(v);
    let _ = writeln!(
        s,
        "\npotential nonconformities without a corrective action: {}",
        open.len()
    );
    for n in open {
        let _ = writeln!(s, "  [{}] {} — {}", n.grade.as_str(), n.id, n.statement);
    }
    s
}

fn actions_json(v: &IsmsView, as_of: &str) -> serde_json::Value {
    json!({
        "as_of": as_of,
        "actions": v.actions.iter().map(|a| json!({
            "id": a.action.id,
            "nc": a.action.nc,
            "status": a.status.as_str(),
            "raised_now": a.raised_now,
            "correction": a.action.correction,
            "root_cause": a.action.root_cause,
            "action": a.action.action,
            "owner": a.action.owner,
            "raised_on": a.action.raised_on,
            "due": a.action.due,
            "completed_on": a.action.completed_on,
            "clean_runs": a.clean_runs,
            "required_runs": a.required_runs,
            "note": a.note,
            "runs": a.runs.iter().map(|r| json!({"as_of": r.as_of, "seq": r.seq, "raised": r.raised, "examined": r.examined})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "without_action": unanswered(v).iter().map(|n| json!({"id": n.id, "grade": n.grade.as_str(), "statement": n.statement})).collect::<Vec<_>>(),
    })
}

/// What changed since the last management review: the last recorded run on or before it,
/// against this run.
struct SinceReview {
    /// The run compared with: sequence number and as-of.
    seq: u64,
    as_of: String,
    /// Controls whose overall status changed: (control, then, now), in catalogue order.
    controls: Vec<(String, String, String)>,
    /// Open findings now that were not open then, and open then but not now.
    new_findings: usize,
    resolved_findings: usize,
    /// Repositories one of the two runs examined and the other did not: the comparison then
    /// mixes estates.
    estate_differs: Vec<String>,
}

/// The comparison with the last recorded run on or before the last management review, when a
/// review was held and the ledger has such a run (and verifies).
fn since_review(g: &Gathered) -> anyhow::Result<Option<SinceReview>> {
    let (Some(review), Some(path)) = (last_review(&g.isms), g.ledger_path.as_deref()) else {
        return Ok(None);
    };
    let opened;
    let ledger = match &g.ledger {
        Some(l) => l,
        None => match crate::report_cli::verified_ledger(path)? {
            Ok(l) => {
                opened = l;
                &opened
            }
            Err(why) => {
                if annexa_ledger::Ledger::is_url(path) || path.is_file() {
                    eprintln!(
                        "annexa: warning: {why}; changes since the last review are not shown"
                    );
                }
                return Ok(None);
            }
        },
    };
    let Some(base) = ledger
        .runs()?
        .into_iter()
        .filter(|r| r.header.as_of.get(..10).is_some_and(|d| d <= review))
        .filter(|r| !annexa_ledger::history::backdated(&r.header))
        .max_by(|a, b| (&a.header.as_of, a.header.seq).cmp(&(&b.header.as_of, b.header.seq)))
    else {
        return Ok(None);
    };
    let then: std::collections::BTreeMap<&str, &str> = base
        .header
        .controls
        .iter()
        .map(|c| (c.id.as_str(), c.overall.as_str()))
        .collect();
    let controls = g
        .assessment
        .controls
        .iter()
        .filter_map(|c| {
            let id = c.control.code();
            let now = c.overall.as_str();
            then.get(id)
                .filter(|t| **t != now)
                .map(|t| (id.to_owned(), (*t).to_owned(), now.to_owned()))
        })
        .collect();
    let open_then: std::collections::BTreeSet<String> = ledger
        .observations(base.header.seq)?
        .into_iter()
        .filter(|o| o.outcome == "fail")
        .map(|o| o.fingerprint)
        .collect();
    let open_now: std::collections::BTreeSet<String> = g
        .result
        .observations
        .iter()
        .filter(|o| o.outcome == annexa_model::Outcome::Fail)
        .map(annexa_engine::fingerprint)
        .collect();
    let then_repos: std::collections::BTreeSet<&str> = base
        .header
        .repositories
        .iter()
        .map(|r| r.identity.as_str())
        .collect();
    let now_repos: Vec<String> = g
        .result
        .repositories
        .iter()
        .map(|r| r.identity.to_string())
        .collect();
    let now_set: std::collections::BTreeSet<&str> = now_repos.iter().map(String::as_str).collect();
    let estate_differs = then_repos
        .symmetric_difference(&now_set)
        .map(|s| (*s).to_owned())
        .collect();
    Ok(Some(SinceReview {
        estate_differs,
        seq: base.header.seq,
        as_of: base.header.as_of.clone(),
        controls,
        new_findings: open_now.difference(&open_then).count(),
        resolved_findings: open_then.difference(&open_now).count(),
    }))
}

/// `annexa review`: the management-review input pack (9.3.2 a–g).
pub fn review(args: IsmsArgs) -> anyhow::Result<ExitCode> {
    let g = gathered(&args)?;
    let since = since_review(&g)?;
    let text = match args.format {
        IsmsFormat::Json => serde_json::to_string_pretty(&review_json(&g, since.as_ref()))? + "\n",
        IsmsFormat::Terminal | IsmsFormat::Markdown => review_markdown(&g, since.as_ref()),
    };
    emit(&args.output, &text)?;
    Ok(ExitCode::SUCCESS)
}

/// The date of the last management review held (calendar), if any.
fn last_review(v: &IsmsView) -> Option<&str> {
    v.calendar
        .iter()
        .filter(|e| e.kind == "management-review" && e.status == "held")
        .filter_map(|e| e.held_on.as_deref())
        .max()
}

fn status_counts(g: &Gathered) -> Vec<(&'static str, usize)> {
    [
        Overall::Implemented,
        Overall::Partial,
        Overall::NotImplemented,
        Overall::NotAssessed,
        Overall::Excluded,
    ]
    .into_iter()
    .map(|o| (o.as_str(), g.assessment.count(o)))
    .collect()
}

fn review_markdown(g: &Gathered, since: Option<&SinceReview>) -> String {
    let v = &g.isms;
    let mut s = String::new();
    let md = annexa_report::markdown::escape;
    let _ = writeln!(
        s,
        "# Management review input pack (ISO/IEC 27001:2022 9.3)\n"
    );
    let _ = writeln!(
        s,
        "As of {}{}. Last management review held: {}. annexa gathers the inputs; top management decides.\n",
        g.as_of,
        v.period
            .as_ref()
            .map_or(String::new(), |(a, b)| format!(", period {a}..{b}")),
        last_review(v).unwrap_or("none recorded")
    );
    let _ = writeln!(
        s,
        "## a) Status of actions from previous reviews and corrective actions\n"
    );
    if v.actions.is_empty() {
        let _ = writeln!(s, "No corrective action is recorded.\n");
    } else {
        let _ = writeln!(
            s,
            "| Action | Nonconformity | Owner | Due | Status | Verification |\n|---|---|---|---|---|---|"
        );
        for a in &v.actions {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} |",
                md(&a.action.id),
                md(&a.action.nc),
                md(&a.action.owner),
                a.action.due,
                a.status.as_str(),
                md(&a.note)
            );
        }
        s.push('\n');
    }
    let _ = writeln!(s, "## b) Changes in the estate and its scope\n");
    let sc = &g.result.scope;
    let _ = writeln!(
        s,
        "Scope statement: {}. Repositories examined: {}. Snapshots read: {}. Third-party components and services in use: {} from {} publisher(s); {} publisher(s) not in the supplier register.\n",
        v.scope_statement
            .as_deref()
            .map_or("not stated".to_owned(), |t| md(t.trim_end_matches('.'))),
        g.result.repositories.len(),
        g.result.snapshots.len(),
        v.suppliers.discovered.len(),
        annexa_assess::suppliers::publishers(&v.suppliers.discovered),
        annexa_assess::suppliers::publishers(&v.suppliers.unregistered),
    );
    match (since, last_review(v)) {
        (Some(d), Some(review)) => {
            let _ = writeln!(
                s,
                "Since the last management review ({review}), compared with recorded run {} of {}: {} control(s) changed status; {} finding(s) new, {} resolved.\n",
                d.seq,
                d.as_of,
                d.controls.len(),
                d.new_findings,
                d.resolved_findings
            );
            if !d.estate_differs.is_empty() {
                let _ = writeln!(
                    s,
                    "Caution: the two runs did not examine the same repositories ({}), so the comparison mixes estates.\n",
                    md(&d.estate_differs.join(", "))
                );
            }
            if !d.controls.is_empty() {
                let _ = writeln!(s, "| Control | Then | Now |\n|---|---|---|");
                for (c, then, now) in &d.controls {
                    let _ = writeln!(s, "| {c} | {then} | {now} |");
                }
                s.push('\n');
            }
        }
        (None, Some(review)) => {
            let _ = writeln!(
                s,
                "Since the last management review ({review}): no recorded run on or before it in a verified evidence ledger (--ledger or [evidence] store), so changes in control status are not shown.\n"
            );
        }
        _ => {}
    }
    if !sc.unmatched.is_empty() || !sc.estate_unlisted.is_empty() {
        let _ = writeln!(
            s,
            "Scope gaps: {} pattern(s) matching nothing, {} source(s) whose estate is not listed.\n",
            sc.unmatched.len(),
            sc.estate_unlisted.len()
        );
    }
    let _ = writeln!(s, "## c) Information security performance\n");
    let _ = writeln!(s, "### Control status (93 Annex A controls)\n");
    for (name, n) in status_counts(g) {
        let _ = writeln!(s, "- {name}: {n}");
    }
    let majors = v
        .ncs
        .ncs
        .iter()
        .filter(|n| n.grade == annexa_assess::ncs::Grade::Major)
        .count();
    let _ = writeln!(
        s,
        "\n### Nonconformities and corrective actions\n\n{} potential nonconformit(ies) ({majors} major, indicative), {} without a corrective action.\n",
        v.ncs.ncs.len(),
        unanswered(v).len()
    );
    for n in &v.ncs.ncs {
        let _ = writeln!(
            s,
            "- [{}] {} — {}",
            n.grade.as_str(),
            md(&n.id),
            md(&n.statement)
        );
    }
    let _ = writeln!(
        s,
        "\n### Monitoring and measurement: objectives (6.2, 9.1)\n"
    );
    if v.objectives.is_empty() {
        let _ = writeln!(s, "No objective is established.");
    }
    for o in &v.objectives {
        let _ = writeln!(
            s,
            "- {} {} — {}: {}",
            md(&o.objective.id),
            md(&o.objective.title),
            o.status.as_str(),
            md(&o.basis)
        );
    }
    let _ = writeln!(s, "\n### Audit results and the audit calendar (9.2)\n");
    if v.calendar.is_empty() {
        let _ = writeln!(s, "No audit is planned or recorded ([[audit]]).");
    }
    for e in &v.calendar {
        let _ = writeln!(
            s,
            "- {} {} — {} (planned {}{})",
            e.kind,
            md(&e.title),
            e.status,
            e.planned,
            e.held_on
                .as_deref()
                .map_or(String::new(), |h| format!(", held {h}"))
        );
    }
    let _ = writeln!(
        s,
        "\n## d) Feedback from interested parties\n\nNot recorded by annexa: add it to the review from its own records.\n"
    );
    let _ = writeln!(
        s,
        "## e) Results of risk assessment and status of the risk treatment plan\n"
    );
    let in_register = v.risks.iter().filter(|r| r.risk.in_register).count();
    let with_problems = v
        .risks
        .iter()
        .filter(|r| r.risk.in_register && !r.problems.is_empty())
        .count();
    let proposals = v
        .risks
        .iter()
        .filter(|r| r.proposed_likelihood.is_some())
        .count();
    let _ = writeln!(
        s,
        "{in_register} risk(s) in the register, {with_problems} with something missing; {proposals} likelihood change(s) proposed from open findings (the owners decide).\n"
    );
    let _ = writeln!(s, "Risk acceptances:");
    if v.acceptances.is_empty() {
        let _ = writeln!(s, "- none");
    }
    for a in &v.acceptances {
        let _ = writeln!(
            s,
            "- {} `{}` ({}) — {}, {} finding(s){}",
            md(&a.acceptance.id),
            md(&a.acceptance.check),
            md(&a.acceptance.scope),
            match a.status {
                annexa_assess::acceptance::AcceptanceStatus::Active => {
                    format!("active until {}", a.acceptance.expires)
                }
                annexa_assess::acceptance::AcceptanceStatus::Expired => {
                    format!("expired on {}", a.acceptance.expires)
                }
                annexa_assess::acceptance::AcceptanceStatus::Invalid => "not applied".to_owned(),
            },
            a.findings,
            a.problem
                .as_deref()
                .map_or(String::new(), |p| format!(": {}", md(p)))
        );
    }
    let _ = writeln!(s, "\n## f) Opportunities for continual improvement\n");
    if v.ncs.opportunities.is_empty() {
        let _ = writeln!(s, "None identified by annexa.");
    }
    for o in &v.ncs.opportunities {
        let _ = writeln!(
            s,
            "- [{}] {} — {}",
            o.topic.as_str(),
            o.control.code(),
            md(&o.why_not_nc)
        );
    }
    s
}

fn review_json(g: &Gathered, since: Option<&SinceReview>) -> serde_json::Value {
    let v = &g.isms;
    json!({
        "as_of": g.as_of,
        "period": v.period.as_ref().map(|(a, b)| json!({"from": a, "to": b})),
        "last_management_review": last_review(v),
        "since_last_review": since.map(|d| json!({
            "compared_with_run": d.seq,
            "run_as_of": d.as_of,
            "controls_changed": d.controls.iter().map(|(c, t, n)| json!({"control": c, "then": t, "now": n})).collect::<Vec<_>>(),
            "new_findings": d.new_findings,
            "resolved_findings": d.resolved_findings,
            "repositories_not_in_both": d.estate_differs,
        })),
        "control_status": status_counts(g).into_iter().map(|(k, n)| (k.to_owned(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "actions": actions_json(v, &g.as_of)["actions"].clone(),
        "nonconformities": v.ncs.ncs.iter().map(|n| json!({"id": n.id, "grade": n.grade.as_str(), "requirement": n.requirement.id(), "statement": n.statement})).collect::<Vec<_>>(),
        "objectives": v.objectives.iter().map(|o| json!({"id": o.objective.id, "title": o.objective.title, "status": o.status.as_str(), "value": o.value, "target": o.objective.target, "basis": o.basis})).collect::<Vec<_>>(),
        "calendar": v.calendar.iter().map(|e| json!({"kind": e.kind, "title": e.title, "planned": e.planned, "held_on": e.held_on, "status": e.status})).collect::<Vec<_>>(),
        "risks": v.risks.iter().filter(|r| r.risk.in_register).map(|r| json!({"id": r.risk.id, "score": r.score, "acceptable": r.acceptable, "proposed_likelihood": r.proposed_likelihood, "problems": r.problems})).collect::<Vec<_>>(),
        "acceptances": v.acceptances.iter().map(|a| json!({"id": a.acceptance.id, "check": a.acceptance.check, "scope": a.acceptance.scope, "status": a.status.as_str(), "expires": a.acceptance.expires, "findings": a.findings, "problem": a.problem})).collect::<Vec<_>>(),
        "suppliers": {
            "register": v.suppliers.rows.iter().map(|r| json!({"id": r.supplier.id, "name": r.supplier.name, "components": r.components, "problems": r.problems})).collect::<Vec<_>>(),
            "unregistered": v.suppliers.unregistered.iter().map(|c| json!({"kind": c.kind, "publisher": c.publisher, "uses": c.uses, "repositories": c.repositories})).collect::<Vec<_>>(),
        },
        "opportunities": v.ncs.opportunities.iter().map(|o| json!({"topic": o.topic.as_str(), "control": o.control.code(), "why_not_nc": o.why_not_nc})).collect::<Vec<_>>(),
        "interested_parties": "not recorded by annexa",
    })
}
