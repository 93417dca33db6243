use annexa_model::{Outcome, Platform};
use annexa_platform::Known;
use annexa_platform::github::{Hook, List};

use crate::check::{Check, GithubOrgCx, GithubRepoCx, Sink, check};

check! {
    /// ## What it does
    /// Looks at every webhook of the organisation and of each repository and fails those that
    /// deliver without verifying the receiver's TLS certificate (`config.insecure_ssl` = `1`) or
    /// over plain `http://`. Each verifying webhook passes; an owner without webhooks passes
    /// once on `/hooks`. The message names the receiver's host, never the full URL (it may
    /// carry credentials).
    ///
    /// ## Why is this bad?
    /// Webhook payloads describe pushes, pull requests, members and sometimes secrets-adjacent
    /// data, and they are signed with a shared secret. Without certificate verification anyone
    /// on the network path can impersonate the receiver, read every delivery and replay them.
    /// Evidence for A.8.24 (use of cryptography) and A.5.14 (information transfer).
    ///
    /// ## Example
    /// Organisation hook 11 to `hooks.acme.example` with "SSL verification: Disable".
    ///
    /// ## Fix
    /// Give the receiver a valid certificate (an internal CA can be trusted by GitHub Enterprise
    /// Server) and set "SSL verification: Enable" on the webhook; use `https://` URLs only.
    pub struct WebhookTlsVerificationDisabled {
        id: WebhookTlsVerificationDisabled,
        summary: "a webhook delivers without verifying TLS",
        severity: Medium,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A8_24, A5_14],
    }
}

/// Judge one owner's webhooks; `whose` names the organisation or repository.
fn judge(out: &mut Sink, host: &str, res: &str, whose: &str, known: &Known<List<Hook>>) {
    let (hooks, src) = match known {
        Known::Yes(h, s) => (h, s),
        unknown => {
            out.api_unknown(
                host,
                res,
                "/hooks",
                &format!("whether the webhooks of {whose} verify TLS"),
                unknown,
            );
            return;
        }
    };
    if hooks.0.is_empty() {
        out.api(
            host,
            res,
            "/hooks",
            Outcome::Pass,
            format!("{whose} has no webhooks"),
            &[src],
        );
        return;
    }
    for h in &hooks.0 {
        let pointer = format!("/hooks/{}", h.id);
        let to = h.host();
        let to = if to.is_empty() {
            "an unnamed receiver".to_owned()
        } else {
            format!("`{to}`")
        };
        // An inactive hook delivers nothing now, but keeps its setting for when it is turned
        // back on: it is still judged, and the message says so.
        let inactive = if h.active == Some(false) {
            " (inactive)"
        } else {
            ""
        };
        let plain = h.config.url.as_deref().is_some_and(|u| {
            u.get(..7)
                .is_some_and(|p| p.eq_ignore_ascii_case("http://"))
        });
        let (outcome, message) = if plain {
            (
                Outcome::Fail,
                format!(
                    "webhook {} of {whose}{inactive} delivers to {to} over plain HTTP: no TLS at all",
                    h.id
                ),
            )
        } else if h.tls_verification_off() {
            (
                Outcome::Fail,
                format!(
                    "webhook {} of {whose}{inactive} delivers to {to} without verifying its TLS certificate",
                    h.id
                ),
            )
        } else {
            (
                Outcome::Pass,
                format!(
                    "webhook {} of {whose}{inactive} verifies the TLS certificate of {to}",
                    h.id
                ),
            )
        };
        out.api(host, res, &pointer, outcome, message, &[src]);
    }
}

impl Check for WebhookTlsVerificationDisabled {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_org(&self, cx: &GithubOrgCx<'_>, out: &mut Sink) {
        let whose = format!("organisation `{}`", cx.org.login);
        judge(out, cx.host, &cx.resource(), &whose, &cx.org.hooks);
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let whose = format!("`{}`", cx.repo.full_name);
        judge(out, cx.host, &cx.resource(), &whose, &cx.repo.hooks);
    }
}
