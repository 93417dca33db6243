use annexa_model::Platform;

use super::switches::{Switch, switch_check};
use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Finds `ACTIONS_ALLOW_UNSECURE_COMMANDS` set to `true` at any level of a workflow.
    ///
    /// ## Why is this bad?
    /// It re-enables the deprecated `set-env` and `add-path` workflow commands, which any
    /// process that prints to the log can use to inject environment variables or executables
    /// into every later step — a log line from a test or a dependency becomes code execution.
    /// GitHub disabled them in 2020 for that reason.
    ///
    /// ## Example
    /// ```yaml
    /// env:
    ///   ACTIONS_ALLOW_UNSECURE_COMMANDS: true
    /// ```
    ///
    /// ## Fix
    /// Remove it and write to `$GITHUB_ENV` / `$GITHUB_PATH` instead.
    pub struct UnsecureCommandsEnabled {
        id: UnsecureCommandsEnabled,
        summary: "deprecated workflow commands re-enabled",
        severity: High,
        confidence: High,
        scope: Pipeline,
        platforms: &[Platform::GithubActions],
        controls: [A8_25, A8_9],
    }
}

impl Check for UnsecureCommandsEnabled {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        switch_check(
            cx,
            out,
            &Switch {
                names: &["ACTIONS_ALLOW_UNSECURE_COMMANDS"],
                on: &["true"],
                fail: |_| {
                    "ACTIONS_ALLOW_UNSECURE_COMMANDS re-enables set-env and add-path".to_owned()
                },
                pass: |v| format!("ACTIONS_ALLOW_UNSECURE_COMMANDS is `{}`", v.value),
                absent: "ACTIONS_ALLOW_UNSECURE_COMMANDS is not set",
            },
        );
    }
}
