use annexa_model::{Outcome, Platform};
use annexa_platform::Known;

use crate::check::{Check, GithubOrgCx, Sink, check};

check! {
    /// ## What it does
    /// Looks at every organisation Actions secret and fails each one whose visibility is `all`
    /// (every repository of the organisation, public ones included, may read it). Secrets
    /// limited to selected repositories pass; `private` (every private and internal repository)
    /// passes with the breadth stated in the message. An organisation without secrets passes
    /// once on `/secrets`.
    ///
    /// ## Why is this bad?
    /// An organisation secret visible to all repositories reaches every workflow of every
    /// repository, including new, experimental and public ones whose pull requests come from
    /// strangers. One careless or compromised workflow anywhere exposes the credential.
    /// Evidence for A.5.15 (access control, need-to-know) and A.5.17 (authentication
    /// information).
    ///
    /// ## Example
    /// Organisation secret `NPM_TOKEN` with "Repository access: All repositories".
    ///
    /// ## Fix
    /// Settings → Secrets and variables → Actions → the secret → Repository access: "Selected
    /// repositories", naming only the repositories that publish; better still, move deploy
    /// credentials into environment secrets of those repositories.
    pub struct OrgSecretVisibleToAllRepos {
        id: OrgSecretVisibleToAllRepos,
        summary: "an organisation secret is available to every repository",
        severity: Medium,
        confidence: Medium,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A5_15, A5_17],
    }
}

impl Check for OrgSecretVisibleToAllRepos {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_org(&self, cx: &GithubOrgCx<'_>, out: &mut Sink) {
        let res = cx.resource();
        let org = &cx.org.login;
        let (secrets, src) = match &cx.org.secrets {
            Known::Yes(l, s) => (l, s),
            unknown => {
                out.api_unknown(
                    cx.host,
                    &res,
                    "/secrets",
                    "which repositories the organisation's secrets reach",
                    unknown,
                );
                return;
            }
        };
        if secrets.0.is_empty() {
            out.api(
                cx.host,
                &res,
                "/secrets",
                Outcome::Pass,
                format!("organisation `{org}` has no Actions secrets"),
                &[src],
            );
            return;
        }
        for s in &secrets.0 {
            let name = &s.name;
            let pointer = format!("/secrets/{name}");
            let (outcome, message) = match s.visibility.as_deref() {
                Some("all") => (
                    Outcome::Fail,
                    format!(
                        "organisation secret `{name}` is available to every repository of `{org}`, public ones included"
                    ),
                ),
                Some("selected") => (
                    Outcome::Pass,
                    format!(
                        "organisation secret `{name}` is available to selected repositories only"
                    ),
                ),
                Some("private") => (
                    Outcome::Pass,
                    format!(
                        "organisation secret `{name}` is available to every private and internal repository of `{org}`, not to public ones"
                    ),
                ),
                Some(other) => (
                    Outcome::Unknown,
                    format!(
                        "cannot tell which repositories organisation secret `{name}` reaches: unrecognised visibility `{other}`"
                    ),
                ),
                None => (
                    Outcome::Unknown,
                    format!(
                        "cannot tell which repositories organisation secret `{name}` reaches: the answer has no `visibility`"
                    ),
                ),
            };
            out.api(cx.host, &res, &pointer, outcome, message, &[src]);
        }
    }
}
