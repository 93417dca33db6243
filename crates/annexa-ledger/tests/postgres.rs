//! The PostgreSQL store: many writers at once on one ledger, each with its own connection,
//! leave a valid chain with no gap and every run whole; tampering there is named as on SQLite.
//!
//! Needs `ANNEXA_TEST_POSTGRES=postgres://user@host:port/database` (`.ci/run` starts a
//! throwaway server and sets it). Unset: these tests fail under CI (`CI` set) and otherwise
//! say that they did not run. Each test works in a database of its own, created here.

use std::collections::BTreeMap;

use annexa_ledger::record::*;
use annexa_ledger::{Ledger, RunDraft, Signer};
use postgres::{Client, NoTls};

/// A fresh database for test `name`, as a URL; `None` when no server is configured here.
fn database(name: &str) -> Option<String> {
    let Ok(base) = std::env::var("ANNEXA_TEST_POSTGRES") else {
        if std::env::var_os("CI").is_some() {
            panic!("ANNEXA_TEST_POSTGRES is not set under CI: the PostgreSQL tests must run");
        }
        eprintln!("{name}: DID NOT RUN (set ANNEXA_TEST_POSTGRES=postgres://… to run it)");
        return None;
    };
    let db = format!("annexa_t_{name}_{}", std::process::id());
    let mut admin = Client::connect(&base, NoTls).expect("connect to ANNEXA_TEST_POSTGRES");
    // One statement each: neither may run inside a transaction block.
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

fn draft(worker: usize, n: usize, observations: usize) -> RunDraft {
    let tag = format!("w{worker}n{n}");
    RunDraft {
        recorded_at: "2026-11-26T10:00:00Z".into(),
        as_of: "2026-11-26T00:00:00Z".into(),
        tool_version: "0.1.0".into(),
        binary_sha256: None,
        config_sha256: None,
        collector: format!("worker-{worker}"),
        ci: None,
        repositories: vec![RepositoryRecord {
            identity: format!("github.com/acme/{tag}"),
            commit: Some("a".repeat(40)),
            dirty: false,
        }],
        controls: Vec::new(),
        inputs: (0..3)
            .map(|i| InputRecord {
                format: INPUT_FORMAT.into(),
                run: 0,
                index: 0,
                repository: format!("github.com/acme/{tag}"),
                path: format!(".github/workflows/{i}.yml"),
                sha256: Some("b".repeat(64)),
                provenance: "repo-commit".into(),
                status: "understood".into(),
            })
            .collect(),
        observations: (0..observations)
            .map(|i| ObservationRecord {
                format: OBSERVATION_FORMAT.into(),
                run: 0,
                index: 0,
                check: "unpinned-image".into(),
                outcome: "fail".into(),
                severity: "low".into(),
                subject: format!("repo:github.com/acme/{tag}@x:ci.yml#jobs.j{i}"),
                fingerprint: format!("{i:032x}"),
                message: format!("{tag} observation {i}"),
                provenance: "repo-commit".into(),
                suppression: None,
                locations: Vec::new(),
            })
            .collect(),
    }
}

const WRITERS: usize = 6;
const RUNS_EACH: usize = 40;

#[test]
fn concurrent_writers_leave_one_valid_gapless_chain() {
    let Some(url) = database("concurrent") else {
        return;
    };
    let key = Signer::generate().expect("key");
    let public = key.public_hex();
    let secret = key.secret_hex();
    // All writers open the (new, empty) ledger at once: schema creation and the very first
    // run race too.
    let barrier = std::sync::Barrier::new(WRITERS);
    std::thread::scope(|s| {
        for w in 0..WRITERS {
            let (url, secret, barrier) = (&url, &secret, &barrier);
            s.spawn(move || {
                let signer = Signer::from_hex(secret).expect("key");
                barrier.wait();
                let mut l = Ledger::open_url(url).expect("open");
                for n in 0..RUNS_EACH {
                    // Run sizes differ so that transactions overlap unevenly.
                    let run = l
                        .append(draft(w, n, 5 + (w * 7 + n * 3) % 40), &signer)
                        .expect("append");
                    assert!(run.header.seq >= 1);
                }
            });
        }
    });
    let l = Ledger::open_url(&url).expect("open");
    let v = l.verify(Some(&public)).expect("verify");
    assert!(v.ok(), "{:?}", v.problems);
    let total = (WRITERS * RUNS_EACH) as u64;
    assert_eq!(v.runs, total, "every append is one run");
    let runs = l.runs().expect("runs");
    // No gap, no duplicate: run numbers are exactly 1..=total, each chained to the one before.
    let seqs: Vec<u64> = runs.iter().map(|r| r.header.seq).collect();
    assert_eq!(seqs, (1..=total).collect::<Vec<_>>());
    for pair in runs.windows(2) {
        assert_eq!(
            pair[1].header.prev, pair[0].hash,
            "run {}",
            pair[1].header.seq
        );
    }
    // Every run is whole and holds its own writer's records, and each writer's runs are in
    // the order it appended them.
    let mut per_worker: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut observations = 0u64;
    for r in &runs {
        let worker: usize = r.header.collector["worker-".len()..]
            .parse()
            .expect("worker");
        let tag = r.header.repositories[0].identity["github.com/acme/".len()..].to_owned();
        let n: usize = tag.split_once('n').expect("tag").1.parse().expect("n");
        let want = 5 + (worker * 7 + n * 3) % 40;
        let obs = l.observations(r.header.seq).expect("observations");
        assert_eq!(obs.len(), want, "run {}", r.header.seq);
        assert_eq!(r.header.observation_count, want as u64);
        for (i, o) in obs.iter().enumerate() {
            assert_eq!(o.message, format!("{tag} observation {i}"));
            assert_eq!((o.run, o.index), (r.header.seq, i as u64));
        }
        assert_eq!(l.inputs(r.header.seq).expect("inputs").len(), 3);
        observations += obs.len() as u64;
        per_worker
            .entry(r.header.collector.clone())
            .or_default()
            .push(n);
    }
    assert_eq!(v.observations, observations);
    assert_eq!(v.inputs, total * 3);
    assert_eq!(per_worker.len(), WRITERS);
    for (w, ns) in &per_worker {
        assert_eq!(ns, &(0..RUNS_EACH).collect::<Vec<_>>(), "{w}");
    }
    // The writers really overlapped: somewhere a run of one writer follows another's.
    let switches = runs
        .windows(2)
        .filter(|p| p[0].header.collector != p[1].header.collector)
        .count();
    assert!(
        switches >= WRITERS,
        "writers did not interleave ({switches} switches)"
    );
    eprintln!(
        "{WRITERS} writers x {RUNS_EACH} runs: {total} runs, {observations} observations, {switches} writer switches, verified"
    );
}

/// A ledger of three runs, and a raw connection to tamper with it.
fn tampered_setup(name: &str) -> Option<(Ledger, Client, Signer)> {
    let url = database(name)?;
    let key = Signer::generate().expect("key");
    let mut l = Ledger::open_url(&url).expect("open");
    for n in 0..3 {
        l.append(draft(0, n, 4 + n), &key).expect("append");
    }
    assert!(l.verify(Some(&key.public_hex())).expect("verify").ok());
    let c = Client::connect(&url, NoTls).expect("connect");
    Some((l, c, key))
}

fn first_problem(l: &Ledger) -> String {
    let v = l.verify(None).expect("verify runs");
    assert!(!v.ok(), "tampering went unnoticed");
    v.problems[0].clone()
}

#[test]
fn an_edited_observation_is_named_on_postgres() {
    let Some((l, mut c, _)) = tampered_setup("edit_obs") else {
        return;
    };
    let rec: Vec<u8> = c
        .query_one(
            "SELECT record FROM observations WHERE run = 2 AND idx = 1",
            &[],
        )
        .expect("row")
        .get(0);
    let edited = String::from_utf8(rec)
        .expect("utf8")
        .replace("\"fail\"", "\"pass\"");
    c.execute(
        "UPDATE observations SET record = $1 WHERE run = 2 AND idx = 1",
        &[&edited.into_bytes()],
    )
    .expect("edit");
    let p = first_problem(&l);
    assert!(p.starts_with("run 2:") && p.contains("observations"), "{p}");
}

#[test]
fn a_deleted_run_and_a_truncated_tail_are_named_on_postgres() {
    let Some((l, mut c, _)) = tampered_setup("delete") else {
        return;
    };
    c.batch_execute("DELETE FROM runs WHERE seq = 2")
        .expect("delete");
    let p = first_problem(&l);
    assert!(p.starts_with("run 3: expected run 2"), "{p}");

    let Some((l, mut c, key)) = tampered_setup("truncate") else {
        return;
    };
    c.batch_execute(
        "DELETE FROM observations WHERE run = 3; DELETE FROM inputs WHERE run = 3;
         DELETE FROM runs WHERE seq = 3",
    )
    .expect("truncate");
    let v = l.verify(Some(&key.public_hex())).expect("verify");
    assert_eq!(
        v.problems,
        vec!["checkpoint: names run 3 as the head, but the last stored run is 2 (the tail was truncated or replaced)".to_owned()]
    );
    // And nothing is appended to a ledger whose head the checkpoint does not vouch for.
    let mut l = l;
    let err = l.append(draft(0, 9, 1), &key).expect_err("append refused");
    assert!(err.to_string().contains("checkpoint names run 3"), "{err}");
    assert_eq!(
        l.runs().expect("runs").len(),
        2,
        "the refused append left nothing"
    );
}

#[test]
fn the_url_password_never_shows_in_messages() {
    // No server needed: the connection is refused on a port nothing listens on.
    let err = match Ledger::open_url("postgres://annexa:s3cret@127.0.0.1:1/none") {
        Ok(_) => panic!("connected to port 1"),
        Err(e) => e.to_string(),
    };
    assert!(!err.contains("s3cret"), "{err}");
    assert!(err.contains("annexa:***@127.0.0.1:1/none"), "{err}");
}
