use annexa_model::{Outcome, Platform};
use annexa_platform::Source;
use annexa_platform::population::repo_changes;

use super::support::item_outcome;
use crate::check::{Check, GithubRepoCx, GitlabGroupCx, GitlabProjectCx, Sink, check};

check! {
    /// ## What it does
    /// Over the audit period (a snapshot collected with `--period`), takes every pull request merged
    /// into the default branch and every commit that reached it without one, and checks each was
    /// approved by someone other than its author, at the commit that was merged. One observation per
    /// change (pass, fail, or unknown when its reviews could not be read), so the result is the
    /// population an auditor samples. GitLab: merged merge requests and their approvals.
    ///
    /// ## Why is this bad?
    /// Configuration shows a control is designed; this shows whether it operated. A.8.32 and A.5.3
    /// are met over a period only if the changes that actually shipped were independently approved —
    /// admin merges, bypasses, approvals before later pushes and direct pushes are the exceptions an
    /// auditor lists.
    ///
    /// ## Example
    /// Pull request #412 merged by its author with no review; commit `1a2b3c4` pushed straight to
    /// `main`.
    ///
    /// ## Fix
    /// Close the gaps that let the change through (protection, bypass lists), and document each
    /// exception with its after-the-fact review as a corrective action.
    pub struct UnapprovedChanges {
        id: UnapprovedChanges,
        summary: "changes reached the default branch in the period without independent approval",
        severity: High,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform, Platform::GitlabPlatform],
        controls: [A8_32, A5_3],
        population: Changes,
    }
}

impl Check for UnapprovedChanges {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let Some(h) = &cx.repo.history else {
            return;
        };
        let period = cx.period.map(|p| (p.from.clone(), p.to.clone()));
        let (changes, reconciliation, unreadable) = repo_changes(cx.repo, period.as_ref());
        let res = cx.resource();
        let mut evidence: Vec<&Source> = h.pulls.source().into_iter().collect();
        evidence.extend(h.commits.source());
        for c in &changes {
            let pointer = format!("/changes/{}", c.id.trim_start_matches('#'));
            let n: Option<u64> = c.id.strip_prefix('#').and_then(|n| n.parse().ok());
            let mut ev = evidence.clone();
            if let Some(n) = n {
                ev.extend(h.reviews.get(&n).and_then(|r| r.source()));
                ev.extend(h.pull_details.get(&n).and_then(|r| r.source()));
            }
            // A direct push rests on the commit's pull-request lookup; a release approval on the
            // deployment and its run's approvals.
            if n.is_none()
                && let Some(sha) = &c.merged_head
            {
                ev.extend(h.commit_pulls.get(sha).and_then(|r| r.source()));
            }
            if c.deployed.is_some() {
                ev.extend(h.deployments.source());
                ev.extend(h.deployment_statuses.values().filter_map(|s| s.source()));
                ev.extend(h.run_approvals.values().filter_map(|s| s.source()));
            }
            let link = c
                .link
                .as_deref()
                .map(|l| format!(" <{l}>"))
                .unwrap_or_default();
            let who = format!(
                "author {}, merged by {} at {}",
                c.author.as_deref().unwrap_or("?"),
                c.merged_by.as_deref().unwrap_or("?"),
                c.merged_at.as_deref().unwrap_or("?")
            );
            let message = match &c.exception {
                None => format!(
                    "{} {}{link}: approved by {} ({who})",
                    cx.repo.full_name,
                    c.id,
                    c.approvals.join(", ")
                ),
                Some(e) => format!("{} {}{link}: {e} ({who})", cx.repo.full_name, c.id),
            };
            let outcome = item_outcome(c.exception.as_deref(), c.undecided);
            out.api(cx.host, &res, &pointer, outcome, message, &ev);
        }
        if changes.is_empty() {
            let outcome = if unreadable.is_empty() {
                Outcome::Pass
            } else {
                Outcome::Unknown
            };
            let mut why = reconciliation.join("; ");
            if !unreadable.is_empty() {
                why = format!("{why}; not readable: {}", unreadable.join("; "));
            }
            out.api(
                cx.host,
                &res,
                "/changes",
                outcome,
                format!("no change merged into the default branch in the period ({why})"),
                &evidence,
            );
        }
    }

    fn gitlab_group(&self, cx: &GitlabGroupCx<'_>, out: &mut Sink) {
        super::gitlab::unapproved_changes_group(cx, out);
    }

    fn gitlab_project(&self, cx: &GitlabProjectCx<'_>, out: &mut Sink) {
        super::gitlab::unapproved_changes_project(cx, out);
    }
}
