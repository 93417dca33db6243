//! The audit pack: exported, verified offline; any changed byte, removed run or swapped file
//! is named; a pseudonymised pack verifies and holds no original name.

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};

use annexa_ledger::history::Period;
use annexa_ledger::pack::{self, Manifest};
use annexa_ledger::record::*;
use annexa_ledger::{Ledger, RunDraft, Signer};

const COLLECTOR: &str = "alice.smith@laptop-7";

fn draft(day: u32, n: usize) -> RunDraft {
    RunDraft {
        recorded_at: format!("2026-11-{day:02}T10:00:00Z"),
        as_of: format!("2026-11-{day:02}T09:00:00Z"),
        tool_version: "0.1.0".into(),
        binary_sha256: None,
        config_sha256: None,
        collector: COLLECTOR.into(),
        ci: Some(CiIdentity {
            system: "github-actions".into(),
            claims: vec![
                ("GITHUB_ACTOR".into(), "octo-bob".into()),
                ("GITHUB_RUN_ID".into(), format!("{day}")),
            ],
        }),
        repositories: vec![RepositoryRecord {
            identity: "github.com/acme/app".into(),
            commit: Some("a".repeat(40)),
            dirty: false,
        }],
        controls: Vec::new(),
        inputs: vec![InputRecord {
            format: INPUT_FORMAT.into(),
            run: 0,
            index: 0,
            repository: "github.com/acme/app".into(),
            path: ".github/workflows/ci.yml".into(),
            sha256: Some("b".repeat(64)),
            provenance: "repo-commit".into(),
            status: "understood".into(),
        }],
        observations: (0..n)
            .map(|i| ObservationRecord {
                format: OBSERVATION_FORMAT.into(),
                run: 0,
                index: 0,
                check: if i % 3 == 0 {
                    "unpinned-image"
                } else {
                    "secret-in-log"
                }
                .into(),
                outcome: if i % 2 == 0 { "fail" } else { "pass" }.into(),
                severity: "low".into(),
                subject: format!("repo:github.com/acme/app@x:ci.yml#jobs.j{i}"),
                fingerprint: format!("{i:032x}"),
                message: if i == 1 {
                    "CODEOWNERS names alice.smith@example.com".into()
                } else {
                    format!("observation {i} on day {day}")
                },
                provenance: "repo-commit".into(),
                suppression: None,
                locations: Vec::new(),
            })
            .collect(),
    }
}

/// Five runs on 2026-11-01..05; returns the public key.
fn ledger() -> (tempfile::TempDir, Ledger, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut l = Ledger::open(&dir.path().join("evidence.db")).expect("open");
    let k = Signer::generate().expect("key");
    for day in 1..=5 {
        l.append(draft(day, 4 + day as usize), &k).expect("append");
    }
    (dir, l, k.public_hex())
}

fn export(l: &Ledger, period: &str, pseudonymise: bool) -> pack::Exported {
    pack::export(
        l,
        &Period::parse(period).expect("period"),
        period,
        pseudonymise,
        "0.1.0",
    )
    .expect("export")
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut a = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    (0..a.len())
        .map(|i| {
            let mut f = a.by_index(i).expect("entry");
            let name = f.name().expect("name").into_owned();
            let mut b = Vec::new();
            f.read_to_end(&mut b).expect("read");
            (name, b)
        })
        .collect()
}

fn rezip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (n, b) in files {
        z.start_file(n.as_str(), zip::write::SimpleFileOptions::default())
            .expect("start");
        z.write_all(b).expect("write");
    }
    z.finish().expect("finish").into_inner()
}

/// Rewrite manifest.json and SHA256SUMS so they match the files (what a forger would do).
fn refresh_manifest(files: &mut [(String, Vec<u8>)], edit: impl FnOnce(&mut Manifest)) {
    use sha2::Digest as _;
    let hex = |b: &[u8]| -> String {
        sha2::Sha256::digest(b)
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect()
    };
    let mi = files
        .iter()
        .position(|f| f.0 == "manifest.json")
        .expect("m");
    let mut m: Manifest = serde_json::from_slice(&files[mi].1).expect("parse");
    edit(&mut m);
    let by_name: BTreeMap<String, Vec<u8>> = files.iter().cloned().collect();
    m.files.retain(|f| by_name.contains_key(&f.path));
    for f in &mut m.files {
        f.sha256 = hex(&by_name[&f.path]);
        f.bytes = by_name[&f.path].len() as u64;
    }
    let mb = serde_json::to_vec_pretty(&m).expect("ser");
    let mut sums: String = m
        .files
        .iter()
        .map(|f| format!("{}  {}\n", f.sha256, f.path))
        .collect();
    sums.push_str(&format!("{}  manifest.json\n", hex(&mb)));
    files[mi].1 = mb;
    let si = files.iter().position(|f| f.0 == "SHA256SUMS").expect("s");
    files[si].1 = sums.into_bytes();
}

fn first_problem(zip: &[u8], key: Option<&str>) -> String {
    let v = pack::verify(zip, key);
    assert!(!v.ok(), "tampering went unnoticed");
    v.problems[0].clone()
}

#[test]
fn an_exported_pack_verifies_offline_and_is_deterministic() {
    let (_d, l, pk) = ledger();
    let e = export(&l, "2026-11-02..2026-11-04", false);
    assert_eq!((e.manifest.first_run, e.manifest.last_run), (2, 4));
    assert_eq!(e.manifest.previous_run, Some(1));
    assert_eq!(e.manifest.following_runs, vec![5]);
    let v = pack::verify(&e.zip, Some(&pk));
    assert!(v.ok(), "{:?}", v.problems);
    assert_eq!((v.runs, v.observations, v.inputs), (3, 6 + 7 + 8, 3));
    // The same ledger and period give the same bytes.
    assert_eq!(export(&l, "2026-11-02..2026-11-04", false).zip, e.zip);
    // The pack's README tells the auditor how to check it, and that inputs are digests only.
    let files = unzip(&e.zip);
    let readme = String::from_utf8(files[0].1.clone()).expect("utf8");
    assert_eq!(files[0].0, "README.md");
    assert!(readme.contains("annexa evidence verify PACK.zip") && readme.contains("sha256sum -c"));
    assert!(readme.contains("by digest only"));
    // Stored bytes ship unchanged: the header file hashes to the ledger's run hash.
    let run3 = l.runs().expect("runs").into_iter().nth(2).expect("run 3");
    let h = files
        .iter()
        .find(|f| f.0 == "runs/00000003/header.json")
        .expect("header");
    assert_eq!(annexa_ledger::merkle::sha256_hex(&h.1), run3.hash);
    // A key nobody published does not verify it.
    assert!(!pack::verify(&e.zip, Some(&"11".repeat(32))).ok());
    // The whole ledger: no previous run, the period reaches the head.
    let all = export(&l, "2026-11-01..2026-11-30", false);
    assert_eq!(
        (all.manifest.previous_run, all.manifest.following_runs.len()),
        (None, 0)
    );
    assert!(pack::verify(&all.zip, Some(&pk)).ok());
}

#[test]
fn a_flipped_byte_in_any_file_is_named() {
    let (_d, l, pk) = ledger();
    let e = export(&l, "2026-11-02..2026-11-04", false);
    let files = unzip(&e.zip);
    let mut named = 0;
    for (i, (name, bytes)) in files.iter().enumerate() {
        if bytes.is_empty() {
            continue;
        }
        let mut t = files.clone();
        let at = bytes.len() / 2;
        t[i].1[at] ^= 0x01;
        let p = first_problem(&rezip(&t), Some(&pk));
        let ok = p.contains(name.as_str())
            || (name == "manifest.json" && p.contains("manifest.json"))
            || (name == "SHA256SUMS" && p.contains("SHA256SUMS"));
        assert!(ok, "flipping {name}: {p}");
        named += 1;
    }
    assert!(named >= 20, "only {named} files");
    eprintln!("byte flips: {named} files, each named");
}

#[test]
fn a_changed_record_is_caught_even_with_the_manifest_rewritten() {
    let (_d, l, pk) = ledger();
    let e = export(&l, "2026-11-02..2026-11-04", false);
    let cases: [(&str, &str, &str, &str); 4] = [
        (
            "runs/00000003/observations.jsonl",
            "\"fail\"",
            "\"pass\"",
            "run 3: the observations do not match",
        ),
        (
            "runs/00000003/header.json",
            "09:00:00Z",
            "08:00:00Z",
            "run 3: the signature does not verify",
        ),
        (
            "previous/header.json",
            "09:00:00Z",
            "08:00:00Z",
            "previous run 1: the signature",
        ),
        (
            "checkpoint.json",
            "\"seq\":5",
            "\"seq\":4",
            "checkpoint: the signature",
        ),
    ];
    for (file, from, to, want) in cases {
        let mut files = unzip(&e.zip);
        let f = files.iter_mut().find(|f| f.0 == file).expect("file");
        let s = String::from_utf8(f.1.clone()).expect("utf8");
        assert!(s.contains(from), "{file}");
        f.1 = s.replacen(from, to, 1).into_bytes();
        refresh_manifest(&mut files, |_| {});
        let p = first_problem(&rezip(&files), Some(&pk));
        assert!(p.contains(want), "{file}: {p}");
    }
}

#[test]
fn a_removed_run_is_named() {
    let (_d, l, pk) = ledger();
    let e = export(&l, "2026-11-02..2026-11-04", false);
    let without = |seq: &str| -> Vec<(String, Vec<u8>)> {
        unzip(&e.zip)
            .into_iter()
            .filter(|f| !f.0.starts_with(&format!("runs/{seq}/")))
            .collect()
    };
    // Files removed: the manifest names them.
    let p = first_problem(&rezip(&without("00000003")), Some(&pk));
    assert!(p.contains("runs/00000003/") && p.contains("missing"), "{p}");
    // Manifest rewritten too: the run is missing from the chain.
    let mut t = without("00000003");
    refresh_manifest(&mut t, |_| {});
    let p = first_problem(&rezip(&t), Some(&pk));
    assert!(p.starts_with("run 3: missing"), "{p}");
    // The period's last run dropped and the manifest shortened: the next run does not chain.
    let mut t = without("00000004");
    refresh_manifest(&mut t, |m| m.last_run = 3);
    let p = first_problem(&rezip(&t), Some(&pk));
    assert!(
        p.contains("a run was removed") || p.contains("following run 5: does not chain"),
        "{p}"
    );
    // ... and listed as a following run to hide it: the chain breaks at run 5.
    let mut t = without("00000004");
    refresh_manifest(&mut t, |m| {
        m.last_run = 3;
        m.following_runs = vec![4, 5];
    });
    let p = first_problem(&rezip(&t), Some(&pk));
    assert!(p.contains("following run 4: missing"), "{p}");
    // The runs after the period dropped: the checkpoint names a later head.
    let mut t: Vec<_> = unzip(&e.zip)
        .into_iter()
        .filter(|f| !f.0.starts_with("following/"))
        .collect();
    refresh_manifest(&mut t, |m| m.following_runs.clear());
    let p = first_problem(&rezip(&t), Some(&pk));
    assert!(p.contains("checkpoint: names run 5"), "{p}");
    // The run before the period dropped: the first link cannot be checked.
    let mut t: Vec<_> = unzip(&e.zip)
        .into_iter()
        .filter(|f| !f.0.starts_with("previous/"))
        .collect();
    refresh_manifest(&mut t, |m| m.previous_run = None);
    let p = first_problem(&rezip(&t), Some(&pk));
    assert!(p.contains("run 1 (before the period) is missing"), "{p}");
}

#[test]
fn a_pseudonymised_pack_verifies_and_holds_no_original_name() {
    let (_d, l, pk) = ledger();
    let e = export(&l, "2026-11-02..2026-11-04", true);
    let v = pack::verify(&e.zip, Some(&pk));
    assert!(v.ok(), "{:?}", v.problems);
    let p = e.manifest.pseudonymisation.as_ref().expect("said so");
    // Headers (collector, actor) and the observation with an e-mail address were changed.
    assert_eq!(p.headers, vec![1, 2, 3, 4, 5]);
    assert_eq!(p.observations, vec!["2:1", "3:1", "4:1"]);
    assert!(v.pseudonymised == 5 + 3 && v.exact > 20, "{v:?}");
    for (name, bytes) in unzip(&e.zip) {
        let s = String::from_utf8_lossy(&bytes);
        for secret in ["alice.smith", "octo-bob", "example.com", "laptop-7"] {
            assert!(!s.contains(secret), "{name} holds {secret}");
        }
    }
    // Not the same key twice: pseudonyms do not link packs.
    let again = export(&l, "2026-11-02..2026-11-04", true);
    assert_ne!(again.zip, e.zip);
    // A record the pseudonymiser did not change is still checked byte for byte.
    let mut files = unzip(&e.zip);
    let f = files
        .iter_mut()
        .find(|f| f.0 == "runs/00000003/observations.jsonl")
        .expect("obs");
    let s = String::from_utf8(f.1.clone()).expect("utf8");
    f.1 = s
        .replacen("observation 0 on day 3", "observation 0 on day 9", 1)
        .into_bytes();
    refresh_manifest(&mut files, |_| {});
    let p = first_problem(&rezip(&files), Some(&pk));
    assert!(
        p.contains("run 3: observations record 0: does not match its signed leaf hash"),
        "{p}"
    );
}

fn file<'a>(files: &'a [(String, Vec<u8>)], name: &str) -> &'a [u8] {
    &files.iter().find(|f| f.0 == name).expect(name).1
}

#[test]
fn the_report_escapes_every_string_and_runs_no_script() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut l = Ledger::open(&dir.path().join("evidence.db")).expect("open");
    let k = Signer::generate().expect("key");
    let mut d = draft(1, 2);
    d.observations[0].message = "<script>alert(1)</script> \"'& end".into();
    d.observations[0].subject = "repo:<img src=x onerror=alert(2)>".into();
    d.controls = vec![ControlRecord {
        id: "A.8.<b>".into(),
        overall: "partial".into(),
        design: Some("met".into()),
        operation: None,
        attestation: None,
    }];
    l.append(d, &k).expect("append");
    let e = export(&l, "2026-11-01..2026-11-01", false);
    let files = unzip(&e.zip);
    let html = String::from_utf8(file(&files, "report.html").to_vec()).expect("utf8");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &quot;&#39;&amp; end"),
        "{html}"
    );
    assert!(html.contains("repo:&lt;img src=x onerror=alert(2)&gt;"));
    assert!(html.contains("<td>A.8.&lt;b&gt;</td><td>partial</td><td>met</td>"));
    assert!(!html.to_ascii_lowercase().contains("<script"), "{html}");
    assert!(!html.contains("<img"));
    assert!(html.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
    ));
    // Only fail and unknown observations are listed (observation 1 passed).
    assert!(
        html.contains("Fail and unknown observations (1 of 2)"),
        "{html}"
    );
    // The report is in the manifest: a changed byte is named.
    let mut t = files.clone();
    let i = t.iter().position(|f| f.0 == "report.html").expect("report");
    t[i].1[10] ^= 1;
    assert!(first_problem(&rezip(&t), None).contains("report.html"));
}

/// A repository folder `app` with two input files, and a run that recorded one of them as it
/// is and the other with another digest, and a hardcoded-credential fail in the first.
fn ledger_with_inputs() -> (tempfile::TempDir, Ledger, String, Vec<u8>) {
    use sha2::Digest as _;
    let dir = tempfile::tempdir().expect("tmp");
    let app = dir.path().join("app");
    std::fs::create_dir_all(app.join(".github/workflows")).expect("mkdir");
    let ci = b"on: push\nenv:\n  TOKEN: ghp_secretsecret\n  KEY: \"line1\nline2\"\n".to_vec();
    std::fs::write(app.join(".github/workflows/ci.yml"), &ci).expect("write");
    std::fs::write(app.join("CODEOWNERS"), b"* @acme/team\n").expect("write");
    let hex = |b: &[u8]| -> String {
        sha2::Sha256::digest(b)
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect()
    };
    let mut l = Ledger::open(&dir.path().join("evidence.db")).expect("open");
    let k = Signer::generate().expect("key");
    let mut d = draft(1, 2);
    d.repositories[0].identity = "local/app".into();
    let input = |path: &str, sha: String| InputRecord {
        format: INPUT_FORMAT.into(),
        run: 0,
        index: 0,
        repository: "local/app".into(),
        path: path.into(),
        sha256: Some(sha),
        provenance: "working-tree".into(),
        status: "understood".into(),
    };
    d.inputs = vec![
        input(".github/workflows/ci.yml", hex(&ci)),
        input("CODEOWNERS", "c".repeat(64)),
    ];
    let secret = 23..39; // ghp_secretsecret
    let multi = 47..59; // "line1\nline2"
    assert_eq!(&ci[secret.clone()], b"ghp_secretsecret");
    assert_eq!(&ci[multi.clone()], b"\"line1\nline2");
    let loc = |r: std::ops::Range<usize>| LocationRecord {
        path: "local/app/.github/workflows/ci.yml".into(),
        route: "env.TOKEN".into(),
        span: Some((r.start, r.end)),
    };
    d.observations[0].check = "hardcoded-credential".into();
    d.observations[0].outcome = "fail".into();
    d.observations[0].locations = vec![loc(secret), loc(multi)];
    // A passing credential check points nowhere that is redacted.
    d.observations[1].check = "hardcoded-credential".into();
    d.observations[1].locations = vec![loc(0..2)];
    l.append(d, &k).expect("append");
    let pk = k.public_hex();
    (dir, l, pk, ci)
}

fn export_inputs(l: &Ledger, dir: &std::path::Path) -> pack::Exported {
    pack::export_with(
        l,
        &Period::parse("2026-11-01..2026-11-01").expect("period"),
        "2026-11-01..2026-11-01",
        false,
        "0.1.0",
        &[pack::InputSource {
            dir: dir.join("app"),
            identity: None,
        }],
    )
    .expect("export")
}

#[test]
fn input_files_ship_redacted_only_when_unchanged_since_the_run() {
    let (d, l, pk, ci) = ledger_with_inputs();
    let e = export_inputs(&l, d.path());
    let v = pack::verify(&e.zip, Some(&pk));
    assert!(v.ok(), "{:?}", v.problems);
    assert_eq!(v.input_files, 1);
    assert_eq!(export_inputs(&l, d.path()).zip, e.zip, "deterministic");
    let files = unzip(&e.zip);
    let copy = file(&files, "inputs/00000001/local/app/.github/workflows/ci.yml");
    assert_eq!(copy.len(), ci.len());
    assert_eq!(
        copy,
        b"on: push\nenv:\n  TOKEN: ****************\n  KEY: ******\n*****\"\n"
    );
    let m = &e.manifest;
    assert_eq!(m.input_files.len(), 1);
    let f = &m.input_files[0];
    assert_eq!((f.run, f.input, f.redacted_ranges), (1, 0, 2));
    assert_eq!(f.kind, "redacted copy");
    assert_eq!(f.original_sha256, annexa_ledger::merkle::sha256_hex(&ci));
    assert_eq!(f.sha256, annexa_ledger::merkle::sha256_hex(copy));
    // The changed file is left out and the README says so.
    assert!(!files.iter().any(|f| f.0.ends_with("CODEOWNERS")));
    assert_eq!(m.inputs_left_out.len(), 1);
    let readme = String::from_utf8(file(&files, "README.md").to_vec()).expect("utf8");
    assert!(
        readme.contains("- run 1: local/app/CODEOWNERS: changed since the run"),
        "{readme}"
    );
    // No folder: no copies, as before.
    let plain = export(&l, "2026-11-01..2026-11-01", false);
    assert!(plain.manifest.input_files.is_empty() && plain.manifest.inputs_left_out.is_empty());

    // The copy un-redacted, manifest and SHA256SUMS rewritten, input_files not: named.
    let name = "inputs/00000001/local/app/.github/workflows/ci.yml";
    let mut t = files.clone();
    t.iter_mut().find(|f| f.0 == name).expect("copy").1 = ci.clone();
    refresh_manifest(&mut t, |_| {});
    let p = first_problem(&rezip(&t), Some(&pk));
    assert!(
        p.contains(name) && p.contains("redacted-copy digest"),
        "{p}"
    );
    // ... and input_files rewritten too: the original digest beside it is no longer the run's.
    refresh_manifest(&mut t, |m| {
        m.input_files[0].sha256 = annexa_ledger::merkle::sha256_hex(&ci);
        m.input_files[0].original_sha256 = "d".repeat(64);
    });
    let p = first_problem(&rezip(&t), Some(&pk));
    assert!(p.contains("original digest beside it"), "{p}");
    // A file slipped in under inputs/ that the manifest does not describe as a copy.
    let mut t = files.clone();
    t.push(("inputs/00000001/local/app/extra.txt".into(), b"x".to_vec()));
    refresh_manifest(&mut t, |m| {
        m.files.push(pack::FileEntry {
            path: "inputs/00000001/local/app/extra.txt".into(),
            sha256: String::new(),
            bytes: 0,
        })
    });
    let p = first_problem(&rezip(&t), Some(&pk));
    assert!(
        p.contains("extra.txt") && p.contains("redacted copy"),
        "{p}"
    );
}

// ---- Time-stamp anchors, against `openssl ts -reply` behind an HTTP server on loopback. ----

#[path = "support/tsa_server.rs"]
mod tsa_server;

/// A TSA certified by a fresh CA; returns (dir, CA PEM, URL).
fn start_tsa() -> (tempfile::TempDir, String, String) {
    let t = tsa_server::start_tsa(tsa_server::KeyKind::Rsa, "sha256", tsa_server::Mode::Reply);
    (t.dir, t.ca_pem, t.url)
}

fn make_ca(dir: &std::path::Path) -> String {
    tsa_server::make_ca(dir, tsa_server::KeyKind::Rsa)
}

#[test]
fn anchors_ship_as_stored_and_verify_offline_against_the_tsa_ca() {
    let (tsa_dir, ca, url) = start_tsa();
    let dir = tempfile::tempdir().expect("tmp");
    let mut l = Ledger::open(&dir.path().join("evidence.db")).expect("open");
    let k = Signer::generate().expect("key");
    let now = jiff::Timestamp::now().to_string();
    for day in 1..=3 {
        let mut d = draft(day, 3);
        // Run 3 is back-dated: recorded "on the 3rd", stamped today.
        if day < 3 {
            d.recorded_at = now.clone();
        }
        l.append(d, &k).expect("append");
    }
    let pk = k.public_hex();
    let t = std::time::Duration::from_secs(20);
    for seq in 1..=3 {
        l.anchor(seq, &url, t).expect("anchor");
    }
    l.anchor(2, &url, t).expect("a second anchor");

    let e = export(&l, "2026-11-01..2026-11-02", false);
    assert_eq!(
        e.manifest
            .anchors
            .iter()
            .map(|a| (a.run, a.index))
            .collect::<Vec<_>>(),
        vec![(1, 0), (2, 0), (2, 1)]
    );
    let files = unzip(&e.zip);
    // Exact stored bytes, one per line.
    let stored: Vec<Vec<u8>> = {
        let mut s = l
            .connection()
            .prepare("SELECT record FROM anchors WHERE run = 2 ORDER BY idx")
            .expect("prepare");
        s.query_map([], |r| r.get::<_, Vec<u8>>(0))
            .expect("query")
            .map(|r| r.expect("row"))
            .collect()
    };
    let mut want = Vec::new();
    for r in &stored {
        want.extend_from_slice(r);
        want.push(b'\n');
    }
    assert_eq!(file(&files, "runs/00000002/anchors.jsonl"), want.as_slice());
    let html = String::from_utf8(file(&files, "report.html").to_vec()).expect("utf8");
    assert!(
        html.contains(&format!("by {url}")),
        "the report names the anchors"
    );

    let v = pack::verify(&e.zip, Some(&pk));
    assert!(v.ok() && v.anchors == 3, "{v:?}");
    let v = pack::verify_with(&e.zip, Some(&pk), Some(&ca));
    assert!(v.ok() && v.anchors == 3, "{v:?}");
    // Another CA: the tokens are not trusted.
    let other = tempfile::tempdir().expect("tmp");
    let other_ca = make_ca(other.path());
    let v = pack::verify_with(&e.zip, Some(&pk), Some(&other_ca));
    assert!(
        !v.ok() && v.problems[0].starts_with("run 1: anchor 0: time-stamp token is not trusted"),
        "{:?}",
        v.problems
    );
    // The back-dated run: its stamp is weeks after its recorded time.
    let late = export(&l, "2026-11-03..2026-11-03", false);
    assert!(pack::verify(&late.zip, Some(&pk)).ok());
    let v = pack::verify_with(&late.zip, Some(&pk), Some(&ca));
    assert!(
        !v.ok() && v.problems[0].contains("not within an hour of the run's recorded time"),
        "{:?}",
        v.problems
    );

    // An anchor pointed at another hash, manifest and SHA256SUMS rewritten: named.
    let mut t = files.clone();
    let a = t
        .iter_mut()
        .find(|f| f.0 == "runs/00000001/anchors.jsonl")
        .expect("anchors");
    let mut rec: AnchorRecord =
        serde_json::from_slice(a.1.strip_suffix(b"\n").expect("line")).expect("parse");
    rec.run_hash = "e".repeat(64);
    a.1 = serde_json::to_vec(&rec).expect("ser");
    a.1.push(b'\n');
    refresh_manifest(&mut t, |m| m.anchors[0].run_hash = "e".repeat(64));
    let p = first_problem(&rezip(&t), Some(&pk));
    assert!(p.starts_with("run 1: anchor 0: stamps another hash"), "{p}");
    // The manifest's list changed alone: named.
    let mut t = files.clone();
    refresh_manifest(&mut t, |m| {
        m.anchors.remove(2);
    });
    let p = first_problem(&rezip(&t), Some(&pk));
    assert!(p.contains("manifest.json: lists 2 anchors"), "{p}");
    // A run's anchors removed (files and manifest): fine without a CA, caught with one.
    let mut t: Vec<_> = files
        .iter()
        .filter(|f| f.0 != "runs/00000002/anchors.jsonl")
        .cloned()
        .collect();
    refresh_manifest(&mut t, |m| m.anchors.retain(|a| a.run != 2));
    assert!(pack::verify(&rezip(&t), Some(&pk)).ok());
    let v = pack::verify_with(&rezip(&t), Some(&pk), Some(&ca));
    assert_eq!(
        v.problems,
        vec!["run 2: no time-stamp anchor (recorded without --tsa?)".to_owned()]
    );
    drop(tsa_dir);
}
