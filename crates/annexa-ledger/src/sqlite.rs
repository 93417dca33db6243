//! The SQLite store: one file, WAL, `BEGIN IMMEDIATE` per append (the write lock), so a run
//! is visible whole or not at all, whatever kills the writer.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension as _, params};

use crate::store::{RunRow, Store, StoreResult, table};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    seq INTEGER PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    header BLOB NOT NULL,
    signature TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS observations (
    run INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    record BLOB NOT NULL,
    PRIMARY KEY (run, idx)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS inputs (
    run INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    record BLOB NOT NULL,
    PRIMARY KEY (run, idx)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS anchors (
    run INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    record BLOB NOT NULL,
    PRIMARY KEY (run, idx)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS keys (
    key_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS checkpoint (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    body BLOB NOT NULL,
    signature TEXT NOT NULL
) STRICT;
";

pub(crate) struct SqliteStore {
    conn: Connection,
}

fn text(e: rusqlite::Error) -> String {
    e.to_string()
}

impl SqliteStore {
    pub(crate) fn open(path: &Path) -> StoreResult<SqliteStore> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create its folder: {e}"))?;
        }
        let conn = Connection::open(path).map_err(text)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(text)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(text)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(text)?;
        conn.execute_batch(SCHEMA).map_err(text)?;
        Ok(SqliteStore { conn })
    }
}

impl Store for SqliteStore {
    fn begin_append(&mut self) -> StoreResult<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(text)
    }

    fn locked_checkpoint(&mut self) -> StoreResult<Option<(Vec<u8>, String)>> {
        // BEGIN IMMEDIATE already holds the database's write lock.
        self.checkpoint()
    }

    fn head(&mut self) -> StoreResult<Option<(u64, String)>> {
        self.conn
            .query_row(
                "SELECT seq, hash FROM runs ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)),
            )
            .optional()
            .map_err(text)
    }

    fn add_key(&mut self, key_id: &str, public_hex: &str) -> StoreResult<()> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO keys (key_id, public_key) VALUES (?1, ?2)",
                params![key_id, public_hex],
            )
            .map(drop)
            .map_err(text)
    }

    fn add_records(&mut self, name: &str, seq: u64, records: &[Vec<u8>]) -> StoreResult<()> {
        let mut ins = self
            .conn
            .prepare_cached(&format!(
                "INSERT INTO {} (run, idx, record) VALUES (?1, ?2, ?3)",
                table(name)
            ))
            .map_err(text)?;
        for (i, bytes) in records.iter().enumerate() {
            ins.execute(params![seq as i64, i as i64, bytes])
                .map_err(text)?;
        }
        Ok(())
    }

    fn add_records_at(&mut self, name: &str, seq: u64, idx: u64, record: &[u8]) -> StoreResult<()> {
        self.conn
            .execute(
                &format!(
                    "INSERT INTO {} (run, idx, record) VALUES (?1, ?2, ?3)",
                    table(name)
                ),
                params![seq as i64, idx as i64, record],
            )
            .map(drop)
            .map_err(text)
    }

    fn add_run(&mut self, seq: u64, hash: &str, header: &[u8], signature: &str) -> StoreResult<()> {
        self.conn
            .execute(
                "INSERT INTO runs (seq, hash, header, signature) VALUES (?1, ?2, ?3, ?4)",
                params![seq as i64, hash, header, signature],
            )
            .map(drop)
            .map_err(text)
    }

    fn set_checkpoint(&mut self, body: &[u8], signature: &str) -> StoreResult<()> {
        self.conn
            .execute(
                "INSERT INTO checkpoint (id, body, signature) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body, signature = excluded.signature",
                params![body, signature],
            )
            .map(drop)
            .map_err(text)
    }

    fn commit(&mut self) -> StoreResult<()> {
        self.conn.execute_batch("COMMIT").map_err(text)
    }

    fn rollback(&mut self) {
        let _ = self.conn.execute_batch("ROLLBACK");
    }

    fn begin_read(&self) -> StoreResult<()> {
        // A deferred transaction reads one WAL snapshot from its first read on.
        self.conn.execute_batch("BEGIN DEFERRED").map_err(text)
    }

    fn end_read(&self) {
        let _ = self.conn.execute_batch("COMMIT");
    }

    fn keys(&self) -> StoreResult<Vec<(String, String)>> {
        let mut st = self
            .conn
            .prepare("SELECT key_id, public_key FROM keys")
            .map_err(text)?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(text)?;
        rows.collect::<Result<_, _>>().map_err(text)
    }

    fn run_rows(&self) -> StoreResult<Vec<RunRow>> {
        let mut st = self
            .conn
            .prepare("SELECT seq, hash, header, signature FROM runs ORDER BY seq")
            .map_err(text)?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)? as u64,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(text)?;
        rows.collect::<Result<_, _>>().map_err(text)
    }

    fn records(&self, name: &str, seq: u64) -> StoreResult<Vec<(i64, Vec<u8>)>> {
        let mut st = self
            .conn
            .prepare_cached(&format!(
                "SELECT idx, record FROM {} WHERE run = ?1 ORDER BY idx",
                table(name)
            ))
            .map_err(text)?;
        let rows = st
            .query_map([seq as i64], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(text)?;
        rows.collect::<Result<_, _>>().map_err(text)
    }

    fn orphans(&self, name: &str) -> StoreResult<u64> {
        self.conn
            .query_row(
                &format!(
                    "SELECT count(*) FROM {} WHERE run NOT IN (SELECT seq FROM runs)",
                    table(name)
                ),
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(text)
    }

    fn checkpoint(&self) -> StoreResult<Option<(Vec<u8>, String)>> {
        self.conn
            .query_row(
                "SELECT body, signature FROM checkpoint WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(text)
    }

    fn sqlite(&self) -> Option<&Connection> {
        Some(&self.conn)
    }
}
