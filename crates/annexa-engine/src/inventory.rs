//! What the estate's pipelines pull in from outside: CI services, third-party actions,
//! reusable workflows, images, templates, orbs, pipes, libraries, hosted runners — and the
//! self-hosted runners the pipelines target. The supplier register (A.5.19–A.5.23) and the
//! scope reconciliation (runners) are judged against it.

use std::collections::{BTreeMap, BTreeSet};

use annexa_assess::suppliers::Component;
use annexa_checks::FileInfo;
use annexa_model::pipeline::{ExternalKind, Pinning, Pipeline, RunnerKind};

/// The estate's third-party components and runners.
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    /// Every component, sorted by kind and name.
    pub components: Vec<Component>,
    /// Self-hosted runners the pipelines target: the labels (sorted, `, `-joined) with the
    /// repositories whose jobs run there.
    pub self_hosted: Vec<(String, Vec<String>)>,
}

/// The supplier kind and the (name, publisher) of an external reference; `None` for what is
/// inside the repository, computed at run time, or shipped by the CI service itself.
fn component_of(
    kind: ExternalKind,
    name: &str,
    pinning: Pinning,
) -> Option<(&'static str, String, String)> {
    if matches!(
        pinning,
        Pinning::Local | Pinning::Dynamic | Pinning::Platform
    ) || name.is_empty()
    {
        return None;
    }
    let kind_str = match kind {
        ExternalKind::Action | ExternalKind::ReusableWorkflow | ExternalKind::Task => "action",
        ExternalKind::Image => "image",
        ExternalKind::Include | ExternalKind::Template => "template",
        ExternalKind::Orb => "orb",
        ExternalKind::Pipe => "pipe",
        ExternalKind::SharedLibrary => "library",
    };
    if kind == ExternalKind::Image {
        let (full, publisher) = image_name(name);
        return Some((kind_str, full, publisher));
    }
    // A remote include or template by URL is published by its host.
    if let Some(rest) = name
        .strip_prefix("https://")
        .or_else(|| name.strip_prefix("http://"))
    {
        let host = rest.split('/').next().unwrap_or(rest).to_owned();
        return Some((kind_str, name.to_owned(), host));
    }
    let publisher = name.split(['/', '@']).next().unwrap_or(name).to_owned();
    Some((kind_str, name.to_owned(), publisher))
}

/// An image name made explicit (`node` → `docker.io/library/node`) and its publisher
/// (`docker.io/library`).
fn image_name(name: &str) -> (String, String) {
    // Docker Hub's other names for itself.
    let name = [
        "index.docker.io/",
        "registry-1.docker.io/",
        "registry.hub.docker.com/",
    ]
    .iter()
    .find_map(|p| name.strip_prefix(p).map(|rest| format!("docker.io/{rest}")))
    .unwrap_or_else(|| name.to_owned());
    let name = name.as_str();
    // `docker.io/node` is an official image: `docker.io/library/node`.
    if let Some(rest) = name.strip_prefix("docker.io/")
        && !rest.contains('/')
    {
        return (
            format!("docker.io/library/{rest}"),
            "docker.io/library".to_owned(),
        );
    }
    let parts: Vec<&str> = name.split('/').collect();
    let has_registry = parts.len() > 1
        && (parts[0].contains('.') || parts[0].contains(':') || parts[0] == "localhost");
    let full = match (has_registry, parts.len()) {
        (true, _) => name.to_owned(),
        (false, 1) => format!("docker.io/library/{name}"),
        (false, _) => format!("docker.io/{name}"),
    };
    let publisher = full
        .rsplit_once('/')
        .map_or(full.clone(), |(p, _)| p.to_owned());
    (full, publisher)
}

/// Build the inventory from the analysed pipelines.
pub(crate) fn build(pipelines: &[(FileInfo, Pipeline)]) -> Inventory {
    type Key = (&'static str, String, String);
    let mut uses: BTreeMap<Key, (usize, BTreeSet<String>)> = BTreeMap::new();
    let mut runners: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (info, p) in pipelines {
        let repo = if info.identity.owner.is_empty() {
            info.identity.name.to_string()
        } else {
            format!("{}/{}", info.identity.owner, info.identity.name)
        };
        let mut add = |k: Key| {
            let e = uses.entry(k).or_default();
            e.0 += 1;
            e.1.insert(repo.clone());
        };
        let service = p.platform.as_str().to_owned();
        add(("ci-service", service.clone(), service.clone()));
        for e in p.all_externals() {
            if let Some(k) = component_of(e.kind, &e.name, e.pinning) {
                add(k);
            }
        }
        for job in &p.jobs {
            let Some(r) = &job.runner else { continue };
            let mut labels: Vec<&str> = r.labels.iter().map(String::as_str).collect();
            labels.sort_unstable();
            labels.dedup();
            let labels = labels.join(", ");
            match r.kind {
                RunnerKind::Hosted => add((
                    "runner",
                    format!("{service} hosted: {labels}"),
                    service.clone(),
                )),
                RunnerKind::SelfHosted => {
                    runners.entry(labels).or_default().insert(repo.clone());
                }
                RunnerKind::Unknown => {}
            }
        }
    }
    Inventory {
        components: uses
            .into_iter()
            .map(|((kind, name, publisher), (n, repos))| Component {
                kind: kind.to_owned(),
                name,
                publisher,
                uses: n,
                repositories: repos.into_iter().collect(),
            })
            .collect(),
        self_hosted: runners
            .into_iter()
            .map(|(l, r)| (l, r.into_iter().collect()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_named_with_their_registry_and_publisher() {
        assert_eq!(
            image_name("node"),
            ("docker.io/library/node".into(), "docker.io/library".into())
        );
        assert_eq!(
            image_name("bitnami/kubectl"),
            (
                "docker.io/bitnami/kubectl".into(),
                "docker.io/bitnami".into()
            )
        );
        for alias in [
            "docker.io/node",
            "index.docker.io/library/node",
            "registry-1.docker.io/node",
        ] {
            assert_eq!(
                image_name(alias),
                ("docker.io/library/node".into(), "docker.io/library".into()),
                "{alias}"
            );
        }
        assert_eq!(
            image_name("ghcr.io/acme/tools/builder"),
            (
                "ghcr.io/acme/tools/builder".into(),
                "ghcr.io/acme/tools".into()
            )
        );
    }

    #[test]
    fn local_dynamic_and_platform_references_are_not_suppliers() {
        assert!(component_of(ExternalKind::Action, "./local", Pinning::Local).is_none());
        assert!(component_of(ExternalKind::Task, "Bash", Pinning::Platform).is_none());
        assert_eq!(
            component_of(
                ExternalKind::Include,
                "https://gitlab.example.com/ci/templates/-/raw/main/build.yml",
                Pinning::Mutable
            )
            .map(|c| c.2),
            Some("gitlab.example.com".into())
        );
        assert_eq!(
            component_of(ExternalKind::Action, "actions/checkout", Pinning::Version),
            Some(("action", "actions/checkout".into(), "actions".into()))
        );
    }
}
