//! Many `annexa scan --record --store postgres://…` processes at once, each scanning its
//! `--shard i/n` of the same repositories into one PostgreSQL ledger: afterwards the chain is
//! valid with no gap, every run holds exactly its shard, and `evidence verify` says so (and
//! names an edited observation).
//!
//! Needs `ANNEXA_TEST_POSTGRES` (`.ci/run` sets it): unset, the test fails under CI and
//! otherwise says that it did not run.

use std::collections::BTreeSet;
use std::path::PathBuf;

use postgres::{Client, NoTls};

use crate::{annexa, root};

/// A fresh database for test `name`, as a URL; `None` when no server is configured here.
fn database(name: &str) -> Option<String> {
    let Ok(base) = std::env::var("ANNEXA_TEST_POSTGRES") else {
        if std::env::var_os("CI").is_some() {
            panic!("ANNEXA_TEST_POSTGRES is not set under CI: the PostgreSQL tests must run");
        }
        eprintln!("{name}: DID NOT RUN (set ANNEXA_TEST_POSTGRES=postgres://… to run it)");
        return None;
    };
    let db = format!("annexa_cli_{name}_{}", std::process::id());
    let mut admin = Client::connect(&base, NoTls).expect("connect to ANNEXA_TEST_POSTGRES");
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {db}"))
        .expect("drop an old test database");
    admin
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .expect("create the test database");
    let (head, query) = match base.split_once('?') {
        Some((h, q)) => (h, format!("?{q}")),
        None => (base.as_str(), String::new()),
    };
    let cut = head
        .rfind('/')
        .filter(|&i| i > head.find("://").unwrap() + 2);
    let root = cut.map_or(head, |i| &head[..i]);
    Some(format!("{root}/{db}{query}"))
}

const SHARDS: usize = 4;
const ROUNDS: usize = 5;

#[test]
fn sharded_workers_record_concurrently_into_one_postgres_ledger() {
    let Some(url) = database("shards") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let key = tmp.path().join("key.hex");
    let out = annexa()
        .args(["evidence", "keygen", "--out"])
        .arg(&key)
        .output()
        .expect("keygen");
    assert!(out.status.success());
    let public = String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("public-key ").map(str::to_owned))
        .expect("public key");
    let examples = root().join("examples");
    let mut repos: Vec<PathBuf> = ["github-action", "insecure-app"]
        .iter()
        .map(|r| examples.join(r))
        .collect();
    for entry in std::fs::read_dir(examples.join("six-systems")).expect("examples") {
        let p = entry.expect("entry").path();
        if p.is_dir() {
            repos.push(p);
        }
    }
    assert_eq!(repos.len(), 8);
    // Bad shards are refused before anything runs.
    for bad in ["4/4", "1/0", "x/2", "1"] {
        let out = annexa()
            .args(["scan", "--shard", bad])
            .args(&repos)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "--shard {bad}");
    }
    // SHARDS workers at once, each recording its shard ROUNDS times, as separate processes.
    std::thread::scope(|s| {
        for i in 0..SHARDS {
            let (url, key, repos) = (&url, &key, &repos);
            s.spawn(move || {
                for _ in 0..ROUNDS {
                    let out = annexa()
                        .env_remove("ANNEXA_SIGNING_KEY")
                        .args(["scan", "--record", "--format", "json", "--store", url])
                        .arg("--signing-key-file")
                        .arg(key)
                        .args(["--shard", &format!("{i}/{SHARDS}")])
                        .args(repos)
                        .output()
                        .expect("run annexa");
                    assert!(
                        out.status.code().is_some_and(|c| c <= 1),
                        "worker {i}: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                    assert!(
                        String::from_utf8_lossy(&out.stderr).contains("annexa: recorded run"),
                        "worker {i}: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            });
        }
    });
    let total = SHARDS * ROUNDS;
    let out = annexa()
        .args([
            "evidence",
            "verify",
            "--store",
            &url,
            "--public-key",
            &public,
        ])
        .output()
        .expect("verify");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains(&format!(": {total} runs,")), "{text}");
    assert!(text.contains("verified:"), "{text}");

    let ledger = annexa_ledger::Ledger::open_url(&url).expect("open");
    let runs = ledger.runs().expect("runs");
    let seqs: Vec<u64> = runs.iter().map(|r| r.header.seq).collect();
    assert_eq!(seqs, (1..=total as u64).collect::<Vec<_>>(), "no gap");
    for pair in runs.windows(2) {
        assert_eq!(pair[1].header.prev, pair[0].hash);
    }
    // Each run holds one shard: two of the eight repositories; the shards are disjoint and
    // together hold every repository, each shard recorded ROUNDS times.
    let mut shards: Vec<(BTreeSet<String>, usize)> = Vec::new();
    for r in &runs {
        let set: BTreeSet<String> = r
            .header
            .repositories
            .iter()
            .map(|x| x.identity.clone())
            .collect();
        assert_eq!(set.len(), 8 / SHARDS, "run {}: {set:?}", r.header.seq);
        assert_eq!(
            ledger.observations(r.header.seq).expect("obs").len() as u64,
            r.header.observation_count
        );
        match shards.iter_mut().find(|(s, _)| *s == set) {
            Some((_, n)) => *n += 1,
            None => shards.push((set, 1)),
        }
    }
    assert_eq!(shards.len(), SHARDS, "{shards:?}");
    assert!(shards.iter().all(|(_, n)| *n == ROUNDS), "{shards:?}");
    let all: BTreeSet<&String> = shards.iter().flat_map(|(s, _)| s).collect();
    assert_eq!(all.len(), 8, "the shards overlap");

    // An edited observation makes `evidence verify` fail and name the run.
    let seq = runs
        .iter()
        .find(|r| r.header.observation_count > 1)
        .expect("a run with observations")
        .header
        .seq as i64;
    let mut c = Client::connect(&url, NoTls).expect("connect");
    let rec: Vec<u8> = c
        .query_one(
            "SELECT record FROM observations WHERE run = $1 AND idx = 1",
            &[&seq],
        )
        .expect("row")
        .get(0);
    // Still valid JSON in its place, one byte more: only the Merkle root can tell.
    let edited = String::from_utf8(rec).expect("utf8").replacen('{', "{ ", 1);
    c.execute(
        "UPDATE observations SET record = $1 WHERE run = $2 AND idx = 1",
        &[&edited.into_bytes(), &seq],
    )
    .expect("edit");
    let out = annexa()
        .args(["evidence", "verify", "--store", &url])
        .output()
        .expect("verify");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "first problem: run {seq}: the stored observations do not match the header's Merkle root"
        )),
        "{text}"
    );
}
