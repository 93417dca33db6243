//! `annexa collect` end to end: the real binary against a loopback server playing GitHub /
//! GitLab from the reference examples (the mirror server is `annexa-collect`'s test support).
//! Killed half-way with SIGKILL and re-run, a collection ends with the same resources and
//! bodies as one that was never interrupted.

#[path = "../../../annexa-collect/tests/support/mirror.rs"]
mod mirror;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mirror::{Fault, GH_TOKEN, GL_SECRET_VALUE, GL_TOKEN, Server};
use serde_json::Value;

const PERIOD: &str = "2026-01-01..2026-03-31";

/// `annexa collect github` against `server` into `out`, with the token in GITHUB_TOKEN.
fn github(server: &Server, out: &Path) -> Command {
    let mut cmd = Command::new(crate::annexa().get_program());
    cmd.args([
        "collect",
        "github",
        "--org",
        "acme",
        "--period",
        PERIOD,
        "--timeout",
        "10",
    ])
    .arg("--api-url")
    .arg(server.url())
    .arg("--out")
    .arg(out)
    .env("GITHUB_TOKEN", GH_TOKEN)
    .env_remove("GH_TOKEN")
    .env_remove("NO_COLOR");
    cmd
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("annexa runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn manifest(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("snapshot.json")).expect("snapshot.json");
    serde_json::from_str(&text).expect("snapshot.json is JSON")
}

/// key → (status, sha256) of every resource.
fn resources(m: &Value) -> Vec<(String, u64, String)> {
    let mut out: Vec<(String, u64, String)> = m["resources"]
        .as_object()
        .expect("resources")
        .iter()
        .map(|(k, r)| {
            (
                k.clone(),
                r["status"].as_u64().unwrap_or(0),
                r["sha256"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

fn assert_no_token(dirs: &[&Path], streams: &[&str], token: &str) {
    for d in dirs {
        let leaks: Vec<PathBuf> = mirror::files_containing(d, token);
        assert!(leaks.is_empty(), "the token was written to {leaks:?}");
    }
    for s in streams {
        assert!(!s.contains(token), "the token was printed: {s}");
    }
}

#[test]
fn a_collection_killed_half_way_resumes_to_the_same_snapshot() {
    let server = Server::start(mirror::github_acme());
    let tmp = tempfile::tempdir().unwrap();
    let (whole, resumed) = (tmp.path().join("whole"), tmp.path().join("resumed"));

    // Uninterrupted, for comparison.
    let before = server.arrived();
    let a = run(&mut github(&server, &whole));
    assert_eq!(a.code, Some(0), "{}\n{}", a.stdout, a.stderr);
    assert!(a.stdout.contains("(complete)"), "{}", a.stdout);
    assert!(a.stdout.contains("per repository median"), "{}", a.stdout);
    let full = server.arrived() - before;
    assert!(full > 50, "{full} requests");

    // Interrupted: the server holds the request after the first half; the collector is killed
    // (SIGKILL, no chance to clean up) while it waits for the answer.
    let half = full / 2;
    server.hold_after(half);
    let start = server.arrived();
    let stderr_file = tmp.path().join("killed.stderr");
    let mut child = github(&server, &resumed)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr_file).unwrap())
        .spawn()
        .expect("annexa starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.arrived() <= start + half {
        assert!(
            Instant::now() < deadline,
            "the collector never reached the held request"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the collector ended before it was killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    server.open();
    assert!(
        !resumed.join("snapshot.json").exists(),
        "an interrupted collection is not a snapshot"
    );
    assert!(
        resumed.join("snapshot.partial.jsonl").exists(),
        "the journal survives the kill"
    );

    // Re-run: resumes, requests only what was not stored yet.
    let before = server.arrived();
    let c = run(&mut github(&server, &resumed));
    assert_eq!(c.code, Some(0), "{}\n{}", c.stdout, c.stderr);
    let rest = server.arrived() - before;
    assert!(
        rest < full && rest + half >= full,
        "{rest} requests after the resume, {full} in all, killed after {half}"
    );
    assert!(
        c.stdout.contains("kept from an interrupted run") && !c.stdout.contains(", 0 kept from"),
        "{}",
        c.stdout
    );

    let (mw, mr) = (manifest(&whole), manifest(&resumed));
    assert_eq!(mr["complete"], true);
    assert_eq!(
        resources(&mw),
        resources(&mr),
        "same keys, statuses and bodies"
    );
    assert_eq!(mw["scope"], mr["scope"]);
    scanned(&resumed);
    let killed_stderr = std::fs::read_to_string(&stderr_file).unwrap_or_default();
    assert_no_token(
        &[&whole, &resumed],
        &[&a.stdout, &a.stderr, &c.stdout, &c.stderr, &killed_stderr],
        GH_TOKEN,
    );
}

#[test]
fn an_incomplete_collection_exits_1_and_a_rerun_completes_it() {
    let mut m = mirror::github_acme();
    m.fault(
        "/repos/acme/api/keys",
        &[Fault::Status(500), Fault::Status(503)],
    );
    let server = Server::start(m);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    let first = run(github(&server, &out).args(["--max-retries", "1", "--max-wait", "1"]));
    assert_eq!(first.code, Some(1), "{}\n{}", first.stdout, first.stderr);
    assert!(first.stdout.contains("INCOMPLETE"), "{}", first.stdout);
    assert!(
        first.stderr.contains("/repos/acme/api/keys: HTTP 503"),
        "{}",
        first.stderr
    );
    assert!(
        first.stderr.contains("re-run the same command to resume"),
        "{}",
        first.stderr
    );
    assert!(
        first.stderr.contains("waiting 1s"),
        "a wait is logged: {}",
        first.stderr
    );
    assert_eq!(manifest(&out)["complete"], false);

    let second = run(&mut github(&server, &out));
    assert_eq!(second.code, Some(0), "{}\n{}", second.stdout, second.stderr);
    assert_eq!(manifest(&out)["complete"], true);
    assert_no_token(
        &[&out],
        &[&first.stderr, &first.stdout, &second.stderr],
        GH_TOKEN,
    );
}

#[test]
fn a_gitlab_group_is_collected_without_variable_values() {
    let server = Server::start(mirror::gitlab_acme());
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    let r = run(Command::new(crate::annexa().get_program())
        .args([
            "collect", "gitlab", "--group", "acme", "--period", PERIOD, "--quiet",
        ])
        .arg("--api-url")
        .arg(server.url())
        .arg("--out")
        .arg(&out)
        .env("GITLAB_TOKEN", GL_TOKEN));
    assert_eq!(r.code, Some(0), "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("GitLab group acme"), "{}", r.stdout);
    assert!(r.stderr.is_empty(), "quiet: {}", r.stderr);
    let m = manifest(&out);
    assert_eq!(m["platform"], "gitlab");
    assert_eq!(m["complete"], true);
    assert_eq!(m["collector"]["scopes"], serde_json::json!(["read_api"]));
    assert!(mirror::files_containing(&out, GL_SECRET_VALUE).is_empty());
    assert_no_token(&[&out], &[&r.stdout, &r.stderr], GL_TOKEN);
    scanned(&out);
}

/// What the collector wrote is what `scan --snapshot` reads: every body matches its digest,
/// and the platform checks reach conclusions (not only `unknown`) about every repository.
fn scanned(dir: &Path) {
    let v = crate::annexa()
        .args(["snapshot", "verify"])
        .arg(dir)
        .output()
        .expect("verify runs");
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
    let out = crate::annexa()
        .args([
            "scan",
            "--format",
            "json",
            "--as-of",
            "2026-11-26T00:00:00Z",
            "--snapshot",
        ])
        .arg(dir)
        .output()
        .expect("scan runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json report");
    let snap = &report["snapshots"][0];
    assert_eq!(snap["complete"], true, "{snap}");
    assert!(snap["hand_edited"].as_array().is_some_and(|a| a.is_empty()));
    let examined = snap["examined"].as_array().expect("examined");
    assert!(!examined.is_empty(), "{snap}");
    let decided = report["summary"]["pass"].as_u64().unwrap_or(0)
        + report["summary"]["fail"].as_u64().unwrap_or(0);
    assert!(
        decided > 10 * examined.len() as u64,
        "{}",
        report["summary"]
    );
}

#[test]
fn usage_errors_exit_2_and_say_what_is_wrong() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    let annexa = || Command::new(crate::annexa().get_program());

    let r = run(annexa()
        .args(["collect", "github", "--org", "acme", "--out"])
        .arg(&out)
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN"));
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains("GITHUB_TOKEN") && r.stderr.contains("GH_TOKEN"),
        "{}",
        r.stderr
    );

    let r = run(annexa()
        .args(["collect", "gitlab", "--group", "acme", "--out"])
        .arg(&out)
        .env_remove("GITLAB_TOKEN"));
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("GITLAB_TOKEN"), "{}", r.stderr);

    for (args, says) in [
        (&["--period", "2026-03-31..2026-01-01"][..], "--period"),
        (&["--repo", "not-a-repo"][..], "OWNER/NAME"),
        (&["--api-url", "http://api.example.com"][..], "unencrypted"),
        (
            &["--repos-file", "/nonexistent/repos.txt"][..],
            "/nonexistent/repos.txt",
        ),
    ] {
        let r = run(annexa()
            .args(["collect", "github", "--org", "acme", "--out"])
            .arg(&out)
            .args(args)
            .env("GITHUB_TOKEN", GH_TOKEN));
        assert_eq!(r.code, Some(2), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains(GH_TOKEN));
    }
    assert!(!out.exists(), "nothing is written on a usage error");
}
