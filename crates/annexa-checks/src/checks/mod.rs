//! One module per check.

mod broad_token_permissions;
mod deploy_without_gate;
mod missing_sast;
mod scan_cannot_fail;
mod secrets_inherit;
mod self_hosted_runner_exposed;
mod template_injection;
mod unpinned_external_code;
mod unpinned_image;
mod unprotected_default_branch;
mod untrusted_checkout;
mod unverified_script_execution;
mod workflows_without_codeowners;

pub use broad_token_permissions::BroadTokenPermissions;
pub use deploy_without_gate::DeployWithoutGate;
pub use missing_sast::MissingSast;
pub use scan_cannot_fail::ScanCannotFail;
pub use secrets_inherit::SecretsInherit;
pub use self_hosted_runner_exposed::SelfHostedRunnerExposed;
pub use template_injection::TemplateInjection;
pub use unpinned_external_code::UnpinnedExternalCode;
pub use unpinned_image::UnpinnedImage;
pub use unprotected_default_branch::UnprotectedDefaultBranch;
pub use untrusted_checkout::UntrustedCheckout;
pub use unverified_script_execution::UnverifiedScriptExecution;
pub use workflows_without_codeowners::WorkflowsWithoutCodeowners;
