use annexa_model::{Outcome, Platform};
use annexa_platform::github::Status;

use crate::check::{Check, GithubRepoCx, Sink, check};

check! {
    /// ## What it does
    /// Reads `security_and_analysis.secret_scanning_push_protection` from the repository's
    /// answer and fails a repository where it is not `enabled`. The message says when secret
    /// scanning itself is off too, and that push protection costs nothing on public
    /// repositories. Without `security_and_analysis` (shown only to tokens that may administer
    /// the repository) the result is `unknown`.
    ///
    /// ## Why is this bad?
    /// Secret scanning reports a credential after it is pushed: by then it is in the history,
    /// in forks and in CI logs, and must be rotated. Push protection rejects the push instead,
    /// so the secret never leaves the developer's machine. Evidence for A.5.17 (authentication
    /// information) and A.8.12 (data leakage prevention): prevention rather than detection.
    ///
    /// ## Example
    /// Public repository `acme/site` with secret scanning on and push protection off.
    ///
    /// ## Fix
    /// Settings → Code security → Push protection: enable it for the repository, or for the
    /// organisation through a security configuration; document who may bypass a block.
    pub struct PushProtectionDisabled {
        id: PushProtectionDisabled,
        summary: "secret scanning push protection is off",
        severity: Medium,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A5_17, A8_12],
    }
}

const POINTER: &str = "/security_and_analysis/secret_scanning_push_protection";

impl Check for PushProtectionDisabled {
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
            "whether push protection is on",
            &cx.repo.info,
        ) else {
            return;
        };
        let sa = info.security_and_analysis.as_ref();
        let push = sa.and_then(|sa| Status::enabled(&sa.secret_scanning_push_protection));
        let scanning = sa.and_then(|sa| Status::enabled(&sa.secret_scanning));
        let (outcome, message) = match push {
            Some(true) => (
                Outcome::Pass,
                format!("pushes to `{repo}` that contain a recognised secret are blocked"),
            ),
            Some(false) => {
                let also = if scanning == Some(false) {
                    "; secret scanning is off as well"
                } else {
                    ""
                };
                let cost = if info.is_public() {
                    " (it is free for a public repository)"
                } else {
                    ""
                };
                (
                    Outcome::Fail,
                    format!(
                        "push protection is off for `{repo}`: a pushed secret is only found after it is in the history{also}{cost}"
                    ),
                )
            }
            None => (
                Outcome::Unknown,
                format!(
                    "cannot tell whether push protection is on for `{repo}`: the repository's answer has no `security_and_analysis.secret_scanning_push_protection` (GitHub shows it only to tokens that may administer the repository)"
                ),
            ),
        };
        out.api(cx.host, &res, POINTER, outcome, message, &[src]);
    }
}
