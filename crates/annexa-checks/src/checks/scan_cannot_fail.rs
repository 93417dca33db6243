use annexa_model::pipeline::StepAction;
use annexa_model::{Outcome, Platform};

use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Finds security scanning steps (SAST, dependency, secret, container scanning) whose
    /// failure is ignored: `continue-on-error`, `allow_failure`, or a script that ends the scan
    /// with `|| true` / `|| exit 0`.
    ///
    /// ## Why is this bad?
    /// A scan that cannot fail is a scan nobody acts on: the pipeline stays green whatever it
    /// finds. An auditor asks whether security testing results are acted upon; a scan wired to
    /// never fail is evidence that they are not.
    ///
    /// ## Example
    /// ```yaml
    /// steps:
    ///   - run: trivy fs --exit-code 1 . || true
    /// ```
    ///
    /// ## Fix
    /// Let the scan fail the job, and handle accepted findings in the scanner's own ignore file
    /// with a reason and an expiry.
    pub struct ScanCannotFail {
        id: ScanCannotFail,
        summary: "security scan whose failure is ignored",
        severity: Medium,
        confidence: High,
        scope: Pipeline,
        platforms: Platform::CI,
        controls: [A8_29, A8_8],
    }
}

/// Whether a script line ends a scan command with an "ignore failure" suffix.
/// Whether a line that runs `command` ends it with an "ignore failure" suffix.
fn ignores_failure(script: &str, command: &str) -> bool {
    if command.is_empty() {
        return false;
    }
    let command = command.to_ascii_lowercase();
    script.lines().any(|line| {
        let compact: String = line
            .to_ascii_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        compact.contains(&command)
            && ["|| true", "|| exit 0", "|| :", "||true", "|| echo"]
                .iter()
                .any(|s| compact.contains(s))
    })
}

impl Check for ScanCannotFail {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        let mut any = false;
        for (job, step) in cx.pipeline.steps() {
            let Some(tool) = step.tools.first() else {
                continue;
            };
            any = true;
            let name = tool.name;
            if let Some(site) = &step.continue_on_error {
                out.at(
                    cx.file,
                    site,
                    Outcome::Fail,
                    format!(
                        "{name} ({}) in job `{}` is allowed to fail",
                        tool.category.as_str(),
                        job.id
                    ),
                );
            } else if job.continue_on_error {
                out.at(
                    cx.file,
                    &job.site,
                    Outcome::Fail,
                    format!(
                        "{name} ({}) runs in job `{}`, which is allowed to fail",
                        tool.category.as_str(),
                        job.id
                    ),
                );
            } else if let StepAction::Run { script, site, .. } = &step.action
                && ignores_failure(script, tool.command)
            {
                out.at(
                    cx.file,
                    site,
                    Outcome::Fail,
                    format!(
                        "{name} ({}) in job `{}` has its exit status discarded",
                        tool.category.as_str(),
                        job.id
                    ),
                );
            } else {
                out.at(
                    cx.file,
                    &step.site,
                    Outcome::Pass,
                    format!(
                        "{name} ({}) in job `{}` can fail the pipeline",
                        tool.category.as_str(),
                        job.id
                    ),
                );
            }
        }
        if !any {
            out.file(cx.file, Outcome::NotRelevant, "no security scanning steps");
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn detects_discarded_status() {
        assert!(super::ignores_failure("trivy fs . || true", "Trivy"));
        assert!(super::ignores_failure(
            "set -e\nsemgrep ci   ||   true\n",
            "Semgrep"
        ));
        assert!(!super::ignores_failure("trivy fs .\nmake || true", "Trivy"));
    }
}
