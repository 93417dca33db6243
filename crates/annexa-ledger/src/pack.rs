//! The audit pack: a zip an auditor checks offline with nothing but the pack.
//!
//! It holds the runs of a period exactly as stored (headers, signatures, input and observation
//! records), the header of the run before the period (the chain's first link), the headers of
//! every run after it up to the signed checkpoint (so a run cannot be dropped from either end
//! of the period unnoticed), the checkpoint, the public keys, a `manifest.json` with the
//! SHA-256 of every file, `SHA256SUMS` for `sha256sum -c`, and a README for the auditor.
//!
//! The zip is deterministic: files in a fixed order, every timestamp 1980-01-01 00:00, mode
//! 0644, so the same ledger and period give the same bytes (unless pseudonymised: that key is
//! random per pack).
//!
//! Pseudonymisation (`--pseudonymise`) replaces collector and CI actor names and e-mail-like
//! strings with `pseudonym-` + 12 hex digits of HMAC-SHA-256 under a random per-pack key that is
//! neither in the pack nor kept. A pseudonymised record no longer hashes to its signed leaf, so
//! the pack also ships the original leaf hashes and header hashes: roots, chain hashes and
//! signatures still verify from them, and every record the pseudonymiser did not change is
//! still checked byte for byte. What is then *not* bound by a signature is the text of the
//! records the manifest lists as pseudonymised (including those headers' fields).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read as _, Write as _};

use serde::{Deserialize, Serialize};

use crate::history::Period;
use crate::keys;
use crate::merkle::{hex, leaf, root, sha256_hex, unhex32};
use crate::record::{AnchorRecord, Checkpoint, GENESIS, InputRecord, ObservationRecord, RunHeader};
use crate::{Ledger, LedgerError};

pub const PACK_FORMAT: &str = "annexa-pack/2";
/// Packs of this format (no anchors, input copies or report) still verify.
pub const PACK_FORMAT_1: &str = "annexa-pack/1";
pub const KEYS_FORMAT: &str = "annexa-pack/keys/1";

/// Raw rows through the ledger's store (SQLite or PostgreSQL): the exact stored bytes.
pub(crate) struct Raw<'a>(pub(crate) &'a Ledger);

type Row = (u64, String, Vec<u8>, String);

impl Raw<'_> {
    fn err(&self, message: String) -> LedgerError {
        LedgerError::Store {
            path: self.0.location().to_owned(),
            message,
        }
    }

    pub(crate) fn run_rows(&self) -> Result<Vec<Row>, LedgerError> {
        self.0.store.run_rows().map_err(|e| self.err(e))
    }

    pub(crate) fn records(&self, table: &str, seq: u64) -> Result<Vec<Vec<u8>>, LedgerError> {
        Ok(self
            .0
            .store
            .records(table, seq)
            .map_err(|e| self.err(e))?
            .into_iter()
            .map(|(_, b)| b)
            .collect())
    }

    pub(crate) fn keys(&self) -> Result<Vec<(String, String)>, LedgerError> {
        let mut k = self.0.store.keys().map_err(|e| self.err(e))?;
        k.sort();
        Ok(k)
    }

    pub(crate) fn checkpoint(&self) -> Result<Option<(Vec<u8>, String)>, LedgerError> {
        self.0.store.checkpoint().map_err(|e| self.err(e))
    }
}

impl<'a> Raw<'a> {
    /// The SQLite connection, for the sample table (SQLite ledgers only, for now).
    pub(crate) fn sqlite(&self) -> Option<&'a rusqlite::Connection> {
        self.0.store.sqlite()
    }
}

/// The pack's manifest (`manifest.json`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub format: String,
    pub tool_version: String,
    /// The period as asked for (`FROM..TO`, days, UTC, inclusive).
    pub period: String,
    /// Which runs a period selects.
    pub selection: String,
    /// First and last run of the period.
    pub first_run: u64,
    pub last_run: u64,
    /// The run before the period (its header is in `previous/`), if any.
    pub previous_run: Option<u64>,
    /// Runs after the period up to the checkpoint (headers only, in `following/`).
    pub following_runs: Vec<u64>,
    pub pseudonymisation: Option<Pseudonymisation>,
    /// Every file of the pack but `manifest.json` and `SHA256SUMS`, in pack order.
    pub files: Vec<FileEntry>,
    /// The time-stamp anchors of the period's runs (`runs/NNNNNNNN/anchors.jsonl`).
    #[serde(default)]
    pub anchors: Vec<AnchorEntry>,
    /// Redacted copies of input files (`inputs/NNNNNNNN/REPOSITORY/PATH`).
    #[serde(default)]
    pub input_files: Vec<InputFile>,
    /// Input files asked for (`--files-from`) but not shipped, and why.
    #[serde(default)]
    pub inputs_left_out: Vec<LeftOut>,
}

/// One anchor record of a run, as listed in the manifest.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AnchorEntry {
    pub run: u64,
    pub index: u64,
    pub run_hash: String,
    pub gen_time: String,
    pub tsa_url: String,
}

/// A redacted copy of an input file: `sha256` is the copy's, `original_sha256` the digest the
/// run recorded for the file (its `inputs.jsonl` record at `input`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct InputFile {
    pub path: String,
    pub run: u64,
    pub input: u64,
    pub repository: String,
    pub file: String,
    pub kind: String,
    pub original_sha256: String,
    pub sha256: String,
    /// Byte ranges replaced with `*` (the run's `hardcoded-credential` fails in this file).
    pub redacted_ranges: u64,
    pub pseudonymised: bool,
}

/// An input file of a run that was not shipped.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct LeftOut {
    pub run: u64,
    pub repository: String,
    pub file: String,
    pub reason: String,
}

/// A repository folder to copy input files from (`--files-from`): it serves the runs whose
/// repository identity equals `identity`, or whose identity's last segment is the folder name.
#[derive(Clone, Debug)]
pub struct InputSource {
    pub dir: std::path::PathBuf,
    pub identity: Option<String>,
}

impl InputSource {
    fn serves(&self, repository: &str) -> bool {
        self.identity.as_deref() == Some(repository)
            || self
                .dir
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n == repository || repository.rsplit('/').next() == Some(n))
    }
}

pub const INPUT_COPY_KIND: &str = "redacted copy";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Pseudonymisation {
    pub method: String,
    pub replaced: Vec<String>,
    pub verifiable: String,
    /// Runs whose header text was changed.
    pub headers: Vec<u64>,
    /// `RUN:INDEX` of changed records.
    pub inputs: Vec<String>,
    pub observations: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PackKeys {
    pub format: String,
    pub keys: Vec<PackKey>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PackKey {
    pub key_id: String,
    pub public_key: String,
}

/// What an export wrote.
#[derive(Debug)]
pub struct Exported {
    pub zip: Vec<u8>,
    pub manifest: Manifest,
}

/// HMAC-SHA-256 (RFC 2104) for keys of at most 64 bytes.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    use sha2::{Digest as _, Sha256};
    assert!(key.len() <= 64, "short keys only");
    let mut k = [0u8; 64];
    k[..key.len()].copy_from_slice(key);
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(msg);
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// Replaces names and e-mail-like strings with stable pseudonyms.
pub struct Pseudonymiser {
    key: [u8; 32],
    /// Longest first, so `alice.smith@host` wins over `alice.smith`.
    names: Vec<String>,
}

fn word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'@' | b'+' | b'%')
}

impl Pseudonymiser {
    pub fn new(key: [u8; 32], names: BTreeSet<String>) -> Pseudonymiser {
        let mut names: Vec<String> = names.into_iter().filter(|n| n.len() >= 3).collect();
        names.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        Pseudonymiser { key, names }
    }

    pub fn pseudonym(&self, s: &str) -> String {
        format!(
            "pseudonym-{}",
            &hex(&hmac_sha256(&self.key, s.as_bytes()))[..12]
        )
    }

    /// An e-mail-like string starting at `i` (after a word boundary): its end.
    fn email_at(s: &[u8], i: usize) -> Option<usize> {
        let local =
            |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-');
        let mut j = i;
        while j < s.len() && local(s[j]) {
            j += 1;
        }
        if j == i || j >= s.len() || s[j] != b'@' {
            return None;
        }
        let start = j + 1;
        let mut k = start;
        while k < s.len() && (s[k].is_ascii_alphanumeric() || matches!(s[k], b'-' | b'.')) {
            k += 1;
        }
        // Trailing dots end a sentence, not a domain.
        while k > start && s[k - 1] == b'.' {
            k -= 1;
        }
        let domain = &s[start..k];
        let ok = domain.contains(&b'.')
            && domain.first().is_some_and(|b| b.is_ascii_alphanumeric())
            && domain
                .rsplit(|b| *b == b'.')
                .next()
                .is_some_and(|tld| tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic));
        ok.then_some(k)
    }

    /// The text with every known name (as a whole word) and e-mail-like string replaced.
    pub fn text(&self, s: &str) -> String {
        let b = s.as_bytes();
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        let mut copied = 0;
        while i < b.len() {
            let boundary = i == 0 || !word_byte(b[i - 1]);
            if boundary {
                let name = self.names.iter().find(|n| {
                    b[i..].starts_with(n.as_bytes())
                        && b.get(i + n.len()).is_none_or(|c| !word_byte(*c))
                });
                let end = name.map(|n| i + n.len()).or_else(|| Self::email_at(b, i));
                if let Some(end) = end {
                    out.push_str(&s[copied..i]);
                    out.push_str(&self.pseudonym(&s[i..end]));
                    i = end;
                    copied = end;
                    continue;
                }
            }
            i += 1;
        }
        out.push_str(&s[copied..]);
        out
    }

    /// A record's JSON with every string pseudonymised; `None` when nothing changed (the
    /// exact stored bytes are then shipped).
    pub fn record(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        let mut v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        let mut changed = false;
        self.walk(&mut v, &mut changed);
        changed.then(|| serde_json::to_vec(&v).expect("JSON serialises"))
    }

    fn walk(&self, v: &mut serde_json::Value, changed: &mut bool) {
        match v {
            serde_json::Value::String(s) => {
                let t = self.text(s);
                if t != *s {
                    *s = t;
                    *changed = true;
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| self.walk(x, changed)),
            serde_json::Value::Object(o) => o.values_mut().for_each(|x| self.walk(x, changed)),
            _ => {}
        }
    }
}

/// The names a header reveals: the collector (`user@host`, and `user`) and CI claims naming
/// a person (`*ACTOR*`, `*USER*`, `*EMAIL*`, `*NAME*`).
pub fn personal_names(h: &RunHeader) -> Vec<String> {
    let mut out = vec![h.collector.clone()];
    if let Some((user, _)) = h.collector.split_once('@') {
        out.push(user.to_owned());
    }
    if let Some(ci) = &h.ci {
        for (k, v) in &ci.claims {
            let k = k.to_ascii_uppercase();
            if ["ACTOR", "USER", "EMAIL", "NAME"]
                .iter()
                .any(|p| k.contains(p))
                && !k.ends_with("_ID")
            {
                out.push(v.clone());
            }
        }
    }
    out.retain(|n| !n.is_empty() && n != "unknown" && n != "unknown@unknown");
    out
}

fn run_dir(seq: u64) -> String {
    format!("runs/{seq:08}")
}

fn following_dir(seq: u64) -> String {
    format!("following/{seq:08}")
}

/// The PEM form of an Ed25519 public key, for `openssl pkeyutl -verify`.
fn ed25519_pem(public_hex: &str) -> Option<String> {
    let raw: Vec<u8> = (0..public_hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(public_hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<_>>()?;
    let mut der = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    der.extend_from_slice(&raw);
    Some(format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        base64(&der)
    ))
}

fn base64(b: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for (k, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if k <= c.len() {
                out.push(T[(n >> shift) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Build the pack of the runs whose `--as-of` falls in `period` (the same selection as
/// `annexa controls --period`). The ledger must verify first: a pack never carries records
/// the ledger itself does not vouch for.
pub fn export(
    ledger: &Ledger,
    period: &Period,
    period_text: &str,
    pseudonymise: bool,
    tool_version: &str,
) -> Result<Exported, LedgerError> {
    export_with(ledger, period, period_text, pseudonymise, tool_version, &[])
}

/// [`export`], and the input files of each run found in `sources` (same digest as recorded),
/// redacted, under `inputs/`.
pub fn export_with(
    ledger: &Ledger,
    period: &Period,
    period_text: &str,
    pseudonymise: bool,
    tool_version: &str,
    sources: &[InputSource],
) -> Result<Exported, LedgerError> {
    let v = ledger.verify(None)?;
    if !v.ok() {
        return Err(LedgerError::Tampered(format!(
            "{}; no pack was written",
            v.problems[0]
        )));
    }
    // One snapshot for everything read below, whatever is appended meanwhile.
    ledger.store.begin_read().map_err(|e| Raw(ledger).err(e))?;
    let out = export_snapshot(
        ledger,
        period,
        period_text,
        pseudonymise,
        tool_version,
        sources,
    );
    ledger.store.end_read();
    out
}

fn export_snapshot(
    ledger: &Ledger,
    period: &Period,
    period_text: &str,
    pseudonymise: bool,
    tool_version: &str,
    sources: &[InputSource],
) -> Result<Exported, LedgerError> {
    let raw = Raw(ledger);
    let rows = raw.run_rows()?;
    let headers: Vec<RunHeader> = rows
        .iter()
        .map(|(_, _, b, _)| serde_json::from_slice(b).expect("verified headers parse"))
        .collect();
    let in_period: Vec<u64> = headers
        .iter()
        .filter(|h| period.contains(&h.as_of))
        .map(|h| h.seq)
        .collect();
    let (Some(&first), Some(&last)) = (in_period.first(), in_period.last()) else {
        return Err(LedgerError::Tampered(format!(
            "no run has an as-of in {period_text}; no pack was written"
        )));
    };
    let head = rows.last().map_or(0, |r| r.0);

    let pseud = pseudonymise.then(|| {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("a random source");
        let names: BTreeSet<String> = headers
            .iter()
            .filter(|h| h.seq + 1 >= first)
            .flat_map(personal_names)
            .collect();
        Pseudonymiser::new(key, names)
    });
    let mut changed = (Vec::new(), Vec::new(), Vec::new());

    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let keys = raw.keys()?;
    files.push((
        "keys.json".into(),
        serde_json::to_vec_pretty(&PackKeys {
            format: KEYS_FORMAT.into(),
            keys: keys
                .iter()
                .map(|(id, pk)| PackKey {
                    key_id: id.clone(),
                    public_key: pk.clone(),
                })
                .collect(),
        })
        .expect("serialises"),
    ));
    for (id, pk) in &keys {
        if let Some(pem) = ed25519_pem(pk) {
            files.push((format!("keys/{id}.pem"), pem.into_bytes()));
        }
    }
    let (cp_body, cp_sig) = raw
        .checkpoint()?
        .ok_or_else(|| LedgerError::Tampered("the ledger has no checkpoint".into()))?;
    files.push(("checkpoint.json".into(), cp_body));
    files.push(("checkpoint.sig".into(), format!("{cp_sig}\n").into_bytes()));

    // A header, as stored or pseudonymised (then with its original hash beside it).
    let put_header = |files: &mut Vec<(String, Vec<u8>)>,
                      dir: &str,
                      row: &Row,
                      changed_headers: &mut Vec<u64>| {
        let (seq, hash, bytes, sig) = row;
        match pseud.as_ref().and_then(|p| p.record(bytes)) {
            Some(p) => {
                files.push((format!("{dir}/header.json"), p));
                changed_headers.push(*seq);
            }
            None => files.push((format!("{dir}/header.json"), bytes.clone())),
        }
        if pseud.is_some() {
            files.push((
                format!("{dir}/header.sha256"),
                format!("{hash}\n").into_bytes(),
            ));
        }
        files.push((format!("{dir}/header.sig"), format!("{sig}\n").into_bytes()));
    };
    let row_of = |seq: u64| &rows[(seq - 1) as usize];
    let previous = (first > 1).then(|| first - 1);
    if let Some(p) = previous {
        put_header(&mut files, "previous", row_of(p), &mut changed.0);
    }
    let mut anchors = Vec::new();
    let mut report_runs = Vec::new();
    let mut copies = Copies::default();
    for seq in first..=last {
        let dir = run_dir(seq);
        put_header(&mut files, &dir, row_of(seq), &mut changed.0);
        let mut originals: Vec<Vec<Vec<u8>>> = Vec::new();
        for (table, list) in [("inputs", &mut changed.1), ("observations", &mut changed.2)] {
            let records = raw.records(table, seq)?;
            originals.push(records.clone());
            let mut text = Vec::new();
            let mut leaves = String::new();
            for (i, r) in records.iter().enumerate() {
                match pseud.as_ref().and_then(|p| p.record(r)) {
                    Some(p) => {
                        text.extend_from_slice(&p);
                        list.push(format!("{seq}:{i}"));
                    }
                    None => text.extend_from_slice(r),
                }
                text.push(b'\n');
                leaves.push_str(&hex(&leaf(r)));
                leaves.push('\n');
            }
            files.push((format!("{dir}/{table}.jsonl"), text));
            if pseud.is_some() {
                files.push((format!("{dir}/{table}.leaves"), leaves.into_bytes()));
            }
        }
        // Anchors: the exact stored bytes (the token authenticates itself).
        let stored = raw.records("anchors", seq)?;
        let mut run_anchors = Vec::new();
        if !stored.is_empty() {
            let mut text = Vec::new();
            for r in &stored {
                let a: AnchorRecord = serde_json::from_slice(r)
                    .map_err(|e| LedgerError::Tampered(format!("run {seq}: an anchor: {e}")))?;
                anchors.push(AnchorEntry {
                    run: a.run,
                    index: a.index,
                    run_hash: a.run_hash.clone(),
                    gen_time: a.gen_time.clone(),
                    tsa_url: a.tsa_url.clone(),
                });
                run_anchors.push(a);
                text.extend_from_slice(r);
                text.push(b'\n');
            }
            files.push((format!("{dir}/anchors.jsonl"), text));
        }
        // The report shows what the pack ships (pseudonymised text when pseudonymised).
        let shipped = |b: &[u8]| {
            pseud
                .as_ref()
                .and_then(|p| p.record(b))
                .unwrap_or(b.to_vec())
        };
        let header: RunHeader = serde_json::from_slice(&shipped(&row_of(seq).2))
            .map_err(|e| LedgerError::Tampered(format!("run {seq}: header: {e}")))?;
        let observations: Vec<ObservationRecord> = originals[1]
            .iter()
            .filter_map(|r| serde_json::from_slice(&shipped(r)).ok())
            .collect();
        report_runs.push((header, observations, run_anchors));
        if !sources.is_empty() {
            copy_inputs(
                seq,
                &originals[0],
                &originals[1],
                sources,
                pseud.as_ref(),
                &mut copies,
            );
        }
    }
    files.push(("report.html".into(), report_html(&report_runs).into_bytes()));
    files.extend(copies.files);
    let following: Vec<u64> = (last + 1..=head).collect();
    for &seq in &following {
        put_header(&mut files, &following_dir(seq), row_of(seq), &mut changed.0);
    }

    let pseudonymisation = pseud.as_ref().map(|_| Pseudonymisation {
        method: "pseudonym-<first 12 hex digits of HMAC-SHA-256(key, original)>; the 256-bit key was drawn at random for this pack and is neither in the pack nor kept: the same original gives the same pseudonym within this pack only".into(),
        replaced: vec![
            "the collector (user@host) and user of every run header, and CI claims naming a person (ACTOR, USER, EMAIL, NAME), wherever they appear".into(),
            "e-mail-like strings (local@domain.tld) in every record".into(),
        ],
        verifiable: "headers and records the pseudonymiser did not change are checked byte for byte; every Merkle root is recomputed from the original leaf hashes (*.leaves); every signature and chain link is checked on the original header hashes (header.sha256). The text of the headers and records listed here is NOT bound by any signature: it is the exporter's pseudonymised copy".into(),
        headers: changed.0.clone(),
        inputs: changed.1.clone(),
        observations: changed.2.clone(),
    });
    let mut manifest = Manifest {
        format: PACK_FORMAT.into(),
        tool_version: tool_version.into(),
        period: period_text.into(),
        selection: "runs whose as-of falls on a day (UTC) of the period, and every run between the first and the last of them".into(),
        first_run: first,
        last_run: last,
        previous_run: previous,
        following_runs: following,
        pseudonymisation,
        files: Vec::new(),
        anchors,
        input_files: copies.entries,
        inputs_left_out: copies.left_out,
    };
    let readme = readme(&manifest);
    files.insert(0, ("README.md".into(), readme.into_bytes()));
    manifest.files = files
        .iter()
        .map(|(p, b)| FileEntry {
            path: p.clone(),
            sha256: sha256_hex(b),
            bytes: b.len() as u64,
        })
        .collect();
    let manifest_bytes = serde_json::to_vec_pretty(&manifest).expect("serialises");
    let mut sums = String::new();
    for f in &manifest.files {
        sums.push_str(&format!("{}  {}\n", f.sha256, f.path));
    }
    sums.push_str(&format!("{}  manifest.json\n", sha256_hex(&manifest_bytes)));
    files.insert(1, ("manifest.json".into(), manifest_bytes));
    files.insert(2, ("SHA256SUMS".into(), sums.into_bytes()));

    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let zerr = |e: &dyn std::fmt::Display| LedgerError::Tampered(format!("writing the zip: {e}"));
    for (path, bytes) in &files {
        zip.start_file(path.as_str(), options)
            .map_err(|e| zerr(&e))?;
        zip.write_all(bytes).map_err(|e| zerr(&e))?;
    }
    let zip = zip.finish().map_err(|e| zerr(&e))?.into_inner();
    Ok(Exported { zip, manifest })
}

#[derive(Default)]
struct Copies {
    files: Vec<(String, Vec<u8>)>,
    entries: Vec<InputFile>,
    left_out: Vec<LeftOut>,
}

/// A relative path with plain components only (no `..`, no root), or `None`.
fn plain_path(p: &str) -> Option<std::path::PathBuf> {
    let path = std::path::Path::new(p);
    path.components()
        .all(|c| matches!(c, std::path::Component::Normal(_)))
        .then(|| path.to_path_buf())
        .filter(|p| p.components().next().is_some())
}

/// `bytes` with every `span` replaced by `*`, newlines kept; how many ranges applied.
pub fn redact(bytes: &[u8], spans: &[(usize, usize)]) -> (Vec<u8>, u64) {
    let mut out = bytes.to_vec();
    let mut n = 0;
    for &(start, end) in spans {
        let end = end.min(out.len());
        if start >= end {
            continue;
        }
        n += 1;
        for b in &mut out[start..end] {
            if *b != b'\n' && *b != b'\r' {
                *b = b'*';
            }
        }
    }
    (out, n)
}

/// Copy run `seq`'s input files from the folders that serve their repository: only those whose
/// digest on disk is the recorded one, with every span of a `hardcoded-credential` fail masked.
fn copy_inputs(
    seq: u64,
    inputs: &[Vec<u8>],
    observations: &[Vec<u8>],
    sources: &[InputSource],
    pseud: Option<&Pseudonymiser>,
    out: &mut Copies,
) {
    let mut spans: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
    for o in observations {
        let Ok(o) = serde_json::from_slice::<ObservationRecord>(o) else {
            continue;
        };
        if o.check != "hardcoded-credential" || o.outcome != "fail" {
            continue;
        }
        for l in o.locations {
            if let Some(span) = l.span {
                spans.entry(l.path).or_default().push(span);
            }
        }
    }
    for (i, r) in inputs.iter().enumerate() {
        let Ok(input) = serde_json::from_slice::<InputRecord>(r) else {
            continue;
        };
        let Some(source) = sources.iter().find(|s| s.serves(&input.repository)) else {
            continue;
        };
        let shown = |s: &str| pseud.map_or(s.to_owned(), |p| p.text(s));
        let mut leave = |reason: &str| {
            out.left_out.push(LeftOut {
                run: seq,
                repository: shown(&input.repository),
                file: shown(&input.path),
                reason: reason.into(),
            })
        };
        let (Some(rel), Some(repo)) = (plain_path(&input.path), plain_path(&input.repository))
        else {
            leave("its recorded path is not a plain relative path");
            continue;
        };
        let Some(want) = &input.sha256 else {
            leave("no digest was recorded for it");
            continue;
        };
        let Ok(bytes) = std::fs::read(source.dir.join(&rel)) else {
            leave("missing from the folder given");
            continue;
        };
        if sha256_hex(&bytes) != *want {
            leave("changed since the run (its SHA-256 on disk is not the recorded one)");
            continue;
        }
        let key = format!("{}/{}", input.repository, input.path);
        let (mut copy, ranges) = redact(&bytes, spans.get(&key).map_or(&[][..], Vec::as_slice));
        let mut pseudonymised = false;
        if let (Some(p), Ok(text)) = (pseud, std::str::from_utf8(&copy)) {
            let t = p.text(text);
            if t != text {
                copy = t.into_bytes();
                pseudonymised = true;
            }
        }
        let repo_text = repo.to_string_lossy().into_owned();
        let (repo_text, file) = match pseud {
            Some(p) => (p.text(&repo_text), p.text(&input.path)),
            None => (repo_text, input.path.clone()),
        };
        let path = format!("inputs/{seq:08}/{repo_text}/{file}");
        out.entries.push(InputFile {
            path: path.clone(),
            run: seq,
            input: i as u64,
            repository: repo_text,
            file,
            kind: INPUT_COPY_KIND.into(),
            original_sha256: want.clone(),
            sha256: sha256_hex(&copy),
            redacted_ranges: ranges,
            pseudonymised,
        });
        out.files.push((path, copy));
    }
}

/// Text for HTML (element content and quoted attribute values).
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One self-contained page of the pack's runs: no scripts, nothing loaded, every string escaped.
fn report_html(runs: &[(RunHeader, Vec<ObservationRecord>, Vec<AnchorRecord>)]) -> String {
    let e = |s: &str| html_escape(s);
    let opt = |s: &Option<String>| s.as_deref().map_or("–".to_owned(), html_escape);
    let mut h = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
<title>annexa audit pack report</title>\n<style>\n\
body{font-family:sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse;margin:.5em 0 1.5em}\n\
th,td{border:1px solid #bbb;padding:.2em .5em;text-align:left;vertical-align:top}th{background:#eee}\n\
td.fail{color:#a00}td.unknown{color:#a60}code{word-break:break-all}\n\
</style>\n</head>\n<body>\n<h1>annexa audit pack report</h1>\n\
<p>Derived from the records in this pack for reading; it is not signed. Verify the pack with\n\
<code>annexa evidence verify PACK.zip</code>; the records, not this page, are the evidence.</p>\n",
    );
    for (hd, obs, anchors) in runs {
        h.push_str(&format!(
            "<h2 id=\"run-{}\">Run {}</h2>\n<table>\n",
            hd.seq, hd.seq
        ));
        let repos: Vec<String> = hd
            .repositories
            .iter()
            .map(|r| {
                format!(
                    "{} @ {}{}",
                    r.identity,
                    r.commit.as_deref().unwrap_or("no commit"),
                    if r.dirty { " (dirty)" } else { "" }
                )
            })
            .collect();
        let ci = hd.ci.as_ref().map(|c| {
            let claims: Vec<String> = c.claims.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("{} {}", c.system, claims.join(" "))
        });
        let stamps: Vec<String> = anchors
            .iter()
            .map(|a| format!("{} by {}", a.gen_time, a.tsa_url))
            .collect();
        let facts: [(&str, String); 11] = [
            ("as of", e(&hd.as_of)),
            ("recorded at", e(&hd.recorded_at)),
            ("tool version", e(&hd.tool_version)),
            ("binary SHA-256", opt(&hd.binary_sha256)),
            ("configuration SHA-256", opt(&hd.config_sha256)),
            ("collector", e(&hd.collector)),
            ("CI", opt(&ci)),
            ("repositories", e(&repos.join("; "))),
            (
                "records",
                format!(
                    "{} inputs, {} observations",
                    hd.input_count, hd.observation_count
                ),
            ),
            ("signing key", e(&hd.key_id)),
            (
                "time-stamp anchors",
                if stamps.is_empty() {
                    "none".into()
                } else {
                    e(&stamps.join("; "))
                },
            ),
        ];
        for (k, v) in facts {
            h.push_str(&format!("<tr><th>{k}</th><td>{v}</td></tr>\n"));
        }
        h.push_str("</table>\n<h3>Controls</h3>\n");
        if hd.controls.is_empty() {
            h.push_str("<p>No control status recorded.</p>\n");
        } else {
            h.push_str("<table>\n<tr><th>control</th><th>overall</th><th>design</th><th>operation</th><th>attestation</th></tr>\n");
            for c in &hd.controls {
                h.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                    e(&c.id),
                    e(&c.overall),
                    opt(&c.design),
                    opt(&c.operation),
                    opt(&c.attestation)
                ));
            }
            h.push_str("</table>\n");
        }
        let shown: Vec<&ObservationRecord> = obs
            .iter()
            .filter(|o| o.outcome == "fail" || o.outcome == "unknown")
            .collect();
        h.push_str(&format!(
            "<h3>Fail and unknown observations ({} of {})</h3>\n",
            shown.len(),
            obs.len()
        ));
        if !shown.is_empty() {
            h.push_str("<table>\n<tr><th>#</th><th>outcome</th><th>check</th><th>message</th><th>subject</th></tr>\n");
            for o in shown {
                h.push_str(&format!(
                    "<tr><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>\n",
                    o.index,
                    e(&o.outcome),
                    e(&o.outcome),
                    e(&o.check),
                    e(&o.message),
                    e(&o.subject)
                ));
            }
            h.push_str("</table>\n");
        }
    }
    h.push_str("</body>\n</html>\n");
    h
}

fn readme(m: &Manifest) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "# annexa audit pack: {}\n\n\
Evidence recorded by annexa's ledger for the period {} (UTC days, inclusive): runs {} to {}.\n\
Selection: {}.\n\n",
        m.period, m.period, m.first_run, m.last_run, m.selection
    ));
    s.push_str(
        "## Verify it\n\n\
With annexa, offline, nothing but this pack (and, better, the public key you were given\n\
separately):\n\n\
    annexa evidence verify PACK.zip [--public-key HEX] [--tsa-ca TSA-CA.pem]\n\n\
It checks every file against `manifest.json`, every record against its run's Merkle roots, the\n\
chain from the run before the period through the period to the signed checkpoint, every\n\
signature, that every time-stamp anchor stamps its run's hash, that every input copy's\n\
original digest is the one its run recorded, and names the first thing that does not hold\n\
(exit 1). With `--tsa-ca` (the time-stamp authority's CA, obtained separately) every run of\n\
the period must also carry an anchor whose token a TSA certificate of that CA signed, made\n\
within an hour of the run's recorded time: whoever holds the ledger key cannot make one\n\
afterwards, so a rewritten or back-dated run is caught.\n\n\
By hand:\n\n\
    unzip PACK.zip -d pack && cd pack\n\
    sha256sum -c SHA256SUMS                 # every file, manifest.json included\n\
    sha256sum runs/*/header.json            # a run's hash; the next header's \"prev\" names it\n\
    # a run's signature is Ed25519 over the 64 hex characters of its header hash:\n\
    printf %s \"$(sha256sum runs/00000001/header.json | cut -c1-64)\" > msg\n\
    xxd -r -p runs/00000001/header.sig > sig.bin\n\
    openssl pkeyutl -verify -pubin -inkey keys/KEYID.pem -rawin -in msg -sigfile sig.bin\n\n\
Merkle roots (RFC 6962 style): leaf = SHA-256(0x00 || record bytes), node = SHA-256(0x01 ||\n\
left || right), an odd node at the end of a level is carried up unchanged; the records are\n\
the lines of `inputs.jsonl` / `observations.jsonl` without their newline.\n\n\
## Files\n\n\
- `manifest.json`: format `annexa-pack/1`; the period, the runs, and the SHA-256 and size of\n\
  every other file. `SHA256SUMS`: the same digests (and the manifest's) for `sha256sum -c`.\n\
- `keys.json`, `keys/KEYID.pem`: the public keys that signed the runs (compare them with the\n\
  key published to you; a pack's own key proves only that the pack is self-consistent).\n\
- `checkpoint.json`, `checkpoint.sig`: the ledger's signed head at export time.\n\
- `previous/header.json`, `.sig`: the run just before the period, so the period's first link\n\
  can be checked.\n\
- `runs/NNNNNNNN/header.json`: a run's header exactly as stored and hashed (tool version and\n\
  binary digest, configuration digest, as-of, collector, CI identity, repositories and\n\
  commits, control status, record counts and Merkle roots, previous run's hash, key id);\n\
  `header.sig`: its Ed25519 signature.\n\
- `runs/NNNNNNNN/inputs.jsonl`: one record per input file the run read: repository, path,\n\
  SHA-256, provenance class, whether it was understood. The ledger stores no file contents,\n\
  so an input not copied under `inputs/` is listed by digest only: obtain the file from the\n\
  repository at the recorded commit and compare digests.\n\
- `runs/NNNNNNNN/anchors.jsonl`: the run's RFC 3161 time-stamp anchors exactly as stored (the\n\
  run's header hash, the TSA's URL and time, the DER token in hex), also listed in the\n\
  manifest. To check one by hand: `xxd -r -p` the token to `token.der`, then\n\
  `openssl ts -verify -digest HEADER-HASH -in token.der -token_in -CAfile TSA-CA.pem`.\n\
- `inputs/NNNNNNNN/REPOSITORY/PATH` (when exported with `--files-from`): a copy of an input\n\
  file of run NNNNNNNN, taken from the folder given only when its SHA-256 on disk equals the\n\
  digest the run recorded, with every byte range a `hardcoded-credential` finding of the run\n\
  points at replaced by `*` (same length, newlines kept). The manifest lists it under\n\
  `input_files` as a redacted copy: `sha256` is the copy's, `original_sha256` the recorded\n\
  digest (the same as in `inputs.jsonl`); a copy with no range redacted hashes to both.\n\
- `report.html`: the runs for reading (header facts, control status, fail and unknown\n\
  observations), one self-contained page without scripts; derived from the records, not\n\
  signed.\n\
- `runs/NNNNNNNN/observations.jsonl`: one record per observation (check, outcome, severity,\n\
  subject, message, evidence locations), secrets already redacted at scan time.\n\
- `following/NNNNNNNN/header.json`, `.sig`: headers of the runs after the period up to the\n\
  checkpoint, so no run can be removed from the end of the period unnoticed.\n",
    );
    if !m.inputs_left_out.is_empty() {
        s.push_str("\n## Input files not included\n\n");
        for l in &m.inputs_left_out {
            s.push_str(&format!(
                "- run {}: {}/{}: {}\n",
                l.run, l.repository, l.file, l.reason
            ));
        }
    }
    match &m.pseudonymisation {
        None => s.push_str(
            "\nEvery record in this pack is the exact stored byte sequence that was hashed and signed.\n",
        ),
        Some(p) => {
            s.push_str(&format!(
                "\n## Pseudonymised\n\nThis pack is pseudonymised: {}.\nReplaced: {}.\n\n\
What still verifies: {}.\n\n\
- `*/header.sha256`: the original header's hash (signed, and named by the next run).\n\
- `runs/NNNNNNNN/*.leaves`: the original records' leaf hashes, one per line.\n\n\
The organisation can disclose an original record on request; its leaf hash must then be the\n\
line of `*.leaves` at its index.\n",
                p.method,
                p.replaced.join("; "),
                p.verifiable
            ));
        }
    }
    s
}

/// The outcome of verifying a pack.
#[derive(Debug, Default)]
pub struct PackVerification {
    pub manifest: Option<Manifest>,
    pub runs: u64,
    pub inputs: u64,
    pub observations: u64,
    /// Records (and headers) checked byte for byte against their signed hashes.
    pub exact: u64,
    /// Records (and headers) whose text is pseudonymised (only their original hash verified).
    pub pseudonymised: u64,
    /// Anchor records that stamp their run's hash (with a TSA CA: and verified against it).
    pub anchors: u64,
    /// Redacted input copies whose digests hold.
    pub input_files: u64,
    pub key: String,
    pub problems: Vec<String>,
}

impl PackVerification {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verify a pack offline: nothing but its bytes (and optionally the public key to trust).
pub fn verify(pack: &[u8], public_key: Option<&str>) -> PackVerification {
    verify_with(pack, public_key, None)
}

/// [`verify`], and with `tsa_ca` (PEM) every run of the period must carry a time-stamp anchor
/// whose token that CA's TSA signed, over the run's hash, within an hour of its recorded time.
pub fn verify_with(
    pack: &[u8],
    public_key: Option<&str>,
    tsa_ca: Option<&str>,
) -> PackVerification {
    let mut v = PackVerification {
        key: match public_key {
            Some(k) => format!("the given public key {}", keys::key_id(k)),
            None => {
                "the public keys in the pack (give --public-key to check against a key you hold)"
                    .into()
            }
        },
        ..PackVerification::default()
    };
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut archive = match zip::ZipArchive::new(std::io::Cursor::new(pack)) {
        Ok(a) => a,
        Err(e) => {
            v.problems
                .push(format!("the pack is not a readable zip: {e}"));
            return v;
        }
    };
    for i in 0..archive.len() {
        let mut f = match archive.by_index(i) {
            Ok(f) => f,
            Err(e) => {
                v.problems
                    .push(format!("zip entry {i}: cannot be read: {e}"));
                return v;
            }
        };
        let name = match f.name() {
            Ok(n) => n.into_owned(),
            Err(e) => {
                v.problems
                    .push(format!("zip entry {i}: unreadable name: {e}"));
                return v;
            }
        };
        let mut buf = Vec::new();
        if let Err(e) = f.read_to_end(&mut buf) {
            v.problems.push(format!("{name}: cannot be read: {e}"));
            return v;
        }
        if files.insert(name.clone(), buf).is_some() {
            v.problems.push(format!("{name}: appears twice in the zip"));
        }
    }
    let Some(mbytes) = files.get("manifest.json") else {
        v.problems.push("manifest.json: missing".into());
        return v;
    };
    let m: Manifest = match serde_json::from_slice(mbytes) {
        Ok(m) => m,
        Err(e) => {
            v.problems
                .push(format!("manifest.json: does not parse: {e}"));
            return v;
        }
    };
    if m.format != PACK_FORMAT && m.format != PACK_FORMAT_1 {
        v.problems.push(format!(
            "manifest.json: format `{}`, this annexa reads `{PACK_FORMAT}` and `{PACK_FORMAT_1}`",
            m.format
        ));
        return v;
    }
    v.manifest = Some(m.clone());
    // 1. Every file against the manifest (and the manifest against SHA256SUMS first: a
    // changed digest in the manifest is the manifest's fault, not the file's).
    let mut sums = String::new();
    for f in &m.files {
        sums.push_str(&format!("{}  {}\n", f.sha256, f.path));
    }
    sums.push_str(&format!("{}  manifest.json\n", sha256_hex(mbytes)));
    if files.get("SHA256SUMS").map(Vec::as_slice) != Some(sums.as_bytes()) {
        v.problems
            .push("manifest.json and SHA256SUMS disagree (one of them was changed)".into());
    }
    let mut listed: BTreeSet<&str> = BTreeSet::new();
    for f in &m.files {
        listed.insert(&f.path);
        match files.get(&f.path) {
            None => v.problems.push(format!(
                "{}: listed in the manifest but missing from the pack",
                f.path
            )),
            Some(b) if sha256_hex(b) != f.sha256 => v.problems.push(format!(
                "{}: its SHA-256 does not match the manifest (the file was changed)",
                f.path
            )),
            Some(_) => {}
        }
    }
    for name in files.keys() {
        if name != "manifest.json" && name != "SHA256SUMS" && !listed.contains(name.as_str()) {
            v.problems.push(format!(
                "{name}: in the pack but not listed in the manifest (added)"
            ));
        }
    }
    // 2. Keys.
    let pack_keys: Vec<PackKey> = match files
        .get("keys.json")
        .map(|b| serde_json::from_slice::<PackKeys>(b))
    {
        Some(Ok(k)) if k.format == KEYS_FORMAT => k.keys,
        Some(Ok(k)) => {
            v.problems
                .push(format!("keys.json: unknown format `{}`", k.format));
            Vec::new()
        }
        Some(Err(e)) => {
            v.problems.push(format!("keys.json: does not parse: {e}"));
            Vec::new()
        }
        None => {
            v.problems.push("keys.json: missing".into());
            Vec::new()
        }
    };
    for k in &pack_keys {
        if keys::key_id(&k.public_key) != k.key_id {
            v.problems.push(format!(
                "keys.json: key {}: its id does not match its public key",
                k.key_id
            ));
        }
    }
    let key_for = |id: &str| -> Option<String> {
        match public_key {
            Some(k) => Some(k.to_owned()),
            None => pack_keys
                .iter()
                .find(|k| k.key_id == id)
                .map(|k| k.public_key.clone()),
        }
    };
    let pseud = m.pseudonymisation.as_ref();
    let text = |name: &str| -> Option<String> {
        files
            .get(name)
            .and_then(|b| std::str::from_utf8(b).ok())
            .map(|s| s.trim().to_owned())
    };

    // 3. A header: its (original) hash, parsed, signature checked.
    let header = |v: &mut PackVerification,
                  dir: &str,
                  seq: u64,
                  what: &str|
     -> Option<(String, RunHeader)> {
        let Some(bytes) = files.get(&format!("{dir}/header.json")) else {
            v.problems.push(format!(
                "{what} {seq}: missing from the pack ({dir}/header.json)"
            ));
            return None;
        };
        let actual = sha256_hex(bytes);
        let hash = match pseud {
            None => actual.clone(),
            Some(p) => {
                let Some(h) = text(&format!("{dir}/header.sha256")) else {
                    v.problems
                        .push(format!("{what} {seq}: {dir}/header.sha256 missing"));
                    return None;
                };
                if h != actual {
                    if p.headers.contains(&seq) {
                        v.pseudonymised += 1;
                    } else {
                        v.problems.push(format!(
                            "{what} {seq}: the header does not match its hash (it was changed)"
                        ));
                    }
                } else {
                    v.exact += 1;
                }
                h
            }
        };
        if pseud.is_none() {
            v.exact += 1;
        }
        let h: RunHeader = match serde_json::from_slice(bytes) {
            Ok(h) => h,
            Err(e) => {
                v.problems
                    .push(format!("{what} {seq}: the header does not parse: {e}"));
                return None;
            }
        };
        if h.seq != seq {
            v.problems
                .push(format!("{what} {seq}: the header says it is run {}", h.seq));
        }
        let sig = text(&format!("{dir}/header.sig")).unwrap_or_default();
        match key_for(&h.key_id) {
            Some(k) if keys::verify(&k, hash.as_bytes(), &sig) => {}
            Some(_) => v
                .problems
                .push(format!("{what} {seq}: the signature does not verify")),
            None => v.problems.push(format!(
                "{what} {seq}: signed by key {}, which the pack does not hold",
                h.key_id
            )),
        }
        Some((hash, h))
    };

    // 4. The chain: previous → period → following → checkpoint.
    let mut prev: Option<String> = match m.previous_run {
        None if m.first_run == 1 => Some(GENESIS.to_owned()),
        None => {
            v.problems.push(format!(
                "the header of run {} (before the period) is missing: the chain's first link cannot be checked",
                m.first_run - 1
            ));
            None
        }
        Some(p) if p + 1 != m.first_run => {
            v.problems.push(format!(
                "the manifest names run {p} as the one before run {}",
                m.first_run
            ));
            None
        }
        Some(p) => header(&mut v, "previous", p, "previous run").map(|(h, _)| h),
    };
    let mut dirs: Vec<(String, u64, &str)> = (m.first_run..=m.last_run)
        .map(|s| (run_dir(s), s, "run"))
        .collect();
    let mut expect = m.last_run + 1;
    for &s in &m.following_runs {
        if s != expect {
            v.problems.push(format!(
                "following runs: expected run {expect}, the manifest lists {s} (a run was removed)"
            ));
        }
        expect = s + 1;
        dirs.push((following_dir(s), s, "following run"));
    }
    // Runs in the zip the manifest does not name.
    let named: BTreeSet<&str> = dirs.iter().map(|(d, _, _)| d.as_str()).collect();
    let mut strays: BTreeSet<String> = BTreeSet::new();
    for name in files.keys() {
        if let Some(rest) = name
            .strip_prefix("runs/")
            .or_else(|| name.strip_prefix("following/"))
        {
            let dir = &name[..name.len() - rest.len() + rest.find('/').unwrap_or(rest.len())];
            if !named.contains(dir) {
                strays.insert(dir.to_owned());
            }
        }
    }
    for s in strays {
        v.problems
            .push(format!("{s}: a run the manifest does not list"));
    }
    let mut last: Option<(u64, String)> = None;
    let mut recorded: BTreeMap<(u64, u64), (String, String)> = BTreeMap::new();
    let mut seen_anchors: Vec<AnchorEntry> = Vec::new();
    for (dir, seq, what) in &dirs {
        let Some((hash, h)) = header(&mut v, dir, *seq, what) else {
            prev = None;
            continue;
        };
        if let Some(p) = &prev
            && h.prev != *p
        {
            v.problems.push(format!(
                "{what} {seq}: does not chain to the run before it (a run was removed, reordered or replaced)"
            ));
        }
        prev = Some(hash.clone());
        last = Some((*seq, hash.clone()));
        if *what != "run" {
            continue;
        }
        v.runs += 1;
        check_anchors(
            &mut v,
            &files,
            dir,
            *seq,
            &hash,
            &h,
            tsa_ca,
            &mut seen_anchors,
        );
        for (table, count, want) in [
            ("inputs", h.input_count, &h.inputs_root),
            ("observations", h.observation_count, &h.observations_root),
        ] {
            let Some(body) = files.get(&format!("{dir}/{table}.jsonl")) else {
                v.problems
                    .push(format!("run {seq}: {dir}/{table}.jsonl missing"));
                continue;
            };
            let lines: Vec<&[u8]> = body
                .split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .collect();
            let original: Option<Vec<String>> = pseud.map(|_| {
                text(&format!("{dir}/{table}.leaves"))
                    .unwrap_or_default()
                    .lines()
                    .map(str::to_owned)
                    .collect()
            });
            let listed: &[String] = match (pseud, table) {
                (Some(p), "inputs") => &p.inputs,
                (Some(p), _) => &p.observations,
                _ => &[],
            };
            let mut leaves = Vec::with_capacity(lines.len());
            for (i, line) in lines.iter().enumerate() {
                #[derive(Deserialize)]
                struct Place {
                    run: u64,
                    index: u64,
                }
                match serde_json::from_slice::<Place>(line) {
                    Ok(p) if p.run == *seq && p.index == i as u64 => {}
                    Ok(_) => v.problems.push(format!(
                        "run {seq}: {table} record {i}: not in its recorded place"
                    )),
                    Err(e) => v.problems.push(format!(
                        "run {seq}: {table} record {i}: does not parse: {e}"
                    )),
                }
                if table == "inputs"
                    && let Ok(r) = serde_json::from_slice::<InputRecord>(line)
                {
                    recorded.insert((*seq, i as u64), (r.path, r.sha256.unwrap_or_default()));
                }
                let mine = leaf(line);
                match &original {
                    None => {
                        v.exact += 1;
                        leaves.push(mine);
                    }
                    Some(orig) => {
                        let Some(o) = orig.get(i).and_then(|h| unhex32(h)) else {
                            v.problems.push(format!(
                                "run {seq}: {table} record {i}: no original leaf hash"
                            ));
                            continue;
                        };
                        if o == mine {
                            v.exact += 1;
                        } else if listed.contains(&format!("{seq}:{i}")) {
                            v.pseudonymised += 1;
                        } else {
                            v.problems.push(format!(
                                "run {seq}: {table} record {i}: does not match its signed leaf hash (it was changed)"
                            ));
                        }
                        leaves.push(o);
                    }
                }
            }
            if table == "inputs" {
                v.inputs += lines.len() as u64;
            } else {
                v.observations += lines.len() as u64;
            }
            if leaves.len() as u64 != count {
                v.problems.push(format!(
                    "run {seq}: {} {table} in the pack, the header committed to {count}",
                    leaves.len()
                ));
            } else if hex(&root(leaves)) != *want {
                v.problems.push(format!(
                    "run {seq}: the {table} do not match the header's Merkle root (a record was changed)"
                ));
            }
        }
    }
    // 5. Anchors as the manifest lists them; input copies against the ledger's digests.
    if seen_anchors != m.anchors {
        v.problems.push(format!(
            "manifest.json: lists {} anchors, the runs' anchors.jsonl hold {} others (an anchor was added, removed or changed)",
            m.anchors.len(),
            seen_anchors.len()
        ));
    }
    let copies: BTreeSet<&str> = m.input_files.iter().map(|f| f.path.as_str()).collect();
    for f in &m.files {
        if f.path.starts_with("inputs/") && !copies.contains(f.path.as_str()) {
            v.problems.push(format!(
                "{}: an input file the manifest does not describe as a redacted copy",
                f.path
            ));
        }
    }
    for f in &m.input_files {
        let here = f.path.clone();
        if !f.path.starts_with(&format!("inputs/{:08}/", f.run))
            || !(m.first_run..=m.last_run).contains(&f.run)
        {
            v.problems.push(format!(
                "{here}: not under the inputs of a run of the period"
            ));
            continue;
        }
        match files.get(&f.path) {
            None => v.problems.push(format!("{here}: missing from the pack")),
            Some(b) if sha256_hex(b) != f.sha256 => v.problems.push(format!(
                "{here}: its SHA-256 does not match the manifest's redacted-copy digest (the file was changed)"
            )),
            Some(_) => {}
        }
        match recorded.get(&(f.run, f.input)) {
            Some((path, sha))
                if *sha == f.original_sha256
                    && (*path == f.file || f.pseudonymised || pseud.is_some()) =>
            {
                v.input_files += 1;
            }
            Some(_) => v.problems.push(format!(
                "{here}: the original digest beside it is not the one run {} recorded for input {}",
                f.run, f.input
            )),
            None => v.problems.push(format!(
                "{here}: run {} recorded no input {}",
                f.run, f.input
            )),
        }
    }
    // 6. The checkpoint vouches for the last header in the pack.
    match (files.get("checkpoint.json"), text("checkpoint.sig")) {
        (Some(body), Some(sig)) => match serde_json::from_slice::<Checkpoint>(body) {
            Err(e) => v.problems.push(format!("checkpoint: does not parse: {e}")),
            Ok(c) => {
                match key_for(&c.key_id) {
                    Some(k) if keys::verify(&k, body, &sig) => {}
                    _ => v
                        .problems
                        .push("checkpoint: the signature does not verify".into()),
                }
                if let Some((seq, hash)) = &last
                    && (c.seq != *seq || c.head != *hash)
                {
                    v.problems.push(format!(
                        "checkpoint: names run {} as the head, the pack ends at run {seq} (runs after the period were removed)",
                        c.seq
                    ));
                }
            }
        },
        _ => v.problems.push("checkpoint: missing from the pack".into()),
    }
    v
}

/// A run's `anchors.jsonl`: each record in its place, stamping the run's hash (its token's
/// imprint too); with `tsa_ca`, signed by that CA's TSA within an hour of the recorded time
/// (the checks of `Ledger::verify_with`).
#[allow(clippy::too_many_arguments)]
fn check_anchors(
    v: &mut PackVerification,
    files: &BTreeMap<String, Vec<u8>>,
    dir: &str,
    seq: u64,
    hash: &str,
    h: &RunHeader,
    tsa_ca: Option<&str>,
    seen: &mut Vec<AnchorEntry>,
) {
    let here = format!("run {seq}");
    let body = files
        .get(&format!("{dir}/anchors.jsonl"))
        .map_or(&[][..], Vec::as_slice);
    let recorded_at = h.recorded_at.parse::<jiff::Timestamp>().ok();
    let mut good = 0;
    let mut bad = false;
    for (i, line) in body
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let mut problem = |what: String| {
            bad = true;
            v.problems.push(format!("{here}: anchor {i}: {what}"));
        };
        let a: AnchorRecord = match serde_json::from_slice(line) {
            Ok(a) => a,
            Err(e) => {
                problem(format!("does not parse: {e}"));
                continue;
            }
        };
        seen.push(AnchorEntry {
            run: a.run,
            index: a.index,
            run_hash: a.run_hash.clone(),
            gen_time: a.gen_time.clone(),
            tsa_url: a.tsa_url.clone(),
        });
        match crate::check_anchor(&a, seq, i as u64, hash, recorded_at, tsa_ca) {
            Ok(()) => good += 1,
            Err(what) => problem(what),
        }
    }
    v.anchors += good;
    if tsa_ca.is_some() && good == 0 && !bad {
        v.problems.push(format!(
            "{here}: no time-stamp anchor (recorded without --tsa?)"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn pseudonyms_are_stable_and_whole_words() {
        let p = Pseudonymiser::new(
            [7; 32],
            [
                "alice.smith@laptop".to_owned(),
                "alice.smith".to_owned(),
                "ci".to_owned(),
            ]
            .into(),
        );
        let t = p.text(
            "by alice.smith@laptop and alice.smith, mail bob@example.com. ci.yml alice.smithy",
        );
        assert!(
            !t.contains("alice.smith@") && !t.contains("bob@example.com"),
            "{t}"
        );
        assert!(t.contains("ci.yml") && t.contains("alice.smithy"), "{t}");
        assert!(t.ends_with("alice.smithy") && t.contains(". ci.yml"), "{t}");
        assert_eq!(p.pseudonym("x"), p.pseudonym("x"));
        assert_ne!(p.pseudonym("x"), p.pseudonym("y"));
        assert_eq!(p.text("no personal data"), "no personal data");
    }

    #[test]
    fn pem_is_the_standard_ed25519_spki() {
        let pem = ed25519_pem(&"00".repeat(32)).expect("pem");
        assert!(pem.contains("MCowBQYDK2VwAyEA"), "{pem}");
    }
}
