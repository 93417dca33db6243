//! Check identity and metadata. Check ids come from one list ([`CheckId`]); a check's metadata
//! sits beside its code in the checks crate and is the single source of its documentation.

use std::fmt;

use crate::controls::ControlId;

macro_rules! check_ids {
    ($($variant:ident => $id:literal,)*) => {
        /// Every check id annexa has ever shipped. Ids are never reused.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum CheckId { $($variant,)* }

        impl CheckId {
            pub const ALL: &'static [CheckId] = &[$(CheckId::$variant,)*];

            /// The kebab-case id users type and see.
            pub fn as_str(self) -> &'static str {
                match self { $(CheckId::$variant => $id,)* }
            }

            pub fn parse(s: &str) -> Option<CheckId> {
                match s { $($id => Some(CheckId::$variant),)* _ => None }
            }
        }
    };
}

check_ids! {
    UnpinnedExternalCode => "unpinned-external-code",
    UnpinnedImage => "unpinned-image",
    TemplateInjection => "template-injection",
    BroadTokenPermissions => "broad-token-permissions",
    UntrustedCheckout => "untrusted-checkout",
    SecretsInherit => "secrets-inherit",
    SelfHostedRunnerExposed => "self-hosted-runner-exposed",
    ScanCannotFail => "scan-cannot-fail",
    UnverifiedScriptExecution => "unverified-script-execution",
    DeployWithoutGate => "deploy-without-gate",
    MissingSast => "missing-sast",
    WorkflowsWithoutCodeowners => "workflows-without-codeowners",
    UnprotectedDefaultBranch => "unprotected-default-branch",
    UnpinnedDockerfileBase => "unpinned-dockerfile-base",
    PersistedCheckoutCredentials => "persisted-checkout-credentials",
    HardcodedCredential => "hardcoded-credential",
    UnsecureCommandsEnabled => "unsecure-commands-enabled",
    DebugLoggingEnabled => "debug-logging-enabled",
    CacheInRelease => "cache-in-release",
    MissingSca => "missing-sca",
    MissingSecretScanning => "missing-secret-scanning",
    MissingSbom => "missing-sbom",
    MissingProvenance => "missing-provenance",
    MissingSecurityPolicy => "missing-security-policy",
    MissingDependencyUpdates => "missing-dependency-updates",
    DependencyUpdatesSkipActions => "dependency-updates-skip-actions",
    SecretSpansEnvironments => "secret-spans-environments",
    OverprovisionedSecrets => "overprovisioned-secrets",
    GithubEnvWrite => "github-env-write",
    SpoofableBotCondition => "spoofable-bot-condition",
    LongLivedPublishToken => "long-lived-publish-token",
    TlsVerificationDisabled => "tls-verification-disabled",
    SshHostKeyCheckingDisabled => "ssh-host-key-checking-disabled",
    InsecureDownloadUrl => "insecure-download-url",
    ProtectionBypassInPipeline => "protection-bypass-in-pipeline",
    UnpinnedPackageInstall => "unpinned-package-install",
    UnredactedSecrets => "unredacted-secrets",
    UnsoundCondition => "unsound-condition",
    PrivilegedUntrustedTrigger => "privileged-untrusted-trigger",
    ArtifactFromUntrustedRun => "artifact-from-untrusted-run",
    WorkflowLevelIdToken => "workflow-level-id-token",
    DependencyUpdateRisks => "dependency-update-risks",
    SecretOnUntrustedTrigger => "secret-on-untrusted-trigger",
    InsufficientRequiredApprovals => "insufficient-required-approvals",
    StaleApprovalsKept => "stale-approvals-kept",
    CodeOwnerReviewNotRequired => "code-owner-review-not-required",
    ForcePushAllowed => "force-push-allowed",
    ExcessiveAdmins => "excessive-admins",
    ProductionEnvironmentWithoutReviewers => "production-environment-without-reviewers",
    Org2faNotRequired => "org-2fa-not-required",
    AuditLogRetentionInsufficient => "audit-log-retention-insufficient",
    UnapprovedChanges => "unapproved-changes",
    LastPushApprovalNotRequired => "last-push-approval-not-required",
    BranchDeletionAllowed => "branch-deletion-allowed",
    AdminsBypassProtection => "admins-bypass-protection",
    ProtectionBypassActors => "protection-bypass-actors",
    RequiredChecksMissSecurityScans => "required-checks-miss-security-scans",
    UnapprovedProductionDeployments => "unapproved-production-deployments",
    MembersWithout2fa => "members-without-2fa",
    OutsideCollaboratorWriteAccess => "outside-collaborator-write-access",
    DefaultTokenWrite => "default-token-write",
    ForkPrApprovalWeak => "fork-pr-approval-weak",
    ActionsAllowedUnrestricted => "actions-allowed-unrestricted",
    SelfHostedRunnerPublicRepo => "self-hosted-runner-public-repo",
    RunnerGroupOpenToAll => "runner-group-open-to-all",
    EnvironmentSelfReviewAllowed => "environment-self-review-allowed",
    DeploymentBranchesUnrestricted => "deployment-branches-unrestricted",
    RepositoryWideSecrets => "repository-wide-secrets",
    SecretScanningDisabled => "secret-scanning-disabled",
    PushProtectionDisabled => "push-protection-disabled",
    DependabotAlertsDisabled => "dependabot-alerts-disabled",
    OverdueVulnerabilityAlerts => "overdue-vulnerability-alerts",
    WebhookTlsVerificationDisabled => "webhook-tls-verification-disabled",
    DeployKeyWriteAccess => "deploy-key-write-access",
    CodeownersErrors => "codeowners-errors",
    OrgSecretVisibleToAllRepos => "org-secret-visible-to-all-repos",
    DirectPushAllowed => "direct-push-allowed",
    AuthorCanApprove => "author-can-approve",
    CommittersCanApprove => "committers-can-approve",
    UnprotectedSecretVariable => "unprotected-secret-variable",
    UnmaskedSecretVariable => "unmasked-secret-variable",
    ProductionEnvironmentUnprotected => "production-environment-unprotected",
    MergeWithoutPipeline => "merge-without-pipeline",
    UserDefinedVariablesUnrestricted => "user-defined-variables-unrestricted",
    JobTokenScopeOpen => "job-token-scope-open",
    PublicJobLogs => "public-job-logs",
    InactiveWriteAccess => "inactive-write-access",
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How bad a failure is, for gating (`--fail-on`) and ordering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// How sure the check is that a `fail` is a real problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// What a check looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    GithubActions,
    GitlabCi,
    AzurePipelines,
    CircleCi,
    BitbucketPipelines,
    Jenkins,
    /// Repository files that are not pipelines (CODEOWNERS, SECURITY.md, ...).
    Repository,
    /// GitHub platform state (a snapshot).
    GithubPlatform,
    /// GitLab platform state (a snapshot).
    GitlabPlatform,
}

impl Platform {
    /// The six CI systems: a check written on the normalised pipeline model lists these.
    pub const CI: &'static [Platform] = &[
        Platform::GithubActions,
        Platform::GitlabCi,
        Platform::AzurePipelines,
        Platform::CircleCi,
        Platform::BitbucketPipelines,
        Platform::Jenkins,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::GithubActions => "github-actions",
            Platform::GitlabCi => "gitlab-ci",
            Platform::AzurePipelines => "azure-pipelines",
            Platform::CircleCi => "circleci",
            Platform::BitbucketPipelines => "bitbucket-pipelines",
            Platform::Jenkins => "jenkins",
            Platform::Repository => "repository",
            Platform::GithubPlatform => "github-platform",
            Platform::GitlabPlatform => "gitlab-platform",
        }
    }
}

/// Where a check runs in the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckScope {
    /// Once per pipeline file, with the file's source at hand.
    Pipeline,
    /// Once per repository, over all its pipelines and repository files.
    Repository,
    /// Once per organisation / group and repository / project of a platform snapshot, joined
    /// to the repository's files when the scan read them.
    Platform,
}

/// A check's metadata. Built by the `check!` macro in the checks crate from the check's own
/// doc comment and fields, so documentation and the control matrix are generated from code.
#[derive(Debug)]
pub struct CheckMeta {
    pub id: CheckId,
    /// One line: what a failure means.
    pub summary: &'static str,
    pub severity: Severity,
    pub confidence: Confidence,
    pub scope: CheckScope,
    pub platforms: &'static [Platform],
    /// The Annex A controls this check gives evidence for.
    pub controls: &'static [ControlId],
    /// `Some(p)`: the check's observations are the items of population `p` over the audit
    /// period (one per merged change, per deployment, ...) — *operating* evidence for its
    /// controls, not design evidence.
    pub population: Option<crate::controls::Population>,
    /// Markdown documentation with the headings "What it does", "Why is this bad?",
    /// "Example" and "Fix" (the check's doc comment).
    pub doc: &'static str,
}

impl CheckMeta {
    /// The doc comment with the one leading space of each `///` line removed.
    pub fn doc_markdown(&self) -> String {
        let mut out = String::with_capacity(self.doc.len());
        for line in self.doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }
}
