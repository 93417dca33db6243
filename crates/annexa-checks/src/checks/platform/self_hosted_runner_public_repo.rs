use annexa_model::{Outcome, Platform};
use annexa_platform::Known;

use crate::check::{Check, GithubRepoCx, Sink, check};

check! {
    /// ## What it does
    /// For each public repository, looks for self-hosted runners that can take its jobs: runners
    /// registered to the repository itself (fail on `/runners`), and organisation runner groups
    /// that allow public repositories and are open to every repository while the organisation
    /// has self-hosted runners (fail per group). A group that allows public repositories but
    /// serves *selected* repositories is `unknown`: the snapshot model does not hold a group's
    /// repository list. Private and internal repositories are not looked at.
    ///
    /// ## Why is this bad?
    /// Anyone can fork a public repository and open a pull request; its workflow then runs on
    /// the runner. A self-hosted runner is not a fresh virtual machine: code from that pull
    /// request can persist on the host, read other jobs' secrets and reach the internal network.
    /// GitHub itself advises never to use self-hosted runners with public repositories. Evidence
    /// for A.8.31 (separation of development, test and production) and A.8.22 (segregation of
    /// networks).
    ///
    /// ## Example
    /// Public repository `acme/app` with runner `build-1` registered to it.
    ///
    /// ## Fix
    /// Use GitHub-hosted runners for public repositories. If a self-hosted runner is needed, make
    /// it ephemeral, isolate it in its own network, and put it in a runner group that does not
    /// allow public repositories for everything else.
    pub struct SelfHostedRunnerPublicRepo {
        id: SelfHostedRunnerPublicRepo,
        summary: "self-hosted runners serve public repositories",
        severity: High,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A8_31, A8_22],
    }
}

impl Check for SelfHostedRunnerPublicRepo {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let res = cx.resource();
        let repo = &cx.repo.full_name;
        let (info, info_src) = match &cx.repo.info {
            Known::Yes(i, s) => (i, s),
            unknown => {
                out.api_unknown(
                    cx.host,
                    &res,
                    "/runners",
                    "whether the repository is public",
                    unknown,
                );
                return;
            }
        };
        if !info.is_public() {
            // Only public repositories take pull requests from anyone.
            return;
        }
        let mut clean = true;
        let repo_runners = match &cx.repo.runners {
            Known::Yes(r, s) => Some((r, s)),
            unknown => {
                out.api_unknown(
                    cx.host,
                    &res,
                    "/runners",
                    "which self-hosted runners are registered to the public repository",
                    unknown,
                );
                clean = false;
                None
            }
        };
        if let Some((runners, s)) = repo_runners
            && !runners.0.is_empty()
        {
            let names: Vec<String> = runners.0.iter().map(|r| format!("`{}`", r.name)).collect();
            out.api(
                cx.host,
                &res,
                "/runners",
                Outcome::Fail,
                format!(
                    "public repository `{repo}` has {} self-hosted runner(s) of its own ({}): a pull request from any fork can run on them",
                    runners.0.len(),
                    names.join(", ")
                ),
                &[info_src, s],
            );
            clean = false;
        }
        // Organisation runners reach the repository through runner groups that admit public
        // repositories. With no organisation runners at all, the groups serve nothing.
        let mut evidence = vec![info_src];
        if let Some(s) = repo_runners.map(|(_, s)| s) {
            evidence.push(s);
        }
        if let Some(org) = cx.org {
            match &org.runners {
                Known::Yes(r, s) if r.0.is_empty() => evidence.push(s),
                Known::Yes(org_runners, rsrc) => match &org.runner_groups {
                    Known::Yes(groups, gsrc) => {
                        evidence.push(rsrc);
                        evidence.push(gsrc);
                        for g in groups
                            .0
                            .iter()
                            .filter(|g| g.allows_public_repositories == Some(true))
                        {
                            let pointer = format!("/runner_groups/{}", g.id);
                            match g.visibility.as_deref() {
                                Some("all") if g.restricted_to_workflows != Some(true) => {
                                    out.api(
                                        cx.host,
                                        &res,
                                        &pointer,
                                        Outcome::Fail,
                                        format!(
                                            "runner group `{}` admits public repositories and every repository of the organisation, so `{repo}` can use it; the organisation has {} self-hosted runner(s) (the snapshot does not say which group holds each)",
                                            g.name,
                                            org_runners.0.len()
                                        ),
                                        &[info_src, rsrc, gsrc],
                                    );
                                    clean = false;
                                }
                                // Workflow-restricted groups serve only the named workflows;
                                // private-visibility groups serve private repositories only.
                                Some("all") | Some("private") => {}
                                _ => {
                                    out.api(
                                        cx.host,
                                        &res,
                                        &pointer,
                                        Outcome::Unknown,
                                        format!(
                                            "cannot tell whether runner group `{}` (admits public repositories, visibility `{}`) serves `{repo}`: the group's repository list is not in the snapshot model",
                                            g.name,
                                            g.visibility.as_deref().unwrap_or("not given")
                                        ),
                                        &[info_src, rsrc, gsrc],
                                    );
                                    clean = false;
                                }
                            }
                        }
                    }
                    unknown => {
                        out.api_unknown(
                            cx.host,
                            &res,
                            "/runner_groups",
                            "whether an organisation runner group with runners admits the public repository",
                            unknown,
                        );
                        clean = false;
                    }
                },
                unknown => {
                    out.api_unknown(
                        cx.host,
                        &res,
                        "/runner_groups",
                        "whether the organisation has self-hosted runners the public repository can use",
                        unknown,
                    );
                    clean = false;
                }
            }
        }
        if clean {
            out.api(
                cx.host,
                &res,
                "/runners",
                Outcome::Pass,
                format!("public repository `{repo}` has no self-hosted runner of its own, and no organisation runner group with runners admits it"),
                &evidence,
            );
        }
    }
}
