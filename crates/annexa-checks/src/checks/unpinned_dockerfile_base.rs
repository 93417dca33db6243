use annexa_model::pipeline::Pinning;
use annexa_model::{Outcome, Platform};
use annexa_repofiles::BaseKind;

use crate::check::{Check, RepoCx, Sink, check};

check! {
    /// ## What it does
    /// Checks that every `FROM` of every Dockerfile names its base image by digest
    /// (`@sha256:...`). Earlier stages (`FROM build`) and `scratch` are not external images and
    /// are not relevant; images chosen by a build argument (`FROM $BASE`) are `unknown`.
    ///
    /// ## Why is this bad?
    /// A tag can be re-pushed: the image you build on today is not the one you reviewed, and a
    /// compromised or careless upstream changes your product without a change in your
    /// repository. A digest makes the base image part of the reviewed source.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// ```
    ///
    /// ## Fix
    /// ```dockerfile
    /// FROM python:3.12-slim@sha256:<digest>
    /// ```
    /// and let Dependabot or Renovate keep the digest current.
    pub struct UnpinnedDockerfileBase {
        id: UnpinnedDockerfileBase,
        summary: "Dockerfile base image not pinned by digest",
        severity: Low,
        confidence: High,
        scope: Repository,
        platforms: &[Platform::Repository],
        controls: [A5_21, A8_9],
    }
}

impl Check for UnpinnedDockerfileBase {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn repository(&self, cx: &RepoCx<'_>, out: &mut Sink) {
        if cx.dockerfiles.is_empty() {
            out.repo(
                cx,
                Outcome::NotRelevant,
                "no Dockerfiles in the repository",
                Vec::new(),
            );
            return;
        }
        for d in &cx.dockerfiles {
            let mut any = false;
            for b in &d.parsed.bases {
                let (outcome, msg) = match (b.kind, b.pinning) {
                    (BaseKind::Stage | BaseKind::Scratch, _) => continue,
                    (BaseKind::Variable, _) => (
                        Outcome::Unknown,
                        format!(
                            "base image `{}` is chosen by a build argument and cannot be checked",
                            b.image
                        ),
                    ),
                    (_, Pinning::Immutable) => (
                        Outcome::Pass,
                        format!("base image `{}` is pinned by digest", b.image),
                    ),
                    (_, Pinning::Version) => (
                        Outcome::Fail,
                        format!(
                            "base image `{}` uses a tag, which can be re-pushed",
                            b.image
                        ),
                    ),
                    _ => (
                        Outcome::Fail,
                        format!(
                            "base image `{}` has no tag or digest, or uses `latest`",
                            b.image
                        ),
                    ),
                };
                any = true;
                out.at(d.file, &b.site, outcome, msg);
            }
            if !any {
                out.file(d.file, Outcome::NotRelevant, "no external base images");
            }
        }
    }
}
