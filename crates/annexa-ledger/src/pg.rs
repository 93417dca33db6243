//! The PostgreSQL store (the sync `postgres` crate, no TLS: meant for a database on the same
//! host or network, as a loopback test server is): the same tables and bytes as SQLite (BYTEA
//! for records), so that many workers — one per shard of a large estate — append to one
//! ledger at once.
//!
//! Concurrency: each append is one transaction that first locks the checkpoint row (`SELECT …
//! FOR UPDATE`); the head is read only after that, so appenders serialise on the row and each
//! chains to the run the one before it committed. Before the first run there is no row to
//! lock: then a transaction-scoped advisory lock stands in for it until the row exists.

use std::cell::RefCell;

use postgres::{Client, NoTls};

use crate::store::{RunRow, Store, StoreResult, table};

/// The advisory lock that guards schema creation and the first checkpoint ("annexa" in hex).
const LOCK_KEY: i64 = 0x616e_6e65_7861;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    seq BIGINT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    header BYTEA NOT NULL,
    signature TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS observations (
    run BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    record BYTEA NOT NULL,
    PRIMARY KEY (run, idx)
);
CREATE TABLE IF NOT EXISTS inputs (
    run BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    record BYTEA NOT NULL,
    PRIMARY KEY (run, idx)
);
CREATE TABLE IF NOT EXISTS anchors (
    run BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    record BYTEA NOT NULL,
    PRIMARY KEY (run, idx)
);
CREATE TABLE IF NOT EXISTS keys (
    key_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoint (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    body BYTEA NOT NULL,
    signature TEXT NOT NULL
);
";

/// Records sent per INSERT (as one array parameter).
const BATCH: usize = 10_000;

pub(crate) struct PgStore {
    client: RefCell<Client>,
}

fn text(e: postgres::Error) -> String {
    // The server's own message (with its detail) says more than the client's summary.
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(d) => format!("{}: {d}", db.message()),
            None => db.message().to_owned(),
        },
        None => e.to_string(),
    }
}

/// `url` with any password replaced, for messages.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((user, host)) if user.contains(':') => {
            let name = user.split(':').next().unwrap_or_default();
            format!("{scheme}://{name}:***@{host}{tail}")
        }
        _ => url.to_owned(),
    }
}

/// Whether `location` names a PostgreSQL database rather than a SQLite file.
pub(crate) fn is_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

impl PgStore {
    pub(crate) fn connect(url: &str) -> StoreResult<PgStore> {
        let mut client = Client::connect(url, NoTls).map_err(text)?;
        // Concurrent CREATE TABLE IF NOT EXISTS can collide in the catalogue: one at a time.
        let mut tx = client.transaction().map_err(text)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
            .map_err(text)?;
        tx.batch_execute(SCHEMA).map_err(text)?;
        tx.commit().map_err(text)?;
        Ok(PgStore {
            client: RefCell::new(client),
        })
    }

    fn checkpoint_row(&mut self, lock: &str) -> StoreResult<Option<(Vec<u8>, String)>> {
        let row = self
            .client
            .get_mut()
            .query_opt(
                &format!("SELECT body, signature FROM checkpoint WHERE id = 1 {lock}"),
                &[],
            )
            .map_err(text)?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }
}

impl Store for PgStore {
    fn begin_append(&mut self) -> StoreResult<()> {
        self.client
            .get_mut()
            .batch_execute("BEGIN ISOLATION LEVEL READ COMMITTED")
            .map_err(text)
    }

    fn locked_checkpoint(&mut self) -> StoreResult<Option<(Vec<u8>, String)>> {
        // Once the checkpoint row exists, its row lock serialises appenders; a waiter gets
        // the row as the previous appender committed it, and every later statement of this
        // transaction (READ COMMITTED) sees that appender's run.
        if let Some(cp) = self.checkpoint_row("FOR UPDATE")? {
            return Ok(Some(cp));
        }
        // No row yet: the first appenders queue on the advisory lock; whoever gets it after
        // the first run committed finds (and locks) the row now.
        self.client
            .get_mut()
            .execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
            .map_err(text)?;
        self.checkpoint_row("FOR UPDATE")
    }

    fn head(&mut self) -> StoreResult<Option<(u64, String)>> {
        let row = self
            .client
            .get_mut()
            .query_opt("SELECT seq, hash FROM runs ORDER BY seq DESC LIMIT 1", &[])
            .map_err(text)?;
        Ok(row.map(|r| (r.get::<_, i64>(0) as u64, r.get(1))))
    }

    fn add_key(&mut self, key_id: &str, public_hex: &str) -> StoreResult<()> {
        self.client
            .get_mut()
            .execute(
                "INSERT INTO keys (key_id, public_key) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING",
                &[&key_id, &public_hex],
            )
            .map(drop)
            .map_err(text)
    }

    fn add_records(&mut self, name: &str, seq: u64, records: &[Vec<u8>]) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO {} (run, idx, record)
             SELECT $1, $2 + i - 1, r FROM unnest($3::bytea[]) WITH ORDINALITY AS t(r, i)",
            table(name)
        );
        let client = self.client.get_mut();
        let st = client.prepare(&sql).map_err(text)?;
        for (n, chunk) in records.chunks(BATCH).enumerate() {
            let first = (n * BATCH) as i64;
            client
                .execute(&st, &[&(seq as i64), &first, &chunk])
                .map_err(text)?;
        }
        Ok(())
    }

    fn add_records_at(&mut self, name: &str, seq: u64, idx: u64, record: &[u8]) -> StoreResult<()> {
        self.client
            .get_mut()
            .execute(
                &format!(
                    "INSERT INTO {} (run, idx, record) VALUES ($1, $2, $3)",
                    table(name)
                ),
                &[&(seq as i64), &(idx as i64), &record],
            )
            .map(drop)
            .map_err(text)
    }

    fn add_run(&mut self, seq: u64, hash: &str, header: &[u8], signature: &str) -> StoreResult<()> {
        self.client
            .get_mut()
            .execute(
                "INSERT INTO runs (seq, hash, header, signature) VALUES ($1, $2, $3, $4)",
                &[&(seq as i64), &hash, &header, &signature],
            )
            .map(drop)
            .map_err(text)
    }

    fn set_checkpoint(&mut self, body: &[u8], signature: &str) -> StoreResult<()> {
        self.client
            .get_mut()
            .execute(
                "INSERT INTO checkpoint (id, body, signature) VALUES (1, $1, $2)
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body, signature = excluded.signature",
                &[&body, &signature],
            )
            .map(drop)
            .map_err(text)
    }

    fn commit(&mut self) -> StoreResult<()> {
        self.client.get_mut().batch_execute("COMMIT").map_err(text)
    }

    fn rollback(&mut self) {
        let _ = self.client.get_mut().batch_execute("ROLLBACK");
    }

    fn begin_read(&self) -> StoreResult<()> {
        self.client
            .borrow_mut()
            .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .map_err(text)
    }

    fn end_read(&self) {
        let _ = self.client.borrow_mut().batch_execute("COMMIT");
    }

    fn keys(&self) -> StoreResult<Vec<(String, String)>> {
        let rows = self
            .client
            .borrow_mut()
            .query("SELECT key_id, public_key FROM keys", &[])
            .map_err(text)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn run_rows(&self) -> StoreResult<Vec<RunRow>> {
        let rows = self
            .client
            .borrow_mut()
            .query(
                "SELECT seq, hash, header, signature FROM runs ORDER BY seq",
                &[],
            )
            .map_err(text)?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<_, i64>(0) as u64, r.get(1), r.get(2), r.get(3)))
            .collect())
    }

    fn records(&self, name: &str, seq: u64) -> StoreResult<Vec<(i64, Vec<u8>)>> {
        let rows = self
            .client
            .borrow_mut()
            .query(
                &format!(
                    "SELECT idx, record FROM {} WHERE run = $1 ORDER BY idx",
                    table(name)
                ),
                &[&(seq as i64)],
            )
            .map_err(text)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn orphans(&self, name: &str) -> StoreResult<u64> {
        let row = self
            .client
            .borrow_mut()
            .query_one(
                &format!(
                    "SELECT count(*) FROM {} WHERE run NOT IN (SELECT seq FROM runs)",
                    table(name)
                ),
                &[],
            )
            .map_err(text)?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    fn checkpoint(&self) -> StoreResult<Option<(Vec<u8>, String)>> {
        let row = self
            .client
            .borrow_mut()
            .query_opt("SELECT body, signature FROM checkpoint WHERE id = 1", &[])
            .map_err(text)?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }
}
