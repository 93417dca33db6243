use annexa_model::Platform;
use annexa_model::pipeline::ToolCategory;

use super::presence::{Where, presence};
use crate::check::{Check, RepoCx, Sink, check};

check! {
    /// ## What it does
    /// Looks across a repository's pipelines for secret scanning (gitleaks, TruffleHog). A pass
    /// points at the step that runs it.
    ///
    /// ## Why is this bad?
    /// A credential committed to a repository is exposed to everyone who can read it, for ever
    /// (history keeps it). Scanning in CI catches it while it can still be rotated before
    /// anyone else finds it.
    ///
    /// GitHub secret scanning and push protection are platform settings; a repository that
    /// relies on them fails here until a platform snapshot shows them.
    ///
    /// ## Example
    /// A repository whose workflows never run a secret scanner.
    ///
    /// ## Fix
    /// ```yaml
    ///       - uses: gitleaks/gitleaks-action@<sha>
    /// ```
    pub struct MissingSecretScanning {
        id: MissingSecretScanning,
        summary: "no secret scanning in CI",
        severity: Low,
        confidence: Medium,
        scope: Repository,
        platforms: Platform::CI,
        controls: [A5_17, A8_12],
    }
}

impl Check for MissingSecretScanning {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn repository(&self, cx: &RepoCx<'_>, out: &mut Sink) {
        presence(cx, out, ToolCategory::SecretScan, Where::Anywhere);
    }
}
