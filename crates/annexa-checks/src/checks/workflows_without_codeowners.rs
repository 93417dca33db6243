use annexa_model::pipeline::Site;
use annexa_model::{Location, Outcome, Platform, Span};

use crate::check::{Check, RepoCx, Sink, check, labelled};

check! {
    /// ## What it does
    /// Checks that a CODEOWNERS file exists (root, `.github/`, `docs/` or `.gitlab/`) and
    /// assigns an owner to every pipeline file of the repository.
    ///
    /// ## Why is this bad?
    /// Pipeline files decide what runs with the organisation's secrets and what reaches
    /// production. Change management wants changes to them reviewed by the people responsible
    /// for the pipeline; CODEOWNERS names those people, and branch protection's "require review
    /// from code owners" enforces it. Without an owner, any reviewer can approve a change to the
    /// deploy pipeline.
    ///
    /// Whether code-owner review is *required* is branch protection, platform state; this
    /// check shows the design half.
    ///
    /// ## Example
    /// ```text
    /// # CODEOWNERS
    /// /src/ @acme/developers
    /// ```
    /// (`.github/workflows/` has no owner.)
    ///
    /// ## Fix
    /// ```text
    /// /.github/ @acme/platform-team
    /// ```
    pub struct WorkflowsWithoutCodeowners {
        id: WorkflowsWithoutCodeowners,
        summary: "pipeline files without a code owner",
        severity: Medium,
        confidence: High,
        scope: Repository,
        platforms: &[Platform::Repository],
        controls: [A8_32, A8_4, A5_3],
    }
}

impl Check for WorkflowsWithoutCodeowners {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn repository(&self, cx: &RepoCx<'_>, out: &mut Sink) {
        if cx.pipelines.is_empty() {
            out.repo(
                cx,
                Outcome::NotRelevant,
                "no pipeline files in the repository",
                Vec::new(),
            );
            return;
        }
        let Some(co) = &cx.codeowners else {
            out.repo(
                cx,
                Outcome::Fail,
                format!(
                    "no CODEOWNERS file, so none of the {} pipeline files has an owner",
                    cx.pipelines.len()
                ),
                Vec::new(),
            );
            return;
        };
        for (file, p) in &cx.pipelines {
            let site = Site::default();
            match co.parsed.owner_of(&p.path) {
                Some(rule) if !rule.owners.is_empty() => {
                    let rule_site = Site {
                        span: Some(Span {
                            start: rule.start,
                            end: rule.end,
                        }),
                        ..Site::default()
                    };
                    let loc: Location = labelled(
                        co.file.location(&rule_site),
                        format!("owned by {}", rule.owners.join(" ")),
                    );
                    out.at(
                        file,
                        &site,
                        Outcome::Pass,
                        format!(
                            "{} is owned by {} (CODEOWNERS line {})",
                            p.path,
                            rule.owners.join(" "),
                            rule.line
                        ),
                    )
                    .locations
                    .push(loc);
                }
                Some(rule) => {
                    let rule_site = Site {
                        span: Some(Span {
                            start: rule.start,
                            end: rule.end,
                        }),
                        ..Site::default()
                    };
                    out.at(
                        file,
                        &site,
                        Outcome::Fail,
                        format!(
                            "{} matches CODEOWNERS line {} with no owner",
                            p.path, rule.line
                        ),
                    )
                    .locations
                    .push(labelled(
                        co.file.location(&rule_site),
                        "this rule removes the owner",
                    ));
                }
                None => {
                    out.at(
                        file,
                        &site,
                        Outcome::Fail,
                        format!("{} has no owner in {}", p.path, co.file.path),
                    );
                }
            }
        }
    }
}
