//! Every kind of tampering the ledger promises to catch is caught, and named.

use annexa_ledger::record::*;
use annexa_ledger::{Ledger, RunDraft, Signer};
use rusqlite::params;

fn draft(n: usize, tag: &str) -> RunDraft {
    RunDraft {
        recorded_at: format!("2026-11-26T10:00:0{}Z", n % 10),
        as_of: "2026-11-26T00:00:00Z".into(),
        tool_version: "0.1.0".into(),
        binary_sha256: None,
        config_sha256: None,
        collector: "ci@runner".into(),
        ci: None,
        repositories: vec![RepositoryRecord {
            identity: "github.com/acme/app".into(),
            commit: Some("a".repeat(40)),
            dirty: false,
        }],
        controls: vec![ControlRecord {
            id: "A.8.32".into(),
            overall: "partial".into(),
            design: Some("partly".into()),
            operation: None,
            attestation: None,
        }],
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
                check: "unpinned-image".into(),
                outcome: if i % 2 == 0 { "fail" } else { "pass" }.into(),
                severity: "low".into(),
                subject: format!(
                    "repo:github.com/acme/app@x:.github/workflows/ci.yml#jobs.{tag}{i}"
                ),
                fingerprint: format!("{i:032x}"),
                message: format!("observation {i} of {tag}"),
                provenance: "repo-commit".into(),
                suppression: None,
                locations: Vec::new(),
            })
            .collect(),
    }
}

fn ledger(runs: usize) -> (tempfile::TempDir, Ledger, Signer) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut l = Ledger::open(&dir.path().join("evidence.db")).expect("open");
    let k = Signer::generate().expect("key");
    for r in 0..runs {
        l.append(draft(5 + r, &format!("r{r}")), &k)
            .expect("append");
    }
    (dir, l, k)
}

fn first_problem(l: &Ledger, key: Option<&str>) -> String {
    let v = l.verify(key).expect("verify runs");
    assert!(!v.ok(), "tampering went unnoticed");
    v.problems[0].clone()
}

#[test]
fn an_untouched_ledger_verifies() {
    let (_d, l, k) = ledger(3);
    let v = l.verify(Some(&k.public_hex())).expect("verify");
    assert!(v.ok(), "{:?}", v.problems);
    assert_eq!((v.runs, v.observations, v.inputs), (3, 5 + 6 + 7, 3));
}

#[test]
fn an_edited_observation_is_named() {
    let (_d, l, _k) = ledger(3);
    let c = l.connection();
    let rec: Vec<u8> = c
        .query_row(
            "SELECT record FROM observations WHERE run = 2 AND idx = 1",
            [],
            |r| r.get(0),
        )
        .expect("row");
    let edited = String::from_utf8(rec)
        .expect("utf8")
        .replace("\"pass\"", "\"fail\"");
    c.execute(
        "UPDATE observations SET record = ?1 WHERE run = 2 AND idx = 1",
        params![edited.into_bytes()],
    )
    .expect("edit");
    let p = first_problem(&l, None);
    assert!(p.starts_with("run 2:") && p.contains("observations"), "{p}");
}

#[test]
fn an_edited_header_is_named_even_with_its_hash_recomputed() {
    let (_d, l, _k) = ledger(3);
    let c = l.connection();
    let h: Vec<u8> = c
        .query_row("SELECT header FROM runs WHERE seq = 2", [], |r| r.get(0))
        .expect("row");
    let edited = String::from_utf8(h)
        .expect("utf8")
        .replace("2026-11-26T00:00:00Z", "2026-01-01T00:00:00Z")
        .into_bytes();
    c.execute(
        "UPDATE runs SET header = ?1 WHERE seq = 2",
        params![edited.clone()],
    )
    .expect("edit");
    assert!(first_problem(&l, None).starts_with("run 2: the header does not match"));
    let hash = annexa_ledger::merkle::sha256_hex(&edited);
    c.execute("UPDATE runs SET hash = ?1 WHERE seq = 2", params![hash])
        .expect("edit");
    let v = l.verify(None).expect("verify");
    assert!(
        v.problems
            .iter()
            .any(|p| p == "run 2: the signature does not verify"),
        "{:?}",
        v.problems
    );
    assert!(
        v.problems
            .iter()
            .any(|p| p.starts_with("run 3: does not chain")),
        "{:?}",
        v.problems
    );
}

#[test]
fn a_deleted_run_is_named() {
    let (_d, l, _k) = ledger(3);
    l.connection()
        .execute("DELETE FROM runs WHERE seq = 2", [])
        .expect("delete");
    let p = first_problem(&l, None);
    assert!(p.contains("expected run 2 here"), "{p}");
}

#[test]
fn reordered_runs_are_named() {
    let (_d, l, _k) = ledger(3);
    let c = l.connection();
    c.execute_batch(
        "UPDATE runs SET seq = 100 WHERE seq = 1; UPDATE runs SET seq = 1 WHERE seq = 2; UPDATE runs SET seq = 2 WHERE seq = 100;",
    )
    .expect("swap");
    let p = first_problem(&l, None);
    assert!(p.starts_with("run 1:"), "{p}");
}

#[test]
fn a_truncated_tail_is_named() {
    let (_d, l, _k) = ledger(3);
    l.connection()
        .execute_batch(
            "DELETE FROM runs WHERE seq = 3; DELETE FROM observations WHERE run = 3; DELETE FROM inputs WHERE run = 3;",
        )
        .expect("truncate");
    let p = first_problem(&l, None);
    assert!(p.contains("checkpoint: names run 3"), "{p}");
}

#[test]
fn a_swapped_signature_is_named() {
    let (_d, l, _k) = ledger(3);
    let c = l.connection();
    let s1: String = c
        .query_row("SELECT signature FROM runs WHERE seq = 1", [], |r| r.get(0))
        .expect("sig");
    c.execute("UPDATE runs SET signature = ?1 WHERE seq = 3", params![s1])
        .expect("swap");
    assert_eq!(
        first_problem(&l, None),
        "run 3: the signature does not verify"
    );
}

#[test]
fn a_ledger_rewritten_with_another_key_fails_against_the_real_key() {
    let (dir, _l, k) = ledger(2);
    // Whoever holds a key can build a whole consistent ledger: against the keys stored in it,
    // it verifies; against the organisation's published key, it does not.
    let forged_path = dir.path().join("forged.db");
    let mut forged = Ledger::open(&forged_path).expect("open");
    let other = Signer::generate().expect("key");
    forged.append(draft(5, "r0"), &other).expect("append");
    forged.append(draft(6, "r1"), &other).expect("append");
    assert!(forged.verify(None).expect("verify").ok());
    let p = first_problem(&forged, Some(&k.public_hex()));
    assert_eq!(p, "run 1: the signature does not verify");
}

#[test]
fn appending_to_a_tampered_ledger_is_refused() {
    let (_d, mut l, k) = ledger(2);
    l.connection()
        .execute_batch("DELETE FROM runs WHERE seq = 2;")
        .expect("truncate");
    let e = l.append(draft(3, "x"), &k).expect_err("refused");
    assert!(e.to_string().contains("checkpoint names run 2"), "{e}");
}
