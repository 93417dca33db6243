use annexa_model::pipeline::{Access, PermissionSet};
use annexa_model::{Outcome, Platform};

use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Finds `id-token: write` granted at workflow level (or by `write-all`), where every job
    /// of the workflow gets it, rather than in the one job that needs it.
    ///
    /// ## Why is this bad?
    /// `id-token: write` lets a job mint OIDC tokens that cloud providers and registries trade
    /// for credentials (deploy roles, trusted publishing). Granted to the whole workflow, the
    /// test and lint jobs — and every action they run — can obtain production credentials too.
    ///
    /// ## Example
    /// ```yaml
    /// permissions:
    ///   id-token: write
    /// ```
    ///
    /// ## Fix
    /// Grant it in the deploy or publish job only.
    pub struct WorkflowLevelIdToken {
        id: WorkflowLevelIdToken,
        summary: "OIDC token permission granted to the whole workflow",
        severity: Medium,
        confidence: High,
        scope: Pipeline,
        platforms: &[Platform::GithubActions],
        controls: [A8_2, A5_15],
    }
}

fn grants_id_token(set: &PermissionSet) -> bool {
    match set {
        PermissionSet::WriteAll => true,
        PermissionSet::Scoped(s) => s
            .iter()
            .any(|(k, a)| k == "id-token" && *a == Access::Write),
        _ => false,
    }
}

impl Check for WorkflowLevelIdToken {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        let workflow = grants_id_token(&cx.pipeline.permissions.set);
        let jobs = cx
            .pipeline
            .jobs
            .iter()
            .filter(|j| grants_id_token(&j.permissions.set))
            .count();
        // Jobs with their own `permissions:` replace the workflow's; the others inherit it.
        let inheriting = cx
            .pipeline
            .jobs
            .iter()
            .filter(|j| j.permissions.set == PermissionSet::Undeclared)
            .count();
        match (&cx.pipeline.permissions.site, workflow) {
            (Some(site), true) if inheriting > 1 => {
                out.at(cx.file, site, Outcome::Fail, format!("{inheriting} jobs inherit `id-token: write` from the workflow and can mint OIDC tokens"));
            }
            _ if jobs > 0 || workflow => {
                out.file(
                    cx.file,
                    Outcome::Pass,
                    "`id-token: write` is granted only to the jobs that need it",
                );
            }
            _ => {
                out.file(cx.file, Outcome::NotRelevant, "no job can mint OIDC tokens");
            }
        }
    }
}
