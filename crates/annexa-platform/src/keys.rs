//! The resource keys annexa collects and reads, in one place: the collector fetches exactly
//! these and the models look exactly these up, so the two cannot drift apart.
//!
//! Path parameters are escaped here (a branch `release/1.0` becomes `release%2F1.0`, a GitLab
//! project path `acme/app` becomes `acme%2Fapp`).

/// Escape one path parameter for use as a single URL path segment.
pub fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Escape a query value (`:` and `,` stay, as in canonical keys).
pub fn qv(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'~' | b':' | b',') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// GitHub REST resources.
pub mod github {
    use super::{qv, seg};

    /// The authenticated user (collector identity).
    pub const USER: &str = "/user";

    pub fn org(org: &str) -> String {
        format!("/orgs/{}", seg(org))
    }
    /// Every repository of the organisation (the estate the scope is reconciled against).
    pub fn org_repos(org: &str) -> String {
        format!("/orgs/{}/repos?type=all", seg(org))
    }
    pub fn org_members(org: &str) -> String {
        format!("/orgs/{}/members", seg(org))
    }
    /// Members without two-factor authentication (organisation owners only).
    pub fn org_members_without_2fa(org: &str) -> String {
        format!("/orgs/{}/members?filter=2fa_disabled", seg(org))
    }
    pub fn org_admins(org: &str) -> String {
        format!("/orgs/{}/members?role=admin", seg(org))
    }
    pub fn org_outside_collaborators(org: &str) -> String {
        format!("/orgs/{}/outside_collaborators", seg(org))
    }
    pub fn org_teams(org: &str) -> String {
        format!("/orgs/{}/teams", seg(org))
    }
    pub fn team_members(org: &str, team: &str) -> String {
        format!("/orgs/{}/teams/{}/members", seg(org), seg(team))
    }
    pub fn team_repos(org: &str, team: &str) -> String {
        format!("/orgs/{}/teams/{}/repos", seg(org), seg(team))
    }
    pub fn org_rulesets(org: &str) -> String {
        format!("/orgs/{}/rulesets", seg(org))
    }
    pub fn org_ruleset(org: &str, id: u64) -> String {
        format!("/orgs/{}/rulesets/{id}", seg(org))
    }
    pub fn org_actions_permissions(org: &str) -> String {
        format!("/orgs/{}/actions/permissions", seg(org))
    }
    pub fn org_workflow_permissions(org: &str) -> String {
        format!("/orgs/{}/actions/permissions/workflow", seg(org))
    }
    pub fn org_selected_actions(org: &str) -> String {
        format!("/orgs/{}/actions/permissions/selected-actions", seg(org))
    }
    pub fn org_fork_pr_approval(org: &str) -> String {
        format!(
            "/orgs/{}/actions/permissions/fork-pr-contributor-approval",
            seg(org)
        )
    }
    pub fn org_runner_groups(org: &str) -> String {
        format!("/orgs/{}/actions/runner-groups", seg(org))
    }
    pub fn org_runner_group_repos(org: &str, id: u64) -> String {
        format!("/orgs/{}/actions/runner-groups/{id}/repositories", seg(org))
    }
    pub fn org_runners(org: &str) -> String {
        format!("/orgs/{}/actions/runners", seg(org))
    }
    pub fn org_secrets(org: &str) -> String {
        format!("/orgs/{}/actions/secrets", seg(org))
    }
    pub fn org_hooks(org: &str) -> String {
        format!("/orgs/{}/hooks", seg(org))
    }
    /// Organisation-level alert lists replace one call per repository.
    pub fn org_dependabot_alerts(org: &str) -> String {
        format!("/orgs/{}/dependabot/alerts", seg(org))
    }
    pub fn org_code_scanning_alerts(org: &str) -> String {
        format!("/orgs/{}/code-scanning/alerts", seg(org))
    }
    pub fn org_secret_scanning_alerts(org: &str) -> String {
        format!("/orgs/{}/secret-scanning/alerts", seg(org))
    }
    /// The audit log (Enterprise Cloud), all events created in the period.
    pub fn org_audit_log(org: &str, from: &str, to: &str) -> String {
        format!(
            "/orgs/{}/audit-log?include=all&phrase=created:{}..{}",
            seg(org),
            qv(from),
            qv(to)
        )
    }

    pub fn repo(full: &str) -> String {
        format!("/repos/{}", repo_path(full))
    }
    pub fn branch_protection(full: &str, branch: &str) -> String {
        format!(
            "/repos/{}/branches/{}/protection",
            repo_path(full),
            seg(branch)
        )
    }
    /// Every rule in force on a branch, from repository and organisation rulesets.
    pub fn branch_rules(full: &str, branch: &str) -> String {
        format!("/repos/{}/rules/branches/{}", repo_path(full), seg(branch))
    }
    pub fn repo_rulesets(full: &str) -> String {
        format!("/repos/{}/rulesets?includes_parents=true", repo_path(full))
    }
    pub fn repo_ruleset(full: &str, id: u64) -> String {
        format!("/repos/{}/rulesets/{id}", repo_path(full))
    }
    pub fn collaborators(full: &str) -> String {
        format!("/repos/{}/collaborators?affiliation=all", repo_path(full))
    }
    pub fn outside_collaborators(full: &str) -> String {
        format!(
            "/repos/{}/collaborators?affiliation=outside",
            repo_path(full)
        )
    }
    pub fn repo_teams(full: &str) -> String {
        format!("/repos/{}/teams", repo_path(full))
    }
    pub fn environments(full: &str) -> String {
        format!("/repos/{}/environments", repo_path(full))
    }
    pub fn environment_branch_policies(full: &str, env: &str) -> String {
        format!(
            "/repos/{}/environments/{}/deployment-branch-policies",
            repo_path(full),
            seg(env)
        )
    }
    pub fn environment_secrets(full: &str, env: &str) -> String {
        format!(
            "/repos/{}/environments/{}/secrets",
            repo_path(full),
            seg(env)
        )
    }
    pub fn repo_secrets(full: &str) -> String {
        format!("/repos/{}/actions/secrets", repo_path(full))
    }
    pub fn repo_org_secrets(full: &str) -> String {
        format!("/repos/{}/actions/organization-secrets", repo_path(full))
    }
    pub fn deploy_keys(full: &str) -> String {
        format!("/repos/{}/keys", repo_path(full))
    }
    pub fn repo_hooks(full: &str) -> String {
        format!("/repos/{}/hooks", repo_path(full))
    }
    pub fn repo_actions_permissions(full: &str) -> String {
        format!("/repos/{}/actions/permissions", repo_path(full))
    }
    pub fn repo_workflow_permissions(full: &str) -> String {
        format!("/repos/{}/actions/permissions/workflow", repo_path(full))
    }
    pub fn repo_fork_pr_approval(full: &str) -> String {
        format!(
            "/repos/{}/actions/permissions/fork-pr-contributor-approval",
            repo_path(full)
        )
    }
    pub fn repo_runners(full: &str) -> String {
        format!("/repos/{}/actions/runners", repo_path(full))
    }
    /// `204` when Dependabot alerts are on, `404` when they are off.
    pub fn vulnerability_alerts(full: &str) -> String {
        format!("/repos/{}/vulnerability-alerts", repo_path(full))
    }
    pub fn codeowners_errors(full: &str) -> String {
        format!("/repos/{}/codeowners/errors", repo_path(full))
    }
    /// Closed pull requests into the default branch, most recently updated first (paging stops
    /// once `updated_at` is before the period).
    pub fn pulls_closed(full: &str, base: &str) -> String {
        format!(
            "/repos/{}/pulls?base={}&direction=desc&sort=updated&state=closed",
            repo_path(full),
            qv(base)
        )
    }
    pub fn pull(full: &str, number: u64) -> String {
        format!("/repos/{}/pulls/{number}", repo_path(full))
    }
    pub fn pull_reviews(full: &str, number: u64) -> String {
        format!("/repos/{}/pulls/{number}/reviews", repo_path(full))
    }
    pub fn deployments(full: &str) -> String {
        format!("/repos/{}/deployments", repo_path(full))
    }
    pub fn deployment_statuses(full: &str, id: u64) -> String {
        format!("/repos/{}/deployments/{id}/statuses", repo_path(full))
    }
    /// Environment approvals of the workflow run behind a deployment.
    pub fn run_approvals(full: &str, run: u64) -> String {
        format!("/repos/{}/actions/runs/{run}/approvals", repo_path(full))
    }
    /// Commits on the default branch in the period (direct pushes are found among them).
    pub fn commits(full: &str, branch: &str, from: &str, to: &str) -> String {
        format!(
            "/repos/{}/commits?sha={}&since={}&until={}",
            repo_path(full),
            qv(branch),
            qv(from),
            qv(to)
        )
    }
    pub fn commit_pulls(full: &str, sha: &str) -> String {
        format!("/repos/{}/commits/{}/pulls", repo_path(full), seg(sha))
    }

    /// `owner/name` as two escaped segments.
    fn repo_path(full: &str) -> String {
        match full.split_once('/') {
            Some((o, n)) => format!("{}/{}", seg(o), seg(n)),
            None => seg(full),
        }
    }
}

/// GitLab REST v4 resources. Projects and groups are addressed by their full path.
pub mod gitlab {
    use super::{qv, seg};

    pub const USER: &str = "/user";
    /// The token's own scopes and expiry.
    pub const TOKEN_SELF: &str = "/personal_access_tokens/self";

    pub fn group(g: &str) -> String {
        format!("/groups/{}", seg(g))
    }
    /// Every project in the group and its subgroups (the estate).
    pub fn group_projects(g: &str) -> String {
        format!(
            "/groups/{}/projects?include_subgroups=true&with_shared=false",
            seg(g)
        )
    }
    pub fn group_members(g: &str) -> String {
        format!("/groups/{}/members", seg(g))
    }
    pub fn group_members_all(g: &str) -> String {
        format!("/groups/{}/members/all", seg(g))
    }
    pub fn group_variables(g: &str) -> String {
        format!("/groups/{}/variables", seg(g))
    }
    pub fn group_audit_events(g: &str, from: &str, to: &str) -> String {
        format!(
            "/groups/{}/audit_events?created_after={}&created_before={}",
            seg(g),
            qv(from),
            qv(to)
        )
    }

    pub fn project(p: &str) -> String {
        format!("/projects/{}", seg(p))
    }
    pub fn protected_branches(p: &str) -> String {
        format!("/projects/{}/protected_branches", seg(p))
    }
    pub fn approvals(p: &str) -> String {
        format!("/projects/{}/approvals", seg(p))
    }
    pub fn approval_rules(p: &str) -> String {
        format!("/projects/{}/approval_rules", seg(p))
    }
    pub fn members(p: &str) -> String {
        format!("/projects/{}/members", seg(p))
    }
    pub fn members_all(p: &str) -> String {
        format!("/projects/{}/members/all", seg(p))
    }
    pub fn variables(p: &str) -> String {
        format!("/projects/{}/variables", seg(p))
    }
    pub fn environments(p: &str) -> String {
        format!("/projects/{}/environments", seg(p))
    }
    pub fn protected_environments(p: &str) -> String {
        format!("/projects/{}/protected_environments", seg(p))
    }
    pub fn audit_events(p: &str, from: &str, to: &str) -> String {
        format!(
            "/projects/{}/audit_events?created_after={}&created_before={}",
            seg(p),
            qv(from),
            qv(to)
        )
    }
    pub fn merged_mrs(p: &str, from: &str, to: &str) -> String {
        format!(
            "/projects/{}/merge_requests?state=merged&updated_after={}&updated_before={}",
            seg(p),
            qv(from),
            qv(to)
        )
    }
    pub fn mr_approvals(p: &str, iid: u64) -> String {
        format!("/projects/{}/merge_requests/{iid}/approvals", seg(p))
    }
    pub fn deployments(p: &str, from: &str, to: &str) -> String {
        format!(
            "/projects/{}/deployments?updated_after={}&updated_before={}",
            seg(p),
            qv(from),
            qv(to)
        )
    }
    pub fn deployment(p: &str, id: u64) -> String {
        format!("/projects/{}/deployments/{id}", seg(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::{canonical_key, file_of_key};

    #[test]
    fn keys_are_canonical_and_encodable() {
        let keys = [
            github::branch_protection("Acme/app", "release/1.0"),
            github::org_audit_log("acme", "2026-01-01", "2026-03-31"),
            github::pulls_closed("acme/app", "main"),
            gitlab::project("acme/sub/app"),
            gitlab::merged_mrs("acme/app", "2026-01-01T00:00:00Z", "2026-03-31T23:59:59Z"),
        ];
        for k in keys {
            assert_eq!(canonical_key(&k).unwrap(), k, "{k} is not canonical");
            file_of_key("x", &k).unwrap();
        }
    }
}
