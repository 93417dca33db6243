use annexa_model::{Outcome, Platform};
use annexa_platform::Known;

use crate::check::{Check, GithubRepoCx, Sink, check};

check! {
    /// ## What it does
    /// Looks at every deploy key of a repository and fails each one that is not read-only
    /// (`read_only: false`): `pass` per read-only key, one `pass` on `/deploy_keys` when the
    /// repository has none. The message gives the key's title, who added it and when it was
    /// last used, where GitHub says.
    ///
    /// ## Why is this bad?
    /// A deploy key is an SSH key tied to no person: whoever holds the private half can push to
    /// the repository, often past branch protection rules that only name people and teams, and
    /// the push is attributed to no one. Keys are copied onto build hosts and rarely rotated.
    /// Evidence for A.5.15 (access control) and A.5.18 (access rights): non-personal credentials
    /// with write access need a reason, an owner and a review.
    ///
    /// ## Example
    /// Deploy key 21 "release bot" on `acme/app` with "Allow write access" ticked.
    ///
    /// ## Fix
    /// Recreate the key without write access; where automation must push, use a GitHub App with
    /// narrowly scoped permissions, whose actions are attributed and whose tokens expire.
    pub struct DeployKeyWriteAccess {
        id: DeployKeyWriteAccess,
        summary: "a deploy key can write to the repository",
        severity: Medium,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A5_15, A5_18],
    }
}

impl Check for DeployKeyWriteAccess {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let res = cx.resource();
        let repo = &cx.repo.full_name;
        let (keys, src) = match &cx.repo.deploy_keys {
            Known::Yes(k, s) => (k, s),
            unknown => {
                out.api_unknown(
                    cx.host,
                    &res,
                    "/deploy_keys",
                    "whether the repository's deploy keys can write",
                    unknown,
                );
                return;
            }
        };
        if keys.0.is_empty() {
            out.api(
                cx.host,
                &res,
                "/deploy_keys",
                Outcome::Pass,
                format!("`{repo}` has no deploy keys"),
                &[src],
            );
            return;
        }
        for k in &keys.0 {
            let pointer = format!("/deploy_keys/{}", k.id);
            let mut about = Vec::new();
            if let Some(by) = &k.added_by {
                about.push(format!("added by {by}"));
            }
            if let Some(at) = &k.created_at {
                about.push(format!("created {at}"));
            }
            if let Some(at) = &k.last_used {
                about.push(format!("last used {at}"));
            }
            if k.enabled == Some(false) {
                about.push("disabled".to_owned());
            }
            let about = if about.is_empty() {
                String::new()
            } else {
                format!(" ({})", about.join(", "))
            };
            let title = &k.title;
            let (outcome, message) = match k.read_only {
                Some(false) => (
                    Outcome::Fail,
                    format!("deploy key {} `{title}` can push to `{repo}`{about}", k.id),
                ),
                Some(true) => (
                    Outcome::Pass,
                    format!("deploy key {} `{title}` is read-only{about}", k.id),
                ),
                None => (
                    Outcome::Unknown,
                    format!(
                        "cannot tell whether deploy key {} `{title}` can push to `{repo}`: the answer has no `read_only`",
                        k.id
                    ),
                ),
            };
            out.api(cx.host, &res, &pointer, outcome, message, &[src]);
        }
    }
}
