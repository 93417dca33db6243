//! Append and verify rates of the SQLite ledger for 1,000,000 observations (10 runs of
//! 100,000), run by `bench/ledger.sh`: `cargo run --release -p annexa-ledger --example
//! ledger_bench [TOTAL] [RUNS]`. Prints observations per second; medians are taken by the
//! script over repeated invocations.

use std::time::Instant;

use annexa_ledger::record::*;
use annexa_ledger::{Ledger, RunDraft, Signer};

fn main() {
    let mut args = std::env::args().skip(1);
    let total: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let runs: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let per_run = total / runs;
    let dir = tempfile::tempdir().expect("tmp");
    let mut ledger = Ledger::open(&dir.path().join("evidence.db")).expect("open");
    let key = Signer::generate().expect("key");
    let mut append = 0f64;
    for r in 0..runs {
        let observations = (0..per_run)
            .map(|i| ObservationRecord {
                format: OBSERVATION_FORMAT.into(),
                run: 0,
                index: 0,
                check: "unpinned-external-code".into(),
                outcome: if i % 3 == 0 { "fail" } else { "pass" }.into(),
                severity: "medium".into(),
                subject: format!(
                    "repo:github.com/acme/service-{}@0123456789abcdef0123456789abcdef01234567:.github/workflows/ci.yml#jobs.build.steps[uses=\"actions/checkout\"].uses",
                    i % 997
                ),
                fingerprint: format!("{:032x}", i.wrapping_mul(2654435761)),
                message: "action `actions/checkout` is pinned to the tag `v4`, which its owner can move".into(),
                provenance: "repo-commit".into(),
                suppression: None,
                locations: vec![LocationRecord {
                    path: "github.com/acme/service/.github/workflows/ci.yml".into(),
                    route: "jobs.build.steps[uses=\"actions/checkout\"].uses".into(),
                    span: Some((120, 145)),
                }],
            })
            .collect();
        let draft = RunDraft {
            recorded_at: format!("2026-11-26T10:{r:02}:00Z"),
            as_of: "2026-11-26T00:00:00Z".into(),
            tool_version: "bench".into(),
            binary_sha256: None,
            config_sha256: None,
            collector: "bench@localhost".into(),
            ci: None,
            repositories: Vec::new(),
            controls: Vec::new(),
            inputs: Vec::new(),
            observations,
        };
        let t = Instant::now();
        ledger.append(draft, &key).expect("append");
        append += t.elapsed().as_secs_f64();
    }
    let t = Instant::now();
    let v = ledger.verify(Some(&key.public_hex())).expect("verify");
    let verify = t.elapsed().as_secs_f64();
    assert!(v.ok(), "{:?}", v.problems);
    let n = per_run * runs;
    println!(
        "observations {n}  append {:.0}/s ({append:.2} s)  verify {:.0}/s ({verify:.2} s)",
        n as f64 / append,
        n as f64 / verify
    );
}
