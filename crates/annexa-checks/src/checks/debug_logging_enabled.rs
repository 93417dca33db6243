use annexa_model::{Outcome, Platform};

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
        let mut any = false;
        for v in cx.pipeline.all_variables().filter(|v| {
            DEBUG_VARIABLES
                .iter()
                .any(|d| d.eq_ignore_ascii_case(&v.name))
        }) {
            any = true;
            if v.value.contains("${{") || v.value.trim_start().starts_with('$') {
                out.at(
                    cx.file,
                    &v.site,
                    Outcome::Unknown,
                    format!(
                        "`{}` is set at run time (`{}`); its value cannot be read from the file",
                        v.name, v.value
                    ),
                );
            } else if matches!(v.value.trim().to_ascii_lowercase().as_str(), "true" | "1") {
                out.at(
                    cx.file,
                    &v.site,
                    Outcome::Fail,
                    format!("`{}` turns on debug logging for every run", v.name),
                );
            } else {
                out.at(
                    cx.file,
                    &v.site,
                    Outcome::Pass,
                    format!("`{}` is `{}`", v.name, v.value),
                );
            }
        }
        if !any {
            out.file(cx.file, Outcome::NotRelevant, "no debug logging variables");
        }
    }
}
