use annexa_model::Platform;

use super::switches::{Switch, switch_check};
use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Finds debug logging switched on in pipeline files: `ACTIONS_STEP_DEBUG` /
    /// `ACTIONS_RUNNER_DEBUG` (GitHub), `CI_DEBUG_TRACE` / `CI_DEBUG_SERVICES` (GitLab),
    /// `system.debug` (Azure Pipelines) set to `true`.
    ///
    /// ## Why is this bad?
    /// Debug traces print every command with its expanded arguments and environment, so
    /// secrets that masking would hide can end up in logs that many people can read and that
    /// are kept for months. Debug logging belongs in one re-run, not in the committed pipeline.
    ///
    /// ## Example
    /// ```yaml
    /// env:
    ///   ACTIONS_STEP_DEBUG: true
    /// ```
    ///
    /// ## Fix
    /// Remove the variable; enable debug logging for a single re-run when you need it.
    pub struct DebugLoggingEnabled {
        id: DebugLoggingEnabled,
        summary: "debug logging enabled in the pipeline",
        severity: Low,
        confidence: High,
        scope: Pipeline,
        platforms: Platform::CI,
        controls: [A8_12, A8_15],
    }
}

const DEBUG_VARIABLES: &[&str] = &[
    "ACTIONS_STEP_DEBUG",
    "ACTIONS_RUNNER_DEBUG",
    "CI_DEBUG_TRACE",
    "CI_DEBUG_SERVICES",
    "SYSTEM_DEBUG",
    "system.debug",
];

impl Check for DebugLoggingEnabled {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        switch_check(
            cx,
            out,
            &Switch {
                names: DEBUG_VARIABLES,
                on: &["true", "1"],
                fail: |v| format!("`{}` turns on debug logging for every run", v.name),
                pass: |v| format!("`{}` is `{}`", v.name, v.value),
                absent: "no debug logging variables",
            },
        );
    }
}
