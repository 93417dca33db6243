//! The command line: exit codes, determinism, configuration errors, formats.

use predicates::prelude::*;

use crate::{annexa, root};

fn example() -> std::path::PathBuf {
    root().join("examples/insecure-app")
}

#[test]
fn report_only_run_exits_zero() {
    annexa()
        .arg("scan")
        .arg(example())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("template-injection"));
}

#[test]
fn fail_on_gates_on_severity() {
    annexa()
        .arg("scan")
        .arg(example())
        .args(["--fail-on", "critical"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("at or above --fail-on critical"));
    let clean = root().join("crates/annexa-checks/fixtures/unpinned-external-code/clean-pinned");
    annexa()
        .arg("scan")
        .arg(&clean)
        .args(["--fail-on", "high"])
        .assert()
        .code(0);
}

#[test]
fn strict_fails_on_unreadable_files() {
    // The example has a deliberately broken workflow.
    annexa()
        .arg("scan")
        .arg(example())
        .arg("--strict")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("could not be examined"));
}

#[test]
fn usage_and_config_errors_exit_two() {
    annexa()
        .args(["scan", "/definitely/not/here"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a directory"));
    annexa()
        .args(["scan", "--fail-on", "severe"])
        .assert()
        .code(2);
    annexa()
        .args(["checks", "no-such-check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a check id"));
    annexa().args(["controls", "A.9.9"]).assert().code(2);
    annexa()
        .args(["scan", "--as-of", "yesterday"])
        .arg(example())
        .assert()
        .code(2);
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::write(
        tmp.path().join("annexa.toml"),
        "[scan]\nfail-on = \"high\"\ncolour = true\n",
    )
    .expect("write");
    annexa()
        .arg("scan")
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "annexa.toml:3:1: unknown field `colour`",
        ));
}

#[test]
fn config_fail_on_and_excludes_apply_and_stay_visible() {
    let tmp = tempfile::tempdir().expect("tmp");
    let wf = tmp.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).expect("mkdir");
    let bad = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n";
    std::fs::write(wf.join("ci.yml"), bad).expect("write");
    std::fs::write(wf.join("vendored.yml"), bad).expect("write");
    std::fs::write(
        tmp.path().join("annexa.toml"),
        "[scan]\nfail-on = \"medium\"\nexclude = [\".github/workflows/vendored.yml\"]\n",
    )
    .expect("write");
    let out = annexa()
        .arg("scan")
        .arg(tmp.path())
        .args(["--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(
        v["not_examined"]["excluded"][0]["path"],
        ".github/workflows/vendored.yml"
    );
    assert_eq!(v["files"].as_array().map(Vec::len), Some(1));
    // The command line wins over the file.
    annexa()
        .arg("scan")
        .arg(tmp.path())
        .args(["--fail-on", "never"])
        .assert()
        .code(0);
}

#[test]
fn reports_are_byte_identical_for_the_same_as_of() {
    for format in ["json", "terminal"] {
        let run = || {
            annexa()
                .env("NO_COLOR", "1")
                .arg("scan")
                .arg(example())
                .args(["--format", format, "--as-of", "2026-11-26T00:00:00Z"])
                .output()
                .expect("run")
                .stdout
        };
        let a = run();
        assert!(!a.is_empty());
        assert_eq!(a, run(), "{format} output differs between runs");
    }
}

#[test]
fn output_file_is_written_whole() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("report.json");
    annexa()
        .arg("scan")
        .arg(example())
        .args(["--format", "json", "--output"])
        .arg(&out)
        .assert()
        .code(0)
        .stdout("");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("read")).expect("json");
    assert_eq!(v["schema_version"], 1);
}

#[test]
fn output_to_a_device_writes_through_it_and_keeps_it_a_device() {
    use std::os::unix::fs::FileTypeExt as _;
    // A FIFO stands in for /dev/null: the report must be written into it, never renamed over it.
    let tmp = tempfile::tempdir().expect("tmp");
    let fifo = tmp.path().join("report.fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).expect("read fifo"))
    };
    annexa()
        .arg("scan")
        .arg(example())
        .args(["--format", "json", "--output"])
        .arg(&fifo)
        .assert()
        .code(0);
    let text = reader.join().expect("reader");
    assert!(text.contains("\"schema_version\": 1"));
    assert!(
        std::fs::metadata(&fifo)
            .expect("still there")
            .file_type()
            .is_fifo(),
        "the FIFO was replaced by a file"
    );
}

#[test]
fn no_color_is_honoured_and_files_get_plain_text() {
    let out = annexa()
        .env("NO_COLOR", "1")
        .arg("scan")
        .arg(example())
        .output()
        .expect("run");
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
}

#[test]
fn controls_and_checks_commands() {
    let out = annexa()
        .args(["controls", "--format", "json", "--path"])
        .arg(example())
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(93));
    assert!(
        v.as_array()
            .expect("array")
            .iter()
            .all(|c| c["overall"] != "implemented")
    );
    annexa()
        .args(["controls", "A.8.29", "--path"])
        .arg(example())
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("design check missing-sast")
                .and(predicate::str::contains("crosswalk"))
                .and(predicate::str::contains("runs on pull_request")),
        );
    annexa()
        .args(["checks"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("unpinned-external-code"));
    annexa()
        .args(["checks", "template-injection"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("## Why is this bad?"));
    let out = annexa()
        .args(["checks", "--format", "json"])
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        v.as_array().map(Vec::len),
        Some(annexa_model::CheckId::ALL.len())
    );
}

#[test]
fn git_checkout_gets_repo_commit_provenance() {
    let tmp = tempfile::tempdir().expect("tmp");
    let repo = tmp.path();
    let wf = repo.join(".github/workflows");
    std::fs::create_dir_all(&wf).expect("mkdir");
    std::fs::write(wf.join("ci.yml"), "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n").expect("write");
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .status()
            .expect("git")
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["remote", "add", "origin", "https://github.com/acme/app.git"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "init"]);
    let out = annexa()
        .arg("scan")
        .arg(repo)
        .args(["--format", "json"])
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let commit = v["repositories"][0]["commit"]
        .as_str()
        .expect("commit")
        .to_owned();
    assert_eq!(v["repositories"][0]["provenance"], "repo-commit");
    let f = &v["findings"][0];
    assert_eq!(f["provenance"], "repo-commit");
    assert_eq!(
        f["subject"],
        format!(
            "repo:github.com/acme/app@{commit}:.github/workflows/ci.yml#jobs.a.steps[uses=\"actions/checkout\"].uses"
        )
    );
    // An uncommitted edit makes that file working-tree evidence, with no commit in its key.
    std::fs::write(wf.join("ci.yml"), "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v3\n").expect("write");
    let out = annexa()
        .arg("scan")
        .arg(repo)
        .args(["--format", "json"])
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["findings"][0]["provenance"], "working-tree");
    assert_eq!(
        v["findings"][0]["subject"],
        "repo:github.com/acme/app@working-tree:.github/workflows/ci.yml#jobs.a.steps[uses=\"actions/checkout\"].uses"
    );
}
