//! GitLab CI assembly through the engine: includes, child pipelines, cycles, rules, hostile
//! configuration. Each test is a small repository written to a temporary folder.

use annexa_engine::ScanResult;
use annexa_model::{CheckId, Location, Observation, Outcome};

use crate::scan_paths;

fn repo(files: &[(&str, &str)]) -> (tempfile::TempDir, ScanResult) {
    let tmp = tempfile::tempdir().expect("tmp");
    for (path, text) in files {
        let p = tmp.path().join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    let (result, _) = scan_paths(&[tmp.path().to_owned()]);
    (tmp, result)
}

fn of(result: &ScanResult, check: CheckId, outcome: Outcome) -> Vec<&Observation> {
    result
        .observations
        .iter()
        .filter(|o| o.check == check && o.outcome == outcome)
        .collect()
}

fn path_of(o: &Observation) -> &str {
    match o.locations.first() {
        Some(Location::File(f)) => &f.path,
        _ => "",
    }
}

const SECRET: &str = "  variables:\n    DEPLOY_TOKEN: \"glpat-s3cr3tValueXYZ1234567890abcd\"\n";

#[test]
fn a_file_reached_through_an_unnamed_include_is_reported_once() {
    let (_t, r) = repo(&[
        (
            ".gitlab-ci.yml",
            "include:\n  - local: ci/a.yml\nbuild:\n  script: [make]\n",
        ),
        ("ci/a.yml", "include:\n  - local: .gitlab/ci/b.yml\n"),
        (
            ".gitlab/ci/b.yml",
            &format!("deploy:\n{SECRET}  script: [./deploy.sh]\n"),
        ),
    ]);
    let fails = of(&r, CheckId::HardcodedCredential, Outcome::Fail);
    assert_eq!(fails.len(), 1, "{fails:#?}");
    assert_eq!(path_of(fails[0]), ".gitlab/ci/b.yml");
    let b = r.file(0, ".gitlab/ci/b.yml").expect("listed");
    assert_eq!(b.included_by, vec![".gitlab-ci.yml".to_owned()]);
    assert!(r.file(0, "ci/a.yml").is_some(), "included files are listed");
}

#[test]
fn an_include_cycle_without_an_entry_point_is_analysed_once() {
    let (_t, r) = repo(&[
        (
            ".gitlab/ci/a.yml",
            &format!("include: .gitlab/ci/b.yml\njob-a:\n{SECRET}  script: [x]\n"),
        ),
        (
            ".gitlab/ci/b.yml",
            "include: .gitlab/ci/a.yml\njob-b:\n  script: [y]\n",
        ),
    ]);
    let fails = of(&r, CheckId::HardcodedCredential, Outcome::Fail);
    assert_eq!(fails.len(), 1, "{fails:#?}");
}

#[test]
fn child_pipelines_are_analysed_or_declared_unanalysed() {
    let (_t, r) = repo(&[
        (
            ".gitlab-ci.yml",
            "named:\n  trigger:\n    include: .gitlab/ci/child.yml\nunnamed:\n  trigger:\n    include: ci/child.yml\ndynamic:\n  trigger:\n    include:\n      - artifact: generated.yml\n        job: gen\n",
        ),
        (
            ".gitlab/ci/child.yml",
            &format!("deploy:\n{SECRET}  script: [./d.sh]\n"),
        ),
        (
            "ci/child.yml",
            &format!("deploy:\n{SECRET}  script: [./d.sh]\n"),
        ),
    ]);
    let fails = of(&r, CheckId::HardcodedCredential, Outcome::Fail);
    assert_eq!(fails.len(), 1, "{fails:#?}");
    assert_eq!(path_of(fails[0]), ".gitlab/ci/child.yml");
    let unknown = of(&r, CheckId::HardcodedCredential, Outcome::Unknown);
    assert_eq!(unknown.len(), 1);
    assert!(unknown[0].message.contains("child pipeline `ci/child.yml`"));
    assert!(unknown[0].message.contains("generated at run time"));
}

#[test]
fn an_include_that_cannot_be_read_is_unknown_not_a_pass() {
    let (_t, r) = repo(&[
        (
            ".gitlab-ci.yml",
            "include:\n  - local: ci/deploy.yml\nbuild:\n  script: [make]\n",
        ),
        ("ci/deploy.yml", "deploy: [unclosed\n"),
    ]);
    let unknown = of(&r, CheckId::HardcodedCredential, Outcome::Unknown);
    assert_eq!(unknown.len(), 1, "{:#?}", r.observations);
    assert!(unknown[0].message.contains("ci/deploy.yml"));
}

#[test]
fn rules_by_reference_and_merge_request_variables_count() {
    let (_t, r) = repo(&[(
        ".gitlab-ci.yml",
        ".mr:\n  rules:\n    - if: $CI_MERGE_REQUEST_IID\npreview:\n  rules: !reference [.mr, rules]\n  script:\n    - ./preview.sh --token \"$PREVIEW_TOKEN\"\nmaybe-manual:\n  rules:\n    - if: $BY_HAND\n      when: manual\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n  script:\n    - ./deploy.sh --token \"$PROD_TOKEN\"\n",
    )]);
    let fails = of(&r, CheckId::SecretOnUntrustedTrigger, Outcome::Fail);
    let jobs: Vec<&str> = fails.iter().map(|o| o.message.as_str()).collect();
    assert_eq!(fails.len(), 2, "{jobs:#?}");
}

#[test]
fn only_variables_keeps_the_default_refs() {
    let (_t, r) = repo(&[(
        ".gitlab-ci.yml",
        "test:\n  only:\n    variables: [$RUN_TESTS]\n  script:\n    - ./t.sh --token \"$API_TOKEN\"\nmr:\n  only: [merge_requests]\n  script: [make]\n",
    )]);
    assert!(of(&r, CheckId::SecretOnUntrustedTrigger, Outcome::Fail).is_empty());
    assert_eq!(
        of(&r, CheckId::SecretOnUntrustedTrigger, Outcome::Pass).len(),
        1
    );
}

#[test]
fn disabled_security_templates_do_not_count() {
    let (_t, r) = repo(&[(
        ".gitlab-ci.yml",
        "include:\n  - template: Jobs/Secret-Detection.gitlab-ci.yml\n  - template: DAST.gitlab-ci.yml\nvariables:\n  SECRET_DETECTION_DISABLED: \"true\"\nworkflow:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\nbuild:\n  script: [make]\n",
    )]);
    assert_eq!(
        of(&r, CheckId::MissingSecretScanning, Outcome::Fail).len(),
        1
    );
    // DAST is not SAST.
    assert_eq!(of(&r, CheckId::MissingSast, Outcome::Fail).len(), 1);
}

#[test]
fn later_includes_win_for_top_level_globals() {
    let (_t, r) = repo(&[
        (
            ".gitlab-ci.yml",
            "include:\n  - local: ci/one.yml\n  - local: ci/two.yml\nbuild:\n  script: [make]\n",
        ),
        ("ci/one.yml", "image: node:latest\n"),
        (
            "ci/two.yml",
            "image: node@sha256:0000000000000000000000000000000000000000000000000000000000000000\n",
        ),
    ]);
    assert!(of(&r, CheckId::UnpinnedImage, Outcome::Fail).is_empty());
    let pass = of(&r, CheckId::UnpinnedImage, Outcome::Pass);
    assert_eq!(pass.len(), 1);
    assert_eq!(path_of(pass[0]), "ci/two.yml");
}

#[test]
fn spec_header_with_non_ascii_text_keeps_lines_and_masks_secrets() {
    let text = format!(
        "# Déploiement éèêëàâäôöûüç\nspec:\n  inputs:\n    env:\n      default: prod\n---\ndeploy:\n{SECRET}  script: [./d.sh]\n"
    );
    let (_t, r) = repo(&[(".gitlab-ci.yml", &text)]);
    let fails = of(&r, CheckId::HardcodedCredential, Outcome::Fail);
    assert_eq!(fails.len(), 1);
    let file = r.file(0, ".gitlab-ci.yml").expect("file");
    let kept = file.text.as_deref().expect("text");
    assert!(
        !kept.contains("s3cr3t") && !kept.contains("XYZ123"),
        "{kept}"
    );
    let Some(Location::File(f)) = fails[0].locations.first() else {
        panic!("no location")
    };
    let line = annexa_source::line_col(kept, f.span.expect("span").start).0;
    assert_eq!(line, 9);
}

#[test]
fn hostile_extends_and_references_are_bounded() {
    let parents = [".a"; 12].join(", ");
    let refs = "    - !reference [job, script]\n".repeat(12);
    let (_t, r) = repo(&[(
        ".gitlab-ci.yml",
        &format!(
            ".a:\n  extends: [{parents}]\n  script: [x]\nwide:\n  extends: .a\njob:\n  script:\n{refs}"
        ),
    )]);
    assert!(r.file(0, ".gitlab-ci.yml").is_some());
    assert!(
        r.diagnostics.iter().any(|d| d.message.contains("cycle")),
        "{:?}",
        r.diagnostics
    );
}

#[test]
fn an_uncommitted_include_makes_the_whole_pipeline_working_tree_evidence() {
    let (tmp, _) = repo(&[
        (
            ".gitlab-ci.yml",
            "include:\n  - local: ci/base.yml\ndeploy:\n  extends: .base\n  script: [./d.sh]\n",
        ),
        (
            "ci/base.yml",
            ".base:\n  rules:\n    - if: $CI_COMMIT_TAG\n",
        ),
    ]);
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .arg("-C")
            .arg(tmp.path())
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .status()
            .expect("git")
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "init"]);
    let (clean, _) = scan_paths(&[tmp.path().to_owned()]);
    let main_file = |r: &ScanResult| {
        r.observations
            .iter()
            .filter(|o| path_of(o) == ".gitlab-ci.yml")
            .map(|o| o.provenance)
            .collect::<Vec<_>>()
    };
    assert!(!main_file(&clean).is_empty());
    assert!(
        main_file(&clean)
            .iter()
            .all(|p| *p == annexa_model::Provenance::RepoCommit)
    );
    std::fs::write(
        tmp.path().join("ci/base.yml"),
        ".base:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n",
    )
    .expect("edit");
    let (dirty, _) = scan_paths(&[tmp.path().to_owned()]);
    assert!(
        main_file(&dirty)
            .iter()
            .all(|p| *p == annexa_model::Provenance::WorkingTree)
    );
}
