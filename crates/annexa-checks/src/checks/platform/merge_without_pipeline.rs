use annexa_model::{Outcome, Platform};

use crate::check::{Check, GitlabProjectCx, Sink, check};

check! {
    /// ## What it does
    /// Checks a GitLab project's merge checks: "Pipelines must succeed"
    /// (`only_allow_merge_if_pipeline_succeeds`) must be on and "Skipped pipelines are
    /// considered successful" (`allow_merge_on_skipped_pipeline`) off.
    ///
    /// ## Why is this bad?
    /// Without the gate, a merge request can be merged while its tests, SAST, dependency and
    /// secret scans failed or never ran, so the security testing the organisation relies on is
    /// optional. ISO 27001 A.8.29 (security testing in development and acceptance) and A.8.32
    /// (change management) expect tests to pass before a change is accepted, every time.
    ///
    /// ## Example
    /// `GET /projects/acme%2Fapp` answers `"only_allow_merge_if_pipeline_succeeds": false`, or
    /// `true` together with `"allow_merge_on_skipped_pipeline": true`.
    ///
    /// ## Fix
    /// Settings → Merge requests → Merge checks: tick "Pipelines must succeed" and leave
    /// "Skipped pipelines are considered successful" unticked.
    pub struct MergeWithoutPipeline {
        id: MergeWithoutPipeline,
        summary: "merge requests can be merged without a successful pipeline",
        severity: Medium,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GitlabPlatform],
        controls: [A8_29, A8_32],
    }
}

impl Check for MergeWithoutPipeline {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn gitlab_project(&self, cx: &GitlabProjectCx<'_>, out: &mut Sink) {
        super::gitlab::project_setting(
            cx,
            out,
            "/merge_checks/pipeline",
            "whether merges need a successful pipeline",
            |i| {
                Some(match (i.only_allow_merge_if_pipeline_succeeds?, i.allow_merge_on_skipped_pipeline) {
                    (false, _) => (
                        Outcome::Fail,
                        "merge requests can be merged whatever their pipeline did (`only_allow_merge_if_pipeline_succeeds` false)".to_owned(),
                    ),
                    (true, Some(true)) => (
                        Outcome::Fail,
                        "pipelines must succeed, but a skipped pipeline counts as success (`allow_merge_on_skipped_pipeline`)".to_owned(),
                    ),
                    (true, _) => (
                        Outcome::Pass,
                        "merge requests can be merged only after their pipeline succeeds".to_owned(),
                    ),
                })
            },
        );
    }
}
