//! Every real-world file under `../shared/corpus` that annexa has a parser for goes through the
//! engine: no panic, every file either maps to the model or has a diagnostic naming what was
//! not understood, and no examined pipeline ends in silence.

use std::collections::BTreeMap;

use annexa_engine::FileStatus;
use annexa_model::status::Overall;

use crate::{corpus, scan_paths};

fn repos(platform: &str) -> Vec<std::path::PathBuf> {
    let dir = corpus().join(platform);
    assert!(
        dir.is_dir(),
        "corpus folder {} is missing (it must sit beside the repository)",
        dir.display()
    );
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

#[test]
fn github_actions_corpus() {
    let paths = repos("github-actions");
    let (result, assessment) = scan_paths(&paths);
    let mut status: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &result.files {
        *status.entry(f.status.as_str()).or_default() += 1;
        if f.status != FileStatus::Understood {
            assert!(
                result
                    .diagnostics
                    .iter()
                    .any(|d| d.repo == f.repo && d.path == f.path && !d.message.is_empty()),
                "{}: {} without a diagnostic",
                f.path,
                f.status.as_str()
            );
        }
        if f.status != FileStatus::Refused && f.kind != annexa_engine::FileKind::Codeowners {
            let said = result
                .observations
                .iter()
                .any(|o| match o.locations.first() {
                    Some(annexa_model::Location::File(l)) => l.repo == f.repo && l.path == f.path,
                    _ => false,
                });
            assert!(
                said,
                "{}: examined but no observation at all (silent)",
                f.path
            );
        }
    }
    let on_disk = walk_count(&corpus().join("github-actions"), |p| {
        annexa_engine::classify(p).is_some_and(|k| k != annexa_engine::FileKind::Codeowners)
    });
    assert_eq!(
        result.files.len(),
        on_disk,
        "every workflow and action file in the corpus is accounted for"
    );
    assert_eq!(
        assessment.count(Overall::Implemented),
        0,
        "files alone never make a control implemented"
    );
    eprintln!(
        "github-actions corpus: {} repositories, {} files: {:?}; {} observations ({} fail, {} unknown); {} diagnostics",
        paths.len(),
        result.files.len(),
        status,
        result.observations.len(),
        result
            .observations
            .iter()
            .filter(|o| o.outcome == annexa_model::Outcome::Fail)
            .count(),
        result
            .observations
            .iter()
            .filter(|o| o.outcome == annexa_model::Outcome::Unknown)
            .count(),
        result.diagnostics.len(),
    );
    // The corpus is real, maintained CI configuration: nearly all of it must be understood.
    let understood = status.get("understood").copied().unwrap_or(0)
        + status.get("partly-understood").copied().unwrap_or(0);
    assert!(
        understood * 100 >= result.files.len() * 95,
        "only {understood} of {} files mapped: {status:?}",
        result.files.len()
    );
}

/// Dockerfiles, Dependabot and Renovate configuration and CODEOWNERS from the corpus: every
/// file the engine classifies is read, and each is understood or has a diagnostic.
#[test]
fn repository_files_corpus() {
    for platform in ["docker", "repo-meta"] {
        let paths = repos(platform);
        let (result, _) = scan_paths(&paths);
        let on_disk = walk_count(&corpus().join(platform), |p| {
            annexa_engine::classify(p).is_some()
        });
        assert_eq!(
            result.files.len(),
            on_disk,
            "{platform}: every classified file is accounted for"
        );
        let mut by: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for f in &result.files {
            *by.entry((f.kind.as_str(), f.status.as_str())).or_default() += 1;
            if f.status != FileStatus::Understood {
                assert!(
                    result
                        .diagnostics
                        .iter()
                        .any(|d| d.repo == f.repo && d.path == f.path),
                    "{}: {} without a diagnostic",
                    f.path,
                    f.status.as_str()
                );
            }
        }
        eprintln!("{platform} corpus: {} files: {by:?}", result.files.len());
        let refused = result
            .files
            .iter()
            .filter(|f| f.status == FileStatus::Refused)
            .count();
        assert!(
            refused * 20 <= result.files.len(),
            "{platform}: {refused} of {} files not examined: {:?}",
            result.files.len(),
            result.diagnostics
        );
    }
}

/// Files under `dir/<repo>/` whose repository-relative path satisfies `pred`.
fn walk_count(dir: &std::path::Path, pred: impl Fn(&str) -> bool) -> usize {
    let mut n = 0;
    for repo in std::fs::read_dir(dir)
        .expect("corpus")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
    {
        let mut stack = vec![repo.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("dir").flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p
                        .strip_prefix(&repo)
                        .expect("inside")
                        .to_string_lossy()
                        .replace('\\', "/");
                    if pred(&rel) {
                        n += 1;
                    }
                }
            }
        }
    }
    n
}

/// The loader builds values in one pass with its span tree; it must agree with `yaml_serde`
/// (the reference loader) on every YAML file of the corpus, all platforms.
#[test]
fn loader_agrees_with_yaml_serde_on_the_whole_corpus() {
    let mut files = Vec::new();
    let mut stack = vec![corpus()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
                files.push(p);
            }
        }
    }
    files.sort();
    let (mut same, mut both_refuse, mut extended) = (0, 0, 0);
    let mut disagree = Vec::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let theirs = yaml_serde::from_str::<yaml_serde::Value>(&text)
            .and_then(|mut v| v.apply_merge().map(|_| v));
        let ours = annexa_source::YamlFile::parse(
            std::sync::Arc::from(text.as_str()),
            &annexa_source::Limits::default(),
        );
        match (ours, theirs) {
            (Ok(o), Ok(t)) if o.value == t => same += 1,
            (Err(_), Err(_)) => both_refuse += 1,
            // Deliberate extensions: GitLab's `spec:` header document before the
            // configuration, and repeated `<<` merge keys (accepted by libyaml-based tools).
            (Ok(_), Err(e))
                if e.to_string().contains("more than one document")
                    || e.to_string().contains("duplicate entry with key \"<<\"") =>
            {
                extended += 1
            }
            (o, t) => disagree.push(format!(
                "{}: ours {:?} / yaml_serde {:?}",
                f.display(),
                o.map(|_| "value").map_err(|e| e.message),
                t.map(|_| "value").map_err(|e| e.to_string())
            )),
        }
    }
    eprintln!(
        "loader vs yaml_serde over {} corpus YAML files: {same} identical, {both_refuse} refused by both, {extended} read only by annexa (GitLab spec header, repeated merge keys), {} differ",
        files.len(),
        disagree.len()
    );
    assert!(files.len() > 1500, "corpus YAML files: {}", files.len());
    assert!(disagree.is_empty(), "{}", disagree.join("\n"));
}

/// GitLab CI, Azure Pipelines, CircleCI, Bitbucket Pipelines and Jenkins: every file of the
/// corpus maps to the model (whole, as a fragment found alone, or as part of the pipeline
/// that includes it) or has a diagnostic naming what was not understood; no panic; every
/// examined pipeline says something.
#[test]
fn five_more_ci_systems_corpus() {
    for platform in [
        "gitlab-ci",
        "azure-pipelines",
        "circleci",
        "bitbucket",
        "jenkins",
    ] {
        let paths = repos(platform);
        let (result, assessment) = scan_paths(&paths);
        assert!(
            result
                .diagnostics
                .iter()
                .all(|d| d.kind != annexa_model::DiagnosticKind::Internal),
            "{platform}: annexa failed on a file: {:?}",
            result.diagnostics
        );
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        let mut scripted = 0;
        for f in result.files.iter().filter(|f| f.kind.is_pipeline()) {
            let role = f.role().unwrap_or("-");
            let key = match (f.status, role) {
                (FileStatus::Refused, _) => "not examined".to_owned(),
                (_, "included") => "included (analysed in context)".to_owned(),
                (_, "fragment") => "fragment".to_owned(),
                (FileStatus::Partly, _) => "partly".to_owned(),
                _ => "understood".to_owned(),
            };
            *counts.entry(key).or_default() += 1;
            if f.status != FileStatus::Understood {
                assert!(
                    result
                        .diagnostics
                        .iter()
                        .any(|d| d.repo == f.repo && d.path == f.path && !d.message.is_empty()),
                    "{platform}: {}: {} without a diagnostic",
                    f.path,
                    f.status.as_str()
                );
            }
            let said = |path: &str| {
                result.observations.iter().any(|o| {
                    o.locations.iter().any(|l| match l {
                        annexa_model::Location::File(l) => l.repo == f.repo && l.path == path,
                        _ => false,
                    }) || matches!(&o.subject, annexa_model::SubjectKey::Repo { path: p, .. } if p == path)
                })
            };
            if f.status != FileStatus::Refused {
                // An included file speaks through the pipelines that include it.
                let silent = if f.included_by.is_empty() {
                    !said(&f.path)
                } else {
                    !f.included_by.iter().any(|p| said(p))
                };
                assert!(!silent, "{platform}: {}: examined but silent", f.path);
            }
            if result.observations.iter().any(|o| {
                o.message.contains("scripted pipeline")
                    && matches!(o.locations.first(), Some(annexa_model::Location::File(l)) if l.repo == f.repo && l.path == f.path)
            }) {
                scripted += 1;
            }
        }
        let on_disk = walk_count(&corpus().join(platform), |p| {
            annexa_engine::classify(p).is_some_and(|k| k.is_pipeline())
        });
        let listed = result.files.iter().filter(|f| f.kind.is_pipeline()).count();
        assert!(
            listed >= on_disk,
            "{platform}: {listed} pipeline files listed, {on_disk} on disk by name"
        );
        assert_eq!(assessment.count(Overall::Implemented), 0);
        let examined: usize = counts
            .iter()
            .filter(|(k, _)| *k != "not examined")
            .map(|(_, v)| v)
            .sum();
        assert!(
            examined * 100 >= listed * 90,
            "{platform}: only {examined} of {listed} files examined: {counts:?}"
        );
        eprintln!(
            "{platform} corpus: {} repositories, {listed} pipeline files: {counts:?}{}; {} observations ({} fail, {} unknown)",
            paths.len(),
            if platform == "jenkins" {
                format!("; {} scripted, {} declarative", scripted, listed - scripted)
            } else {
                String::new()
            },
            result.observations.len(),
            result
                .observations
                .iter()
                .filter(|o| o.outcome == annexa_model::Outcome::Fail)
                .count(),
            result
                .observations
                .iter()
                .filter(|o| o.outcome == annexa_model::Outcome::Unknown)
                .count(),
        );
    }
}
