use annexa_model::{Outcome, Platform};
use annexa_platform::Source;
use annexa_platform::population::repo_access;

use crate::check::{Check, GithubRepoCx, Sink, check};

check! {
    /// ## What it does
    /// Takes every account holding write, maintain or admin on a repository — directly, through
    /// a team, as an organisation owner or as an outside collaborator — and looks for its latest
    /// activity in the snapshot's period: audit-log events (Enterprise Cloud) and the
    /// repository's own history (pull requests opened or merged, reviews, commits). An account
    /// with no activity in `[platform] inactive-days` (default 90) before the reference instant
    /// fails; one with recent activity passes; when the period does not reach that far back,
    /// "no activity seen" proves nothing and the grant is `unknown`. One observation per grant: together they are
    /// the `access` population an access review starts from (`annexa population access`,
    /// `annexa sample freeze --population access`).
    ///
    /// ## Why is this bad?
    /// Write access that nobody uses is pure exposure: a dormant account is the one whose
    /// password leak goes unnoticed. A.5.18 expects access rights to be reviewed and removed when
    /// no longer needed, A.8.2 that privileged access is restricted; an auditor asks for the list
    /// of who holds access, how they got it, and evidence that stale grants were removed.
    ///
    /// ## Example
    /// `carol` holds maintain on `acme/app` through the `platform` team and has no audit-log
    /// event in the last 200 days.
    ///
    /// ## Fix
    /// Remove the grant (or the team membership), or record in the access review why it stays;
    /// keep the audit log (GitHub Enterprise Cloud) or its archive so activity can be shown.
    pub struct InactiveWriteAccess {
        id: InactiveWriteAccess,
        summary: "an account holds write access it has not used in the organisation's inactivity window",
        severity: Medium,
        confidence: Medium,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A5_18, A8_2],
        population: Access,
    }
}

impl Check for InactiveWriteAccess {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let days = i64::from(cx.policy.inactive_days);
        let (grants, _, unreadable) = repo_access(
            cx.org,
            cx.repo,
            days,
            cx.policy.as_of,
            cx.period.map(|p| p.from.as_str()),
        );
        let res = cx.resource();
        let mut evidence: Vec<&Source> = cx.repo.collaborators.source().into_iter().collect();
        evidence.extend(cx.repo.teams.source());
        if let Some(log) = cx.org.and_then(|o| o.audit_log.as_ref()) {
            evidence.extend(log.source());
        }
        if let Some(h) = &cx.repo.history {
            evidence.extend(h.pulls.source());
            evidence.extend(h.commits.source());
        }
        if grants.is_empty() && !unreadable.is_empty() {
            out.api_unknown(
                cx.host,
                &res,
                "/access",
                "who holds write access",
                &cx.repo.collaborators,
            );
            return;
        }
        for g in &grants {
            let pointer = format!("/access/{}", g.login);
            let what = format!(
                "`{}` holds {} on `{}` ({})",
                g.login,
                g.permission,
                g.repo,
                g.through.join(", ")
            );
            let (outcome, message) = if !g.activity_known {
                (
                    Outcome::Unknown,
                    format!(
                        "{what}; no activity seen, but the snapshot's period does not reach {days} days back (collect with a longer --period; the audit log needs GitHub Enterprise Cloud)"
                    ),
                )
            } else {
                let at = g.last_activity.as_deref().unwrap_or("");
                match g
                    .last_activity
                    .as_deref()
                    .and_then(|t| cx.policy.age_days(t))
                {
                    Some(age) if age <= days => (
                        Outcome::Pass,
                        format!(
                            "{what}; last active {at} ({age} days before {})",
                            cx.policy.as_of
                        ),
                    ),
                    Some(age) => (
                        Outcome::Fail,
                        format!(
                            "{what}; last active {at}, {age} days before {}: more than {days}",
                            cx.policy.as_of
                        ),
                    ),
                    None => (
                        Outcome::Fail,
                        format!("{what}; no activity in the audit log of the period"),
                    ),
                }
            };
            out.api(cx.host, &res, &pointer, outcome, message, &evidence);
        }
    }
}
