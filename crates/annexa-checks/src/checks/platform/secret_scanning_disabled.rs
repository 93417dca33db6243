use annexa_model::{Outcome, Platform};
use annexa_platform::github::Status;

use crate::check::{Check, GithubRepoCx, Sink, check};

check! {
    /// ## What it does
    /// Reads `security_and_analysis.secret_scanning` from the repository's answer and fails a
    /// repository where it is not `enabled`. GitHub includes `security_and_analysis` only for
    /// tokens that may administer the repository; without it the result is `unknown`.
    ///
    /// ## Why is this bad?
    /// Credentials committed to a repository stay in its history and in every clone. Secret
    /// scanning finds them (in the history too) and, for supported providers, has them revoked.
    /// Without it a leaked key is found by whoever looks first. Evidence for A.5.17
    /// (authentication information) and A.8.12 (data leakage prevention).
    ///
    /// ## Example
    /// `acme/app` answers `"secret_scanning": {"status": "disabled"}`.
    ///
    /// ## Fix
    /// Settings → Code security → Secret Protection / Secret scanning: enable it (free for public
    /// repositories; private ones need GitHub Secret Protection or Advanced Security), ideally
    /// for the whole organisation through a security configuration.
    pub struct SecretScanningDisabled {
        id: SecretScanningDisabled,
        summary: "secret scanning is off",
        severity: Medium,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A5_17, A8_12],
    }
}

const POINTER: &str = "/security_and_analysis/secret_scanning";

impl Check for SecretScanningDisabled {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let res = cx.resource();
        let repo = &cx.repo.full_name;
        let Some((info, src)) = super::support::known_or_say(
            out,
            cx.host,
            &res,
            POINTER,
            "whether secret scanning is on",
            &cx.repo.info,
        ) else {
            return;
        };
        let status = info
            .security_and_analysis
            .as_ref()
            .and_then(|sa| Status::enabled(&sa.secret_scanning));
        let (outcome, message) = match status {
            Some(true) => (Outcome::Pass, format!("secret scanning is on for `{repo}`")),
            Some(false) => {
                let how = if info.is_public() {
                    "free for a public repository"
                } else {
                    "a private repository needs GitHub Secret Protection or Advanced Security for it"
                };
                (
                    Outcome::Fail,
                    format!(
                        "secret scanning is off for `{repo}`: committed credentials go unnoticed ({how})"
                    ),
                )
            }
            None => (
                Outcome::Unknown,
                format!(
                    "cannot tell whether secret scanning is on for `{repo}`: the repository's answer has no `security_and_analysis.secret_scanning` (GitHub shows it only to tokens that may administer the repository)"
                ),
            ),
        };
        out.api(cx.host, &res, POINTER, outcome, message, &[src]);
    }
}
