use annexa_model::pipeline::{Job, PipelineKind, StepAction};
use annexa_model::{Outcome, Platform};

use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Recognises jobs that deploy or publish — by their steps (deploy and publish actions,
    /// `kubectl apply`, `helm upgrade`, `terraform apply`, `npm publish`, `cargo publish`,
    /// `twine upload`, `docker push`, ...) or, failing that, by a job name such as `deploy`,
    /// `release` or `publish` — and checks that each one is gated by a deployment environment
    /// or a manual approval.
    ///
    /// ## Why is this bad?
    /// A deployment gate is where change management and segregation of duties happen: the
    /// environment's protection rules (required reviewers, allowed branches, wait timers) can
    /// only apply to jobs that name the environment. An ungated deploy job ships whatever
    /// reaches the branch, with nobody's approval on record.
    ///
    /// A gate in the file shows the control is *designed*; whether the environment really
    /// requires a reviewer is platform state, checked separately.
    ///
    /// ## Example
    /// ```yaml
    /// jobs:
    ///   deploy:
    ///     runs-on: ubuntu-latest
    ///     steps:
    ///       - run: kubectl apply -f k8s/
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// jobs:
    ///   deploy:
    ///     environment: production
    /// ```
    /// and configure required reviewers on the `production` environment.
    pub struct DeployWithoutGate {
        id: DeployWithoutGate,
        summary: "deploy or publish job without an approval gate",
        severity: High,
        confidence: Medium,
        scope: Pipeline,
        platforms: Platform::CI,
        controls: [A8_32, A8_31, A5_3],
    }
}

/// Packaged steps that deploy or publish (prefixes of the lower-cased name).
const DEPLOY_PACKAGES: &[&str] = &[
    "aws-actions/amazon-ecs-deploy-task-definition",
    "aws-actions/aws-cloudformation-github-deploy",
    "azure/webapps-deploy",
    "azure/functions-action",
    "azure/k8s-deploy",
    "google-github-actions/deploy-",
    "pypa/gh-action-pypi-publish",
    "cloudflare/wrangler-action",
    "amondnet/vercel-action",
    "peaceiris/actions-gh-pages",
    "jamesives/github-pages-deploy-action",
    "actions/deploy-pages",
    "akhileshns/heroku-deploy",
    "appleboy/ssh-action",
    // Azure Pipelines tasks.
    "azurewebapp",
    "azurermwebappdeployment",
    "azurefunctionapp",
    "azurecontainerapps",
    "azurestaticwebapp",
    "kubernetesmanifest",
    "helmdeploy",
    "azureresourcemanagertemplatedeployment",
    "sqlazuredacpacdeployment",
    // Bitbucket pipes.
    "atlassian/aws-s3-deploy",
    "atlassian/aws-ecs-deploy",
    "atlassian/aws-lambda-deploy",
    "atlassian/azure-web-apps-deploy",
    "atlassian/google-app-engine-deploy",
    "atlassian/heroku-deploy",
    "atlassian/kubectl-run",
    "atlassian/ssh-run",
    "atlassian/firebase-deploy",
    // CircleCI orbs.
    "circleci/aws-s3",
    "circleci/aws-ecs",
    "circleci/aws-eks",
    "circleci/heroku",
    "circleci/kubernetes",
    "circleci/helm",
    "circleci/gcp-gke",
    "circleci/azure-aks",
];

/// Script fragments that deploy or publish.
const DEPLOY_COMMANDS: &[&str] = &[
    "kubectl apply",
    "kubectl rollout",
    "kubectl set image",
    "helm upgrade",
    "helm install",
    "terraform apply",
    "tofu apply",
    "pulumi up",
    "npm publish",
    "yarn publish",
    "pnpm publish",
    "cargo publish",
    "twine upload",
    "gem push",
    "docker push",
    "mvn deploy",
    "gradle publish",
    "dotnet nuget push",
    "serverless deploy",
    "sls deploy",
    "firebase deploy",
    "vercel --prod",
    "gcloud app deploy",
    "gcloud run deploy",
    "az webapp deploy",
    "aws s3 sync",
    "eb deploy",
];

/// Why a job looks like a deployment, if it does.
pub(crate) fn deploys(job: &Job) -> Option<String> {
    for step in &job.steps {
        match &step.action {
            StepAction::Uses { target, .. } => {
                let n = target.name.to_ascii_lowercase();
                if DEPLOY_PACKAGES.iter().any(|p| n.starts_with(p)) {
                    return Some(format!("uses `{}`", target.name));
                }
            }
            StepAction::Run { script, .. } => {
                let s: String = script
                    .to_ascii_lowercase()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                if let Some(c) = DEPLOY_COMMANDS.iter().find(|c| s.contains(*c)) {
                    return Some(format!("runs `{c}`"));
                }
            }
            StepAction::Other(_) => {}
        }
    }
    let id = job.id.to_ascii_lowercase();
    let name = job.name.as_deref().unwrap_or_default().to_ascii_lowercase();
    ["deploy", "publish", "release", "production"]
        .iter()
        .find(|w| id.contains(*w) || name.contains(*w))
        .filter(|_| job.calls.is_none())
        .map(|w| format!("is named like a {w} job"))
}

impl Check for DeployWithoutGate {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        if cx.pipeline.kind == PipelineKind::Action {
            out.file(
                cx.file,
                Outcome::NotRelevant,
                "action metadata: the calling job decides the gate",
            );
            return;
        }
        let mut any = false;
        for job in &cx.pipeline.jobs {
            let Some(why) = deploys(job) else { continue };
            any = true;
            if let Some(env) = job.environment.as_ref().filter(|e| {
                e.name.contains("${{") || e.name.contains("$(") || e.name.starts_with('$')
            }) {
                out.at(cx.file, &env.site, Outcome::Unknown, format!("job `{}` {why} and chooses its environment at run time (`{}`); which gate applies cannot be read from the file", job.id, env.name));
            } else if let Some(env) = &job.environment {
                out.at(cx.file, &env.site, Outcome::Pass, format!("job `{}` {why} and targets environment `{}` (its protection rules are platform state)", job.id, env.name));
            } else if let Some(gate) = &job.manual_gate {
                out.at(
                    cx.file,
                    gate,
                    Outcome::Pass,
                    format!("job `{}` {why} behind a manual approval", job.id),
                );
            } else {
                out.at(
                    cx.file,
                    &job.site,
                    Outcome::Fail,
                    format!(
                        "job `{}` {why} with no environment or approval gate",
                        job.id
                    ),
                );
            }
        }
        if !any {
            out.file(
                cx.file,
                Outcome::NotRelevant,
                "no deploy or publish jobs recognised",
            );
        }
    }
}
