use annexa_model::pipeline::StepAction;
use annexa_model::{Outcome, Platform};

use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Finds package publishing done with a long-lived registry token where the registry
    /// supports short-lived, OIDC-based trusted publishing: PyPI (`pypa/gh-action-pypi-publish`
    /// with `password`, `twine upload` with `TWINE_PASSWORD`), npm (`npm publish` with
    /// `NODE_AUTH_TOKEN`), crates.io (`cargo publish` with `CARGO_REGISTRY_TOKEN`), RubyGems
    /// (`gem push` with `GEM_HOST_API_KEY`).
    ///
    /// ## Why is this bad?
    /// A registry token stored as a secret works from anywhere until someone revokes it; if it
    /// leaks (a log, a compromised action, a workstation), anyone can publish a malicious
    /// release under your name. Trusted publishing mints a token per run, bound to this
    /// repository and workflow, valid for minutes.
    ///
    /// ## Example
    /// ```yaml
    ///       - uses: pypa/gh-action-pypi-publish@<sha>
    ///         with:
    ///           password: ${{ secrets.PYPI_TOKEN }}
    /// ```
    ///
    /// ## Fix
    /// Configure trusted publishing on the registry, grant `id-token: write`, and drop the
    /// token.
    pub struct LongLivedPublishToken {
        id: LongLivedPublishToken,
        summary: "publishing with a long-lived registry token",
        severity: Low,
        confidence: Medium,
        scope: Pipeline,
        platforms: Platform::CI,
        controls: [A5_17, A8_5],
    }
}

/// (command in a script, token variable, registry)
const PUBLISHERS: &[(&str, &str, &str)] = &[
    ("twine upload", "TWINE_PASSWORD", "PyPI"),
    ("uv publish", "UV_PUBLISH_TOKEN", "PyPI"),
    ("npm publish", "NODE_AUTH_TOKEN", "npm"),
    ("cargo publish", "CARGO_REGISTRY_TOKEN", "crates.io"),
    ("gem push", "GEM_HOST_API_KEY", "RubyGems"),
];

impl Check for LongLivedPublishToken {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        let mut any = false;
        for (job, step) in cx.pipeline.steps() {
            match &step.action {
                StepAction::Uses { target, .. }
                    if target
                        .name
                        .eq_ignore_ascii_case("pypa/gh-action-pypi-publish") =>
                {
                    any = true;
                    match step.input("password") {
                        Some(i) => out.at(
                            cx.file,
                            &i.site,
                            Outcome::Fail,
                            format!("job `{}` publishes to PyPI with a long-lived token", job.id),
                        ),
                        None => out.at(
                            cx.file,
                            &step.site,
                            Outcome::Pass,
                            format!("job `{}` publishes to PyPI with trusted publishing", job.id),
                        ),
                    };
                }
                StepAction::Run { script, site, .. } => {
                    let s: String = script.split_whitespace().collect::<Vec<_>>().join(" ");
                    for (cmd, var, registry) in
                        PUBLISHERS.iter().filter(|(cmd, ..)| s.contains(cmd))
                    {
                        any = true;
                        if s.contains("--trusted-publishing")
                            && !s.contains("--trusted-publishing never")
                        {
                            out.at(cx.file, site, Outcome::Pass, format!("`{cmd}` in job `{}` publishes to {registry} with trusted publishing (a short-lived OIDC token)", job.id));
                        } else if cx
                            .pipeline
                            .variables_in_scope(job, step)
                            .any(|v| v.name == *var)
                            || s.contains(var)
                            // An API token passed on the command line (`-p "$TOKEN"`,
                            // `--token`, PyPI's `__token__` user name).
                            || s.contains("__token__")
                            || s.contains(" --token")
                            || s.contains(" --password")
                        {
                            out.at(cx.file, site, Outcome::Fail, format!("`{cmd}` in job `{}` publishes to {registry} with a long-lived token (`{var}`)", job.id));
                        } else {
                            out.at(cx.file, site, Outcome::Unknown, format!("`{cmd}` in job `{}` publishes to {registry}; how it authenticates is not visible in the file", job.id));
                        }
                    }
                }
                _ => {}
            }
        }
        if !any {
            out.file(cx.file, Outcome::NotRelevant, "no package publishing steps");
        }
    }
}
