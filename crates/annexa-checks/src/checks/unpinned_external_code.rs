use annexa_model::pipeline::Pinning;
use annexa_model::{Outcome, Platform};

use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Looks at every piece of third-party pipeline code — GitHub actions and reusable
    /// workflows, and on other CI systems orbs, pipes, tasks, remote includes, templates and
    /// shared libraries — and checks that it is pinned to a full commit SHA.
    ///
    /// ## Why is this bad?
    /// A tag or branch can be moved by whoever controls the upstream repository. When it moves,
    /// your pipeline runs their new code with your secrets and your token, without any change
    /// in your repository for a reviewer to see (the 2025 `tj-actions/changed-files`
    /// compromise worked exactly this way). Pinning to a SHA makes the supply chain change a
    /// reviewed change in your repository.
    ///
    /// References computed at run time (`${{ ... }}`) are reported as `unknown`; references
    /// inside the repository (`./path`) are not external and are not reported.
    ///
    /// ## Example
    /// ```yaml
    /// steps:
    ///   - uses: actions/checkout@v4
    /// ```
    ///
    /// ## Fix
    /// Pin to the full SHA and keep the version in a comment, so update bots can still propose
    /// upgrades:
    /// ```yaml
    /// steps:
    ///   - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
    /// ```
    pub struct UnpinnedExternalCode {
        id: UnpinnedExternalCode,
        summary: "third-party pipeline code not pinned to an immutable version",
        severity: Medium,
        confidence: High,
        scope: Pipeline,
        platforms: Platform::CI,
        controls: [A5_21, A8_9],
    }
}

impl Check for UnpinnedExternalCode {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        let mut any = false;
        for r in cx.pipeline.all_externals().filter(|r| r.kind.is_code()) {
            let (outcome, msg) = match r.pinning {
                // In the repository, or part of the CI service itself.
                Pinning::Local | Pinning::Platform => continue,
                Pinning::Immutable => (
                    Outcome::Pass,
                    format!(
                        "{} `{}` is pinned to `{}`, which cannot change",
                        r.kind.as_str(),
                        r.name,
                        r.reference.as_deref().unwrap_or_default()
                    ),
                ),
                Pinning::Version => (
                    Outcome::Fail,
                    format!(
                        "{} `{}` is pinned to the tag `{}`, which its owner can move",
                        r.kind.as_str(),
                        r.name,
                        r.reference.as_deref().unwrap_or_default()
                    ),
                ),
                Pinning::Mutable => (
                    Outcome::Fail,
                    match &r.reference {
                        Some(b) => format!(
                            "{} `{}` follows the mutable ref `{b}`",
                            r.kind.as_str(),
                            r.name
                        ),
                        None => format!("{} `{}` has no version at all", r.kind.as_str(), r.name),
                    },
                ),
                Pinning::Dynamic => (
                    Outcome::Unknown,
                    format!(
                        "{} reference `{}` is computed at run time and cannot be checked",
                        r.kind.as_str(),
                        r.raw
                    ),
                ),
            };
            any = true;
            out.at(cx.file, &r.site, outcome, msg);
        }
        if !any {
            out.file(
                cx.file,
                Outcome::NotRelevant,
                "no third-party pipeline code referenced",
            );
        }
    }
}
