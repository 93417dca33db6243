use annexa_model::{Outcome, Platform};

use crate::check::{Check, GitlabProjectCx, Sink, check};

check! {
    /// ## What it does
    /// Checks each production environment of a GitLab project (tier `production`, or a
    /// production name when GitLab gives no tier) against the project's protected
    /// environments (wildcards included): it must be protected, and its deploy access must not
    /// include Developers. Projects without a production environment are not judged.
    ///
    /// ## Why is this bad?
    /// An unprotected environment can be deployed to by any job any Developer can run, from
    /// any branch: production changes with no gate and no accountable deployer. ISO 27001
    /// A.8.31 asks for production to be separated from development and test, and A.8.32 for
    /// changes to reach production only through the agreed process.
    ///
    /// ## Example
    /// Environment `production` (tier `production`) exists but
    /// `GET /projects/acme%2Fapp/protected_environments` does not list it, or lists it with
    /// "Developers + Maintainers" (30) allowed to deploy.
    ///
    /// ## Fix
    /// Settings → CI/CD → Protected environments: protect `production`, allow deployments by
    /// Maintainers or a release group only, and add required approvals.
    pub struct ProductionEnvironmentUnprotected {
        id: ProductionEnvironmentUnprotected,
        summary: "any developer can deploy to a production environment",
        severity: High,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GitlabPlatform],
        controls: [A8_31, A8_32],
    }
}

impl Check for ProductionEnvironmentUnprotected {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn gitlab_project(&self, cx: &GitlabProjectCx<'_>, out: &mut Sink) {
        super::gitlab::for_production_environments(cx, out, "who may deploy", |env, found| {
            let name = &env.name;
            if found.is_empty() {
                return (
                    Outcome::Fail,
                    format!(
                        "production environment `{name}` is not protected: any Developer who can run a pipeline can deploy to it"
                    ),
                );
            }
            // Several matching protections let in everyone any of them lets in.
            let deployers: Vec<_> = found.iter().flat_map(|p| &p.deploy_access_levels).collect();
            let who = super::gitlab::who(deployers.iter().copied());
            if deployers.iter().any(|a| a.admits_below_maintainer()) {
                (
                    Outcome::Fail,
                    format!(
                        "production environment `{name}` is protected, but {who} may deploy to it"
                    ),
                )
            } else {
                (
                    Outcome::Pass,
                    format!(
                        "production environment `{name}` is protected; deployments limited to {who}"
                    ),
                )
            }
        });
    }
}
