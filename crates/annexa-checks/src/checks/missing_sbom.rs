use annexa_model::Platform;
use annexa_model::pipeline::ToolCategory;

use super::presence::{Where, presence};
use crate::check::{Check, RepoCx, Sink, check};

check! {
    /// ## What it does
    /// In repositories that release or publish (release events, tag pushes, publishing jobs),
    /// looks for a software bill of materials being generated (Syft, CycloneDX). Repositories
    /// that publish nothing are not relevant.
    ///
    /// ## Why is this bad?
    /// An SBOM is the inventory of what a release contains. Without it, answering "are we
    /// affected?" for the next widely exploited library means guessing, and customers cannot
    /// check what they run.
    ///
    /// ## Example
    /// A tag-triggered workflow that builds and publishes without producing an SBOM.
    ///
    /// ## Fix
    /// ```yaml
    ///       - uses: anchore/sbom-action@<sha>
    ///         with:
    ///           format: cyclonedx-json
    /// ```
    pub struct MissingSbom {
        id: MissingSbom,
        summary: "releases without an SBOM",
        severity: Low,
        confidence: Medium,
        scope: Repository,
        platforms: Platform::CI,
        controls: [A5_21, A5_9],
    }
}

impl Check for MissingSbom {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn repository(&self, cx: &RepoCx<'_>, out: &mut Sink) {
        presence(cx, out, ToolCategory::Sbom, Where::Releases);
    }
}
