//! The evidence ledger: every recorded run is stored with the SHA-256 of each input, every
//! observation and the control status it concluded; runs are chained (each header names the
//! previous header's hash), each header commits to Merkle roots of its inputs and observations
//! and is signed once with Ed25519, and a signed checkpoint names the head so truncation shows.
//!
//! The store is SQLite (bundled) in WAL mode, one transaction per run: a run is visible whole
//! or not at all, whatever kills the writer. `verify` re-derives everything from the stored
//! bytes and names the first record that does not hold.
//!
//! Architecture invariant: the ledger stores records as the exact bytes that were hashed and
//! signed, never private keys, never file contents; nothing in it is trusted without checking
//! its hash, its place in the chain and its signature.

pub mod history;
pub mod keys;
pub mod merkle;
pub mod pack;
mod pg;
pub mod record;
pub mod sample;
mod sqlite;
mod store;
pub mod tsa;

use std::path::{Path, PathBuf};

use rusqlite::Connection;

pub use keys::{KEY_ENV, Signer};
use merkle::{Hash, hex, leaf, root, sha256_hex, unhex32};
use record::*;

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("{path}: {message}")]
    Store { path: PathBuf, message: String },
    #[error("signing key: {0}")]
    Key(String),
    #[error("the ledger does not verify: {0}; nothing was appended")]
    Tampered(String),
    #[error("time-stamp anchor: {0}")]
    Anchor(String),
}

/// What a run contributes, before it is numbered, chained and signed.
pub struct RunDraft {
    pub recorded_at: String,
    pub as_of: String,
    pub tool_version: String,
    pub binary_sha256: Option<String>,
    pub config_sha256: Option<String>,
    pub collector: String,
    pub ci: Option<CiIdentity>,
    pub repositories: Vec<RepositoryRecord>,
    pub controls: Vec<ControlRecord>,
    /// Inputs and observations without their run number and index (set on append).
    pub inputs: Vec<InputRecord>,
    pub observations: Vec<ObservationRecord>,
}

impl RunDraft {
    /// The draft of a scan and its assessment.
    pub fn from_scan(
        scan: &annexa_engine::ScanResult,
        assessment: &annexa_assess::Assessment,
        as_of: &str,
        tool_version: &str,
    ) -> RunDraft {
        let repo_name = |i: u32| {
            scan.repositories
                .get(i as usize)
                .map(|r| r.identity.to_string())
                .unwrap_or_default()
        };
        let mut inputs: Vec<InputRecord> = scan
            .files
            .iter()
            .map(|f| InputRecord {
                format: INPUT_FORMAT.into(),
                run: 0,
                index: 0,
                repository: repo_name(f.repo),
                path: f.path.clone(),
                sha256: f.sha256.clone(),
                provenance: f.provenance.as_str().into(),
                status: f.status.as_str().into(),
            })
            .collect();
        // A platform snapshot is one input: its manifest lists every body's digest.
        inputs.extend(scan.snapshots.iter().map(|s| {
            InputRecord {
                format: INPUT_FORMAT.into(),
                run: 0,
                index: 0,
                // Named by what it covers, not where it lies, so runs compare.
                repository: format!(
                    "snapshot:{}/{}",
                    s.manifest.host,
                    s.manifest
                        .scope
                        .org
                        .as_deref()
                        .or(s.manifest.scope.group.as_deref())
                        .unwrap_or("")
                ),
                path: "snapshot.json".to_owned(),
                sha256: Some(s.manifest_sha256.clone()),
                provenance: if s.edited.is_empty() && !s.manifest.synthetic {
                    annexa_model::Provenance::SystemCollected
                } else {
                    annexa_model::Provenance::HandEdited
                }
                .as_str()
                .into(),
                status: if s.manifest.complete {
                    "complete"
                } else {
                    "incomplete"
                }
                .into(),
            }
        }));
        let observations = scan
            .observations
            .iter()
            .map(|o| ObservationRecord {
                format: OBSERVATION_FORMAT.into(),
                run: 0,
                index: 0,
                check: o.check.as_str().into(),
                outcome: o.outcome.as_str().into(),
                severity: o.severity.as_str().into(),
                subject: o.subject.to_string(),
                fingerprint: annexa_engine::fingerprint(o),
                message: o.message.clone(),
                provenance: o.provenance.as_str().into(),
                suppression: o.suppression.as_ref().map(|s| format!("{s:?}")),
                locations: o
                    .locations
                    .iter()
                    .filter_map(|l| match l {
                        annexa_model::Location::File(f) => Some(LocationRecord {
                            path: format!("{}/{}", repo_name(f.repo), f.path),
                            route: f.route.to_string(),
                            span: f.span.map(|s| (s.start, s.end)),
                        }),
                        // Platform evidence: the resource, with the answer's status and ETag.
                        annexa_model::Location::Api {
                            resource,
                            status,
                            etag,
                            ..
                        } => Some(LocationRecord {
                            path: format!("api:{resource}"),
                            route: match etag {
                                Some(e) => format!("HTTP {status} ETag {e}"),
                                None => format!("HTTP {status}"),
                            },
                            span: None,
                        }),
                        _ => None,
                    })
                    .collect(),
            })
            .collect();
        let controls = assessment
            .controls
            .iter()
            .map(|c| ControlRecord {
                id: c.control.code().into(),
                overall: c.overall.as_str().into(),
                design: c.dimensions.design.map(|l| l.as_str().into()),
                operation: c.dimensions.operation.map(|l| l.as_str().into()),
                attestation: c.dimensions.attestation.map(|l| l.as_str().into()),
            })
            .collect();
        RunDraft {
            recorded_at: String::new(),
            as_of: as_of.into(),
            tool_version: tool_version.into(),
            binary_sha256: None,
            config_sha256: None,
            collector: String::new(),
            ci: None,
            repositories: scan
                .repositories
                .iter()
                .map(|r| RepositoryRecord {
                    identity: r.identity.to_string(),
                    commit: r.commit.clone(),
                    dirty: r.dirty,
                })
                .collect(),
            controls,
            inputs,
            observations,
        }
    }
}

/// A stored run, as listed.
#[derive(Clone, Debug)]
pub struct StoredRun {
    pub hash: String,
    pub header: RunHeader,
}

/// The outcome of a verification.
#[derive(Debug, Default)]
pub struct Verification {
    pub runs: u64,
    pub observations: u64,
    pub inputs: u64,
    /// Problems in ledger order; the first names the first bad record.
    pub problems: Vec<String>,
    /// Which key the signatures were checked against, and where it came from.
    pub key: String,
}

impl Verification {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// An evidence ledger: a SQLite file, or a PostgreSQL database (`open_url`).
pub struct Ledger {
    /// Where the ledger is, for messages (a URL without its password).
    path: PathBuf,
    store: Box<dyn store::Store + Send>,
}

impl Ledger {
    /// Open (creating if needed) the ledger at `path`.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        let store = sqlite::SqliteStore::open(path).map_err(|message| LedgerError::Store {
            path: path.to_owned(),
            message,
        })?;
        Ok(Ledger {
            path: path.to_owned(),
            store: Box::new(store),
        })
    }

    /// Open (creating its tables if needed) the ledger at `location`: a PostgreSQL URL
    /// (`postgres://user@host:port/database`, no TLS), or else a SQLite file's path.
    pub fn open_url(location: &str) -> Result<Ledger, LedgerError> {
        if !pg::is_url(location) {
            return Ledger::open(Path::new(location));
        }
        let path = PathBuf::from(pg::redact(location));
        let store = pg::PgStore::connect(location).map_err(|message| LedgerError::Store {
            path: path.clone(),
            message,
        })?;
        Ok(Ledger {
            path,
            store: Box::new(store),
        })
    }

    /// Like `open_url`, for a `--store` argument: a PostgreSQL URL or a file's path.
    pub fn open_store(store: &Path) -> Result<Ledger, LedgerError> {
        match store.to_str() {
            Some(url) if pg::is_url(url) => Ledger::open_url(url),
            _ => Ledger::open(store),
        }
    }

    /// Whether a `--store` argument names a PostgreSQL database.
    pub fn is_url(store: &Path) -> bool {
        store.to_str().is_some_and(pg::is_url)
    }

    /// Where the ledger is, for messages (a URL without its password).
    pub fn location(&self) -> &Path {
        &self.path
    }

    fn err(&self, message: String) -> LedgerError {
        LedgerError::Store {
            path: self.path.clone(),
            message,
        }
    }
    /// Append a run: numbered after the head, chained to it, its header signed, and the
    /// checkpoint moved — all in one transaction taken with the write lock, so concurrent
    /// writers serialise and a crash leaves the previous head intact.
    pub fn append(&mut self, draft: RunDraft, signer: &Signer) -> Result<StoredRun, LedgerError> {
        self.store.begin_append().map_err(|e| self.err(e))?;
        let out = self.append_locked(draft, signer);
        match out {
            Ok(run) => match self.store.commit() {
                Ok(()) => Ok(run),
                Err(e) => {
                    self.store.rollback();
                    Err(self.err(e))
                }
            },
            Err(e) => {
                self.store.rollback();
                Err(e)
            }
        }
    }

    /// The body of `append`, inside its transaction.
    fn append_locked(
        &mut self,
        draft: RunDraft,
        signer: &Signer,
    ) -> Result<StoredRun, LedgerError> {
        let path = self.path.clone();
        let err = move |message: String| LedgerError::Store {
            path: path.clone(),
            message,
        };
        // The checkpoint first: taking it takes the lock that serialises appenders, and only
        // then is the head read.
        // Never extend a chain whose head the checkpoint does not vouch for.
        let cp: Option<(Vec<u8>, String)> = self.store.locked_checkpoint().map_err(&err)?;
        let head: Option<(u64, String)> = self.store.head().map_err(&err)?;
        match (&head, &cp) {
            (None, None) => {}
            (Some((seq, hash)), Some((body, _))) => {
                let c: Checkpoint = serde_json::from_slice(body).map_err(|e| {
                    LedgerError::Tampered(format!("the checkpoint does not parse: {e}"))
                })?;
                if c.seq != *seq || c.head != *hash {
                    return Err(LedgerError::Tampered(format!(
                        "the checkpoint names run {} but the last stored run is {seq}",
                        c.seq
                    )));
                }
            }
            _ => {
                return Err(LedgerError::Tampered(
                    "runs and checkpoint do not match (one is missing)".into(),
                ));
            }
        }
        let (seq, prev) = match head {
            Some((s, h)) => (s + 1, h),
            None => (1, GENESIS.to_owned()),
        };
        self.store
            .add_key(&signer.key_id(), &signer.public_hex())
            .map_err(&err)?;
        let mut input_leaves: Vec<Hash> = Vec::with_capacity(draft.inputs.len());
        {
            let mut records = Vec::with_capacity(draft.inputs.len());
            for (i, mut r) in draft.inputs.into_iter().enumerate() {
                r.run = seq;
                r.index = i as u64;
                let bytes = serde_json::to_vec(&r).expect("records serialise");
                input_leaves.push(leaf(&bytes));
                records.push(bytes);
            }
            self.store
                .add_records("inputs", seq, &records)
                .map_err(&err)?;
        }
        let mut obs_leaves: Vec<Hash> = Vec::with_capacity(draft.observations.len());
        {
            let mut records = Vec::with_capacity(draft.observations.len());
            for (i, mut r) in draft.observations.into_iter().enumerate() {
                r.run = seq;
                r.index = i as u64;
                let bytes = serde_json::to_vec(&r).expect("records serialise");
                obs_leaves.push(leaf(&bytes));
                records.push(bytes);
            }
            self.store
                .add_records("observations", seq, &records)
                .map_err(&err)?;
        }
        let header = RunHeader {
            format: RUN_FORMAT.into(),
            seq,
            prev,
            recorded_at: draft.recorded_at,
            as_of: draft.as_of,
            tool_version: draft.tool_version,
            binary_sha256: draft.binary_sha256,
            config_sha256: draft.config_sha256,
            collector: draft.collector,
            ci: draft.ci,
            repositories: draft.repositories,
            input_count: input_leaves.len() as u64,
            inputs_root: hex(&root(input_leaves)),
            observation_count: obs_leaves.len() as u64,
            observations_root: hex(&root(obs_leaves)),
            controls: draft.controls,
            key_id: signer.key_id(),
        };
        let bytes = serde_json::to_vec(&header).expect("records serialise");
        let hash = sha256_hex(&bytes);
        self.store
            .add_run(seq, &hash, &bytes, &signer.sign(hash.as_bytes()))
            .map_err(&err)?;
        let cp = Checkpoint {
            format: CHECKPOINT_FORMAT.into(),
            seq,
            head: hash.clone(),
            key_id: signer.key_id(),
        };
        let cp_bytes = serde_json::to_vec(&cp).expect("records serialise");
        self.store
            .set_checkpoint(&cp_bytes, &signer.sign(&cp_bytes))
            .map_err(&err)?;
        Ok(StoredRun { hash, header })
    }

    /// Every run header, oldest first (as stored: `verify` says whether to believe them).
    pub fn runs(&self) -> Result<Vec<StoredRun>, LedgerError> {
        let rows = self.store.run_rows().map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for (_, hash, bytes, _) in rows {
            let header: RunHeader =
                serde_json::from_slice(&bytes).map_err(|e| LedgerError::Store {
                    path: self.path.clone(),
                    message: format!("run header does not parse: {e}"),
                })?;
            out.push(StoredRun { hash, header });
        }
        Ok(out)
    }

    /// The observations of run `seq`, in order.
    pub fn observations(&self, seq: u64) -> Result<Vec<ObservationRecord>, LedgerError> {
        let rows = self
            .store
            .records("observations", seq)
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for (_, bytes) in rows {
            out.push(
                serde_json::from_slice(&bytes).map_err(|e| LedgerError::Store {
                    path: self.path.clone(),
                    message: format!("observation does not parse: {e}"),
                })?,
            );
        }
        Ok(out)
    }

    /// The inputs of run `seq`, in order.
    pub fn inputs(&self, seq: u64) -> Result<Vec<InputRecord>, LedgerError> {
        let rows = self.store.records("inputs", seq).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for (_, bytes) in rows {
            out.push(
                serde_json::from_slice(&bytes).map_err(|e| LedgerError::Store {
                    path: self.path.clone(),
                    message: format!("input record does not parse: {e}"),
                })?,
            );
        }
        Ok(out)
    }

    /// Check every stored record: each header's hash, the chain, each run's Merkle roots and
    /// counts over its stored inputs and observations, every record's run number and index,
    /// every signature (against `public_key` when given, else against the keys the ledger
    /// holds — which a key holder who rewrote everything would pass), and the checkpoint.
    /// All of it is read in one snapshot, so appenders committing meanwhile do not show as
    /// damage.
    pub fn verify(&self, public_key: Option<&str>) -> Result<Verification, LedgerError> {
        self.verify_with(public_key, None)
    }

    /// [`Ledger::verify`], and with `tsa_ca` (PEM) every run must carry a time-stamp anchor
    /// that stamps its stored hash, is signed by a TSA certificate that CA issued, and was made
    /// within an hour of the run's recorded time (a back-dated rewrite cannot get one).
    pub fn verify_with(
        &self,
        public_key: Option<&str>,
        tsa_ca: Option<&str>,
    ) -> Result<Verification, LedgerError> {
        self.store.begin_read().map_err(|e| self.err(e))?;
        let out = self.verify_snapshot(public_key).and_then(|mut v| {
            if let Some(ca) = tsa_ca {
                self.verify_anchors(ca, &mut v)?;
            }
            Ok(v)
        });
        self.store.end_read();
        out
    }

    fn verify_anchors(&self, ca: &str, v: &mut Verification) -> Result<(), LedgerError> {
        let rows = self.store.run_rows().map_err(|e| self.err(e))?;
        for (seq, hash, bytes, _) in rows {
            let here = format!("run {seq}");
            let actual = sha256_hex(&bytes);
            let recorded_at = serde_json::from_slice::<RunHeader>(&bytes)
                .ok()
                .and_then(|h| h.recorded_at.parse::<jiff::Timestamp>().ok());
            if hash != actual {
                // Named by the chain checks; an anchor cannot vouch for a header that changed.
                continue;
            }
            let anchors = self
                .store
                .records("anchors", seq)
                .map_err(|e| self.err(e))?;
            let mut good = 0;
            for (idx, raw) in anchors {
                let problem = |what: String| format!("{here}: anchor {idx}: {what}");
                let a: AnchorRecord = match serde_json::from_slice(&raw) {
                    Ok(a) => a,
                    Err(e) => {
                        v.problems.push(problem(format!("does not parse: {e}")));
                        continue;
                    }
                };
                match check_anchor(&a, seq, idx as u64, &actual, recorded_at, Some(ca)) {
                    Ok(()) => good += 1,
                    Err(what) => v.problems.push(problem(what)),
                }
            }
            if good == 0
                && !v
                    .problems
                    .iter()
                    .any(|p| p.starts_with(&format!("{here}: anchor")))
            {
                v.problems.push(format!(
                    "{here}: no time-stamp anchor (recorded without --tsa?)"
                ));
            }
        }
        v.key
            .push_str("; time-stamp anchors checked against the given TSA CA");
        Ok(())
    }

    /// Stamp run `seq`'s header hash with the TSA at `url` and store the token.
    pub fn anchor(
        &mut self,
        seq: u64,
        url: &str,
        timeout: std::time::Duration,
    ) -> Result<AnchorRecord, LedgerError> {
        let run = self
            .runs()?
            .into_iter()
            .find(|r| r.header.seq == seq)
            .ok_or_else(|| LedgerError::Tampered(format!("no run {seq} to anchor")))?;
        let digest = unhex32(&run.hash)
            .ok_or_else(|| LedgerError::Tampered(format!("run {seq}: its hash is not hex")))?;
        let a =
            tsa::request(url, &digest, timeout).map_err(|e| LedgerError::Anchor(e.to_string()))?;
        self.store.begin_append().map_err(|e| self.err(e))?;
        let existing = self.store.records("anchors", seq).map_err(|e| self.err(e));
        let result = existing.and_then(|rows| {
            let record = AnchorRecord {
                format: ANCHOR_FORMAT.into(),
                run: seq,
                index: rows.len() as u64,
                run_hash: run.hash.clone(),
                tsa_url: a.tsa_url.clone(),
                gen_time: a.gen_time.clone(),
                token: hex(&a.token_der),
            };
            let bytes = serde_json::to_vec(&record).expect("records serialise");
            // One record at its index: add_records numbers from 0, so insert alone.
            self.store
                .add_records_at("anchors", seq, rows.len() as u64, &bytes)
                .map_err(|e| self.err(e))?;
            Ok(record)
        });
        match result {
            Ok(r) => {
                self.store.commit().map_err(|e| self.err(e))?;
                Ok(r)
            }
            Err(e) => {
                self.store.rollback();
                Err(e)
            }
        }
    }

    fn verify_snapshot(&self, public_key: Option<&str>) -> Result<Verification, LedgerError> {
        let mut v = Verification {
            key: match public_key {
                Some(k) => format!("the given public key {}", keys::key_id(k)),
                None => "the public keys stored in the ledger (give --public-key to check against a key you hold)".into(),
            },
            ..Verification::default()
        };
        let stored_keys: Vec<(String, String)> = self.store.keys().map_err(|e| self.err(e))?;
        for (id, pk) in &stored_keys {
            if keys::key_id(pk) != *id {
                v.problems
                    .push(format!("key {id}: its id does not match its public key"));
            }
        }
        let key_for = |id: &str| -> Option<String> {
            match public_key {
                Some(k) => Some(k.to_owned()),
                None => stored_keys
                    .iter()
                    .find(|(i, _)| i == id)
                    .map(|(_, k)| k.clone()),
            }
        };
        let rows = self.store.run_rows().map_err(|e| self.err(e))?;
        let mut prev = GENESIS.to_owned();
        let mut expected_seq = 1u64;
        let mut last: Option<(u64, String)> = None;
        for (seq, hash, bytes, signature) in rows {
            v.runs += 1;
            let here = format!("run {seq}");
            if seq != expected_seq {
                v.problems.push(format!(
                    "{here}: expected run {expected_seq} here (a run is missing or renumbered)"
                ));
            }
            expected_seq = seq + 1;
            let actual = sha256_hex(&bytes);
            if actual != hash {
                v.problems
                    .push(format!("{here}: the header does not match its stored hash"));
            }
            let header: RunHeader = match serde_json::from_slice(&bytes) {
                Ok(h) => h,
                Err(e) => {
                    v.problems
                        .push(format!("{here}: the header does not parse: {e}"));
                    prev = actual;
                    continue;
                }
            };
            if header.seq != seq {
                v.problems
                    .push(format!("{here}: the header says it is run {}", header.seq));
            }
            if header.prev != prev {
                v.problems.push(format!(
                    "{here}: does not chain to the run before it (runs reordered, removed or replaced)"
                ));
            }
            match key_for(&header.key_id) {
                Some(k) if keys::verify(&k, actual.as_bytes(), &signature) => {}
                Some(_) => v
                    .problems
                    .push(format!("{here}: the signature does not verify")),
                None => v.problems.push(format!(
                    "{here}: signed by key {}, which the ledger does not hold",
                    header.key_id
                )),
            }
            for (table, count, want_root) in [
                ("inputs", header.input_count, &header.inputs_root),
                (
                    "observations",
                    header.observation_count,
                    &header.observations_root,
                ),
            ] {
                let (n, got_root, bad) = self.leaves(table, seq)?;
                if table == "inputs" {
                    v.inputs += n;
                } else {
                    v.observations += n;
                }
                if let Some(b) = bad {
                    v.problems.push(format!("{here}: {table} record {b}"));
                }
                if n != count {
                    v.problems.push(format!(
                        "{here}: {n} {table} stored, the header committed to {count}"
                    ));
                } else if got_root != *want_root {
                    v.problems.push(format!(
                        "{here}: the stored {table} do not match the header's Merkle root (a record was changed)"
                    ));
                }
            }
            prev = actual.clone();
            last = Some((seq, actual));
        }
        // Records of runs that do not exist.
        for table in ["inputs", "observations", "anchors"] {
            let orphans = self.store.orphans(table).map_err(|e| self.err(e))?;
            if orphans > 0 {
                v.problems.push(format!(
                    "{orphans} {table} records belong to no stored run (a run was deleted)"
                ));
            }
        }
        let cp: Option<(Vec<u8>, String)> = self.store.checkpoint().map_err(|e| self.err(e))?;
        match (cp, last) {
            (None, None) => {}
            (None, Some(_)) => v
                .problems
                .push("checkpoint: missing (the head cannot be vouched for)".into()),
            (Some(_), None) => v
                .problems
                .push("checkpoint: names a head but no run is stored (runs were deleted)".into()),
            (Some((body, sig)), Some((seq, hash))) => {
                match serde_json::from_slice::<Checkpoint>(&body) {
                    Err(e) => v.problems.push(format!("checkpoint: does not parse: {e}")),
                    Ok(c) => {
                        match key_for(&c.key_id) {
                            Some(k) if keys::verify(&k, &body, &sig) => {}
                            _ => v
                                .problems
                                .push("checkpoint: the signature does not verify".into()),
                        }
                        if c.seq != seq || c.head != hash {
                            v.problems.push(format!(
                            "checkpoint: names run {} as the head, but the last stored run is {seq} (the tail was truncated or replaced)",
                            c.seq
                        ));
                        }
                    }
                }
            }
        }
        // Sample freezes and draws (`sample.rs`).
        v.problems.extend(sample::verify(self, public_key)?);
        Ok(v)
    }

    /// Count, Merkle root and the first malformed record of one run's rows in `table`.
    fn leaves(&self, table: &str, seq: u64) -> Result<(u64, String, Option<String>), LedgerError> {
        let rows = self.store.records(table, seq).map_err(|e| self.err(e))?;
        let mut hashes = Vec::new();
        let mut bad = None;
        for (expected, (idx, bytes)) in rows.into_iter().enumerate() {
            if bad.is_none() {
                // The record must say where it is: a record moved between runs or positions
                // would otherwise keep its hash.
                #[derive(serde::Deserialize)]
                struct Place {
                    run: u64,
                    index: u64,
                }
                match serde_json::from_slice::<Place>(&bytes) {
                    Ok(p) if p.run == seq && p.index == idx as u64 && idx as usize == expected => {}
                    Ok(_) => bad = Some(format!("{idx}: not in its recorded place")),
                    Err(e) => bad = Some(format!("{idx}: does not parse: {e}")),
                }
            }
            hashes.push(leaf(&bytes));
        }
        Ok((hashes.len() as u64, hex(&root(hashes)), bad))
    }

    /// The underlying connection, for tests that tamper with the store.
    #[doc(hidden)]
    pub fn connection(&self) -> &Connection {
        self.store
            .sqlite()
            .expect("connection() is for SQLite ledgers")
    }
}

/// One time-stamp anchor of run `seq`, the `index`-th: in its recorded place, stamping
/// `run_hash` (also in its token's imprint), and — with `tsa_ca` — signed by a TSA certificate
/// that CA issued, within an hour after (or five minutes before) the run's recorded time, so a
/// back-dated rewrite cannot get one. Used by `Ledger::verify_with` and by audit packs.
pub(crate) fn check_anchor(
    a: &AnchorRecord,
    seq: u64,
    index: u64,
    run_hash: &str,
    recorded_at: Option<jiff::Timestamp>,
    tsa_ca: Option<&str>,
) -> Result<(), String> {
    if a.format != ANCHOR_FORMAT || a.run != seq || a.index != index {
        return Err("not an anchor record in its recorded place".into());
    }
    if a.run_hash != run_hash {
        return Err("stamps another hash than the run's (the run was rewritten)".into());
    }
    let digest = merkle::unhex32(run_hash).ok_or("the run's hash is not hex")?;
    let token_der = merkle::unhex(&a.token).ok_or("the token is not hex")?;
    let anchor = tsa::Anchor {
        token_der,
        gen_time: a.gen_time.clone(),
        tsa_url: a.tsa_url.clone(),
    };
    let stamped = tsa::verify(&anchor, &digest, tsa_ca).map_err(|e| e.to_string())?;
    if tsa_ca.is_none() {
        return Ok(());
    }
    let in_time = match (stamped.parse::<jiff::Timestamp>(), recorded_at) {
        (Ok(g), Some(r)) => {
            let d = g.as_second() - r.as_second();
            (-300..=3600).contains(&d)
        }
        _ => false,
    };
    if in_time {
        Ok(())
    } else {
        Err(format!(
            "stamped at {stamped}, not within an hour of the run's recorded time (back-dated?)"
        ))
    }
}
