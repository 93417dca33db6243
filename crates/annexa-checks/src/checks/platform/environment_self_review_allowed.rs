use annexa_model::{Outcome, Platform};
use annexa_platform::Known;

use crate::check::{Check, GithubRepoCx, Sink, check};

check! {
    /// ## What it does
    /// For every deployment environment of a repository that requires reviewers, checks that
    /// "Prevent self-review" is on (`prevent_self_review` of the `required_reviewers` rule):
    /// `pass` or `fail` per environment. Environments without required reviewers are left to
    /// `production-environment-without-reviewers`.
    ///
    /// ## Why is this bad?
    /// Without it, the person who triggered a deployment can approve it themselves if they are
    /// one of the reviewers, so the "second pair of eyes" the environment seems to enforce is
    /// optional. Evidence for A.5.3 (segregation of duties) and A.8.32 (change management): an
    /// auditor wants the approval step to be one the deployer cannot satisfy alone.
    ///
    /// ## Example
    /// Environment `production` requires a review from team `platform` (of which the deployer is
    /// a member) with "Prevent self-review" unticked.
    ///
    /// ## Fix
    /// Settings → Environments → `production` → Required reviewers: tick "Prevent self-review",
    /// and make sure at least two people can review.
    pub struct EnvironmentSelfReviewAllowed {
        id: EnvironmentSelfReviewAllowed,
        summary: "whoever starts a deployment can approve it",
        severity: Medium,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A5_3, A8_32],
    }
}

/// A name as one JSON-pointer segment.
fn seg(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

impl Check for EnvironmentSelfReviewAllowed {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let res = cx.resource();
        let (envs, src) = match &cx.repo.environments {
            Known::Yes(e, s) => (e, s),
            unknown => {
                out.api_unknown(
                    cx.host,
                    &res,
                    "/environments",
                    "whether the repository's deployment reviewers may approve their own deployments",
                    unknown,
                );
                return;
            }
        };
        for env in &envs.0 {
            let Some(rule) = env.required_reviewers() else {
                continue;
            };
            let pointer = format!("/environments/{}", seg(&env.name));
            let name = &env.name;
            let (outcome, message) = match rule.prevent_self_review {
                Some(true) => (
                    Outcome::Pass,
                    format!(
                        "environment `{name}` requires a reviewer other than whoever started the deployment"
                    ),
                ),
                Some(false) => (
                    Outcome::Fail,
                    format!(
                        "environment `{name}` requires reviewers, but whoever started a deployment may approve it themselves (prevent_self_review is off)"
                    ),
                ),
                // GitHub's default is off; an answer without the field does not prevent it.
                None => (
                    Outcome::Fail,
                    format!(
                        "environment `{name}` requires reviewers, but does not say it prevents self-review (GitHub's default lets the deployer approve)"
                    ),
                ),
            };
            out.api(cx.host, &res, &pointer, outcome, message, &[src]);
        }
    }
}
