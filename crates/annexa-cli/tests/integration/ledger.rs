//! The evidence ledger end to end: `scan --record`, `evidence verify`, and crash consistency —
//! the writer killed with SIGKILL at random points, every committed run intact afterwards, no
//! partial run visible, the chain valid.

use std::path::Path;

use crate::{annexa, root};

pub(crate) fn keygen(dir: &Path) -> (std::path::PathBuf, String) {
    let key = dir.join("key.hex");
    let out = annexa()
        .args(["evidence", "keygen", "--out"])
        .arg(&key)
        .output()
        .expect("keygen");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let public = text
        .lines()
        .find_map(|l| l.strip_prefix("public-key "))
        .expect("public key")
        .to_owned();
    // The private key is never printed, and the file is private.
    let secret = std::fs::read_to_string(&key).expect("key file");
    assert!(!text.contains(secret.trim()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key).expect("meta").permissions().mode();
        assert_eq!(mode & 0o077, 0, "key file readable by others: {mode:o}");
    }
    // Never overwritten.
    assert_eq!(
        annexa()
            .args(["evidence", "keygen", "--out"])
            .arg(&key)
            .output()
            .expect("keygen")
            .status
            .code(),
        Some(2)
    );
    (key, public)
}

#[test]
fn recorded_runs_verify_and_tampering_fails_the_command() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (key, public) = keygen(tmp.path());
    let store = tmp.path().join("evidence.db");
    let repo = root().join("examples/six-systems/gitlab-ci");
    // Without a key, recording is refused before anything is scanned.
    let out = annexa()
        .env_remove("ANNEXA_SIGNING_KEY")
        .args(["scan", "--record", "--store"])
        .arg(&store)
        .arg(&repo)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(!store.exists());
    for _ in 0..2 {
        let out = annexa()
            .args(["scan", "--format", "json", "--record", "--store"])
            .arg(&store)
            .arg("--signing-key-file")
            .arg(&key)
            .arg(&repo)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let verify = |pk: Option<&str>| {
        let mut cmd = annexa();
        cmd.args(["evidence", "verify", "--store"]).arg(&store);
        if let Some(pk) = pk {
            cmd.args(["--public-key", pk]);
        }
        cmd.output().expect("verify")
    };
    let out = verify(Some(&public));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 runs"));
    // A key nobody published does not verify them.
    let other = "11".repeat(32);
    assert_eq!(verify(Some(&other)).status.code(), Some(1));
    // Change one stored observation: exit 1, the run named.
    let conn = rusqlite_free_edit(&store);
    assert!(conn, "edited");
    let out = verify(Some(&public));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("first problem: run 1:"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Edit one byte of run 1's first observation through the ledger crate's connection.
fn rusqlite_free_edit(store: &Path) -> bool {
    let ledger = annexa_ledger::Ledger::open(store).expect("open");
    ledger
        .connection()
        .execute(
            "UPDATE observations SET record = CAST(replace(CAST(record AS TEXT), '\"message\":\"', '\"message\":\"(edited) ') AS BLOB) WHERE run = 1 AND idx = 0",
            [],
        )
        .is_ok()
}

#[test]
fn killing_the_writer_never_leaves_a_partial_run() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (key, public) = keygen(tmp.path());
    let store = tmp.path().join("evidence.db");
    let repo = root().join("examples/insecure-app");
    let bin = assert_cmd::cargo::cargo_bin("annexa");
    let spawn = || {
        std::process::Command::new(&bin)
            .args(["scan", "--format", "json", "--record", "--store"])
            .arg(&store)
            .arg("--signing-key-file")
            .arg(&key)
            .arg(&repo)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn")
    };
    // How long one recorded run takes here (median of five), to spread the kills across it.
    let mut times: Vec<u64> = (0..5)
        .map(|_| {
            let t0 = std::time::Instant::now();
            assert!(spawn().wait().expect("wait").success());
            t0.elapsed().as_micros().max(1000) as u64
        })
        .collect();
    times.sort_unstable();
    let mut full = times[2];
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut last_runs = 5;
    let mut killed = 0;
    for trial in 0..200 {
        // xorshift: deterministic kill points, from before the ledger is opened to after commit.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // Half the kills land anywhere in the run, half in its last third, where the ledger
        // transaction is written and committed.
        let delay = if trial % 2 == 0 {
            seed % (full + full / 4)
        } else {
            full * 2 / 3 + seed % (full / 2)
        };
        let mut child = spawn();
        std::thread::sleep(std::time::Duration::from_micros(delay));
        // SIGKILL: no destructor, no flush, no rollback handler runs.
        unsafe {
            libc::kill(child.id() as i32, libc::SIGKILL);
        }
        let status = child.wait().expect("wait");
        // The machine is shared and its speed varies: follow the run's real length, so the
        // kill points keep straddling the end of the run, where the ledger commits.
        if status.success() {
            full = full * 9 / 10;
        } else {
            killed += 1;
            full = full * 51 / 50;
        }
        let ledger = annexa_ledger::Ledger::open(&store).expect("open after kill");
        let v = ledger.verify(Some(&public)).expect("verify");
        assert!(
            v.ok(),
            "trial {trial} (killed after {delay} µs): {:?}",
            v.problems
        );
        // Committed runs never disappear; at most the killed one is missing.
        assert!(
            v.runs >= last_runs && v.runs <= last_runs + 1,
            "trial {trial}"
        );
        last_runs = v.runs;
    }
    assert!(
        killed > 50,
        "only {killed} of 200 writers were killed mid-run"
    );
    eprintln!("crash trials: 200, killed mid-run {killed}, runs committed {last_runs}");
}

#[test]
fn history_over_a_period_and_diff_between_runs() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (key, _) = keygen(tmp.path());
    let store = tmp.path().join("evidence.db");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(&repo).expect("mkdir");
    let src = root().join("examples/six-systems/gitlab-ci/.gitlab-ci.yml");
    let weak = std::fs::read_to_string(src).expect("read");
    let record = |text: &str, as_of: &str| {
        std::fs::write(repo.join(".gitlab-ci.yml"), text).expect("write");
        let out = annexa()
            .args([
                "scan", "--format", "json", "--record", "--as-of", as_of, "--store",
            ])
            .arg(&store)
            .arg("--signing-key-file")
            .arg(&key)
            .arg(&repo)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    record(&weak, "2026-11-01T09:00:00Z");
    record(&weak.replace(" || true", ""), "2026-11-03T09:00:00Z");
    let out = annexa()
        .args(["controls", "--period", "2026-11-01..2026-11-04", "--store"])
        .arg(&store)
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2 runs recorded"), "{text}");
    assert!(
        text.contains("evidence gaps: 2 of 4 days have no run: 2026-11-02, 2026-11-04"),
        "{text}"
    );
    // Catalogue order, first control first.
    let first = text
        .lines()
        .find(|l| l.starts_with("A."))
        .expect("a control row");
    assert!(first.starts_with("A.5.1 "), "{first}");
    let out = annexa()
        .args(["diff", "1", "2", "--store"])
        .arg(&store)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("resolved findings (1)") && text.contains("[scan-cannot-fail]"),
        "{text}"
    );
    assert!(text.contains("weakened: new findings (0)"), "{text}");
    assert!(text.contains(".gitlab-ci.yml: changed"), "{text}");
    // And the other way round, the scan that cannot fail is a weakening.
    let out = annexa()
        .args(["diff", "2", "1", "--store"])
        .arg(&store)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("weakened: new findings (1)"), "{text}");
}

#[test]
fn annexa_toml_can_ask_for_every_run_to_be_recorded() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (key, public) = keygen(tmp.path());
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(&repo).expect("mkdir");
    std::fs::copy(
        root().join("examples/six-systems/gitlab-ci/.gitlab-ci.yml"),
        repo.join(".gitlab-ci.yml"),
    )
    .expect("copy");
    std::fs::write(
        repo.join("annexa.toml"),
        format!(
            "[evidence]\nrecord = true\nstore = \"ledger/evidence.db\"\nsigning-key-file = \"{}\"\n",
            key.display()
        ),
    )
    .expect("config");
    let out = annexa()
        .env_remove("ANNEXA_SIGNING_KEY")
        .args(["scan", "--format", "json"])
        .arg(&repo)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = repo.join("ledger/evidence.db");
    let ledger = annexa_ledger::Ledger::open(&store).expect("recorded where the file says");
    let v = ledger.verify(Some(&public)).expect("verify");
    assert!(v.ok() && v.runs == 1, "{:?}", v.problems);
    // The run records the configuration's digest.
    let runs = ledger.runs().expect("runs");
    assert!(runs[0].header.config_sha256.is_some());
    // A typo in the section is an error naming the line, as everywhere in annexa.toml.
    std::fs::write(repo.join("annexa.toml"), "[evidence]\nrecrod = true\n").expect("config");
    let out = annexa().args(["scan"]).arg(&repo).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("annexa.toml:2:"));
}

#[test]
fn a_failed_anchor_is_an_error_and_unanchored_runs_fail_a_tsa_verification() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (key, public) = keygen(tmp.path());
    let store = tmp.path().join("evidence.db");
    // Nothing listens on port 1: the run is recorded, the anchor is not, and the command says so.
    let out = annexa()
        .args([
            "scan",
            "--format",
            "json",
            "--record",
            "--tsa",
            "http://127.0.0.1:1/",
            "--store",
        ])
        .arg(&store)
        .arg("--signing-key-file")
        .arg(&key)
        .arg(root().join("examples/six-systems/gitlab-ci"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("run 1 was recorded but NOT anchored"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ca = tmp.path().join("ca.pem");
    std::fs::write(
        &ca,
        "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
    )
    .expect("ca");
    let out = annexa()
        .args(["evidence", "verify", "--public-key", &public, "--tsa-ca"])
        .arg(&ca)
        .arg("--store")
        .arg(&store)
        .output()
        .expect("verify");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("run 1: no time-stamp anchor"));
}

/// A one-shot token endpoint on loopback, as GitHub Actions' runner offers one: it answers the
/// request token with a JWT for the asked audience.
fn token_server(
    jwt: String,
    request_token: &'static str,
) -> (String, std::thread::JoinHandle<String>) {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "http://{}/token?api-version=2.0",
        listener.local_addr().expect("addr")
    );
    let handle = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        let mut buf = vec![0u8; 8192];
        let n = s.read(&mut buf).expect("read");
        let req = String::from_utf8_lossy(&buf[..n]).into_owned();
        let ok =
            req.contains(&format!("Bearer {request_token}")) && req.contains("audience=annexa");
        let body = if ok {
            format!("{{\"value\":\"{jwt}\"}}")
        } else {
            "{}".to_owned()
        };
        let status = if ok { "200 OK" } else { "403 Forbidden" };
        let _ = write!(
            s,
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        req
    });
    (url, handle)
}

#[test]
fn a_run_recorded_in_github_actions_keeps_the_oidc_claims_never_the_token() {
    let b64 = annexa_collect::oidc::base64url_encode;
    let jwt = format!(
        "{}.{}.{}",
        b64(r#"{"alg":"RS256","kid":"gh-key-1"}"#),
        b64(
            r#"{"iss":"https://token.actions.githubusercontent.com","aud":"annexa","repository":"acme/app","workflow_ref":"acme/app/.github/workflows/evidence.yml@refs/heads/main","run_id":"4242","sha":"0123abc","ref":"refs/heads/main","environment":"audit","exp":1900000000}"#
        ),
        "c2lnbmF0dXJlLW5vdC1rZXB0"
    );
    let (url, server) = token_server(jwt.clone(), "request-token-xyz");
    let tmp = tempfile::tempdir().expect("tmp");
    let (key, _) = keygen(tmp.path());
    let store = tmp.path().join("evidence.db");
    let out = annexa()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_REPOSITORY", "acme/app")
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", &url)
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-token-xyz")
        .args(["scan", "--record", "--store"])
        .arg(&store)
        .arg("--signing-key-file")
        .arg(&key)
        .arg(root().join("examples/six-systems/gitlab-ci"))
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let request = server.join().expect("server");
    assert!(request.contains("audience=annexa"), "{request}");
    let shown = annexa()
        .args(["evidence", "show", "1", "--store"])
        .arg(&store)
        .output()
        .expect("show");
    let text = String::from_utf8_lossy(&shown.stdout);
    for claim in [
        "oidc.repository",
        "acme/app/.github/workflows/evidence.yml@refs/heads/main",
        "oidc.kid",
        "gh-key-1",
        "oidc.verified",
    ] {
        assert!(text.contains(claim), "{claim} missing: {text}");
    }
    // Neither the token nor the request token is stored anywhere.
    let mut db = std::fs::read(&store).expect("db");
    db.extend(std::fs::read(store.with_extension("db-wal")).unwrap_or_default());
    let db = String::from_utf8_lossy(&db);
    for secret in [
        jwt.as_str(),
        "request-token-xyz",
        "c2lnbmF0dXJlLW5vdC1rZXB0",
    ] {
        assert!(
            !db.contains(secret) && !text.contains(secret),
            "{secret} stored"
        );
    }
    annexa()
        .args(["evidence", "verify", "--store"])
        .arg(&store)
        .assert()
        .success();
}
