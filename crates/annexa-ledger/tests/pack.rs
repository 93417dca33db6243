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
