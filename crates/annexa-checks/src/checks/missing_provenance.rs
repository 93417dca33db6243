use annexa_model::Platform;
use annexa_model::pipeline::ToolCategory;

use super::presence::{Where, presence};
use crate::check::{Check, RepoCx, Sink, check};

check! {
    /// ## What it does
    /// In repositories that release or publish, looks for build provenance or signing
    /// (actions/attest-build-provenance, the SLSA generator, cosign). Repositories that publish
    /// nothing are not relevant.
    ///
    /// ## Why is this bad?
    /// Provenance lets whoever installs a release check that it was built by this pipeline from
    /// this commit. Without it, an artefact swapped on the way — a compromised registry
    /// account, a tampered mirror — is indistinguishable from the real one.
    ///
    /// ## Example
    /// A release workflow that uploads binaries with no attestation.
    ///
    /// ## Fix
    /// ```yaml
    ///     permissions:
    ///       id-token: write
    ///       attestations: write
    ///     steps:
    ///       - uses: actions/attest-build-provenance@<sha>
    ///         with:
    ///           subject-path: dist/*
    /// ```
    pub struct MissingProvenance {
        id: MissingProvenance,
        summary: "releases without build provenance or signing",
        severity: Low,
        confidence: Medium,
        scope: Repository,
        platforms: Platform::CI,
        controls: [A8_32, A5_21],
    }
}

impl Check for MissingProvenance {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn repository(&self, cx: &RepoCx<'_>, out: &mut Sink) {
        presence(cx, out, ToolCategory::Provenance, Where::Releases);
    }
}
