//! The GitHub model: an organisation and its repositories as a snapshot shows them. Every
//! field is [`Known`]: the value with its source, or why it is not known. Shapes are parsed
//! leniently (GitHub's own examples break its own schemas: unknown enum values stay strings,
//! "required" members are optional, numbers may arrive as strings).

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Deserialize;

use crate::keys::github as k;
use crate::known::{Dialect, Known, read, read_with};
use crate::lenient::flag;
pub use crate::lenient::{Flag, List};
use crate::snapshot::Snapshot;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct User {
    pub login: String,
    pub id: Option<u64>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub site_admin: Option<bool>,
    /// Repository collaborators: the effective permissions.
    pub permissions: Option<RepoPermissions>,
    /// Repository collaborators: `admin`, `maintain`, `write`, `triage`, `read` or a custom role.
    pub role_name: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RepoPermissions {
    pub admin: bool,
    pub maintain: bool,
    pub push: bool,
    pub triage: bool,
    pub pull: bool,
}

impl RepoPermissions {
    pub fn level(&self) -> &'static str {
        if self.admin {
            "admin"
        } else if self.maintain {
            "maintain"
        } else if self.push {
            "write"
        } else if self.triage {
            "triage"
        } else {
            "read"
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrgInfo {
    pub login: String,
    pub two_factor_requirement_enabled: Option<bool>,
    pub default_repository_permission: Option<String>,
    pub members_can_create_public_repositories: Option<bool>,
    pub web_commit_signoff_required: Option<bool>,
    pub plan: Option<Plan>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Plan {
    pub name: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Team {
    pub slug: String,
    pub name: String,
    /// On a repository's team list: the team's permission on that repository.
    pub permission: Option<String>,
    pub permissions: Option<RepoPermissions>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RepoSummary {
    pub full_name: String,
    pub name: String,
    pub private: Option<bool>,
    pub visibility: Option<String>,
    pub archived: Option<bool>,
    pub fork: Option<bool>,
    pub default_branch: Option<String>,
    pub permissions: Option<RepoPermissions>,
    /// On a team's repository list: the team's role on it.
    pub role_name: Option<String>,
    pub pushed_at: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RepoInfo {
    pub full_name: String,
    pub private: Option<bool>,
    pub visibility: Option<String>,
    pub archived: Option<bool>,
    pub fork: Option<bool>,
    pub default_branch: Option<String>,
    pub security_and_analysis: Option<SecurityAndAnalysis>,
    pub pushed_at: Option<String>,
}

impl RepoInfo {
    /// Public repositories (anyone can open a pull request from a fork).
    pub fn is_public(&self) -> bool {
        self.visibility.as_deref() == Some("public")
            || (self.visibility.is_none() && self.private == Some(false))
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SecurityAndAnalysis {
    pub advanced_security: Option<Status>,
    pub secret_scanning: Option<Status>,
    pub secret_scanning_push_protection: Option<Status>,
    pub dependabot_security_updates: Option<Status>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Status {
    pub status: Option<String>,
}

impl Status {
    pub fn enabled(s: &Option<Status>) -> Option<bool> {
        s.as_ref()
            .and_then(|s| s.status.as_deref())
            .map(|v| v == "enabled")
    }
}

/// Classic branch protection (`GET .../branches/{b}/protection`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Protection {
    pub required_status_checks: Option<RequiredStatusChecks>,
    pub required_pull_request_reviews: Option<RequiredReviews>,
    pub enforce_admins: Flag,
    pub allow_force_pushes: Flag,
    pub allow_deletions: Flag,
    pub required_signatures: Flag,
    pub required_linear_history: Flag,
    pub lock_branch: Flag,
    pub restrictions: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RequiredStatusChecks {
    pub strict: Option<bool>,
    pub contexts: Vec<String>,
    pub checks: Vec<StatusCheck>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusCheck {
    pub context: String,
    pub app_id: Option<i64>,
    /// Rulesets name the integration this way.
    pub integration_id: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RequiredReviews {
    pub required_approving_review_count: Option<u32>,
    pub dismiss_stale_reviews: Option<bool>,
    pub require_code_owner_reviews: Option<bool>,
    pub require_last_push_approval: Option<bool>,
    pub bypass_pull_request_allowances: Option<serde_json::Value>,
}

/// One rule in force on a branch (`GET .../rules/branches/{b}`), or one rule of a ruleset.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Rule {
    #[serde(rename = "type")]
    pub kind: String,
    pub ruleset_source_type: Option<String>,
    pub ruleset_source: Option<String>,
    pub ruleset_id: Option<u64>,
    pub parameters: Option<serde_json::Value>,
}

impl Rule {
    fn param(&self, name: &str) -> Option<&serde_json::Value> {
        self.parameters.as_ref()?.get(name)
    }
    pub fn param_bool(&self, name: &str) -> Option<bool> {
        self.param(name).and_then(flag)
    }
    pub fn param_u32(&self, name: &str) -> Option<u32> {
        let v = self.param(name)?;
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .map(|n| n.min(u32::MAX as u64) as u32)
    }
    /// `required_status_checks` rule: the contexts required.
    pub fn status_checks(&self) -> Vec<String> {
        self.param("required_status_checks")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.get("context").and_then(|c| c.as_str()))
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Ruleset {
    pub id: u64,
    pub name: String,
    pub target: Option<String>,
    pub source_type: Option<String>,
    pub source: Option<String>,
    /// `active`, `evaluate`, `disabled` (examples also say `enabled`).
    pub enforcement: Option<String>,
    pub bypass_actors: Option<Vec<BypassActor>>,
    pub conditions: Option<serde_json::Value>,
    pub rules: Option<Vec<Rule>>,
    pub current_user_can_bypass: Option<String>,
    /// Where the details (bypass actors) were read; not part of GitHub's answer.
    #[serde(skip)]
    pub detail_source: Option<crate::known::Source>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct BypassActor {
    pub actor_id: Option<i64>,
    /// `Integration`, `OrganizationAdmin`, `RepositoryRole`, `Team`, `DeployKey`.
    pub actor_type: Option<String>,
    /// `always`, `pull_request` (only through a pull request), `exempt`.
    pub bypass_mode: Option<String>,
}

impl BypassActor {
    /// A bypass that lets changes reach the branch without a pull request (`always`); with
    /// `pull_request` the actor still bypasses the rules *on* pull requests (merging without
    /// the required approvals or checks).
    pub fn direct(&self) -> bool {
        self.bypass_mode.as_deref() != Some("pull_request")
    }
    pub fn describe(&self) -> String {
        let who = match (self.actor_type.as_deref(), self.actor_id) {
            (Some("OrganizationAdmin"), _) => "organisation admins".to_owned(),
            // Repository role ids 5 is admin (GitHub's built-in role ids: 1 read, 2 triage,
            // 3 write, 4 maintain, 5 admin).
            (Some("RepositoryRole"), Some(5)) => "repository admins".to_owned(),
            (Some("RepositoryRole"), Some(4)) => "repository maintainers".to_owned(),
            (Some("RepositoryRole"), Some(id)) => format!("repository role {id}"),
            (Some(t), Some(id)) => format!("{t} {id}"),
            (Some(t), None) => t.to_owned(),
            (None, _) => "an actor".to_owned(),
        };
        format!(
            "{who} ({})",
            self.bypass_mode.as_deref().unwrap_or("always")
        )
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Environment {
    pub name: String,
    pub protection_rules: Vec<ProtectionRule>,
    pub deployment_branch_policy: Option<BranchPolicy>,
    pub can_admins_bypass: Option<bool>,
}

/// By name: a production environment (`production`, `prod`, `live`, `prd`, with anything
/// around).
pub fn production_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| matches!(w, "production" | "prod" | "prd" | "live"))
}

impl Environment {
    pub fn required_reviewers(&self) -> Option<&ProtectionRule> {
        self.protection_rules
            .iter()
            .find(|r| r.kind == "required_reviewers")
    }
    /// By name: the environment is production (`production`, `prod`, `live`, `prd`, with
    /// anything around).
    pub fn looks_production(&self) -> bool {
        production_name(&self.name)
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProtectionRule {
    #[serde(rename = "type")]
    pub kind: String,
    pub prevent_self_review: Option<bool>,
    pub reviewers: Vec<serde_json::Value>,
    pub wait_timer: Option<u64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct BranchPolicy {
    pub protected_branches: Option<bool>,
    pub custom_branch_policies: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct NamedPolicy {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Secret {
    pub name: String,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    /// Organisation secrets: `all`, `private`, `selected`.
    pub visibility: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeployKey {
    pub id: u64,
    pub title: String,
    pub read_only: Option<bool>,
    pub created_at: Option<String>,
    pub last_used: Option<String>,
    pub added_by: Option<String>,
    pub enabled: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Hook {
    pub id: u64,
    pub name: Option<String>,
    pub active: Option<bool>,
    pub events: Vec<String>,
    pub config: HookConfig,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct HookConfig {
    /// The receiver URL (GitHub shows it; credentials in it are not ours to keep).
    pub url: Option<String>,
    /// `"0"` verify TLS, `"1"` do not; also seen as a number.
    pub insecure_ssl: Option<serde_json::Value>,
}

impl Hook {
    pub fn tls_verification_off(&self) -> bool {
        match &self.config.insecure_ssl {
            Some(serde_json::Value::String(s)) => s == "1",
            Some(serde_json::Value::Number(n)) => n.as_i64() == Some(1),
            Some(serde_json::Value::Bool(b)) => *b,
            _ => false,
        }
    }
    /// The receiver's host, without credentials, path or query.
    pub fn host(&self) -> String {
        let url = self.config.url.as_deref().unwrap_or("");
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        authority
            .rsplit_once('@')
            .map_or(authority, |(_, h)| h)
            .to_owned()
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionsPermissions {
    pub enabled: Option<bool>,
    /// `all`, `local_only`, `selected`.
    pub allowed_actions: Option<String>,
    /// Organisation level: `all`, `none`, `selected`.
    pub enabled_repositories: Option<String>,
    pub sha_pinning_required: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SelectedActions {
    pub github_owned_allowed: Option<bool>,
    pub verified_allowed: Option<bool>,
    pub patterns_allowed: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct WorkflowPermissions {
    /// `read` or `write`.
    pub default_workflow_permissions: Option<String>,
    pub can_approve_pull_request_reviews: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ForkPrApproval {
    /// `first_time_contributors_new_to_github`, `first_time_contributors`,
    /// `all_external_contributors`.
    pub approval_policy: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RunnerGroup {
    pub id: u64,
    pub name: String,
    /// `all`, `selected`, `private`.
    pub visibility: Option<String>,
    pub default: Option<bool>,
    pub allows_public_repositories: Option<bool>,
    pub restricted_to_workflows: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Runner {
    pub id: u64,
    pub name: String,
    pub os: Option<String>,
    pub status: Option<String>,
    pub ephemeral: Option<bool>,
    pub labels: Vec<RunnerLabel>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RunnerLabel {
    pub name: String,
}

/// A Dependabot, code-scanning or secret-scanning alert, reduced to what ageing needs.
#[derive(Clone, Debug, Default)]
pub struct Alert {
    pub kind: AlertKind,
    pub number: u64,
    pub repo: String,
    pub state: String,
    /// `critical`, `high`, `medium`, `low`, or for code scanning `error`/`warning`/`note`
    /// mapped to high/medium/low; secret-scanning alerts count as `high`.
    pub severity: String,
    pub created_at: Option<String>,
    /// When it stopped being open (fixed, dismissed, resolved).
    pub closed_at: Option<String>,
    pub title: String,
    pub html_url: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum AlertKind {
    #[default]
    Dependabot,
    CodeScanning,
    SecretScanning,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Dependabot => "dependabot",
            AlertKind::CodeScanning => "code-scanning",
            AlertKind::SecretScanning => "secret-scanning",
        }
    }
}

fn s(v: &serde_json::Value, path: &[&str]) -> Option<String> {
    let mut at = v;
    for p in path {
        at = at.get(*p)?;
    }
    match at {
        serde_json::Value::String(x) => Some(x.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn alerts(kind: AlertKind, v: &serde_json::Value) -> Vec<Alert> {
    let Some(items) = v.as_array() else {
        return Vec::new();
    };
    items
        .iter()
        .map(|a| {
            let severity = match kind {
                AlertKind::Dependabot => s(a, &["security_advisory", "severity"])
                    .or_else(|| s(a, &["security_vulnerability", "severity"])),
                AlertKind::CodeScanning => {
                    s(a, &["rule", "security_severity_level"]).or_else(|| {
                        s(a, &["rule", "severity"]).map(|x| match x.as_str() {
                            "error" => "high".to_owned(),
                            "warning" => "medium".to_owned(),
                            _ => "low".to_owned(),
                        })
                    })
                }
                AlertKind::SecretScanning => Some("high".to_owned()),
            }
            .unwrap_or_else(|| "unknown".to_owned())
            .to_ascii_lowercase();
            let closed_at = [
                "fixed_at",
                "dismissed_at",
                "resolved_at",
                "auto_dismissed_at",
            ]
            .iter()
            .find_map(|f| s(a, &[f]));
            let title = match kind {
                AlertKind::Dependabot => s(a, &["security_advisory", "summary"]),
                AlertKind::CodeScanning => s(a, &["rule", "description"]),
                AlertKind::SecretScanning => s(a, &["secret_type_display_name"]),
            }
            .unwrap_or_default();
            Alert {
                kind,
                number: a.get("number").and_then(|n| n.as_u64()).unwrap_or(0),
                repo: s(a, &["repository", "full_name"]).unwrap_or_default(),
                state: s(a, &["state"]).unwrap_or_default(),
                severity,
                created_at: s(a, &["created_at"]),
                closed_at,
                title,
                html_url: s(a, &["html_url"]),
            }
        })
        .collect()
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PullSummary {
    pub number: u64,
    pub state: Option<String>,
    pub user: Option<User>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub merged_at: Option<String>,
    pub merge_commit_sha: Option<String>,
    pub html_url: Option<String>,
    pub draft: Option<bool>,
    pub head: Option<Head>,
    pub base: Option<Head>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Head {
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub sha: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Pull {
    pub number: u64,
    pub merged: Option<bool>,
    pub merged_at: Option<String>,
    pub merged_by: Option<User>,
    pub merge_commit_sha: Option<String>,
    pub user: Option<User>,
    pub head: Option<Head>,
    pub base: Option<Head>,
    pub html_url: Option<String>,
    pub title: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Review {
    pub id: u64,
    pub user: Option<User>,
    pub state: String,
    pub submitted_at: Option<String>,
    pub commit_id: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Deployment {
    pub id: u64,
    pub sha: Option<String>,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub environment: Option<String>,
    pub production_environment: Option<bool>,
    pub creator: Option<User>,
    pub created_at: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeploymentStatus {
    pub state: Option<String>,
    pub creator: Option<User>,
    pub created_at: Option<String>,
    pub log_url: Option<String>,
    pub target_url: Option<String>,
}

impl DeploymentStatus {
    /// The Actions run behind the deployment, from the status's log or target URL.
    pub fn run_id(&self) -> Option<u64> {
        [&self.log_url, &self.target_url]
            .into_iter()
            .flatten()
            .find_map(|u| {
                let rest = u.split("/actions/runs/").nth(1)?;
                rest.split(|c: char| !c.is_ascii_digit())
                    .next()?
                    .parse()
                    .ok()
            })
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RunApproval {
    pub state: Option<String>,
    pub user: Option<User>,
    pub environments: Vec<NamedPolicy>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Commit {
    pub sha: String,
    pub author: Option<User>,
    pub committer: Option<User>,
    pub commit: Option<CommitDetail>,
    pub html_url: Option<String>,
    pub parents: Vec<Head>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CommitDetail {
    pub message: Option<String>,
    pub committer: Option<CommitPerson>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CommitPerson {
    pub date: Option<String>,
}

/// An organisation as the snapshot shows it.
#[derive(Debug)]
pub struct Org {
    pub login: String,
    pub info: Known<OrgInfo>,
    /// Every repository of the organisation (the estate).
    pub repos: Known<List<RepoSummary>>,
    pub members: Known<List<User>>,
    pub members_without_2fa: Known<List<User>>,
    pub admins: Known<List<User>>,
    pub outside_collaborators: Known<List<User>>,
    pub teams: Known<List<Team>>,
    pub team_members: BTreeMap<String, Known<List<User>>>,
    pub team_repos: BTreeMap<String, Known<List<RepoSummary>>>,
    /// The organisation's rulesets, with details where they were read.
    pub rulesets: Known<List<Ruleset>>,
    pub actions_permissions: Known<ActionsPermissions>,
    pub workflow_permissions: Known<WorkflowPermissions>,
    pub selected_actions: Known<SelectedActions>,
    pub fork_pr_approval: Known<ForkPrApproval>,
    pub runner_groups: Known<List<RunnerGroup>>,
    pub runners: Known<List<Runner>>,
    pub secrets: Known<List<Secret>>,
    pub hooks: Known<List<Hook>>,
    pub dependabot_alerts: Known<Vec<Alert>>,
    pub code_scanning_alerts: Known<Vec<Alert>>,
    pub secret_scanning_alerts: Known<Vec<Alert>>,
    /// `None` when the snapshot has no period (the audit log was not asked for).
    pub audit_log: Option<Known<List<serde_json::Value>>>,
}

/// A repository as the snapshot shows it.
#[derive(Debug)]
pub struct Repo {
    /// `owner/name`.
    pub full_name: String,
    pub info: Known<RepoInfo>,
    /// The default branch (from the repository's answer); `None` when that was not read.
    pub default_branch: Option<String>,
    /// Classic protection of the default branch; `Yes(None)` is GitHub's "Branch not protected".
    pub protection: Known<Option<Protection>>,
    /// Every rule in force on the default branch, from repository and organisation rulesets.
    pub branch_rules: Known<List<Rule>>,
    /// Rulesets that apply to the repository (its own and its parents'), with details where
    /// they were read.
    pub rulesets: Known<List<Ruleset>>,
    pub collaborators: Known<List<User>>,
    pub outside_collaborators: Known<List<User>>,
    pub teams: Known<List<Team>>,
    pub environments: Known<List<Environment>>,
    pub environment_branch_policies: BTreeMap<String, Known<List<NamedPolicy>>>,
    pub environment_secrets: BTreeMap<String, Known<List<Secret>>>,
    pub secrets: Known<List<Secret>>,
    pub org_secrets: Known<List<Secret>>,
    pub deploy_keys: Known<List<DeployKey>>,
    pub hooks: Known<List<Hook>>,
    pub actions_permissions: Known<ActionsPermissions>,
    pub workflow_permissions: Known<WorkflowPermissions>,
    pub fork_pr_approval: Known<ForkPrApproval>,
    pub runners: Known<List<Runner>>,
    pub codeowners_errors: Known<serde_json::Value>,
    /// Whether Dependabot alerts are on (`204`) or off (`404` "Vulnerability alerts are
    /// disabled").
    pub dependabot_alerts_enabled: Known<bool>,
    /// Period evidence (present when the snapshot has a period).
    pub history: Option<RepoHistory>,
}

/// What a repository's history over the period shows.
#[derive(Debug)]
pub struct RepoHistory {
    pub pulls: Known<List<PullSummary>>,
    pub pull_details: BTreeMap<u64, Known<Pull>>,
    pub reviews: BTreeMap<u64, Known<List<Review>>>,
    pub deployments: Known<List<Deployment>>,
    pub deployment_statuses: BTreeMap<u64, Known<List<DeploymentStatus>>>,
    pub run_approvals: BTreeMap<u64, Known<List<RunApproval>>>,
    pub commits: Known<List<Commit>>,
    pub commit_pulls: BTreeMap<String, Known<List<PullSummary>>>,
}

/// The GitHub side of a snapshot.
#[derive(Debug)]
pub struct Github {
    pub host: String,
    pub org: Option<Org>,
    pub repos: Vec<Repo>,
}

fn gh<T: serde::de::DeserializeOwned>(snap: &Snapshot, key: &str) -> Known<T> {
    read(snap, key, Dialect::Github)
}

impl Github {
    /// Build the model from a GitHub snapshot. Repositories are those the scope names, else
    /// every one the organisation's repository list shows (archived ones included).
    pub fn read(snap: &Snapshot) -> Github {
        let m = &snap.manifest;
        let period = m.period.as_ref().map(|p| (p.from.clone(), p.to.clone()));
        let org = m
            .scope
            .org
            .as_deref()
            .map(|o| read_org(snap, o, period.as_ref()));
        let names = Github::read_names(snap);
        let repos = names
            .par_iter()
            .filter(|n| !n.is_empty())
            .map(|n| read_repo(snap, n, period.is_some()))
            .collect();
        Github {
            host: m.host.clone(),
            org,
            repos,
        }
    }
}

impl Github {
    /// Every repository the platform says the organisation has (its repository list), plus any
    /// the collection named: the estate the ISMS scope is reconciled with.
    pub fn estate(snap: &Snapshot) -> Vec<String> {
        let m = &snap.manifest;
        let mut names: Vec<String> = m.scope.repositories.clone();
        if let Some(o) = m.scope.org.as_deref()
            && let Known::Yes(list, _) = gh::<List<RepoSummary>>(snap, &k::org_repos(o))
        {
            names.extend(list.0.into_iter().map(|r| r.full_name));
        }
        names.retain(|n| !n.is_empty());
        names.sort();
        names.dedup();
        names
    }

    /// The repositories the snapshot covers: those its scope names, else every one in the
    /// organisation's repository list.
    pub fn read_names(snap: &Snapshot) -> Vec<String> {
        let m = &snap.manifest;
        let mut names: Vec<String> = m.scope.repositories.clone();
        if names.is_empty()
            && let Some(o) = m.scope.org.as_deref()
            && let Known::Yes(list, _) = gh::<List<RepoSummary>>(snap, &k::org_repos(o))
        {
            names = list.0.into_iter().map(|r| r.full_name).collect();
        }
        names.retain(|n| !n.is_empty());
        names.sort();
        names.dedup();
        names
    }
}

fn read_org(snap: &Snapshot, o: &str, period: Option<&(String, String)>) -> Org {
    let teams: Known<List<Team>> = gh(snap, &k::org_teams(o));
    let mut team_members = BTreeMap::new();
    let mut team_repos = BTreeMap::new();
    if let Known::Yes(list, _) = &teams {
        for t in &list.0 {
            team_members.insert(t.slug.clone(), gh(snap, &k::team_members(o, &t.slug)));
            team_repos.insert(t.slug.clone(), gh(snap, &k::team_repos(o, &t.slug)));
        }
    }
    let rulesets = with_details(gh(snap, &k::org_rulesets(o)), |id| {
        gh(snap, &k::org_ruleset(o, id))
    });
    let alerts_of = |key: String, kind: AlertKind| -> Known<Vec<Alert>> {
        gh::<serde_json::Value>(snap, &key).map(|v| alerts(kind, &v))
    };
    Org {
        login: o.to_owned(),
        info: gh(snap, &k::org(o)),
        repos: gh(snap, &k::org_repos(o)),
        members: gh(snap, &k::org_members(o)),
        members_without_2fa: gh(snap, &k::org_members_without_2fa(o)),
        admins: gh(snap, &k::org_admins(o)),
        outside_collaborators: gh(snap, &k::org_outside_collaborators(o)),
        teams,
        team_members,
        team_repos,
        rulesets,
        actions_permissions: gh(snap, &k::org_actions_permissions(o)),
        workflow_permissions: gh(snap, &k::org_workflow_permissions(o)),
        selected_actions: gh(snap, &k::org_selected_actions(o)),
        fork_pr_approval: gh(snap, &k::org_fork_pr_approval(o)),
        runner_groups: gh(snap, &k::org_runner_groups(o)),
        runners: gh(snap, &k::org_runners(o)),
        secrets: gh(snap, &k::org_secrets(o)),
        hooks: gh(snap, &k::org_hooks(o)),
        dependabot_alerts: alerts_of(k::org_dependabot_alerts(o), AlertKind::Dependabot),
        code_scanning_alerts: alerts_of(k::org_code_scanning_alerts(o), AlertKind::CodeScanning),
        secret_scanning_alerts: alerts_of(
            k::org_secret_scanning_alerts(o),
            AlertKind::SecretScanning,
        ),
        audit_log: period
            .map(|(from, to)| gh(snap, &k::org_audit_log(o, date_part(from), date_part(to)))),
    }
}

/// `2026-01-01` of `2026-01-01T00:00:00Z`.
pub fn date_part(s: &str) -> &str {
    s.split('T').next().unwrap_or(s)
}

/// Replace list entries with their detailed answer where it was read (rulesets lists carry no
/// rules or bypass actors).
fn with_details(
    list: Known<List<Ruleset>>,
    detail: impl Fn(u64) -> Known<Ruleset>,
) -> Known<List<Ruleset>> {
    list.map(|l| {
        List(
            l.0.into_iter()
                .map(|r| match detail(r.id) {
                    Known::Yes(mut d, src) => {
                        d.detail_source = Some(src);
                        d
                    }
                    Known::Unknown { .. } => r,
                })
                .collect(),
        )
    })
}

fn read_repo(snap: &Snapshot, full: &str, period: bool) -> Repo {
    let info: Known<RepoInfo> = gh(snap, &k::repo(full));
    let default_branch = info.value().and_then(|i| i.default_branch.clone());
    let branch = default_branch.as_deref();
    let on_branch = |f: fn(&str, &str) -> String| branch.map(|b| f(full, b));
    let protection = match on_branch(k::branch_protection) {
        Some(key) => read_with(snap, &key, Dialect::Github, |status, msg| {
            // GitHub's way of saying the branch has no classic protection: a fact, not an error.
            (status == 404 && msg.is_some_and(|m| m.eq_ignore_ascii_case("Branch not protected")))
                .then_some(None)
        }),
        None => Known::not_collected(k::repo(full) + "#/default_branch"),
    };
    let branch_rules = match on_branch(k::branch_rules) {
        Some(key) => gh(snap, &key),
        None => Known::not_collected(k::repo(full) + "#/default_branch"),
    };
    let rulesets = with_details(gh(snap, &k::repo_rulesets(full)), |id| {
        gh(snap, &k::repo_ruleset(full, id))
    });
    let environments: Known<List<Environment>> = gh(snap, &k::environments(full));
    let mut environment_branch_policies = BTreeMap::new();
    let mut environment_secrets = BTreeMap::new();
    if let Known::Yes(envs, _) = &environments {
        for e in &envs.0 {
            environment_branch_policies.insert(
                e.name.clone(),
                gh(snap, &k::environment_branch_policies(full, &e.name)),
            );
            environment_secrets.insert(
                e.name.clone(),
                gh(snap, &k::environment_secrets(full, &e.name)),
            );
        }
    }
    let history = match (period, branch) {
        (true, Some(b)) => Some(read_history(snap, full, b)),
        _ => None,
    };
    Repo {
        full_name: full.to_owned(),
        info,
        default_branch,
        protection,
        branch_rules,
        rulesets,
        collaborators: gh(snap, &k::collaborators(full)),
        outside_collaborators: gh(snap, &k::outside_collaborators(full)),
        teams: gh(snap, &k::repo_teams(full)),
        environments,
        environment_branch_policies,
        environment_secrets,
        secrets: gh(snap, &k::repo_secrets(full)),
        org_secrets: gh(snap, &k::repo_org_secrets(full)),
        deploy_keys: gh(snap, &k::deploy_keys(full)),
        hooks: gh(snap, &k::repo_hooks(full)),
        actions_permissions: gh(snap, &k::repo_actions_permissions(full)),
        workflow_permissions: gh(snap, &k::repo_workflow_permissions(full)),
        fork_pr_approval: gh(snap, &k::repo_fork_pr_approval(full)),
        runners: gh(snap, &k::repo_runners(full)),
        codeowners_errors: gh(snap, &k::codeowners_errors(full)),
        dependabot_alerts_enabled: {
            let key = k::vulnerability_alerts(full);
            match read_with::<serde_json::Value>(snap, &key, Dialect::Github, |status, msg| {
                (status == 404 && msg.is_some_and(|m| m.to_ascii_lowercase().contains("disabled")))
                    .then_some(serde_json::Value::Bool(false))
            }) {
                Known::Yes(serde_json::Value::Bool(false), s) => Known::Yes(false, s),
                Known::Yes(_, s) => Known::Yes(true, s),
                Known::Unknown {
                    key,
                    reason,
                    source,
                } => Known::Unknown {
                    key,
                    reason,
                    source,
                },
            }
        },
        history,
    }
}

fn read_history(snap: &Snapshot, full: &str, branch: &str) -> RepoHistory {
    let (from, to) = snap
        .manifest
        .period
        .as_ref()
        .map(|p| (p.from.clone(), p.to.clone()))
        .unwrap_or_default();
    let pulls: Known<List<PullSummary>> = gh(snap, &k::pulls_closed(full, branch));
    let mut pull_details = BTreeMap::new();
    let mut reviews = BTreeMap::new();
    if let Known::Yes(list, _) = &pulls {
        for p in &list.0 {
            let n = p.number;
            if snap.has(&k::pull(full, n)) || p.merged_at.is_some() {
                pull_details.insert(n, gh(snap, &k::pull(full, n)));
                reviews.insert(n, gh(snap, &k::pull_reviews(full, n)));
            }
        }
    }
    let deployments: Known<List<Deployment>> = gh(snap, &k::deployments(full));
    let mut deployment_statuses = BTreeMap::new();
    let mut run_approvals = BTreeMap::new();
    if let Known::Yes(list, _) = &deployments {
        for d in &list.0 {
            let key = k::deployment_statuses(full, d.id);
            if !snap.has(&key) {
                continue;
            }
            let st: Known<List<DeploymentStatus>> = gh(snap, &key);
            if let Known::Yes(sts, _) = &st {
                for run in sts.0.iter().filter_map(DeploymentStatus::run_id) {
                    run_approvals
                        .entry(run)
                        .or_insert_with(|| gh(snap, &k::run_approvals(full, run)));
                }
            }
            deployment_statuses.insert(d.id, st);
        }
    }
    let commits: Known<List<Commit>> = gh(snap, &k::commits(full, branch, &from, &to));
    let mut commit_pulls = BTreeMap::new();
    if let Known::Yes(list, _) = &commits {
        for c in &list.0 {
            let key = k::commit_pulls(full, &c.sha);
            if snap.has(&key) {
                commit_pulls.insert(c.sha.clone(), gh(snap, &key));
            }
        }
    }
    RepoHistory {
        pulls,
        pull_details,
        reviews,
        deployments,
        deployment_statuses,
        run_approvals,
        commits,
        commit_pulls,
    }
}
