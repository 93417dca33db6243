use annexa_model::{Outcome, Platform};

use crate::check::{Check, RepoCx, Sink, check};

check! {
    /// ## What it does
    /// Checks that the repository has a security policy: `SECURITY.md` at the root, in
    /// `.github/` or in `docs/`.
    ///
    /// ## Why is this bad?
    /// A security policy tells people who find a vulnerability how to report it privately.
    /// Without one, reports arrive as public issues, or not at all — and the organisation has
    /// no evidence of a channel for external vulnerability reports.
    ///
    /// An organisation-wide policy in a `.github` repository is platform state and is not seen
    /// from a single repository's files.
    ///
    /// ## Example
    /// A repository with no `SECURITY.md`.
    ///
    /// ## Fix
    /// Add `SECURITY.md` saying how to report a vulnerability, what happens next and how fast.
    pub struct MissingSecurityPolicy {
        id: MissingSecurityPolicy,
        summary: "no security policy",
        severity: Low,
        confidence: High,
        scope: Repository,
        platforms: &[Platform::Repository],
        controls: [A8_8, A5_24],
    }
}

impl Check for MissingSecurityPolicy {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn repository(&self, cx: &RepoCx<'_>, out: &mut Sink) {
        match cx.security_policy {
            Some(f) => {
                out.repo(
                    cx,
                    Outcome::Pass,
                    format!("security policy in {}", f.path),
                    vec![f.location(&Default::default())],
                );
            }
            None => {
                out.repo(
                    cx,
                    Outcome::Fail,
                    "no SECURITY.md at the root, in .github/ or in docs/",
                    Vec::new(),
                );
            }
        }
    }
}
