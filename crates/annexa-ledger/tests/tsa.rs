//! RFC 3161 anchoring against a real time-stamp authority on loopback: `openssl ts -reply`
//! behind a tiny HTTP server in a test thread, with CA and TSA certificates made by the
//! `openssl` CLI. These tests fail (never skip) when `openssl` is missing.

use std::net::TcpListener;
use std::time::Duration;

#[path = "support/tsa_server.rs"]
mod tsa_server;
use tsa_server::{KeyKind, Mode, start_tsa};

use annexa_ledger::tsa::{self, Anchor, TsaError};
use sha2::{Digest, Sha256};

const TIMEOUT: Duration = Duration::from_secs(20);

fn digest(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

fn assert_recent(gen_time: &str) {
    let t: jiff::Timestamp = gen_time.parse().expect("genTime is RFC 3339");
    let skew = jiff::Timestamp::now().duration_since(t).as_secs().abs();
    assert!(skew <= 60, "genTime {gen_time} is {skew}s from now");
}

#[test]
fn rsa_token_requested_and_verified_against_the_ca() {
    let tsa = start_tsa(KeyKind::Rsa, "sha256", Mode::Reply);
    let d = digest("run 1 header");
    let anchor = tsa::request(&tsa.url, &d, TIMEOUT).unwrap();
    assert_eq!(anchor.tsa_url, tsa.url);
    assert_recent(&anchor.gen_time);
    let gen_time = tsa::verify(&anchor, &d, Some(&tsa.ca_pem)).unwrap();
    assert_eq!(gen_time, anchor.gen_time);
    assert_eq!(tsa::verify(&anchor, &d, None).unwrap(), anchor.gen_time);
}

#[test]
fn p256_token_requested_and_verified_against_the_ca() {
    let tsa = start_tsa(KeyKind::P256, "sha256", Mode::Reply);
    let d = digest("run 2 header");
    let anchor = tsa::request(&tsa.url, &d, TIMEOUT).unwrap();
    assert_recent(&anchor.gen_time);
    assert_eq!(
        tsa::verify(&anchor, &d, Some(&tsa.ca_pem)).unwrap(),
        anchor.gen_time
    );
}

#[test]
fn a_different_digest_does_not_verify() {
    let tsa = start_tsa(KeyKind::Rsa, "sha256", Mode::Reply);
    let anchor = tsa::request(&tsa.url, &digest("original"), TIMEOUT).unwrap();
    for trust in [None, Some(tsa.ca_pem.as_str())] {
        let err = tsa::verify(&anchor, &digest("rewritten"), trust).unwrap_err();
        assert!(matches!(err, TsaError::Mismatch(_)), "{err}");
        assert!(err.to_string().contains("stamps"), "{err}");
    }
}

#[test]
fn a_token_from_another_ca_is_not_trusted() {
    let ours = start_tsa(KeyKind::Rsa, "sha256", Mode::Reply);
    let theirs = start_tsa(KeyKind::Rsa, "sha256", Mode::Reply);
    let d = digest("forged history");
    let anchor = tsa::request(&theirs.url, &d, TIMEOUT).unwrap();
    // Valid in itself and under its own CA …
    tsa::verify(&anchor, &d, None).unwrap();
    tsa::verify(&anchor, &d, Some(&theirs.ca_pem)).unwrap();
    // … but not under ours, nor under an EC CA of the same name.
    let err = tsa::verify(&anchor, &d, Some(&ours.ca_pem)).unwrap_err();
    assert!(matches!(err, TsaError::Untrusted(_)), "{err}");
    assert!(
        err.to_string().contains("not issued by the trusted CA"),
        "{err}"
    );
    let ec = start_tsa(KeyKind::P256, "sha256", Mode::Reply);
    let err = tsa::verify(&anchor, &d, Some(&ec.ca_pem)).unwrap_err();
    assert!(matches!(err, TsaError::Untrusted(_)), "{err}");
    // A bundle holding both CAs trusts it.
    let bundle = format!("{}{}", ours.ca_pem, theirs.ca_pem);
    tsa::verify(&anchor, &d, Some(&bundle)).unwrap();
    // Empty or garbage trust input is an error, not "no check".
    assert!(tsa::verify(&anchor, &d, Some("")).is_err());
}

#[test]
fn every_flipped_byte_in_the_token_is_caught() {
    for kind in [KeyKind::Rsa, KeyKind::P256] {
        let tsa = start_tsa(kind, "sha256", Mode::Reply);
        let d = digest("flip me");
        let anchor = tsa::request(&tsa.url, &d, TIMEOUT).unwrap();
        // The token carries a copy of the CA certificate as its chain; nothing signs that
        // copy and verification never uses it (the trusted CA comes from the caller), so
        // flips inside it are harmless. Every other byte must be covered.
        let tok = &anchor.token_der;
        let at = tok
            .windows(tsa.ca_der.len())
            .position(|w| w == tsa.ca_der.as_slice())
            .expect("the token carries the CA certificate");
        let chain_copy = at..at + tsa.ca_der.len();
        let mut survivors = Vec::new();
        let mut caught = 0;
        for i in (0..anchor.token_der.len()).filter(|i| !chain_copy.contains(i)) {
            for mask in [0x01u8, 0x80] {
                let mut bad = anchor.clone();
                bad.token_der[i] ^= mask;
                if tsa::verify(&bad, &d, Some(&tsa.ca_pem)).is_ok() {
                    survivors.push((i, mask));
                } else {
                    caught += 1;
                }
            }
        }
        assert!(
            survivors.is_empty(),
            "{} single-bit flips still verify ({caught} caught): {survivors:?}",
            survivors.len(),
        );
        assert!(caught >= 2 * (tok.len() - chain_copy.len()));
        eprintln!(
            "{} token: {} bytes, {caught} single-bit flips outside the {}-byte chain copy, all caught",
            if kind == KeyKind::Rsa { "RSA" } else { "P-256" },
            tok.len(),
            chain_copy.len()
        );
        // The recorded genTime must agree with the token's.
        let mut bad = anchor.clone();
        bad.gen_time = "2000-01-01T00:00:00Z".into();
        assert!(tsa::verify(&bad, &d, Some(&tsa.ca_pem)).is_err());
    }
}

#[test]
fn a_rejection_status_is_a_clear_error() {
    // This TSA only accepts SHA-384 imprints, so `openssl ts` rejects ours with badAlg.
    let tsa = start_tsa(KeyKind::Rsa, "sha384", Mode::Reply);
    let err = tsa::request(&tsa.url, &digest("x"), TIMEOUT).unwrap_err();
    assert!(matches!(err, TsaError::Rejected { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("rejected the request"), "{text}");
    assert!(text.contains("rejection(2)"), "{text}");
    assert!(text.contains("badAlg"), "{text}");
    assert!(text.contains(&tsa.url), "{text}");
}

#[test]
fn a_replayed_token_fails_the_nonce_check() {
    let tsa = start_tsa(KeyKind::Rsa, "sha256", Mode::Replay);
    let d = digest("same digest twice");
    tsa::request(&tsa.url, &d, TIMEOUT).unwrap();
    let err = tsa::request(&tsa.url, &d, TIMEOUT).unwrap_err();
    assert!(matches!(err, TsaError::Mismatch(_)), "{err}");
    assert!(err.to_string().contains("nonce"), "{err}");
}

#[test]
fn transport_failures_are_errors() {
    let tsa = start_tsa(KeyKind::Rsa, "sha256", Mode::ServerError);
    let err = tsa::request(&tsa.url, &digest("x"), TIMEOUT).unwrap_err();
    assert!(err.to_string().contains("HTTP status 500"), "{err}");

    // A server that accepts and never answers: the timeout bounds the call.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", silent.local_addr().unwrap());
    let started = std::time::Instant::now();
    let err = tsa::request(&url, &digest("x"), Duration::from_millis(500)).unwrap_err();
    assert!(matches!(err, TsaError::Transport { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(silent);

    let err = tsa::request("https://tsa.example/", &digest("x"), TIMEOUT).unwrap_err();
    assert!(matches!(err, TsaError::Unsupported(_)), "{err}");
}

#[test]
fn garbage_is_malformed_not_a_panic() {
    let d = digest("x");
    for token in [
        vec![],
        vec![0x30],
        vec![0x30, 0x80, 0, 0],
        vec![0x30, 0x00],
        vec![0xFF; 64],
    ] {
        let anchor = Anchor {
            token_der: token,
            gen_time: String::new(),
            tsa_url: String::new(),
        };
        assert!(matches!(
            tsa::verify(&anchor, &d, None),
            Err(TsaError::Malformed(_))
        ));
    }
}

// ---- Anchors in the ledger --------------------------------------------------------------

fn ledger_draft(recorded_at: &str, message: &str) -> annexa_ledger::RunDraft {
    use annexa_ledger::record::*;
    annexa_ledger::RunDraft {
        recorded_at: recorded_at.into(),
        as_of: recorded_at.into(),
        tool_version: "test".into(),
        binary_sha256: None,
        config_sha256: None,
        collector: "ci@runner".into(),
        ci: None,
        repositories: Vec::new(),
        controls: Vec::new(),
        inputs: Vec::new(),
        observations: vec![ObservationRecord {
            format: OBSERVATION_FORMAT.into(),
            run: 0,
            index: 0,
            check: "deploy-without-gate".into(),
            outcome: "fail".into(),
            severity: "high".into(),
            subject: "repo:x@y:.gitlab-ci.yml#deploy".into(),
            fingerprint: "0".repeat(32),
            message: message.into(),
            provenance: "repo-commit".into(),
            suppression: None,
            locations: Vec::new(),
        }],
    }
}

#[test]
fn anchored_runs_verify_and_a_rewrite_by_the_key_holder_does_not() {
    let tsa = start_tsa(KeyKind::Rsa, "sha256", Mode::Reply);
    let dir = tempfile::tempdir().unwrap();
    let key = annexa_ledger::Signer::generate().unwrap();
    let now = jiff::Timestamp::now().to_string();
    let real_path = dir.path().join("real.db");
    let mut real = annexa_ledger::Ledger::open(&real_path).unwrap();
    let run = real
        .append(ledger_draft(&now, "deploy has no gate"), &key)
        .unwrap();
    let a = real.anchor(run.header.seq, &tsa.url, TIMEOUT).unwrap();
    assert_eq!(a.run_hash, run.hash);
    let v = real
        .verify_with(Some(&key.public_hex()), Some(&tsa.ca_pem))
        .unwrap();
    assert!(v.ok(), "{:?}", v.problems);

    // The key holder rewrites history (the finding disappears) and re-signs everything with the
    // same key: signatures and chain hold, but the anchor stamps the old hash.
    let forged_path = dir.path().join("forged.db");
    let mut forged = annexa_ledger::Ledger::open(&forged_path).unwrap();
    forged
        .append(ledger_draft(&now, "deploy is gated"), &key)
        .unwrap();
    assert!(forged.verify(Some(&key.public_hex())).unwrap().ok());
    let v = forged
        .verify_with(Some(&key.public_hex()), Some(&tsa.ca_pem))
        .unwrap();
    assert_eq!(
        v.problems,
        vec!["run 1: no time-stamp anchor (recorded without --tsa?)".to_owned()]
    );
    // Copying the real anchor over does not help.
    let token: Vec<u8> = real
        .connection()
        .query_row("SELECT record FROM anchors WHERE run = 1", [], |r| r.get(0))
        .unwrap();
    forged
        .connection()
        .execute(
            "INSERT INTO anchors (run, idx, record) VALUES (1, 0, ?1)",
            [token],
        )
        .unwrap();
    let v = forged
        .verify_with(Some(&key.public_hex()), Some(&tsa.ca_pem))
        .unwrap();
    assert!(
        v.problems[0].contains("stamps another hash"),
        "{:?}",
        v.problems
    );
    // A fresh token for a back-dated rewrite carries today's time.
    let old_path = dir.path().join("old.db");
    let mut old = annexa_ledger::Ledger::open(&old_path).unwrap();
    old.append(
        ledger_draft("2026-01-01T00:00:00Z", "deploy is gated"),
        &key,
    )
    .unwrap();
    old.anchor(1, &tsa.url, TIMEOUT).unwrap();
    let v = old
        .verify_with(Some(&key.public_hex()), Some(&tsa.ca_pem))
        .unwrap();
    assert!(
        v.problems[0].contains("not within an hour"),
        "{:?}",
        v.problems
    );
}
