//! Auditor sampling over the ledger, reproducible by anyone holding the records.
//!
//! 1. **Freeze** (`annexa sample freeze`): the population — the fail observations
//!    (`findings`) or all observations (`observations`) of the runs whose `--as-of` falls in a
//!    period — as a sorted list of (run, index, leaf hash, check, outcome). Its *population
//!    hash* is SHA-256 over the lines `RUN:INDEX:LEAF\n` in that order. The freeze is stored
//!    (own record format, its SHA-256, an Ed25519 signature, `recorded_at`) before any seed
//!    exists, so the population cannot be shaped to the seed afterwards.
//! 2. **Draw** (`annexa sample draw --seed S`), algorithm `annexa-sample/1`: every item's rank
//!    is SHA-256(UTF-8 of `S` ‖ `\n` ‖ population hash (hex) ‖ `\n` ‖ `RUN:INDEX:LEAF`), as hex;
//!    items are ordered by (rank, run, index) and the first N are taken. Stratified
//!    (`--stratify check|outcome`): N is split over the strata in proportion to their size by
//!    the largest-remainder method (remainders tied: larger stratum first, then stratum name),
//!    and each stratum takes its first items by rank. Judgemental additions (`--add RUN:INDEX`)
//!    must belong to the population and are marked `judgemental`. The draw names the freeze
//!    and both its hashes and is stored signed like the freeze.
//!
//! Sample records form one chain (`prev` names the previous sample record's hash), so deleting
//! or editing one is detected by `verify`, which also recomputes every freeze's population
//! from the ledger's records and every draw from its freeze and seed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::history::Period;
use crate::keys::{self, Signer};
use crate::merkle::{hex, leaf, sha256_hex};
use crate::pack::Raw;
use crate::record::{GENESIS, ObservationRecord, RunHeader};
use crate::{Ledger, LedgerError};

pub const FREEZE_FORMAT: &str = "annexa-ledger/sample-freeze/1";
pub const DRAW_FORMAT: &str = "annexa-ledger/sample-draw/1";
pub const ALGORITHM: &str = "annexa-sample/1";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS samples (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    record BLOB NOT NULL,
    signature TEXT NOT NULL
) STRICT;
";

/// One member of a population.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Item {
    pub run: u64,
    pub index: u64,
    /// The observation's Merkle leaf hash (hex), as committed by its run's header.
    pub leaf: String,
    pub check: String,
    pub outcome: String,
}

impl Item {
    fn key(&self) -> String {
        format!("{}:{}:{}", self.run, self.index, self.leaf)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct FreezeRecord {
    pub format: String,
    pub id: u64,
    /// Hash of the previous sample record (`GENESIS` for the first).
    pub prev: String,
    /// `findings` or `observations`.
    pub population: String,
    pub period: String,
    /// The runs the population was taken from.
    pub runs: Vec<u64>,
    /// The ledger's last run when frozen (seq, hash).
    pub ledger_head: (u64, String),
    pub recorded_at: String,
    pub population_hash: String,
    pub size: u64,
    pub items: Vec<Item>,
    pub key_id: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Drawn {
    pub run: u64,
    pub index: u64,
    pub leaf: String,
    pub check: String,
    pub outcome: String,
    /// `random`, `judgemental`, or `random+judgemental`.
    pub selection: String,
    /// The stratum (with `--stratify`).
    pub stratum: Option<String>,
    /// The item's rank (hex), for random selections.
    pub rank: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct DrawRecord {
    pub format: String,
    pub id: u64,
    pub prev: String,
    pub algorithm: String,
    pub freeze: u64,
    /// SHA-256 of the freeze record's stored bytes.
    pub freeze_hash: String,
    pub population_hash: String,
    pub seed: String,
    /// Random items asked for.
    pub size: u64,
    pub stratify: Option<String>,
    /// `RUN:INDEX` of judgemental additions, as given.
    pub added: Vec<String>,
    pub recorded_at: String,
    pub items: Vec<Drawn>,
    pub key_id: String,
}

/// A stored sample record.
#[derive(Clone, Debug)]
pub struct Stored<T> {
    pub id: u64,
    pub hash: String,
    pub record: T,
}

fn err(e: rusqlite::Error) -> LedgerError {
    LedgerError::Tampered(format!("sample records: {e}"))
}

/// The SQLite connection: sample records live in SQLite ledgers only, for now.
fn conn(ledger: &Ledger) -> Result<&rusqlite::Connection, LedgerError> {
    Raw(ledger).sqlite().ok_or_else(|| {
        LedgerError::Tampered("sampling needs a SQLite ledger (PostgreSQL: not yet)".into())
    })
}

fn ensure(ledger: &Ledger) -> Result<(), LedgerError> {
    conn(ledger)?.execute_batch(SCHEMA).map_err(err)
}

fn has_table(ledger: &Ledger) -> Result<bool, LedgerError> {
    let Some(c) = Raw(ledger).sqlite() else {
        return Ok(false);
    };
    let n: i64 = c
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'samples'",
            [],
            |r| r.get(0),
        )
        .map_err(err)?;
    Ok(n > 0)
}

type SampleRow = (u64, String, String, Vec<u8>, String);

fn rows(ledger: &Ledger) -> Result<Vec<SampleRow>, LedgerError> {
    if !has_table(ledger)? {
        return Ok(Vec::new());
    }
    let c = conn(ledger)?;
    let mut st = c
        .prepare("SELECT id, kind, hash, record, signature FROM samples ORDER BY id")
        .map_err(err)?;
    let rows = st
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)? as u64,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
            ))
        })
        .map_err(err)?;
    rows.collect::<Result<_, _>>().map_err(err)
}

/// The population hash: SHA-256 over `RUN:INDEX:LEAF\n` of every item, in order.
pub fn population_hash(items: &[Item]) -> String {
    let mut s = String::with_capacity(items.len() * 80);
    for i in items {
        s.push_str(&i.key());
        s.push('\n');
    }
    sha256_hex(s.as_bytes())
}

/// The populations `freeze` knows: `findings`, `observations`, and the operating populations
/// whose items platform checks record one per item (`changes`, `deployments`, `access`).
pub const POPULATIONS: &[&str] = &[
    "findings",
    "observations",
    "changes",
    "deployments",
    "access",
];

/// The checks whose observations are the items of operating population `kind`.
fn population_checks(kind: &str) -> Vec<&'static str> {
    let Some(p) = [
        annexa_model::Population::Changes,
        annexa_model::Population::Deployments,
        annexa_model::Population::Access,
    ]
    .into_iter()
    .find(|p| p.as_str() == kind) else {
        return Vec::new();
    };
    annexa_checks::registry()
        .iter()
        .map(|c| c.meta())
        .filter(|m| m.population == Some(p))
        .map(|m| m.id.as_str())
        .collect()
}

/// The population of `runs`, from the stored records. For an operating population each item
/// (a merged change, a deployment: one subject) counts once, as the latest run in the period
/// observed it.
fn population(ledger: &Ledger, kind: &str, runs: &[u64]) -> Result<Vec<Item>, LedgerError> {
    let raw = Raw(ledger);
    let checks = population_checks(kind);
    let mut out = Vec::new();
    let mut latest: BTreeMap<String, Item> = BTreeMap::new();
    for &seq in runs {
        for (i, bytes) in raw.records("observations", seq)?.iter().enumerate() {
            let o: ObservationRecord = serde_json::from_slice(bytes).map_err(|e| {
                LedgerError::Tampered(format!("run {seq}: observation {i} does not parse: {e}"))
            })?;
            if kind == "findings" && o.outcome != "fail" {
                continue;
            }
            if !checks.is_empty() && !checks.contains(&o.check.as_str()) {
                continue;
            }
            let item = Item {
                run: seq,
                index: i as u64,
                leaf: hex(&leaf(bytes)),
                check: o.check,
                outcome: o.outcome,
            };
            if checks.is_empty() {
                out.push(item);
            } else {
                // Runs come in order, so a later run's observation replaces an earlier one.
                latest.insert(o.subject, item);
            }
        }
    }
    out.extend(latest.into_values());
    out.sort();
    Ok(out)
}

fn headers(ledger: &Ledger) -> Result<Vec<(u64, String, RunHeader)>, LedgerError> {
    Raw(ledger)
        .run_rows()?
        .into_iter()
        .map(|(seq, hash, bytes, _)| {
            serde_json::from_slice(&bytes)
                .map(|h| (seq, hash, h))
                .map_err(|e| LedgerError::Tampered(format!("run {seq}: header: {e}")))
        })
        .collect()
}

fn append(
    ledger: &Ledger,
    kind: &str,
    build: impl FnOnce(u64, String) -> Vec<u8>,
    signer: &Signer,
) -> Result<(u64, String), LedgerError> {
    ensure(ledger)?;
    let c = conn(ledger)?;
    c.execute_batch("BEGIN IMMEDIATE").map_err(err)?;
    let result = (|| {
        let last: Option<(i64, String)> = {
            use rusqlite::OptionalExtension as _;
            c.query_row(
                "SELECT id, hash FROM samples ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(err)?
        };
        let (id, prev) = match last {
            Some((i, h)) => (i as u64 + 1, h),
            None => (1, GENESIS.to_owned()),
        };
        let bytes = build(id, prev);
        let hash = sha256_hex(&bytes);
        c.execute(
            "INSERT OR IGNORE INTO keys (key_id, public_key) VALUES (?1, ?2)",
            rusqlite::params![signer.key_id(), signer.public_hex()],
        )
        .map_err(err)?;
        c.execute(
            "INSERT INTO samples (id, kind, hash, record, signature) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![id as i64, kind, hash, bytes, signer.sign(hash.as_bytes())],
        )
        .map_err(err)?;
        Ok((id, hash))
    })();
    match &result {
        Ok(_) => c.execute_batch("COMMIT").map_err(err)?,
        Err(_) => {
            let _ = c.execute_batch("ROLLBACK");
        }
    }
    result
}

/// Freeze the population of a period and store it, signed.
pub fn freeze(
    ledger: &Ledger,
    kind: &str,
    period: &Period,
    period_text: &str,
    recorded_at: &str,
    signer: &Signer,
) -> Result<Stored<FreezeRecord>, LedgerError> {
    if !POPULATIONS.contains(&kind) {
        return Err(LedgerError::Tampered(format!(
            "population `{kind}`: one of {}",
            POPULATIONS.join(", ")
        )));
    }
    let v = ledger.verify(None)?;
    if !v.ok() {
        return Err(LedgerError::Tampered(format!(
            "{}; nothing was frozen",
            v.problems[0]
        )));
    }
    let hs = headers(ledger)?;
    let runs: Vec<u64> = hs
        .iter()
        .filter(|(_, _, h)| period.contains(&h.as_of))
        .map(|(s, _, _)| *s)
        .collect();
    let head = hs
        .last()
        .map_or((0, GENESIS.to_owned()), |(s, h, _)| (*s, h.clone()));
    let items = population(ledger, kind, &runs)?;
    let mut rec = FreezeRecord {
        format: FREEZE_FORMAT.into(),
        id: 0,
        prev: String::new(),
        population: kind.into(),
        period: period_text.into(),
        runs,
        ledger_head: head,
        recorded_at: recorded_at.into(),
        population_hash: population_hash(&items),
        size: items.len() as u64,
        items,
        key_id: signer.key_id(),
    };
    let (id, hash) = append(
        ledger,
        "freeze",
        |id, prev| {
            rec.id = id;
            rec.prev = prev;
            serde_json::to_vec(&rec).expect("serialises")
        },
        signer,
    )?;
    Ok(Stored {
        id,
        hash,
        record: rec,
    })
}

/// A stored freeze (as stored: `verify` says whether to believe it).
pub fn freeze_by_id(ledger: &Ledger, id: u64) -> Result<Option<Stored<FreezeRecord>>, LedgerError> {
    for (i, kind, hash, bytes, _) in rows(ledger)? {
        if i == id && kind == "freeze" {
            let record = serde_json::from_slice(&bytes)
                .map_err(|e| LedgerError::Tampered(format!("sample freeze {id}: {e}")))?;
            return Ok(Some(Stored { id, hash, record }));
        }
    }
    Ok(None)
}

/// Every stored draw.
pub fn draws(ledger: &Ledger) -> Result<Vec<Stored<DrawRecord>>, LedgerError> {
    rows(ledger)?
        .into_iter()
        .filter(|r| r.1 == "draw")
        .map(|(id, _, hash, bytes, _)| {
            serde_json::from_slice(&bytes)
                .map(|record| Stored { id, hash, record })
                .map_err(|e| LedgerError::Tampered(format!("sample draw {id}: {e}")))
        })
        .collect()
}

fn rank(seed: &str, population_hash: &str, item: &Item) -> String {
    sha256_hex(format!("{seed}\n{population_hash}\n{}", item.key()).as_bytes())
}

/// How many of `n` each stratum gets: proportional, largest remainder.
pub fn allocate(n: u64, strata: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    let total: u64 = strata.values().sum();
    let n = n.min(total);
    if total == 0 {
        return strata.keys().map(|k| (k.clone(), 0)).collect();
    }
    let mut out: BTreeMap<String, u64> = BTreeMap::new();
    let mut rem: Vec<(u128, u64, &String)> = Vec::new();
    for (k, &size) in strata {
        let q = u128::from(n) * u128::from(size);
        out.insert(k.clone(), (q / u128::from(total)) as u64);
        rem.push((q % u128::from(total), size, k));
    }
    let mut left = n - out.values().sum::<u64>();
    rem.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)));
    for (_, size, k) in rem {
        if left == 0 {
            break;
        }
        let e = out.get_mut(k).expect("stratum");
        if *e < size {
            *e += 1;
            left -= 1;
        }
    }
    out
}

/// The draw itself: deterministic in (items, population hash, seed, size, stratify, added).
pub fn select(
    items: &[Item],
    population_hash: &str,
    seed: &str,
    size: u64,
    stratify: Option<&str>,
    added: &[String],
) -> Result<Vec<Drawn>, String> {
    if seed.is_empty() || seed.chars().any(char::is_control) {
        return Err("the seed must be non-empty text without control characters".into());
    }
    let stratum = |i: &Item| -> Option<String> {
        match stratify {
            Some("check") => Some(i.check.clone()),
            Some("outcome") => Some(i.outcome.clone()),
            _ => None,
        }
    };
    if let Some(s) = stratify
        && !matches!(s, "check" | "outcome")
    {
        return Err(format!("--stratify `{s}`: check or outcome"));
    }
    let mut ranked: Vec<(String, &Item)> = items
        .iter()
        .map(|i| (rank(seed, population_hash, i), i))
        .collect();
    ranked.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(a.1.run.cmp(&b.1.run))
            .then(a.1.index.cmp(&b.1.index))
    });
    let mut quota: Option<BTreeMap<String, u64>> = stratify.map(|_| {
        let mut sizes: BTreeMap<String, u64> = BTreeMap::new();
        for i in items {
            *sizes.entry(stratum(i).unwrap_or_default()).or_default() += 1;
        }
        allocate(size, &sizes)
    });
    let mut out: Vec<Drawn> = Vec::new();
    let mut taken = 0u64;
    for (r, i) in &ranked {
        let take = match &mut quota {
            Some(q) => {
                let left = q.get_mut(&stratum(i).unwrap_or_default()).expect("stratum");
                let t = *left > 0;
                if t {
                    *left -= 1;
                }
                t
            }
            None => taken < size,
        };
        if take {
            taken += 1;
            out.push(Drawn {
                run: i.run,
                index: i.index,
                leaf: i.leaf.clone(),
                check: i.check.clone(),
                outcome: i.outcome.clone(),
                selection: "random".into(),
                stratum: stratum(i),
                rank: Some(r.clone()),
            });
        }
    }
    for a in added {
        let (run, index) = a
            .split_once(':')
            .and_then(|(r, i)| Some((r.parse::<u64>().ok()?, i.parse::<u64>().ok()?)))
            .ok_or_else(|| format!("--add `{a}`: RUN:INDEX, e.g. 3:17"))?;
        let Some(item) = items.iter().find(|i| i.run == run && i.index == index) else {
            return Err(format!(
                "--add {a}: observation {index} of run {run} is not in the frozen population"
            ));
        };
        match out.iter_mut().find(|d| d.run == run && d.index == index) {
            Some(d) if d.selection == "random" => d.selection = "random+judgemental".into(),
            Some(_) => {}
            None => out.push(Drawn {
                run,
                index,
                leaf: item.leaf.clone(),
                check: item.check.clone(),
                outcome: item.outcome.clone(),
                selection: "judgemental".into(),
                stratum: stratum(item),
                rank: None,
            }),
        }
    }
    Ok(out)
}

/// Draw from a stored freeze and store the draw, signed.
#[allow(clippy::too_many_arguments)]
pub fn draw(
    ledger: &Ledger,
    freeze_id: u64,
    seed: &str,
    size: u64,
    stratify: Option<&str>,
    added: &[String],
    recorded_at: &str,
    signer: &Signer,
) -> Result<Stored<DrawRecord>, LedgerError> {
    let problems = verify(ledger, None)?;
    if let Some(p) = problems.first() {
        return Err(LedgerError::Tampered(format!("{p}; nothing was drawn")));
    }
    let f = freeze_by_id(ledger, freeze_id)?
        .ok_or_else(|| LedgerError::Tampered(format!("no sample freeze {freeze_id}")))?;
    let items = select(
        &f.record.items,
        &f.record.population_hash,
        seed,
        size,
        stratify,
        added,
    )
    .map_err(LedgerError::Tampered)?;
    let mut rec = DrawRecord {
        format: DRAW_FORMAT.into(),
        id: 0,
        prev: String::new(),
        algorithm: ALGORITHM.into(),
        freeze: freeze_id,
        freeze_hash: f.hash.clone(),
        population_hash: f.record.population_hash.clone(),
        seed: seed.into(),
        size,
        stratify: stratify.map(str::to_owned),
        added: added.to_vec(),
        recorded_at: recorded_at.into(),
        items,
        key_id: signer.key_id(),
    };
    let (id, hash) = append(
        ledger,
        "draw",
        |id, prev| {
            rec.id = id;
            rec.prev = prev;
            serde_json::to_vec(&rec).expect("serialises")
        },
        signer,
    )?;
    Ok(Stored {
        id,
        hash,
        record: rec,
    })
}

/// How often a control operates, for the sample-size table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frequency {
    Annual,
    Quarterly,
    Monthly,
    Weekly,
    Daily,
    ManyTimesADay,
}

impl Frequency {
    pub fn parse(s: &str) -> Option<Frequency> {
        Some(match s {
            "annual" | "annually" | "yearly" => Frequency::Annual,
            "quarterly" => Frequency::Quarterly,
            "monthly" => Frequency::Monthly,
            "weekly" => Frequency::Weekly,
            "daily" => Frequency::Daily,
            "many-times-a-day" | "multiple-daily" | "recurring" => Frequency::ManyTimesADay,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Annual => "annual",
            Frequency::Quarterly => "quarterly",
            Frequency::Monthly => "monthly",
            Frequency::Weekly => "weekly",
            Frequency::Daily => "daily",
            Frequency::ManyTimesADay => "many-times-a-day",
        }
    }

    /// From how many runs a period of `days` days holds.
    pub fn infer(runs: u64, days: u64) -> Frequency {
        let per_day = runs as f64 / days.max(1) as f64;
        if per_day > 1.5 {
            Frequency::ManyTimesADay
        } else if per_day >= 0.5 {
            Frequency::Daily
        } else if per_day >= 1.0 / 10.0 {
            Frequency::Weekly
        } else if per_day >= 1.0 / 45.0 {
            Frequency::Monthly
        } else if per_day >= 1.0 / 150.0 {
            Frequency::Quarterly
        } else {
            Frequency::Annual
        }
    }

    /// The range of the common frequency table for tests of controls.
    pub fn range(self) -> (u64, u64) {
        match self {
            Frequency::Annual => (1, 1),
            Frequency::Quarterly => (2, 2),
            Frequency::Monthly => (2, 5),
            Frequency::Weekly => (5, 15),
            Frequency::Daily => (20, 40),
            Frequency::ManyTimesADay => (25, 60),
        }
    }
}

/// Where the table comes from (printed with every suggestion).
pub const SIZE_SOURCE: &str = "the frequency table for tests of controls in common practice \
(annual 1, quarterly 2, monthly 2-5, weekly 5-15, daily 20-40, many times a day 25-60), often \
attributed to AICPA audit-sampling guidance and firm practice aids; annexa did not find a \
public AICPA or PCAOB text stating it. Partial public statements: \
https://www.sarbanes-oxley-forum.com/topic/8142/frequency-of-manual-controls-performance-1818/1 \
(weekly 5-15, from a Big Four firm's guidance), \
https://www.sarbanes-oxley-forum.com/topic/6949/control-frequency-sample-size-1640/37?page=1 \
(annual 1, quarterly 2, monthly 3, weekly 5, daily 25), \
https://legalclarity.org/control-testing-sample-size-table-inputs-and-evaluation/ \
(frequency-based, non-statistical sizes; daily 25 or more, annual 1). Your auditor's \
methodology overrides it";

/// The suggested size: the low end of the frequency's range (the high end when the control's
/// risk is higher), never more than the population.
pub fn suggest(freq: Frequency, population: u64, higher_risk: bool) -> u64 {
    let (lo, hi) = freq.range();
    (if higher_risk { hi } else { lo }).min(population)
}

/// Check every stored sample record: hash, chain, signature; every freeze's population
/// against the ledger's records; every draw against its freeze and seed. Problems in order.
pub fn verify(ledger: &Ledger, public_key: Option<&str>) -> Result<Vec<String>, LedgerError> {
    let rows = rows(ledger)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let stored_keys = Raw(ledger).keys()?;
    let key_for = |id: &str| -> Option<String> {
        match public_key {
            Some(k) => Some(k.to_owned()),
            None => stored_keys
                .iter()
                .find(|(i, _)| i == id)
                .map(|(_, k)| k.clone()),
        }
    };
    let hs = headers(ledger)?;
    let mut problems = Vec::new();
    let mut prev = GENESIS.to_owned();
    let mut freezes: BTreeMap<u64, (String, FreezeRecord)> = BTreeMap::new();
    let mut expected = 1u64;
    for (id, kind, hash, bytes, sig) in rows {
        let here = format!("sample {kind} {id}");
        if id != expected {
            problems.push(format!(
                "{here}: expected sample record {expected} here (one was deleted)"
            ));
        }
        expected = id + 1;
        let actual = sha256_hex(&bytes);
        if actual != hash {
            problems.push(format!("{here}: the record does not match its stored hash"));
        }
        #[derive(Deserialize)]
        struct Head {
            format: String,
            id: u64,
            prev: String,
            key_id: String,
        }
        let head: Head = match serde_json::from_slice(&bytes) {
            Ok(h) => h,
            Err(e) => {
                problems.push(format!("{here}: does not parse: {e}"));
                prev = actual;
                continue;
            }
        };
        if head.id != id {
            problems.push(format!("{here}: the record says it is {}", head.id));
        }
        if head.prev != prev {
            problems.push(format!(
                "{here}: does not chain to the sample record before it (one was deleted or replaced)"
            ));
        }
        prev = actual.clone();
        match key_for(&head.key_id) {
            Some(k) if keys::verify(&k, actual.as_bytes(), &sig) => {}
            _ => problems.push(format!("{here}: the signature does not verify")),
        }
        match (kind.as_str(), head.format.as_str()) {
            ("freeze", FREEZE_FORMAT) => {
                let f: FreezeRecord = match serde_json::from_slice(&bytes) {
                    Ok(f) => f,
                    Err(e) => {
                        problems.push(format!("{here}: does not parse: {e}"));
                        continue;
                    }
                };
                if population_hash(&f.items) != f.population_hash || f.size != f.items.len() as u64
                {
                    problems.push(format!(
                        "{here}: the population hash does not match its items"
                    ));
                }
                // The population is what the ledger holds for those runs, and the runs are
                // every run of the period the ledger held then.
                match Period::parse(&f.period) {
                    Ok(p) => {
                        let then: Vec<u64> = hs
                            .iter()
                            .filter(|(s, _, h)| *s <= f.ledger_head.0 && p.contains(&h.as_of))
                            .map(|(s, _, _)| *s)
                            .collect();
                        if then != f.runs {
                            problems.push(format!(
                                "{here}: names runs {:?}, but the period's runs up to run {} are {then:?}",
                                f.runs, f.ledger_head.0
                            ));
                        }
                    }
                    Err(e) => problems.push(format!("{here}: period: {e}")),
                }
                if f.ledger_head.0 > 0
                    && hs.get((f.ledger_head.0 - 1) as usize).map(|(_, h, _)| h)
                        != Some(&f.ledger_head.1)
                {
                    problems.push(format!(
                        "{here}: names a ledger head (run {}) the ledger does not hold",
                        f.ledger_head.0
                    ));
                }
                match population(ledger, &f.population, &f.runs) {
                    Ok(items) if items == f.items => {}
                    Ok(_) => problems.push(format!(
                        "{here}: its population does not match the ledger's records of runs {:?}",
                        f.runs
                    )),
                    Err(e) => problems.push(format!("{here}: {e}")),
                }
                freezes.insert(id, (actual, f));
            }
            ("draw", DRAW_FORMAT) => {
                let d: DrawRecord = match serde_json::from_slice(&bytes) {
                    Ok(d) => d,
                    Err(e) => {
                        problems.push(format!("{here}: does not parse: {e}"));
                        continue;
                    }
                };
                let Some((fhash, f)) = freezes.get(&d.freeze) else {
                    problems.push(format!(
                        "{here}: names sample freeze {}, which is not stored before it",
                        d.freeze
                    ));
                    continue;
                };
                if *fhash != d.freeze_hash || f.population_hash != d.population_hash {
                    problems.push(format!(
                        "{here}: names freeze {} by a hash the stored freeze does not have (the freeze was replaced)",
                        d.freeze
                    ));
                    continue;
                }
                match select(
                    &f.items,
                    &f.population_hash,
                    &d.seed,
                    d.size,
                    d.stratify.as_deref(),
                    &d.added,
                ) {
                    Ok(items) if items == d.items => {}
                    Ok(_) => problems.push(format!(
                        "{here}: its items are not what seed `{}` draws from freeze {}",
                        d.seed, d.freeze
                    )),
                    Err(e) => problems.push(format!("{here}: {e}")),
                }
            }
            (_, f) => problems.push(format!("{here}: unknown record format `{f}`")),
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_remainder_allocation() {
        let s: BTreeMap<String, u64> =
            [("a".into(), 50), ("b".into(), 30), ("c".into(), 20)].into();
        let a = allocate(7, &s);
        assert_eq!(a.values().sum::<u64>(), 7);
        assert_eq!((a["a"], a["b"], a["c"]), (4, 2, 1));
        let a = allocate(500, &s);
        assert_eq!((a["a"], a["b"], a["c"]), (50, 30, 20));
    }

    #[test]
    fn sizes_follow_the_frequency_table() {
        assert_eq!(suggest(Frequency::Daily, 1000, false), 20);
        assert_eq!(suggest(Frequency::Daily, 1000, true), 40);
        assert_eq!(suggest(Frequency::ManyTimesADay, 10, false), 10);
        assert_eq!(Frequency::infer(365, 365), Frequency::Daily);
        assert_eq!(Frequency::infer(2000, 365), Frequency::ManyTimesADay);
        assert_eq!(Frequency::infer(52, 365), Frequency::Weekly);
        assert_eq!(Frequency::infer(12, 365), Frequency::Monthly);
        assert_eq!(Frequency::infer(4, 365), Frequency::Quarterly);
        assert_eq!(Frequency::infer(1, 365), Frequency::Annual);
    }
}
