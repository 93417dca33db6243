use annexa_model::{Outcome, Platform};
use annexa_platform::{Known, Source};

use crate::check::{Check, GithubRepoCx, Sink, check};

check! {
    /// ## What it does
    /// Reads which pull requests from forks need a maintainer's approval before their workflows
    /// run (`approval_policy` of `.../actions/permissions/fork-pr-contributor-approval`) and
    /// fails a repository whose policy is weaker than "all external contributors". The policy
    /// governs public repositories; on private and internal repositories it is still judged, and
    /// the message says the repository is not public (forks of private repositories follow a
    /// separate setting). A repository with Actions disabled passes.
    ///
    /// ## Why is this bad?
    /// A workflow triggered by a fork's pull request runs code the contributor wrote: build
    /// scripts, tests, a changed workflow file. With "first-time contributors" only, anyone who
    /// once had a trivial pull request merged runs code on the organisation's runners without
    /// anyone looking, which is how crypto-mining and runner-takeover campaigns operate. Evidence
    /// for A.8.25 (secure development life cycle) and A.8.31 (separation of development, test and
    /// production environments).
    ///
    /// ## Example
    /// Public repository `acme/app` with "Require approval for first-time contributors".
    ///
    /// ## Fix
    /// Settings → Actions → General → "Approval for running fork pull request workflows from
    /// contributors": choose "Require approval for all external contributors", at the
    /// organisation so every repository inherits it.
    pub struct ForkPrApprovalWeak {
        id: ForkPrApprovalWeak,
        summary: "workflows from outside contributors' forks run without approval",
        severity: Medium,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A8_25, A8_31],
    }
}

const POINTER: &str = "/fork_pr_contributor_approval";

impl Check for ForkPrApprovalWeak {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let res = cx.resource();
        let repo = &cx.repo.full_name;
        let (info, info_src) = match &cx.repo.info {
            Known::Yes(i, s) => (i, s),
            unknown => {
                out.api_unknown(
                    cx.host,
                    &res,
                    POINTER,
                    "whether the repository is public",
                    unknown,
                );
                return;
            }
        };
        // With Actions off, no workflow runs for anyone's pull request.
        if let Known::Yes(ap, s) = &cx.repo.actions_permissions
            && ap.enabled == Some(false)
        {
            out.api(
                cx.host,
                &res,
                POINTER,
                Outcome::Pass,
                format!("Actions are disabled in `{repo}`: no workflow runs for pull requests from forks"),
                &[s],
            );
            return;
        }
        let (policy, src) = match &cx.repo.fork_pr_approval {
            Known::Yes(p, s) => (p, s),
            unknown => {
                out.api_unknown(
                    cx.host,
                    &res,
                    POINTER,
                    "which fork pull requests need approval before their workflows run",
                    unknown,
                );
                return;
            }
        };
        let evidence: [&Source; 2] = [info_src, src];
        let scope = if info.is_public() {
            String::new()
        } else {
            let vis = info.visibility.as_deref().unwrap_or("private");
            format!(
                " ({vis} repository: the policy governs pull requests from public forks; forks of a non-public repository follow a separate setting the snapshot does not hold)"
            )
        };
        let (outcome, message) = match policy.approval_policy.as_deref() {
            Some("all_external_contributors") => (
                Outcome::Pass,
                format!(
                    "workflows of every outside contributor's fork pull request in `{repo}` wait for approval{scope}"
                ),
            ),
            Some("first_time_contributors") => (
                Outcome::Fail,
                format!(
                    "only first-time contributors' fork pull requests in `{repo}` wait for approval: anyone with one merged pull request runs workflows unreviewed{scope}"
                ),
            ),
            Some("first_time_contributors_new_to_github") => (
                Outcome::Fail,
                format!(
                    "only accounts new to GitHub need approval for fork pull request workflows in `{repo}`: any older account runs workflows unreviewed{scope}"
                ),
            ),
            Some(other) => (
                Outcome::Unknown,
                format!(
                    "cannot tell how strict fork pull request approval is in `{repo}`: unrecognised policy `{other}`"
                ),
            ),
            None => (
                Outcome::Unknown,
                format!(
                    "cannot tell how strict fork pull request approval is in `{repo}`: the answer has no `approval_policy`"
                ),
            ),
        };
        out.api(cx.host, &res, POINTER, outcome, message, &evidence);
    }
}
