use annexa_model::{Outcome, Platform};
use annexa_platform::Source;
use annexa_platform::population::repo_deployments;

use super::support::item_outcome;
use crate::check::{Check, GithubRepoCx, Sink, check};

check! {
    /// ## What it does
    /// Over the audit period, takes every deployment to a production environment (marked
    /// `production_environment`, or named production/prod/prd/live) and looks for the approval on
    /// the workflow run that made it (environment required reviewers). One observation per
    /// deployment.
    ///
    /// ## Why is this bad?
    /// Required reviewers on an environment are the design; approvals recorded on the runs that
    /// deployed are the operation. A deployment with no recorded approval — made outside Actions, by
    /// an admin bypass, or before reviewers were configured — is a change to production nobody
    /// authorised (A.8.32, A.8.31, A.5.3).
    ///
    /// ## Example
    /// A deployment to `production` whose run has no approval record.
    ///
    /// ## Fix
    /// Deploy to production only through environments with required reviewers; investigate each
    /// exception and record the after-the-fact approval.
    pub struct UnapprovedProductionDeployments {
        id: UnapprovedProductionDeployments,
        summary: "production deployments in the period without a recorded approval",
        severity: High,
        confidence: Medium,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A8_32, A8_31, A5_3],
        population: Deployments,
    }
}

impl Check for UnapprovedProductionDeployments {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let Some(h) = &cx.repo.history else {
            return;
        };
        let period = cx.period.map(|p| (p.from.clone(), p.to.clone()));
        let (items, reconciliation, unreadable) = repo_deployments(cx.repo, period.as_ref());
        let res = cx.resource();
        let evidence: Vec<&Source> = h.deployments.source().into_iter().collect();
        for d in &items {
            let pointer = format!("/deployments/{}", d.id);
            let mut ev = evidence.clone();
            ev.extend(h.deployment_statuses.get(&d.id).and_then(|s| s.source()));
            if let Some(run) = d.run {
                ev.extend(h.run_approvals.get(&run).and_then(|s| s.source()));
            }
            let what = format!(
                "deployment {} to `{}` at {} by {}",
                d.id,
                d.environment,
                d.created_at.as_deref().unwrap_or("?"),
                d.creator.as_deref().unwrap_or("?")
            );
            let message = match &d.exception {
                None => format!("{what}: approved ({})", d.approvals.join(", ")),
                Some(e) => format!("{what}: {e}"),
            };
            let outcome = item_outcome(d.exception.as_deref(), d.undecided);
            out.api(cx.host, &res, &pointer, outcome, message, &ev);
        }
        if items.is_empty() {
            let outcome = if unreadable.is_empty() {
                Outcome::Pass
            } else {
                Outcome::Unknown
            };
            out.api(
                cx.host,
                &res,
                "/deployments",
                outcome,
                format!(
                    "no production deployment in the period ({}{})",
                    reconciliation.join("; "),
                    if unreadable.is_empty() {
                        String::new()
                    } else {
                        format!("; not readable: {}", unreadable.join("; "))
                    }
                ),
                &evidence,
            );
        }
    }
}
