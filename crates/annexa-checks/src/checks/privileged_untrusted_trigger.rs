use annexa_model::{Outcome, Platform};

use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Flags workflows started by `pull_request_target` or `workflow_run`: events an outsider
    /// can cause that run with the base repository's secrets and a write token. Every other
    /// workflow passes.
    ///
    /// ## Why is this bad?
    /// These triggers exist for jobs that must act on contributions (labelling, commenting),
    /// and they are the root of most GitHub Actions compromises: one step that touches the
    /// contributor's code or text hands it the privileged context. Each use should be a
    /// deliberate, reviewed exception; `untrusted-checkout`, `template-injection` and
    /// `github-env-write` point at the concrete mistakes.
    ///
    /// ## Example
    /// ```yaml
    /// on: pull_request_target
    /// ```
    ///
    /// ## Fix
    /// Use `pull_request` (no secrets, read-only token) wherever possible; keep privileged
    /// workflows minimal, never check out or run the contribution, and suppress this finding
    /// inline with the reason once reviewed.
    pub struct PrivilegedUntrustedTrigger {
        id: PrivilegedUntrustedTrigger,
        summary: "workflow runs privileged on an outsider's event",
        severity: Low,
        confidence: High,
        scope: Pipeline,
        platforms: &[Platform::GithubActions],
        controls: [A8_25, A8_2],
    }
}

impl Check for PrivilegedUntrustedTrigger {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        if cx.pipeline.kind == annexa_model::pipeline::PipelineKind::Action {
            out.file(
                cx.file,
                Outcome::NotRelevant,
                "action metadata has no triggers",
            );
            return;
        }
        let risky: Vec<_> = cx
            .pipeline
            .triggers
            .iter()
            .filter(|t| matches!(t.name.as_str(), "pull_request_target" | "workflow_run"))
            .collect();
        if risky.is_empty() {
            out.file(
                cx.file,
                Outcome::Pass,
                "no pull_request_target or workflow_run trigger",
            );
        }
        for t in risky {
            out.at(cx.file, &t.site, Outcome::Fail, format!("`{}` runs with the base repository's secrets and a write token on an outsider's event", t.name));
        }
    }
}
