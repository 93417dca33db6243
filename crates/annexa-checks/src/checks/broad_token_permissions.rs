use annexa_model::pipeline::{Job, PermissionSet, PipelineKind};
use annexa_model::{Outcome, Platform};

use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Works out the `GITHUB_TOKEN` permissions each job gets from its `permissions:` block or
    /// the workflow's, and reports jobs that get `write-all`.
    ///
    /// ## Why is this bad?
    /// Every step of a job — including third-party actions — can use the job's token. A
    /// `write-all` token lets any of them push code, create releases or approve pull requests.
    /// Least privilege means declaring only the scopes a job needs.
    ///
    /// When neither the job nor the workflow declares permissions, the token gets the
    /// repository's or organisation's *default* workflow permissions. That default is platform
    /// state, not in any file, so such jobs are `unknown` until a platform snapshot says what
    /// the default is.
    ///
    /// ## Example
    /// ```yaml
    /// permissions: write-all
    /// jobs:
    ///   build:
    ///     runs-on: ubuntu-latest
    ///     steps:
    ///       - run: make
    /// ```
    ///
    /// ## Fix
    /// Declare read-only defaults for the workflow and widen per job where needed:
    /// ```yaml
    /// permissions:
    ///   contents: read
    /// jobs:
    ///   release:
    ///     permissions:
    ///       contents: write
    /// ```
    pub struct BroadTokenPermissions {
        id: BroadTokenPermissions,
        summary: "job token has broad or undeclared permissions",
        severity: Medium,
        confidence: High,
        scope: Pipeline,
        platforms: &[Platform::GithubActions],
        controls: [A8_2, A5_15],
    }
}

impl Check for BroadTokenPermissions {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        if cx.pipeline.kind == PipelineKind::Action {
            out.file(
                cx.file,
                Outcome::NotRelevant,
                "action metadata has no token permissions of its own",
            );
            return;
        }
        for job in &cx.pipeline.jobs {
            self.job(cx, job, out);
        }
    }

    fn job(&self, cx: &PipelineCx<'_>, job: &Job, out: &mut Sink) {
        let (perms, level) = match &job.permissions.set {
            PermissionSet::Undeclared => (&cx.pipeline.permissions, "workflow"),
            _ => (&job.permissions, "job"),
        };
        let site = perms.site.as_ref().unwrap_or(&job.site);
        match &perms.set {
            PermissionSet::WriteAll => {
                out.at(
                    cx.file,
                    site,
                    Outcome::Fail,
                    format!(
                        "job `{}` gets a write-all token from its {level} permissions",
                        job.id
                    ),
                );
            }
            PermissionSet::Undeclared => {
                out.at(
                    cx.file,
                    &job.site,
                    Outcome::Unknown,
                    format!("job `{}` declares no token permissions, so the repository's default workflow permissions apply; that default is platform state, not in the files", job.id),
                );
            }
            set => {
                let writes = set.write_scopes();
                let msg = if writes.is_empty() {
                    format!(
                        "job `{}` has a read-only token ({level} permissions)",
                        job.id
                    )
                } else {
                    format!(
                        "job `{}` declares its token scopes ({level} permissions; write: {})",
                        job.id,
                        writes.join(", ")
                    )
                };
                out.at(cx.file, site, Outcome::Pass, msg);
            }
        }
    }
}
