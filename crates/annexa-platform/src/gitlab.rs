//! The GitLab model: a group and its projects as a snapshot shows them. Every field is
//! [`Known`]: the value with its source, or why it is not known (a Premium-only endpoint on a
//! Free tier answers 403/404, a Developer token cannot read variables). Shapes are parsed
//! leniently: GitLab grew its answers release by release, so every member is optional, booleans
//! and integers are also accepted as strings (the docs show `"false"`), and `null` lists are
//! empty. Access levels stay integers (see [`access`]) so a newer role (Planner, 15) still
//! parses.
//!
//! Variable *values* are never kept: [`Variable`] has no field for them, so a `value` member in
//! a stored body is dropped while parsing.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::keys::gitlab as k;
use crate::known::{Dialect, Known, read};
use crate::lenient::{List, flag, kind};
use crate::snapshot::Snapshot;

/// GitLab's access levels (members, protected branches and environments).
pub mod access {
    pub const NO_ONE: i64 = 0;
    pub const MINIMAL: i64 = 5;
    pub const GUEST: i64 = 10;
    pub const REPORTER: i64 = 20;
    pub const DEVELOPER: i64 = 30;
    pub const MAINTAINER: i64 = 40;
    pub const OWNER: i64 = 50;
    pub const ADMIN: i64 = 60;

    /// The role's name, for messages (`level 15` for one this table does not know).
    pub fn name(level: i64) -> String {
        match level {
            NO_ONE => "No one".to_owned(),
            MINIMAL => "Minimal access".to_owned(),
            GUEST => "Guest".to_owned(),
            15 => "Planner".to_owned(),
            REPORTER => "Reporter".to_owned(),
            DEVELOPER => "Developer".to_owned(),
            MAINTAINER => "Maintainer".to_owned(),
            OWNER => "Owner".to_owned(),
            ADMIN => "Administrator".to_owned(),
            other => format!("level {other}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Lenient scalars and lists.

fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(flag(&serde_json::Value::deserialize(d)?))
}

fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(match v {
        serde_json::Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(opt_int(d)?.and_then(|n| u64::try_from(n).ok()))
}

fn u64_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Ok(opt_u64(d)?.unwrap_or(0))
}

/// A string, or a number written as one (ids in free-form audit details).
fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(match v {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

fn string_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_string(d)?.unwrap_or_default())
}

/// A list that may be `null` or missing (then empty). An element of the wrong shape fails the
/// whole list: dropping it could hide exactly the entry a check looks for.
fn list<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    match v {
        serde_json::Value::Null => Ok(Vec::new()),
        serde_json::Value::Array(items) => items
            .into_iter()
            .map(|i| serde_json::from_value(i).map_err(serde::de::Error::custom))
            .collect(),
        other => Err(serde::de::Error::custom(format!(
            "expected a list, found {}",
            kind(&other)
        ))),
    }
}

// ---------------------------------------------------------------------------------------------
// Shapes.

/// A user as GitLab embeds one (`author`, `merged_by`, `approved_by[].user`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserRef {
    #[serde(deserialize_with = "opt_u64")]
    pub id: Option<u64>,
    #[serde(deserialize_with = "opt_string")]
    pub username: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub state: Option<String>,
}

impl UserRef {
    /// The username, else the name, else the id, for messages.
    pub fn label(&self) -> String {
        self.username
            .clone()
            .or_else(|| self.name.clone())
            .or_else(|| self.id.map(|i| format!("user {i}")))
            .unwrap_or_else(|| "an unnamed user".to_owned())
    }

    /// Whether two references name the same person: by id where both have one, else by
    /// username. Two references with neither are not known to be the same.
    pub fn same_as(&self, other: &UserRef) -> bool {
        match (self.id, other.id) {
            (Some(a), Some(b)) => a == b,
            _ => match (&self.username, &other.username) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => false,
            },
        }
    }
}

/// `GET /groups/:id` (the settings that matter for evidence).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct GroupInfo {
    #[serde(deserialize_with = "opt_u64")]
    pub id: Option<u64>,
    #[serde(deserialize_with = "opt_string")]
    pub full_path: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub visibility: Option<String>,
    #[serde(deserialize_with = "opt_bool")]
    pub require_two_factor_authentication: Option<bool>,
    /// Hours members have to set up 2FA once it is required.
    #[serde(deserialize_with = "opt_int")]
    pub two_factor_grace_period: Option<i64>,
    #[serde(deserialize_with = "opt_string")]
    pub project_creation_level: Option<String>,
    #[serde(deserialize_with = "opt_bool")]
    pub membership_lock: Option<bool>,
    #[serde(deserialize_with = "opt_bool")]
    pub share_with_group_lock: Option<bool>,
    #[serde(deserialize_with = "opt_bool")]
    pub prevent_forking_outside_group: Option<bool>,
    #[serde(deserialize_with = "opt_int")]
    pub default_branch_protection: Option<i64>,
}

/// `GET /projects/:id` (merge and CI settings).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProjectInfo {
    #[serde(deserialize_with = "opt_u64")]
    pub id: Option<u64>,
    #[serde(deserialize_with = "opt_string")]
    pub path_with_namespace: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub default_branch: Option<String>,
    /// `private`, `internal` or `public`.
    #[serde(deserialize_with = "opt_string")]
    pub visibility: Option<String>,
    #[serde(deserialize_with = "opt_bool")]
    pub archived: Option<bool>,
    #[serde(deserialize_with = "opt_bool")]
    pub merge_requests_enabled: Option<bool>,
    #[serde(deserialize_with = "opt_string")]
    pub merge_method: Option<String>,
    #[serde(deserialize_with = "opt_bool")]
    pub only_allow_merge_if_pipeline_succeeds: Option<bool>,
    #[serde(deserialize_with = "opt_bool")]
    pub allow_merge_on_skipped_pipeline: Option<bool>,
    #[serde(deserialize_with = "opt_bool")]
    pub only_allow_merge_if_all_discussions_are_resolved: Option<bool>,
    /// Deprecated project-wide approval count (approval rules replace it).
    #[serde(deserialize_with = "opt_int")]
    pub approvals_before_merge: Option<i64>,
    #[serde(deserialize_with = "opt_string")]
    pub ci_config_path: Option<String>,
    /// Only Maintainers may set variables when running a pipeline by hand.
    #[serde(deserialize_with = "opt_bool")]
    pub restrict_user_defined_variables: Option<bool>,
    /// Newer GitLab: the lowest role that may set pipeline variables (`no_one_allowed`,
    /// `developer`, `maintainer`, `owner`).
    #[serde(deserialize_with = "opt_string")]
    pub ci_pipeline_variables_minimum_override_role: Option<String>,
    /// The job token may reach only allow-listed projects (outbound; older setting).
    #[serde(deserialize_with = "opt_bool")]
    pub ci_job_token_scope_enabled: Option<bool>,
    /// Only allow-listed projects' job tokens may reach this project (inbound; newer setting).
    #[serde(deserialize_with = "opt_bool")]
    pub ci_inbound_job_token_scope_enabled: Option<bool>,
    /// Job logs and artifacts readable by non-members (public projects) or Guests.
    #[serde(deserialize_with = "opt_bool")]
    pub public_jobs: Option<bool>,
    #[serde(deserialize_with = "opt_bool")]
    pub shared_runners_enabled: Option<bool>,
}

impl ProjectInfo {
    pub fn is_public(&self) -> bool {
        self.visibility.as_deref() == Some("public")
    }
}

/// One entry of a protected branch's or environment's access list: a role, a user, a group or
/// a deploy key.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct AccessLevel {
    #[serde(deserialize_with = "opt_u64")]
    pub id: Option<u64>,
    /// A role (`0`, `30`, `40`, `60`); `None` when the entry names a user, group or key.
    #[serde(deserialize_with = "opt_int")]
    pub access_level: Option<i64>,
    #[serde(deserialize_with = "opt_string")]
    pub access_level_description: Option<String>,
    #[serde(deserialize_with = "opt_u64")]
    pub user_id: Option<u64>,
    #[serde(deserialize_with = "opt_u64")]
    pub group_id: Option<u64>,
    #[serde(deserialize_with = "opt_u64")]
    pub deploy_key_id: Option<u64>,
}

impl AccessLevel {
    /// Whether this entry is the role "No one" (and nothing more specific).
    pub fn is_no_one(&self) -> bool {
        self.access_level == Some(access::NO_ONE)
            && self.user_id.is_none()
            && self.group_id.is_none()
            && self.deploy_key_id.is_none()
    }

    /// Whether this entry lets a role below Maintainer in (Developers + Maintainers, or a
    /// lower role).
    pub fn admits_below_maintainer(&self) -> bool {
        self.user_id.is_none()
            && self.group_id.is_none()
            && self.deploy_key_id.is_none()
            && self
                .access_level
                .is_some_and(|l| l > access::NO_ONE && l < access::MAINTAINER)
    }

    /// Who the entry admits, for messages.
    pub fn label(&self) -> String {
        if let Some(k) = self.deploy_key_id {
            return format!("deploy key {k}");
        }
        if let Some(u) = self.user_id {
            return format!("user {u}");
        }
        if let Some(g) = self.group_id {
            return match &self.access_level_description {
                Some(d) => format!("group {d} ({g})"),
                None => format!("group {g}"),
            };
        }
        match (&self.access_level_description, self.access_level) {
            (Some(d), _) if !d.is_empty() => d.clone(),
            (_, Some(l)) => access::name(l),
            _ => "an unnamed entry".to_owned(),
        }
    }
}

/// `GET /projects/:id/protected_branches` (one element).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProtectedBranch {
    #[serde(deserialize_with = "opt_u64")]
    pub id: Option<u64>,
    /// A branch name or a wildcard (`release/*`).
    #[serde(deserialize_with = "string_or_empty")]
    pub name: String,
    #[serde(deserialize_with = "list")]
    pub push_access_levels: Vec<AccessLevel>,
    #[serde(deserialize_with = "list")]
    pub merge_access_levels: Vec<AccessLevel>,
    #[serde(deserialize_with = "list")]
    pub unprotect_access_levels: Vec<AccessLevel>,
    #[serde(deserialize_with = "opt_bool")]
    pub allow_force_push: Option<bool>,
    /// Premium: merges need a CODEOWNERS approval (absent on Free).
    #[serde(deserialize_with = "opt_bool")]
    pub code_owner_approval_required: Option<bool>,
    #[serde(deserialize_with = "opt_bool")]
    pub inherited: Option<bool>,
}

impl ProtectedBranch {
    /// Whether this protection applies to `branch` (exact name, or a `*` wildcard).
    pub fn matches(&self, branch: &str) -> bool {
        glob_match(&self.name, branch)
    }
}

/// GitLab's wildcard match for protected branch and environment names: `*` stands for any run
/// of characters (including `/`), everything else is literal.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == name;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, rest) = match parts.split_first() {
        Some(x) => x,
        None => return false,
    };
    let Some(mut tail) = name.strip_prefix(first) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return tail.is_empty();
    };
    for m in middle {
        match tail.find(m) {
            Some(i) => tail = &tail[i + m.len()..],
            None => return false,
        }
    }
    tail.len() >= last.len() && tail.ends_with(last)
}

/// `GET /projects/:id/approvals` (project merge request approval settings, Premium).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ApprovalSettings {
    #[serde(deserialize_with = "opt_int")]
    pub approvals_before_merge: Option<i64>,
    #[serde(deserialize_with = "opt_bool")]
    pub reset_approvals_on_push: Option<bool>,
    #[serde(deserialize_with = "opt_bool")]
    pub selective_code_owner_removals: Option<bool>,
    #[serde(deserialize_with = "opt_bool")]
    pub disable_overriding_approvers_per_merge_request: Option<bool>,
    /// `true`: authors may approve their own merge requests.
    #[serde(deserialize_with = "opt_bool")]
    pub merge_requests_author_approval: Option<bool>,
    /// `true`: people who pushed commits to a merge request may not approve it.
    #[serde(deserialize_with = "opt_bool")]
    pub merge_requests_disable_committers_approval: Option<bool>,
    #[serde(deserialize_with = "opt_bool")]
    pub require_password_to_approve: Option<bool>,
    #[serde(deserialize_with = "opt_bool")]
    pub require_reauthentication_to_approve: Option<bool>,
}

/// `GET /projects/:id/approval_rules` (one element).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ApprovalRule {
    #[serde(deserialize_with = "opt_u64")]
    pub id: Option<u64>,
    #[serde(deserialize_with = "string_or_empty")]
    pub name: String,
    /// `regular`, `any_approver`, `code_owner`, `report_approver`.
    #[serde(deserialize_with = "opt_string")]
    pub rule_type: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub report_type: Option<String>,
    #[serde(deserialize_with = "opt_int")]
    pub approvals_required: Option<i64>,
    #[serde(deserialize_with = "list")]
    pub eligible_approvers: Vec<UserRef>,
    #[serde(deserialize_with = "list")]
    pub users: Vec<UserRef>,
    #[serde(deserialize_with = "opt_bool")]
    pub applies_to_all_protected_branches: Option<bool>,
    #[serde(deserialize_with = "list")]
    pub protected_branches: Vec<ProtectedBranch>,
}

impl ApprovalRule {
    /// Whether the rule governs every merge into `branch`: it is not a conditional
    /// (`report_approver`) rule, and it is scoped to all branches, all protected branches, or
    /// one that matches.
    pub fn governs(&self, branch: &str, branch_is_protected: bool) -> bool {
        if self.rule_type.as_deref() == Some("report_approver") {
            return false;
        }
        if self.applies_to_all_protected_branches == Some(true) {
            return branch_is_protected;
        }
        self.protected_branches.is_empty()
            || self.protected_branches.iter().any(|b| b.matches(branch))
    }
}

/// A member (`/members` or `/members/all`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Member {
    #[serde(deserialize_with = "opt_u64")]
    pub id: Option<u64>,
    #[serde(deserialize_with = "string_or_empty")]
    pub username: String,
    #[serde(deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// `active`, `blocked`, ...
    #[serde(deserialize_with = "opt_string")]
    pub state: Option<String>,
    #[serde(deserialize_with = "opt_int")]
    pub access_level: Option<i64>,
    /// A date or a date-time.
    #[serde(deserialize_with = "opt_string")]
    pub expires_at: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub created_at: Option<String>,
}

impl Member {
    /// Active accounts (blocked or deactivated ones cannot act).
    pub fn is_active(&self) -> bool {
        self.state.as_deref().is_none_or(|s| s == "active")
    }

    pub fn label(&self) -> String {
        if !self.username.is_empty() {
            self.username.clone()
        } else if let Some(n) = &self.name {
            n.clone()
        } else {
            self.id
                .map(|i| format!("user {i}"))
                .unwrap_or_else(|| "an unnamed member".to_owned())
        }
    }
}

/// A CI/CD variable's name, scope and protection. Its value is deliberately not a field.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Variable {
    #[serde(deserialize_with = "string_or_empty")]
    pub key: String,
    /// `env_var` or `file`.
    #[serde(deserialize_with = "opt_string")]
    pub variable_type: Option<String>,
    #[serde(deserialize_with = "opt_bool")]
    pub protected: Option<bool>,
    #[serde(deserialize_with = "opt_bool")]
    pub masked: Option<bool>,
    /// Masked and never shown again (17.4+).
    #[serde(deserialize_with = "opt_bool")]
    pub hidden: Option<bool>,
    #[serde(deserialize_with = "opt_bool")]
    pub raw: Option<bool>,
    /// `*` or an environment name or pattern.
    #[serde(deserialize_with = "opt_string")]
    pub environment_scope: Option<String>,
}

impl Variable {
    /// The environment scope when it is not every environment.
    pub fn scope(&self) -> Option<&str> {
        self.environment_scope
            .as_deref()
            .filter(|s| !s.is_empty() && *s != "*")
    }
}

/// `GET /projects/:id/environments` (one element).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Environment {
    #[serde(deserialize_with = "opt_u64")]
    pub id: Option<u64>,
    #[serde(deserialize_with = "string_or_empty")]
    pub name: String,
    #[serde(deserialize_with = "opt_string")]
    pub slug: Option<String>,
    /// `production`, `staging`, `testing`, `development`, `other`.
    #[serde(deserialize_with = "opt_string")]
    pub tier: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub state: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub external_url: Option<String>,
}

impl Environment {
    /// Production by tier, or (when GitLab gave no tier) by a production-sounding name.
    pub fn is_production(&self) -> bool {
        match self.tier.as_deref() {
            Some(t) => t == "production",
            None => {
                let n = self.name.to_ascii_lowercase();
                matches!(n.as_str(), "production" | "prod" | "prd" | "live")
                    || n.starts_with("production/")
                    || n.starts_with("prod/")
            }
        }
    }
}

/// `GET /projects/:id/protected_environments` (one element, Premium).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProtectedEnvironment {
    /// An environment name (wildcards appear, e.g. `*-release`).
    #[serde(deserialize_with = "string_or_empty")]
    pub name: String,
    #[serde(deserialize_with = "list")]
    pub deploy_access_levels: Vec<AccessLevel>,
    /// Older unified setting: approvals every deployment needs.
    #[serde(deserialize_with = "opt_int")]
    pub required_approval_count: Option<i64>,
    #[serde(deserialize_with = "list")]
    pub approval_rules: Vec<EnvironmentApprovalRule>,
}

impl ProtectedEnvironment {
    pub fn matches(&self, env: &str) -> bool {
        glob_match(&self.name, env)
    }

    /// Approvals a deployment needs: the unified count, or the sum over multi-approver rules
    /// (each rule must be satisfied on its own).
    pub fn approvals_required(&self) -> i64 {
        let rules: i64 = self
            .approval_rules
            .iter()
            .filter_map(|r| r.required_approvals)
            .filter(|n| *n > 0)
            .sum();
        rules.max(self.required_approval_count.unwrap_or(0))
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct EnvironmentApprovalRule {
    #[serde(deserialize_with = "opt_u64")]
    pub id: Option<u64>,
    #[serde(deserialize_with = "opt_u64")]
    pub user_id: Option<u64>,
    #[serde(deserialize_with = "opt_u64")]
    pub group_id: Option<u64>,
    #[serde(deserialize_with = "opt_int")]
    pub access_level: Option<i64>,
    #[serde(deserialize_with = "opt_string")]
    pub access_level_description: Option<String>,
    #[serde(deserialize_with = "opt_int")]
    pub required_approvals: Option<i64>,
}

/// An audit event (`/groups/:id/audit_events`, `/projects/:id/audit_events`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct AuditEvent {
    #[serde(deserialize_with = "opt_u64")]
    pub id: Option<u64>,
    #[serde(deserialize_with = "opt_u64")]
    pub author_id: Option<u64>,
    #[serde(deserialize_with = "opt_u64")]
    pub entity_id: Option<u64>,
    #[serde(deserialize_with = "opt_string")]
    pub entity_type: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub event_name: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub created_at: Option<String>,
    /// Free-form (`target_id` is a string or an integer).
    pub details: serde_json::Value,
}

/// A merged merge request (`/projects/:id/merge_requests?state=merged`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct MergeRequest {
    #[serde(deserialize_with = "opt_u64")]
    pub id: Option<u64>,
    #[serde(deserialize_with = "u64_or_zero")]
    pub iid: u64,
    #[serde(deserialize_with = "opt_string")]
    pub title: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub state: Option<String>,
    pub author: Option<UserRef>,
    /// Older GitLab.
    pub merged_by: Option<UserRef>,
    /// Newer GitLab (replaces `merged_by`).
    pub merge_user: Option<UserRef>,
    #[serde(deserialize_with = "opt_string")]
    pub merged_at: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub target_branch: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub source_branch: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub sha: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub merge_commit_sha: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub squash_commit_sha: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub web_url: Option<String>,
}

impl MergeRequest {
    /// Who merged it (`merge_user`, else the older `merged_by`).
    pub fn merger(&self) -> Option<&UserRef> {
        self.merge_user.as_ref().or(self.merged_by.as_ref())
    }
}

/// `GET /projects/:id/merge_requests/:iid/approvals`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct MrApprovals {
    #[serde(deserialize_with = "opt_bool")]
    pub approved: Option<bool>,
    #[serde(deserialize_with = "opt_int")]
    pub approvals_required: Option<i64>,
    #[serde(deserialize_with = "opt_int")]
    pub approvals_left: Option<i64>,
    #[serde(deserialize_with = "list")]
    pub approved_by: Vec<Approval>,
}

/// One approval (GitLab wraps the user: `{"user": {...}}`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Approval {
    pub user: UserRef,
    #[serde(deserialize_with = "opt_string")]
    pub approved_at: Option<String>,
}

/// A deployment (`/projects/:id/deployments`, `/projects/:id/deployments/:id`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Deployment {
    #[serde(deserialize_with = "u64_or_zero")]
    pub id: u64,
    #[serde(deserialize_with = "opt_u64")]
    pub iid: Option<u64>,
    #[serde(rename = "ref", deserialize_with = "opt_string")]
    pub git_ref: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub sha: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub status: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub created_at: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub updated_at: Option<String>,
    /// Who deployed.
    pub user: Option<UserRef>,
    pub environment: Option<DeploymentEnvironment>,
    /// Approvals of a deployment to a protected environment (single-deployment answer).
    #[serde(deserialize_with = "list")]
    pub approvals: Vec<DeploymentApproval>,
    #[serde(deserialize_with = "opt_string")]
    pub approval_summary_status: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeploymentEnvironment {
    #[serde(deserialize_with = "opt_u64")]
    pub id: Option<u64>,
    #[serde(deserialize_with = "string_or_empty")]
    pub name: String,
    #[serde(deserialize_with = "opt_string")]
    pub tier: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeploymentApproval {
    pub user: UserRef,
    /// `approved` or `rejected`.
    #[serde(deserialize_with = "opt_string")]
    pub status: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub created_at: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// The model.

/// A group as the snapshot shows it.
#[derive(Debug)]
pub struct Group {
    /// The full path (`acme` or `acme/platform`).
    pub path: String,
    pub info: Known<GroupInfo>,
    /// Direct members.
    pub members: Known<Vec<Member>>,
    /// Members including those inherited from parent groups (highest level per user).
    pub members_all: Known<Vec<Member>>,
    pub variables: Known<Vec<Variable>>,
    /// `None` when the snapshot has no period (audit events were not asked for).
    pub audit_events: Option<Known<Vec<AuditEvent>>>,
}

/// A project as the snapshot shows it.
#[derive(Debug)]
pub struct Project {
    /// The full path (`acme/app`).
    pub path: String,
    pub info: Known<ProjectInfo>,
    /// The default branch (from the project's answer); `None` when that was not read.
    pub default_branch: Option<String>,
    pub protected_branches: Known<Vec<ProtectedBranch>>,
    pub approvals: Known<ApprovalSettings>,
    pub approval_rules: Known<Vec<ApprovalRule>>,
    pub members: Known<Vec<Member>>,
    /// Members including inherited ones (group Owners appear here).
    pub members_all: Known<Vec<Member>>,
    pub variables: Known<Vec<Variable>>,
    pub environments: Known<Vec<Environment>>,
    pub protected_environments: Known<Vec<ProtectedEnvironment>>,
    /// Period evidence (present when the snapshot has a period).
    pub history: Option<ProjectHistory>,
}

impl Project {
    /// The protected-branch rules that apply to the default branch (exact name and matching
    /// wildcards). `Yes(empty)` means the default branch is not protected.
    pub fn default_branch_rules(&self) -> Option<Known<Vec<&ProtectedBranch>>> {
        let branch = self.default_branch.as_deref()?;
        Some(
            self.protected_branches
                .as_ref()
                .map(|list| list.iter().filter(|b| b.matches(branch)).collect()),
        )
    }
}

/// What a project's history over the period shows.
#[derive(Debug)]
pub struct ProjectHistory {
    pub audit_events: Known<Vec<AuditEvent>>,
    pub merge_requests: Known<Vec<MergeRequest>>,
    /// Approvals per merge request `iid`.
    pub mr_approvals: BTreeMap<u64, Known<MrApprovals>>,
    pub deployments: Known<Vec<Deployment>>,
    /// The single-deployment answers (with approvals), where collected.
    pub deployment_details: BTreeMap<u64, Known<Deployment>>,
}

/// The GitLab side of a snapshot.
#[derive(Debug)]
pub struct Gitlab {
    pub host: String,
    pub group: Option<Group>,
    pub projects: Vec<Project>,
}

fn gl<T: DeserializeOwned>(snap: &Snapshot, key: &str) -> Known<T> {
    read(snap, key, Dialect::Gitlab)
}

/// A list resource as a `Vec`.
fn gl_list<T: DeserializeOwned>(snap: &Snapshot, key: &str) -> Known<Vec<T>> {
    gl::<List<T>>(snap, key).map(|i| i.0)
}

impl Gitlab {
    /// Every project the platform lists for the group (subgroups included), plus any the
    /// collection named: the estate the ISMS scope is reconciled with.
    pub fn estate(snap: &Snapshot) -> Vec<String> {
        let m = &snap.manifest;
        let mut paths = m.scope.repositories.clone();
        if let Some(g) = m.scope.group.as_deref()
            && let Known::Yes(serde_json::Value::Array(list), _) =
                read::<serde_json::Value>(snap, &k::group_projects(g), Dialect::Gitlab)
        {
            paths.extend(
                list.iter()
                    .filter_map(|p| p.get("path_with_namespace").and_then(|v| v.as_str()))
                    .map(String::from),
            );
        }
        paths.retain(|p| !p.is_empty());
        paths.sort();
        paths.dedup();
        paths
    }

    /// The projects the snapshot covers (full paths): those its scope names, else every one
    /// in the group's project list.
    pub fn read_names(snap: &Snapshot) -> Vec<String> {
        let m = &snap.manifest;
        let mut paths = m.scope.repositories.clone();
        if paths.is_empty()
            && let Some(g) = m.scope.group.as_deref()
            && let Known::Yes(serde_json::Value::Array(list), _) =
                read::<serde_json::Value>(snap, &k::group_projects(g), Dialect::Gitlab)
        {
            paths = list
                .iter()
                .filter_map(|p| p.get("path_with_namespace").and_then(|v| v.as_str()))
                .map(String::from)
                .collect();
        }
        paths.retain(|p| !p.is_empty());
        paths.sort();
        paths.dedup();
        paths
    }

    pub fn read(snap: &Snapshot) -> Gitlab {
        let m = &snap.manifest;
        let period = m.period.as_ref().map(|p| (p.from.clone(), p.to.clone()));
        let group = m
            .scope
            .group
            .as_deref()
            .map(|g| read_group(snap, g, period.as_ref()));
        let projects = Gitlab::read_names(snap)
            .into_iter()
            .map(|p| read_project(snap, &p, period.as_ref()))
            .collect();
        Gitlab {
            host: m.host.clone(),
            group,
            projects,
        }
    }
}

fn read_group(snap: &Snapshot, g: &str, period: Option<&(String, String)>) -> Group {
    Group {
        path: g.to_owned(),
        info: gl(snap, &k::group(g)),
        members: gl_list(snap, &k::group_members(g)),
        members_all: gl_list(snap, &k::group_members_all(g)),
        variables: gl_list(snap, &k::group_variables(g)),
        audit_events: period.map(|(from, to)| gl_list(snap, &k::group_audit_events(g, from, to))),
    }
}

fn read_project(snap: &Snapshot, p: &str, period: Option<&(String, String)>) -> Project {
    let info: Known<ProjectInfo> = gl(snap, &k::project(p));
    let default_branch = info
        .value()
        .and_then(|i| i.default_branch.clone())
        .filter(|b| !b.is_empty());
    Project {
        path: p.to_owned(),
        info,
        default_branch,
        protected_branches: gl_list(snap, &k::protected_branches(p)),
        approvals: gl(snap, &k::approvals(p)),
        approval_rules: gl_list(snap, &k::approval_rules(p)),
        members: gl_list(snap, &k::members(p)),
        members_all: gl_list(snap, &k::members_all(p)),
        variables: gl_list(snap, &k::variables(p)),
        environments: gl_list(snap, &k::environments(p)),
        protected_environments: gl_list(snap, &k::protected_environments(p)),
        history: period.map(|(from, to)| read_history(snap, p, from, to)),
    }
}

fn read_history(snap: &Snapshot, p: &str, from: &str, to: &str) -> ProjectHistory {
    let merge_requests: Known<Vec<MergeRequest>> = gl_list(snap, &k::merged_mrs(p, from, to));
    let mut mr_approvals = BTreeMap::new();
    if let Known::Yes(list, _) = &merge_requests {
        for mr in list.iter().filter(|m| m.iid > 0) {
            mr_approvals.insert(mr.iid, gl(snap, &k::mr_approvals(p, mr.iid)));
        }
    }
    let deployments: Known<Vec<Deployment>> = gl_list(snap, &k::deployments(p, from, to));
    let mut deployment_details = BTreeMap::new();
    if let Known::Yes(list, _) = &deployments {
        for d in list.iter().filter(|d| d.id > 0) {
            let key = k::deployment(p, d.id);
            // Only some deployments (those to protected environments) are worth a second
            // request; the collector may skip the rest, which is not an unknown.
            if snap.has(&key) {
                deployment_details.insert(d.id, gl(snap, &key));
            }
        }
    }
    ProjectHistory {
        audit_events: gl_list(snap, &k::audit_events(p, from, to)),
        merge_requests,
        mr_approvals,
        deployments,
        deployment_details,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_gitlab() {
        assert!(glob_match("main", "main"));
        assert!(!glob_match("main", "main2"));
        assert!(glob_match("*", "main"));
        assert!(glob_match("release/*", "release/1.0"));
        assert!(!glob_match("release/*", "main"));
        assert!(glob_match("*-release", "1.0-release"));
        assert!(glob_match("a*b*c", "a-b-c"));
        assert!(!glob_match("a*b*c", "a-c"));
        assert!(!glob_match("ab*ba", "aba"));
    }

    #[test]
    fn lenient_shapes_and_no_values() {
        let v: List<Variable> = serde_json::from_value(serde_json::json!([
            { "key": "DEPLOY_TOKEN", "value": "s3cret", "protected": "false", "masked": true }
        ]))
        .unwrap();
        assert_eq!(v.0[0].protected, Some(false));
        assert!(!format!("{:?}", v.0).contains("s3cret"));
        let b: List<ProtectedBranch> = serde_json::from_value(serde_json::json!([
            { "name": "main", "push_access_levels": null, "merge_access_levels": [{"access_level": "40"}],
              "code_owner_approval_required": "false" }
        ]))
        .unwrap();
        assert!(b.0[0].push_access_levels.is_empty());
        assert_eq!(b.0[0].merge_access_levels[0].access_level, Some(40));
        assert_eq!(b.0[0].code_owner_approval_required, Some(false));
        let a: MrApprovals = serde_json::from_value(serde_json::json!({
            "approved_by": [{ "user": { "id": 1, "username": "root" } }]
        }))
        .unwrap();
        assert_eq!(a.approved_by[0].user.label(), "root");
    }
}
