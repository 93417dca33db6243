//! `annexa init` scaffolds annexa.toml and the CI/CD policy templates without ever
//! overwriting a file; `annexa policies` lists them with their approval and review state.

use crate::annexa;

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn init(dir: &std::path::Path) -> std::process::Output {
    annexa().arg("init").arg(dir).output().expect("run")
}

#[test]
fn init_writes_seven_files_once_and_then_skips() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("repo");
    let first = init(&dir);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let text = stdout(&first);
    assert_eq!(
        text.lines().filter(|l| l.starts_with("wrote ")).count(),
        7,
        "{text}"
    );
    assert!(text.contains("7 written, 0 skipped"), "{text}");
    let policies: Vec<_> = std::fs::read_dir(dir.join("isms/policies"))
        .expect("policies")
        .collect();
    assert_eq!(policies.len(), 6);
    assert!(
        std::fs::read_to_string(dir.join("annexa.toml"))
            .expect("annexa.toml")
            .starts_with("#:schema ")
    );

    // An edited file survives a second run untouched.
    let edited = dir.join("isms/policies/change-management.md");
    std::fs::write(&edited, "edited").expect("edit");
    let second = init(&dir);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    let text = stdout(&second);
    assert!(!text.lines().any(|l| l.starts_with("wrote ")), "{text}");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("skipped ")).count(),
        7,
        "{text}"
    );
    assert!(text.contains("0 written, 7 skipped"), "{text}");
    assert_eq!(std::fs::read_to_string(&edited).expect("read"), "edited");
}

#[test]
fn written_annexa_toml_is_accepted_by_scan() {
    let tmp = tempfile::tempdir().expect("tmp");
    assert_eq!(init(tmp.path()).status.code(), Some(0));
    let out = annexa()
        .arg("scan")
        .arg(tmp.path())
        .args(["--fail-on", "never"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // And explicitly through --config, so a silently ignored file cannot pass.
    let out = annexa()
        .arg("scan")
        .arg(tmp.path())
        .arg("--config")
        .arg(tmp.path().join("annexa.toml"))
        .args(["--fail-on", "never"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

fn policies(dir: &std::path::Path, as_of: &str) -> std::process::Output {
    annexa()
        .arg("policies")
        .arg("--path")
        .arg(dir)
        .args(["--as-of", as_of])
        .output()
        .expect("run")
}

#[test]
fn fresh_templates_are_listed_unapproved_and_about_cicd() {
    let tmp = tempfile::tempdir().expect("tmp");
    assert_eq!(init(tmp.path()).status.code(), Some(0));
    let out = policies(tmp.path(), "2026-11-26");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for id in [
        "POL-SDL", "POL-CHG", "POL-ACC", "POL-SUP", "POL-LOG", "POL-ENV",
    ] {
        assert!(text.contains(id), "{id}: {text}");
    }
    assert_eq!(text.matches("approved:       no").count(), 6, "{text}");
    assert_eq!(text.matches("mentions CI/CD: yes").count(), 6, "{text}");
    assert!(text.contains("A.8.32"), "{text}");
    assert!(
        text.contains(
            "6 policies as of 2026-11-26: 0 approved, 0 overdue for review, 6 mention CI/CD"
        ),
        "{text}"
    );
}

#[test]
fn approved_policy_past_its_review_interval_is_overdue() {
    let tmp = tempfile::tempdir().expect("tmp");
    assert_eq!(init(tmp.path()).status.code(), Some(0));
    let path = tmp.path().join("isms/policies/change-management.md");
    let text = std::fs::read_to_string(&path).expect("read");
    let text = text
        .replace("approver:\n", "approver: CISO\n")
        .replace("approved-on:\n", "approved-on: 2025-10-26\n");
    std::fs::write(&path, text).expect("write");

    let out = policies(tmp.path(), "2026-11-26T09:00:00Z");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let chg = text
        .split("POL-CHG")
        .nth(1)
        .and_then(|s| s.split("mentions CI/CD").next())
        .expect("POL-CHG listed");
    assert!(
        chg.contains("approved:       yes, 2025-10-26 by CISO"),
        "{chg}"
    );
    assert!(
        chg.contains("next review:    2026-10-26 (every 12 months)"),
        "{chg}"
    );
    assert!(chg.contains("overdue:        YES"), "{chg}");
    assert!(text.contains("1 approved, 1 overdue"), "{text}");

    // A day before the review date it is not overdue.
    let out = policies(tmp.path(), "2026-10-25");
    assert!(stdout(&out).contains("1 approved, 0 overdue"));
}

#[test]
fn front_matter_typo_is_an_error_with_file_and_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    assert_eq!(init(tmp.path()).status.code(), Some(0));
    let path = tmp.path().join("isms/policies/access-control.md");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replace("review-interval:", "reveiw-interval:")).expect("write");

    let out = policies(tmp.path(), "2026-11-26");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let want = format!("{}:8: ", path.display());
    assert!(err.contains(&want), "want {want} in: {err}");
    assert!(err.contains("reveiw-interval"), "{err}");
    // The other five are still listed.
    assert!(
        stdout(&out).contains("5 policies as of"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn bad_as_of_is_a_usage_error() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = policies(tmp.path(), "yesterday");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
