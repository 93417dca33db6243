//! The explicit, ordered list of checks. Adding a check means adding it here; there is no
//! link-time registration.

use annexa_model::CheckId;

use crate::check::Check;
use crate::checks::*;

static REGISTRY: &[&dyn Check] = &[
    &UnpinnedExternalCode,
    &UnpinnedImage,
    &TemplateInjection,
    &BroadTokenPermissions,
    &UntrustedCheckout,
    &SecretsInherit,
    &SelfHostedRunnerExposed,
    &ScanCannotFail,
    &UnverifiedScriptExecution,
    &DeployWithoutGate,
    &MissingSast,
    &WorkflowsWithoutCodeowners,
    &UnprotectedDefaultBranch,
    &UnpinnedDockerfileBase,
    &PersistedCheckoutCredentials,
    &HardcodedCredential,
    &UnsecureCommandsEnabled,
    &DebugLoggingEnabled,
    &CacheInRelease,
    &MissingSca,
    &MissingSecretScanning,
    &MissingSbom,
    &MissingProvenance,
    &MissingSecurityPolicy,
    &MissingDependencyUpdates,
    &DependencyUpdatesSkipActions,
    &SecretSpansEnvironments,
    &OverprovisionedSecrets,
    &GithubEnvWrite,
    &SpoofableBotCondition,
    &LongLivedPublishToken,
    &TlsVerificationDisabled,
    &SshHostKeyCheckingDisabled,
    &InsecureDownloadUrl,
    &ProtectionBypassInPipeline,
    &UnpinnedPackageInstall,
    &UnredactedSecrets,
    &UnsoundCondition,
    &PrivilegedUntrustedTrigger,
    &ArtifactFromUntrustedRun,
    &WorkflowLevelIdToken,
    &DependencyUpdateRisks,
    &SecretOnUntrustedTrigger,
    &InsufficientRequiredApprovals,
    &StaleApprovalsKept,
    &CodeOwnerReviewNotRequired,
    &ForcePushAllowed,
    &ExcessiveAdmins,
    &ProductionEnvironmentWithoutReviewers,
    &Org2faNotRequired,
    &AuditLogRetentionInsufficient,
    &UnapprovedChanges,
    &LastPushApprovalNotRequired,
    &BranchDeletionAllowed,
    &AdminsBypassProtection,
    &ProtectionBypassActors,
    &RequiredChecksMissSecurityScans,
    &UnapprovedProductionDeployments,
    &MembersWithout2fa,
    &OutsideCollaboratorWriteAccess,
    &DefaultTokenWrite,
    &ForkPrApprovalWeak,
    &ActionsAllowedUnrestricted,
    &SelfHostedRunnerPublicRepo,
    &RunnerGroupOpenToAll,
    &EnvironmentSelfReviewAllowed,
    &DeploymentBranchesUnrestricted,
    &RepositoryWideSecrets,
    &SecretScanningDisabled,
    &PushProtectionDisabled,
    &DependabotAlertsDisabled,
    &OverdueVulnerabilityAlerts,
    &WebhookTlsVerificationDisabled,
    &DeployKeyWriteAccess,
    &CodeownersErrors,
    &OrgSecretVisibleToAllRepos,
    &DirectPushAllowed,
    &AuthorCanApprove,
    &CommittersCanApprove,
    &UnprotectedSecretVariable,
    &UnmaskedSecretVariable,
    &ProductionEnvironmentUnprotected,
    &MergeWithoutPipeline,
    &UserDefinedVariablesUnrestricted,
    &JobTokenScopeOpen,
    &PublicJobLogs,
    &InactiveWriteAccess,
];

/// Every check, in registry order.
pub fn registry() -> &'static [&'static dyn Check] {
    REGISTRY
}

/// The check with this id.
pub fn by_id(id: CheckId) -> Option<&'static dyn Check> {
    REGISTRY.iter().copied().find(|c| c.meta().id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_has_exactly_one_check_with_complete_docs() {
        for id in CheckId::ALL {
            let n = REGISTRY.iter().filter(|c| c.meta().id == *id).count();
            assert_eq!(n, 1, "{id} registered {n} times");
        }
        for c in REGISTRY {
            let m = c.meta();
            assert!(!m.controls.is_empty(), "{} maps to no control", m.id);
            assert!(!m.platforms.is_empty(), "{} has no platform", m.id);
            let doc = m.doc_markdown();
            for heading in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Fix",
            ] {
                assert!(doc.contains(heading), "{} doc lacks {heading}", m.id);
            }
        }
    }
}
