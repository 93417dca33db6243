use annexa_model::pipeline::SecretRef;
use annexa_model::{Outcome, Platform};
use annexa_platform::Known;

use crate::check::{Check, FileInfo, GithubRepoCx, ScannedRepo, Sink, check, labelled};

check! {
    /// ## What it does
    /// In a repository that has deployment environments, fails each repository-level Actions
    /// secret: it is handed to every job of every workflow, while an environment secret reaches
    /// only jobs that name the environment (and pass its reviewers and branch policy). When the
    /// scan also read the repository's workflows, the message names the jobs that use the secret
    /// without an environment and points at them. A repository with environments and no
    /// repository-level secrets passes; one without environments is not looked at.
    ///
    /// ## Why is this bad?
    /// A deploy credential stored at repository level can be read by any job, including a test
    /// job on an unreviewed branch, so the environment's approvals and branch limits protect
    /// nothing. Evidence for A.5.17 (authentication information) and A.8.31 (separation of
    /// environments): an auditor expects production credentials to be reachable only through the
    /// gated production path.
    ///
    /// ## Example
    /// `acme/app` has environment `production`, and its `AWS_DEPLOY_KEY` is a repository secret
    /// used by job `deploy` without `environment: production`.
    ///
    /// ## Fix
    /// Move the secret to the environment that needs it (Settings → Environments → `production` →
    /// Environment secrets), delete the repository-level copy, and add `environment:` to the
    /// jobs that use it.
    pub struct RepositoryWideSecrets {
        id: RepositoryWideSecrets,
        summary: "secrets are repository-wide where environments could scope them",
        severity: Low,
        confidence: Medium,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A5_17, A8_31],
    }
}

/// One use of a secret in a workflow job.
struct Use<'a> {
    file: &'a FileInfo,
    job: String,
    environment: Option<String>,
    at: &'a SecretRef,
}

/// Where the scanned GitHub workflows read the secret (names are case-insensitive on GitHub).
fn uses<'a>(files: &ScannedRepo<'a>, secret: &str) -> Vec<Use<'a>> {
    let mut found = Vec::new();
    for (file, p) in &files.pipelines {
        if p.platform != Platform::GithubActions {
            continue;
        }
        for job in &p.jobs {
            // The first reference per job is enough to name and locate the job.
            if let Some(at) = job
                .secrets
                .iter()
                .find(|s| s.name.eq_ignore_ascii_case(secret))
            {
                found.push(Use {
                    file,
                    job: job.label().to_owned(),
                    environment: job.environment.as_ref().map(|e| e.name.clone()),
                    at,
                });
            }
        }
    }
    found
}

impl Check for RepositoryWideSecrets {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let res = cx.resource();
        let repo = &cx.repo.full_name;
        let (envs, esrc) = match &cx.repo.environments {
            Known::Yes(e, s) => (e, s),
            unknown => {
                out.api_unknown(
                    cx.host,
                    &res,
                    "/secrets",
                    "whether environments could scope the repository's secrets",
                    unknown,
                );
                return;
            }
        };
        if envs.0.is_empty() {
            // No environment to move a secret into: nothing for this check to judge.
            return;
        }
        let (secrets, ssrc) = match &cx.repo.secrets {
            Known::Yes(l, s) => (l, s),
            unknown => {
                out.api_unknown(
                    cx.host,
                    &res,
                    "/secrets",
                    "which repository-level secrets exist",
                    unknown,
                );
                return;
            }
        };
        let env_names: Vec<String> = envs.0.iter().map(|e| format!("`{}`", e.name)).collect();
        let env_names = env_names.join(", ");
        if secrets.0.is_empty() {
            out.api(
                cx.host,
                &res,
                "/secrets",
                Outcome::Pass,
                format!("`{repo}` has no repository-level secrets; its environments ({env_names}) can hold the credentials"),
                &[esrc, ssrc],
            );
            return;
        }
        for secret in &secrets.0 {
            let name = &secret.name;
            let mut message = format!(
                "repository secret `{name}` is available to every job of `{repo}`, though its environments ({env_names}) could scope it"
            );
            let mut locations = Vec::new();
            if let Some(files) = &cx.files {
                let found = uses(files, name);
                let bare: Vec<&Use> = found.iter().filter(|u| u.environment.is_none()).collect();
                let gated: Vec<&Use> = found.iter().filter(|u| u.environment.is_some()).collect();
                if found.is_empty() {
                    message.push_str("; no scanned workflow job reads it");
                }
                if !bare.is_empty() {
                    let jobs: Vec<String> = bare
                        .iter()
                        .map(|u| format!("`{}` ({})", u.job, u.file.path))
                        .collect();
                    message.push_str(&format!(
                        "; used without an environment by {}",
                        jobs.join(", ")
                    ));
                    for u in &bare {
                        locations.push(labelled(
                            u.file.location(&u.at.site),
                            format!("job `{}` reads `{name}` without an environment", u.job),
                        ));
                    }
                }
                if !gated.is_empty() {
                    let jobs: Vec<String> = gated
                        .iter()
                        .map(|u| {
                            format!(
                                "`{}` (environment `{}`)",
                                u.job,
                                u.environment.as_deref().unwrap_or_default()
                            )
                        })
                        .collect();
                    message.push_str(&format!(
                        "; used by {}, which could read it from the environment instead",
                        jobs.join(", ")
                    ));
                }
            }
            let obs = out.api(
                cx.host,
                &res,
                &format!("/secrets/{name}"),
                Outcome::Fail,
                message,
                &[esrc, ssrc],
            );
            obs.locations.extend(locations);
        }
    }
}
