use annexa_model::{Outcome, Platform};
use annexa_platform::Known;

use crate::check::{Check, GithubOrgCx, GitlabGroupCx, GitlabProjectCx, Sink, check};

check! {
    /// ## What it does
    /// Checks that the platform's audit log is available for the audit period: the organisation
    /// audit log API answers (GitHub Enterprise Cloud; GitLab Premium audit events), and when the
    /// period reaches further back than the platform keeps it (GitHub: audit log 180 days, Actions
    /// logs 90 days by default), that `[platform] audit-log-archive` says where it is archived.
    ///
    /// ## Why is this bad?
    /// Who changed branch protection, added an admin or approved a deployment is only in the audit
    /// log. A.8.15 expects logs of such events to be produced, kept and protected, and A.5.28 that
    /// evidence is preserved: an auditor asking about month one of a twelve-month period needs events
    /// the platform has already deleted.
    ///
    /// ## Example
    /// A twelve-month audit period, an organisation on GitHub Team (no audit log API), and no archive
    /// configured.
    ///
    /// ## Fix
    /// Stream the audit log to your SIEM or storage (GitHub audit log streaming, GitLab audit event
    /// streaming), keep it for the audit period, and name the archive in `[platform]
    /// audit-log-archive`.
    pub struct AuditLogRetentionInsufficient {
        id: AuditLogRetentionInsufficient,
        summary: "the platform's audit log does not cover the audit period and nothing archives it",
        severity: Medium,
        confidence: Medium,
        scope: Platform,
        platforms: &[Platform::GithubPlatform, Platform::GitlabPlatform],
        controls: [A8_15, A5_28],
    }
}

impl Check for AuditLogRetentionInsufficient {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_org(&self, cx: &GithubOrgCx<'_>, out: &mut Sink) {
        let res = cx.resource();
        let pointer = "/audit_log";
        let archive = cx.policy.audit_log_archive.as_deref();
        // How far back the audit period reaches from the reference instant.
        let reach = cx
            .period
            .and_then(|p| cx.policy.age_days(&day_start(&p.from)));
        let Some(log) = &cx.org.audit_log else {
            let msg = match archive {
                Some(a) => format!("no audit period was collected; the audit log is archived: {a}"),
                None => "no audit period was collected (`annexa collect --period`), so the audit log's availability was not examined".to_owned(),
            };
            let outcome = if archive.is_some() {
                Outcome::Pass
            } else {
                Outcome::Unknown
            };
            out.api(cx.host, &res, pointer, outcome, msg, &[]);
            return;
        };
        match log {
            Known::Yes(events, src) => {
                let n = events.0.len();
                let needs = reach.unwrap_or(0);
                if needs > GITHUB_AUDIT_LOG_DAYS && archive.is_none() {
                    out.api(cx.host, &res, pointer, Outcome::Fail, format!("the audit period reaches back {needs} days but GitHub keeps the audit log {GITHUB_AUDIT_LOG_DAYS} days (Actions logs {GITHUB_ACTIONS_LOG_DAYS}) and `[platform] audit-log-archive` names no archive; {n} event(s) were read"), &[src]);
                } else {
                    let kept = archive
                        .map(|a| format!("; archived: {a}"))
                        .unwrap_or_default();
                    out.api(
                        cx.host,
                        &res,
                        pointer,
                        Outcome::Pass,
                        format!("the audit log answered with {n} event(s) for the period{kept}"),
                        &[src],
                    );
                }
            }
            Known::Unknown {
                source: Some(src), ..
            } if matches!(src.status, 403 | 404) => match archive {
                Some(a) => {
                    out.api(cx.host, &res, pointer, Outcome::Pass, format!("the audit log API is not available to this token or plan (HTTP {}), but it is archived: {a}", src.status), &[src]);
                }
                None => {
                    out.api(cx.host, &res, pointer, Outcome::Fail, format!("the audit log API is not available (HTTP {}: it needs GitHub Enterprise Cloud and an owner's `read:audit_log`) and `[platform] audit-log-archive` names no archive: the period's administrative events cannot be shown", src.status), &[src]);
                }
            },
            unknown => {
                out.api_unknown(
                    cx.host,
                    &res,
                    pointer,
                    "whether the audit log covers the period",
                    unknown,
                );
            }
        }
    }

    fn gitlab_group(&self, cx: &GitlabGroupCx<'_>, out: &mut Sink) {
        super::gitlab::audit_log_retention_insufficient_group(cx, out);
    }

    fn gitlab_project(&self, cx: &GitlabProjectCx<'_>, out: &mut Sink) {
        super::gitlab::audit_log_retention_insufficient_project(cx, out);
    }
}

/// Days GitHub keeps the organisation audit log (Git events: 7 days) by default.
const GITHUB_AUDIT_LOG_DAYS: i64 = 180;
/// Days GitHub keeps Actions workflow run logs by default.
const GITHUB_ACTIONS_LOG_DAYS: i64 = 90;

/// `2026-01-01T00:00:00Z` for a date, the instant itself otherwise.
fn day_start(s: &str) -> String {
    if s.len() == 10 {
        format!("{s}T00:00:00Z")
    } else {
        s.to_owned()
    }
}
