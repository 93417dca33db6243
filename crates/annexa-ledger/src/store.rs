//! The storage behind a ledger: the same tables holding the same bytes, in SQLite (one file,
//! the embedded default) or PostgreSQL (one database that many workers append to at once).
//!
//! A store only moves rows; everything that decides whether to believe them — hashes, the
//! chain, Merkle roots, signatures, the checkpoint — lives in the ledger and is the same for
//! both.

/// A store's error, as text (the ledger adds where the store is).
pub(crate) type StoreResult<T> = Result<T, String>;

/// The two record tables.
pub(crate) const RECORD_TABLES: [&str; 3] = ["inputs", "observations", "anchors"];

/// A run's row: sequence number, stored hash, header bytes, signature.
pub(crate) type RunRow = (u64, String, Vec<u8>, String);

/// Row-level access to a ledger's tables.
pub(crate) trait Store {
    /// Start the transaction of one append, holding the store's write lock (SQLite: `BEGIN
    /// IMMEDIATE`; PostgreSQL: the checkpoint row is locked by `locked_checkpoint`).
    fn begin_append(&mut self) -> StoreResult<()>;
    /// Inside an append: the checkpoint (body, signature), locked so that concurrent
    /// appenders serialise until this transaction ends.
    fn locked_checkpoint(&mut self) -> StoreResult<Option<(Vec<u8>, String)>>;
    /// Inside an append: the last run's sequence number and stored hash.
    fn head(&mut self) -> StoreResult<Option<(u64, String)>>;
    fn add_key(&mut self, key_id: &str, public_hex: &str) -> StoreResult<()>;
    /// The records of run `seq` in `table`, at indexes 0, 1, …
    fn add_records(&mut self, table: &str, seq: u64, records: &[Vec<u8>]) -> StoreResult<()>;
    /// One record of run `seq` at position `idx` (anchors, added after the run).
    fn add_records_at(&mut self, table: &str, seq: u64, idx: u64, record: &[u8])
    -> StoreResult<()>;
    fn add_run(&mut self, seq: u64, hash: &str, header: &[u8], signature: &str) -> StoreResult<()>;
    fn set_checkpoint(&mut self, body: &[u8], signature: &str) -> StoreResult<()>;
    fn commit(&mut self) -> StoreResult<()>;
    /// End a failed append; nothing of it stays.
    fn rollback(&mut self);

    /// Start a read-only snapshot: the reads until `end_read` see one state of the ledger,
    /// whatever concurrent appenders commit meanwhile.
    fn begin_read(&self) -> StoreResult<()>;
    fn end_read(&self);
    /// (key id, public key hex) of every stored key.
    fn keys(&self) -> StoreResult<Vec<(String, String)>>;
    /// Every run, by sequence number.
    fn run_rows(&self) -> StoreResult<Vec<RunRow>>;
    /// (index, record bytes) of run `seq` in `table`, by index.
    fn records(&self, table: &str, seq: u64) -> StoreResult<Vec<(i64, Vec<u8>)>>;
    /// How many rows of `table` belong to no stored run.
    fn orphans(&self, table: &str) -> StoreResult<u64>;
    /// The checkpoint (body, signature), read without a lock.
    fn checkpoint(&self) -> StoreResult<Option<(Vec<u8>, String)>>;

    /// The SQLite connection, when this is a SQLite store (for tests that tamper).
    fn sqlite(&self) -> Option<&rusqlite::Connection> {
        None
    }
}

/// The table name, checked: record tables are the only names ever put into SQL text.
pub(crate) fn table(name: &str) -> &'static str {
    RECORD_TABLES
        .into_iter()
        .find(|t| *t == name)
        .expect("a record table")
}
