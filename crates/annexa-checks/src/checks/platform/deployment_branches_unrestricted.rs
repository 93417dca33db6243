use annexa_model::{Outcome, Platform};
use annexa_platform::Known;

use crate::check::{Check, GithubRepoCx, Sink, check};

check! {
    /// ## What it does
    /// For every environment whose name says production (`production`, `prod`, `prd`, `live`,
    /// with anything around), checks that a deployment branch policy limits which branches and
    /// tags may deploy to it: fails when `deployment_branch_policy` is `null` (any branch), and
    /// when a custom policy has a pattern that matches every branch (`*`, `**`). "Protected
    /// branches only", and custom policies with specific patterns (named in the message), pass.
    ///
    /// ## Why is this bad?
    /// Without a branch policy, a workflow on any branch, including one pushed a minute ago and
    /// never reviewed, can deploy to production and use production secrets. The review and
    /// branch protection on `main` are then bypassed by deploying from somewhere else. Evidence
    /// for A.8.32 (change management) and A.8.31 (separation of development, test and production).
    ///
    /// ## Example
    /// Environment `production` with "Deployment branches and tags: No restriction".
    ///
    /// ## Fix
    /// Settings → Environments → `production` → Deployment branches and tags: choose "Protected
    /// branches only", or "Selected branches and tags" with the release branches by name.
    pub struct DeploymentBranchesUnrestricted {
        id: DeploymentBranchesUnrestricted,
        summary: "any branch can deploy to production",
        severity: Medium,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A8_32, A8_31],
    }
}

/// A name as one JSON-pointer segment.
fn seg(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// A branch pattern that matches every branch.
fn matches_all(p: &str) -> bool {
    matches!(p.trim(), "*" | "**" | "**/*")
}

impl Check for DeploymentBranchesUnrestricted {
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
                    "which branches may deploy to the repository's production environments",
                    unknown,
                );
                return;
            }
        };
        for env in envs.0.iter().filter(|e| e.looks_production()) {
            let pointer = format!("/environments/{}", seg(&env.name));
            let name = &env.name;
            let Some(policy) = &env.deployment_branch_policy else {
                out.api(
                    cx.host,
                    &res,
                    &pointer,
                    Outcome::Fail,
                    format!("production environment `{name}` has no deployment branch policy: a workflow on any branch can deploy to it"),
                    &[src],
                );
                continue;
            };
            if policy.protected_branches == Some(true) {
                out.api(
                    cx.host,
                    &res,
                    &pointer,
                    Outcome::Pass,
                    format!(
                        "only protected branches may deploy to production environment `{name}`"
                    ),
                    &[src],
                );
                continue;
            }
            if policy.custom_branch_policies != Some(true) {
                out.api(
                    cx.host,
                    &res,
                    &pointer,
                    Outcome::Unknown,
                    format!("cannot tell which branches may deploy to production environment `{name}`: its deployment branch policy selects neither protected branches nor custom patterns"),
                    &[src],
                );
                continue;
            }
            // Custom patterns: the list names them; a catch-all pattern is no restriction.
            let policies = cx.repo.environment_branch_policies.get(&env.name);
            let (list, psrc) = match policies {
                Some(Known::Yes(l, s)) => (&l.0, s),
                Some(unknown) => {
                    out.api_unknown(
                        cx.host,
                        &res,
                        &pointer,
                        &format!(
                            "which branch patterns may deploy to production environment `{name}`"
                        ),
                        unknown,
                    );
                    continue;
                }
                None => {
                    out.api(
                        cx.host,
                        &res,
                        &pointer,
                        Outcome::Unknown,
                        format!("cannot tell which branch patterns may deploy to production environment `{name}`: its branch policies were not collected"),
                        &[src],
                    );
                    continue;
                }
            };
            let names: Vec<String> = list
                .iter()
                .map(|p| match p.kind.as_deref() {
                    Some("tag") => format!("tag `{}`", p.name),
                    _ => format!("`{}`", p.name),
                })
                .collect();
            if let Some(all) = list.iter().find(|p| matches_all(&p.name)) {
                out.api(
                    cx.host,
                    &res,
                    &pointer,
                    Outcome::Fail,
                    format!("production environment `{name}` limits deployments to custom patterns, but `{}` matches every branch", all.name),
                    &[src, psrc],
                );
            } else if names.is_empty() {
                out.api(
                    cx.host,
                    &res,
                    &pointer,
                    Outcome::Pass,
                    format!("production environment `{name}` has a custom deployment branch policy with no patterns: no branch may deploy to it"),
                    &[src, psrc],
                );
            } else {
                out.api(
                    cx.host,
                    &res,
                    &pointer,
                    Outcome::Pass,
                    format!(
                        "only {} may deploy to production environment `{name}`",
                        names.join(", ")
                    ),
                    &[src, psrc],
                );
            }
        }
    }
}
