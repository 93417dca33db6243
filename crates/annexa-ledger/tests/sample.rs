//! Sampling: a frozen population, a deterministic draw from the auditor's seed, both signed in
//! the ledger, and any tampering with them caught by `verify`.

use annexa_ledger::history::Period;
use annexa_ledger::record::*;
use annexa_ledger::sample;
use annexa_ledger::{Ledger, RunDraft, Signer};
use rusqlite::params;

fn draft(day: u32, n: usize) -> RunDraft {
    RunDraft {
        recorded_at: format!("2026-11-{day:02}T10:00:00Z"),
        as_of: format!("2026-11-{day:02}T09:00:00Z"),
        tool_version: "0.1.0".into(),
        binary_sha256: None,
        config_sha256: None,
        collector: "ci@runner".into(),
        ci: None,
        repositories: Vec::new(),
        controls: Vec::new(),
        inputs: Vec::new(),
        observations: (0..n)
            .map(|i| ObservationRecord {
                format: OBSERVATION_FORMAT.into(),
                run: 0,
                index: 0,
                check: ["unpinned-image", "secret-in-log", "no-review"][i % 3].into(),
                outcome: if i % 4 == 3 { "pass" } else { "fail" }.into(),
                severity: "low".into(),
                subject: format!("s{day}-{i}"),
                fingerprint: format!("{i:032x}"),
                message: format!("observation {i} of day {day}"),
                provenance: "repo-commit".into(),
                suppression: None,
                locations: Vec::new(),
            })
            .collect(),
    }
}

fn setup() -> (tempfile::TempDir, Ledger, Signer) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut l = Ledger::open(&dir.path().join("evidence.db")).expect("open");
    let k = Signer::generate().expect("key");
    for day in 1..=4 {
        l.append(draft(day, 40), &k).expect("append");
    }
    (dir, l, k)
}

const PERIOD: &str = "2026-11-01..2026-11-30";

fn freeze(l: &Ledger, k: &Signer, kind: &str) -> sample::Stored<sample::FreezeRecord> {
    sample::freeze(
        l,
        kind,
        &Period::parse(PERIOD).expect("period"),
        PERIOD,
        "2026-12-01T00:00:00Z",
        k,
    )
    .expect("freeze")
}

fn items(d: &sample::Stored<sample::DrawRecord>) -> Vec<(u64, u64, String)> {
    d.record
        .items
        .iter()
        .map(|i| (i.run, i.index, i.selection.clone()))
        .collect()
}

#[test]
fn same_seed_same_draw_other_seed_other_draw() {
    let (_d, l, k) = setup();
    let f = freeze(&l, &k, "findings");
    // 4 runs × 40 observations, 3 in 4 fail.
    assert_eq!(f.record.size, 120);
    assert_eq!(f.record.runs, vec![1, 2, 3, 4]);
    assert!(f.record.items.iter().all(|i| i.outcome == "fail"));
    assert_eq!(freeze(&l, &k, "observations").record.size, 160);
    let draw = |seed: &str| {
        sample::draw(&l, f.id, seed, 25, None, &[], "2026-12-02T00:00:00Z", &k).expect("draw")
    };
    let a = draw("auditor-2026");
    let b = draw("auditor-2026");
    let c = draw("auditor-2027");
    assert_eq!(a.record.items.len(), 25);
    assert_eq!(items(&a), items(&b));
    assert_ne!(items(&a), items(&c));
    assert_eq!(a.record.freeze_hash, f.hash);
    let v = l.verify(Some(&k.public_hex())).expect("verify");
    assert!(v.ok(), "{:?}", v.problems);
}

#[test]
fn stratified_and_judgemental_draws() {
    let (_d, l, k) = setup();
    let f = freeze(&l, &k, "observations");
    let d = sample::draw(
        &l,
        f.id,
        "s",
        16,
        Some("outcome"),
        &["1:3".into(), "2:0".into()],
        "2026-12-02T00:00:00Z",
        &k,
    )
    .expect("draw");
    let count = |o: &str| {
        d.record
            .items
            .iter()
            .filter(|i| i.selection.starts_with("random") && i.outcome == o)
            .count()
    };
    // 120 fail, 40 pass: 16 split 12 / 4.
    assert_eq!((count("fail"), count("pass")), (12, 4));
    let judged: Vec<_> = d
        .record
        .items
        .iter()
        .filter(|i| i.selection.contains("judgemental"))
        .map(|i| (i.run, i.index))
        .collect();
    assert_eq!(judged, vec![(1, 3), (2, 0)]);
    // An addition outside the population is refused.
    let findings = freeze(&l, &k, "findings");
    assert!(
        sample::draw(&l, findings.id, "s", 1, None, &["1:3".into()], "t", &k).is_err(),
        "1:3 passes, so it is no finding"
    );
    assert!(l.verify(None).expect("verify").ok());
}

#[test]
fn a_later_freeze_cannot_change_an_earlier_draw() {
    let (_d, mut l, k) = setup();
    let f1 = freeze(&l, &k, "findings");
    let d1 = sample::draw(&l, f1.id, "seed", 10, None, &[], "t", &k).expect("draw");
    // More evidence arrives for the period and the population is frozen again.
    l.append(draft(20, 40), &k).expect("append");
    let f2 = freeze(&l, &k, "findings");
    assert_ne!(f2.record.population_hash, f1.record.population_hash);
    assert_eq!(f2.record.size, 150);
    // The first draw still names the first freeze, which still verifies, and the same seed
    // still draws the same items from it.
    let again = sample::draw(&l, f1.id, "seed", 10, None, &[], "t", &k).expect("draw");
    assert_eq!(items(&again), items(&d1));
    assert_eq!(again.record.freeze_hash, f1.hash);
    assert!(l.verify(None).expect("verify").ok());
}

fn tamper(l: &Ledger, id: u64, edit: impl Fn(String) -> String) {
    let c = l.connection();
    let rec: Vec<u8> = c
        .query_row(
            "SELECT record FROM samples WHERE id = ?1",
            [id as i64],
            |r| r.get(0),
        )
        .expect("row");
    let edited = edit(String::from_utf8(rec).expect("utf8"));
    c.execute(
        "UPDATE samples SET record = ?1 WHERE id = ?2",
        params![edited.into_bytes(), id as i64],
    )
    .expect("edit");
}

fn first_problem(l: &Ledger) -> String {
    let v = l.verify(None).expect("verify");
    assert!(!v.ok(), "tampering went unnoticed");
    v.problems[0].clone()
}

#[test]
fn tampering_with_a_freeze_or_draw_is_named() {
    // An item dropped from a freeze (hash recomputed, signature kept).
    let (_d, l, k) = setup();
    let f = freeze(&l, &k, "findings");
    sample::draw(&l, f.id, "seed", 5, None, &[], "t", &k).expect("draw");
    tamper(&l, 1, |s| {
        s.replacen("{\"run\":1,\"index\":0,", "{\"run\":1,\"index\":99,", 1)
    });
    let p = first_problem(&l);
    assert!(p.starts_with("sample freeze 1:"), "{p}");

    // A draw whose items were swapped, with its stored hash recomputed.
    let (_d, l, k) = setup();
    let f = freeze(&l, &k, "findings");
    let d = sample::draw(&l, f.id, "seed", 5, None, &[], "t", &k).expect("draw");
    let first = format!(
        "\"run\":{},\"index\":{},",
        d.record.items[0].run, d.record.items[0].index
    );
    tamper(&l, 2, |s| s.replacen(&first, "\"run\":4,\"index\":2,", 1));
    let c = l.connection();
    c.execute("UPDATE samples SET hash = 'x' || hash WHERE id = 2", [])
        .expect("edit");
    let p = first_problem(&l);
    assert!(p.starts_with("sample draw 2:"), "{p}");

    // A freeze deleted: the draw after it no longer chains.
    let (_d, l, k) = setup();
    let f = freeze(&l, &k, "findings");
    sample::draw(&l, f.id, "seed", 5, None, &[], "t", &k).expect("draw");
    l.connection()
        .execute("DELETE FROM samples WHERE id = 1", [])
        .expect("delete");
    let p = first_problem(&l);
    assert!(p.starts_with("sample draw 2:"), "{p}");

    // The ledger's own observation changed under a freeze: the freeze no longer matches.
    let (_d, l, k) = setup();
    freeze(&l, &k, "findings");
    l.connection()
        .execute(
            "UPDATE observations SET record = CAST(replace(CAST(record AS TEXT), '\"fail\"', '\"pass\"') AS BLOB) WHERE run = 2 AND idx = 0",
            [],
        )
        .expect("edit");
    let v = l.verify(None).expect("verify");
    assert!(
        v.problems.iter().any(|p| p.starts_with("sample freeze 1:")),
        "{:?}",
        v.problems
    );
}
