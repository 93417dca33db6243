use annexa_model::{Outcome, Platform};
use annexa_platform::Known;

use crate::check::{Check, GithubOrgCx, Sink, check};

check! {
    /// ## What it does
    /// Looks at the organisation's self-hosted runner groups and fails each group whose
    /// visibility is `all` (every repository of the organisation may send jobs to it) while the
    /// organisation has self-hosted runners. A group limited to selected repositories, to
    /// private repositories, or to selected workflows passes; so does an open group when the
    /// organisation has no self-hosted runners at all. The snapshot lists the organisation's
    /// runners, not which group holds each one, so the message gives the organisation's count.
    ///
    /// ## Why is this bad?
    /// A self-hosted runner keeps state between jobs and sits inside the organisation's network,
    /// often with cloud credentials. When every repository may use it, any repository, including
    /// a throw-away or public one, can run code next to production deploy jobs. Evidence for
    /// A.8.31 (separation of environments) and A.5.15 (access control): an auditor expects
    /// runners that can reach production to serve only the repositories that deploy there.
    ///
    /// ## Example
    /// The `Default` runner group with "All repositories" while runner `build-1` is registered.
    ///
    /// ## Fix
    /// Settings → Actions → Runner groups: set "Repository access" to "Selected repositories"
    /// (and, where possible, restrict the group to selected workflows); keep runners for
    /// untrusted code in a separate group.
    pub struct RunnerGroupOpenToAll {
        id: RunnerGroupOpenToAll,
        summary: "a self-hosted runner group is open to every repository",
        severity: Medium,
        confidence: Medium,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A8_31, A5_15],
    }
}

impl Check for RunnerGroupOpenToAll {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_org(&self, cx: &GithubOrgCx<'_>, out: &mut Sink) {
        let res = cx.resource();
        let org = &cx.org.login;
        let (groups, gsrc) = match &cx.org.runner_groups {
            Known::Yes(g, s) => (g, s),
            unknown => {
                out.api_unknown(
                    cx.host,
                    &res,
                    "/runner_groups",
                    "which repositories the organisation's runner groups serve",
                    unknown,
                );
                return;
            }
        };
        for g in &groups.0 {
            let pointer = format!("/runner_groups/{}", g.id);
            let name = &g.name;
            match g.visibility.as_deref() {
                Some("all") if g.restricted_to_workflows == Some(true) => out.api(
                    cx.host,
                    &res,
                    &pointer,
                    Outcome::Pass,
                    format!("runner group `{name}` is open to every repository of `{org}` but only selected workflows may use it"),
                    &[gsrc],
                ),
                Some("all") => match &cx.org.runners {
                    Known::Yes(runners, rsrc) if runners.0.is_empty() => out.api(
                        cx.host,
                        &res,
                        &pointer,
                        Outcome::Pass,
                        format!("runner group `{name}` is open to every repository of `{org}`, but the organisation has no self-hosted runners"),
                        &[gsrc, rsrc],
                    ),
                    Known::Yes(runners, rsrc) => {
                        let public = if g.allows_public_repositories == Some(true) {
                            ", public ones included"
                        } else {
                            ""
                        };
                        out.api(
                            cx.host,
                            &res,
                            &pointer,
                            Outcome::Fail,
                            format!(
                                "runner group `{name}` is open to every repository of `{org}`{public}, and the organisation has {} self-hosted runner(s) ({}; the snapshot does not say which group holds each)",
                                runners.0.len(),
                                runners.0.iter().map(|r| format!("`{}`", r.name)).collect::<Vec<_>>().join(", ")
                            ),
                            &[gsrc, rsrc],
                        )
                    }
                    unknown => out.api_unknown(
                        cx.host,
                        &res,
                        &pointer,
                        &format!("whether runner group `{name}`, open to every repository, has runners"),
                        unknown,
                    ),
                },
                Some("selected") => out.api(
                    cx.host,
                    &res,
                    &pointer,
                    Outcome::Pass,
                    format!("runner group `{name}` serves selected repositories only"),
                    &[gsrc],
                ),
                Some("private") => out.api(
                    cx.host,
                    &res,
                    &pointer,
                    Outcome::Pass,
                    format!("runner group `{name}` serves the organisation's private repositories only"),
                    &[gsrc],
                ),
                Some(other) => out.api(
                    cx.host,
                    &res,
                    &pointer,
                    Outcome::Unknown,
                    format!("cannot tell which repositories runner group `{name}` serves: unrecognised visibility `{other}`"),
                    &[gsrc],
                ),
                None => out.api(
                    cx.host,
                    &res,
                    &pointer,
                    Outcome::Unknown,
                    format!("cannot tell which repositories runner group `{name}` serves: the answer has no `visibility`"),
                    &[gsrc],
                ),
            };
        }
    }
}
