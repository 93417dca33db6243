//! One ISMS, six CI vendors: the same pipeline with the same weaknesses, written for each CI
//! system under `examples/six-systems/`, must give the same check ids and the same Annex A
//! control status.

use std::collections::BTreeSet;

use annexa_model::{CheckId, Outcome, Platform};

use crate::{root, scan_paths};

/// The four weaknesses every example carries.
const WEAKNESSES: [CheckId; 4] = [
    CheckId::ScanCannotFail,
    CheckId::SecretOnUntrustedTrigger,
    CheckId::UnpinnedImage,
    CheckId::DeployWithoutGate,
];

const SYSTEMS: [(&str, Platform); 6] = [
    ("github-actions", Platform::GithubActions),
    ("gitlab-ci", Platform::GitlabCi),
    ("azure-pipelines", Platform::AzurePipelines),
    ("circleci", Platform::CircleCi),
    ("bitbucket-pipelines", Platform::BitbucketPipelines),
    ("jenkins", Platform::Jenkins),
];

/// Differences a CI system cannot avoid: Jenkins has no hosted runners, so a stage that runs
/// for pull requests always runs on the organisation's own agent.
fn inherent(platform: Platform) -> &'static [CheckId] {
    match platform {
        Platform::Jenkins => &[CheckId::SelfHostedRunnerExposed],
        _ => &[],
    }
}

#[test]
fn six_systems_agree() {
    let mut reference: Option<(
        BTreeSet<CheckId>,
        std::collections::BTreeMap<String, String>,
    )> = None;
    for (dir, platform) in SYSTEMS {
        let path = root().join("examples/six-systems").join(dir);
        let (result, assessment) = scan_paths(std::slice::from_ref(&path));
        assert!(
            result.diagnostics.is_empty(),
            "{dir}: {:?}",
            result.diagnostics
        );
        // Only platform state (branch protection: no snapshot given) may stay unknown.
        let files_only = |o: &&annexa_model::Observation| {
            o.outcome == Outcome::Unknown && o.check != CheckId::UnprotectedDefaultBranch
        };
        assert!(
            !result.observations.iter().any(|o| files_only(&o)),
            "{dir}: the example should be fully analysable: {:?}",
            result
                .observations
                .iter()
                .filter(files_only)
                .map(|o| &o.message)
                .collect::<Vec<_>>()
        );
        let extra = inherent(platform);
        let fails: BTreeSet<CheckId> = result
            .observations
            .iter()
            .filter(|o| o.outcome == Outcome::Fail && !extra.contains(&o.check))
            .map(|o| o.check)
            .collect();
        for w in WEAKNESSES {
            assert!(fails.contains(&w), "{dir}: {w} did not fire: {fails:?}");
        }
        // Every pipeline check that fired is one the platform lists.
        for c in &fails {
            let meta = annexa_checks::by_id(*c).expect("registered").meta();
            assert!(
                meta.platforms.contains(&platform)
                    || meta.platforms.contains(&Platform::Repository),
                "{dir}: {c} fired but does not list {platform:?}"
            );
        }
        // Control status, over the controls the cross-platform checks speak to (a control
        // only a platform-specific check gives evidence for, such as GitHub token permissions,
        // has evidence in one system and none in the others), leaving out controls only a
        // platform-inherent finding touches.
        let generic: BTreeSet<_> = annexa_checks::registry()
            .iter()
            .map(|c| c.meta())
            .filter(|m| {
                Platform::CI.iter().all(|p| m.platforms.contains(p))
                    || m.platforms.contains(&Platform::Repository)
            })
            .flat_map(|m| m.controls.iter().copied())
            .collect();
        let skip: BTreeSet<_> = assessment
            .controls
            .iter()
            .map(|c| c.control)
            .filter(|ctl| !generic.contains(ctl))
            .chain(
                extra
                    .iter()
                    .flat_map(|c| {
                        annexa_checks::by_id(*c)
                            .expect("registered")
                            .meta()
                            .controls
                    })
                    .copied()
                    .filter(|ctl| {
                        !fails.iter().any(|f| {
                            annexa_checks::by_id(*f)
                                .expect("registered")
                                .meta()
                                .controls
                                .contains(ctl)
                        })
                    }),
            )
            .collect();
        // A control every check of which runs on all six systems is compared whole; for a
        // control a platform-specific check also speaks to, the cross-platform checks'
        // evidence levels are compared.
        let generic_checks: BTreeSet<CheckId> = annexa_checks::registry()
            .iter()
            .map(|c| c.meta())
            .filter(|m| {
                Platform::CI.iter().all(|p| m.platforms.contains(p))
                    || m.platforms.contains(&Platform::Repository)
            })
            .map(|m| m.id)
            // A finding one system cannot avoid is left out of every system's comparison.
            .filter(|id| !SYSTEMS.iter().any(|(_, p)| inherent(*p).contains(id)))
            .collect();
        let status: std::collections::BTreeMap<String, String> = assessment
            .controls
            .iter()
            .map(|c| {
                let shown = if c.design.iter().all(|e| generic_checks.contains(&e.check)) {
                    format!("{:?} / {:?}", c.dimensions, c.overall)
                } else {
                    let levels: Vec<String> = c
                        .design
                        .iter()
                        .filter(|e| generic_checks.contains(&e.check))
                        .map(|e| format!("{}={:?}", e.check, e.level))
                        .collect();
                    levels.join(", ")
                };
                (format!("{:?}", c.control), shown)
            })
            .collect();
        let skip: BTreeSet<String> = skip.iter().map(|c| format!("{c:?}")).collect();
        match &reference {
            None => reference = Some((fails, status)),
            Some((f, s)) => {
                assert_eq!(&fails, f, "{dir}: check ids differ from github-actions");
                let diff: Vec<_> = status
                    .iter()
                    .filter(|(k, v)| !skip.contains(*k) && s.get(*k) != Some(*v))
                    .map(|(k, v)| format!("{k}: {v} vs {:?}", s.get(k)))
                    .collect();
                assert!(
                    diff.is_empty(),
                    "{dir}: control status differs from github-actions: {diff:#?}"
                );
            }
        }
    }
}
