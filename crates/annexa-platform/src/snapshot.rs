//! The API mirror snapshot: one JSON body per API resource under `github/` or `gitlab/`, and
//! `snapshot.json` describing the collection and every resource (status, ETag, fetch time,
//! SHA-256 of the stored body). See `docs/snapshot.md`.
//!
//! Reading never trusts the directory: only files named by encoding a manifest key are opened
//! (so they cannot be outside the directory), symlinks are refused, sizes are bounded, and a
//! body whose digest differs from the manifest is served with provenance `hand-edited`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use annexa_model::Provenance;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::path::{PathError, canonical_key, file_of_key};

/// The manifest's file name.
pub const MANIFEST: &str = "snapshot.json";
/// The journal a collection appends to until it finishes (resume reads it).
pub const JOURNAL: &str = "snapshot.partial.jsonl";
/// The manifest a re-collection started from (for conditional requests), until it finishes.
pub const PREVIOUS: &str = "snapshot.previous.json";
/// The format this build writes and reads.
pub const FORMAT: &str = "annexa-snapshot/1";
/// Bodies larger than this are refused (a snapshot is data, not a disk filler).
pub const MAX_BODY: u64 = 512 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlatformKind {
    Github,
    Gitlab,
}

impl PlatformKind {
    /// The folder bodies live in.
    pub fn dir(self) -> &'static str {
        match self {
            PlatformKind::Github => "github",
            PlatformKind::Gitlab => "gitlab",
        }
    }
}

/// Who collected, with what.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collector {
    /// `annexa <version>` or another tool's name.
    pub tool: String,
    /// The login the token belongs to, when the API said.
    #[serde(default)]
    pub login: Option<String>,
    /// `classic`, `fine-grained`, `app`, `gitlab-pat`, ... where it could be told.
    #[serde(default)]
    pub token_kind: Option<String>,
    /// Scopes the token was seen to hold (`X-OAuth-Scopes`; GitLab's token self-inspection).
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// What the collection was asked to cover.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// `owner/name` (GitHub) or full paths (GitLab) of the repositories / projects collected.
    #[serde(default)]
    pub repositories: Vec<String>,
}

/// An audit period, both ends inclusive, as RFC 3339 instants or dates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: String,
    pub to: String,
}

/// Request counts, for the cost of a collection.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requests {
    pub total: u64,
    /// Answered `304 Not Modified` (the stored body was still current).
    pub not_modified: u64,
    pub retries: u64,
    /// Requests made for each repository / project (`owner/name`), the organisation's own under
    /// its name.
    #[serde(default)]
    pub per_repository: BTreeMap<String, u64>,
}

/// What the collector knows about one resource.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceMeta {
    /// The HTTP status of the (last page's) answer; error answers are stored as facts.
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// When the body was fetched (or revalidated with a 304), RFC 3339.
    pub fetched_at: String,
    /// SHA-256 of the stored body file, hex.
    pub sha256: String,
    /// Pages merged into the body (1 for unpaginated resources).
    #[serde(default = "one")]
    pub pages: u32,
    /// Whether the last request was answered `304 Not Modified`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_modified: bool,
    /// `X-Accepted-GitHub-Permissions` / `X-Accepted-OAuth-Scopes`: what the endpoint needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_permissions: Option<String>,
    /// Pagination stopped before the end (a page limit or the period's start was reached).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncated: Option<String>,
}

fn one() -> u32 {
    1
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// `snapshot.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub platform: PlatformKind,
    /// The API base URL (`https://api.github.com`, `https://gitlab.example/api/v4`).
    pub base_url: String,
    /// The web host subject keys use (`github.com`, `gitlab.example`).
    pub host: String,
    /// When collection started and finished, RFC 3339.
    pub collected_at: String,
    #[serde(default)]
    pub finished_at: Option<String>,
    /// True only when every planned resource was fetched or answered with a final status.
    pub complete: bool,
    /// Why the snapshot is incomplete, when it is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incomplete: Vec<String>,
    /// Built from a description (`annexa snapshot build`), not collected from the platform:
    /// every observation drawn from it is `hand-edited`, never system evidence.
    #[serde(default, skip_serializing_if = "is_false")]
    pub synthetic: bool,
    pub collector: Collector,
    pub scope: Scope,
    #[serde(default)]
    pub period: Option<Period>,
    #[serde(default)]
    pub requests: Requests,
    pub resources: BTreeMap<String, ResourceMeta>,
}

impl Manifest {
    pub fn new(
        platform: PlatformKind,
        base_url: &str,
        host: &str,
        collected_at: String,
    ) -> Manifest {
        Manifest {
            format: FORMAT.to_owned(),
            platform,
            base_url: base_url.to_owned(),
            host: host.to_owned(),
            collected_at,
            finished_at: None,
            complete: false,
            incomplete: Vec::new(),
            synthetic: false,
            collector: Collector::default(),
            scope: Scope::default(),
            period: None,
            requests: Requests::default(),
            resources: BTreeMap::new(),
        }
    }
}

/// Why a snapshot could not be opened at all.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a snapshot manifest: {message}")]
    Manifest { path: PathBuf, message: String },
    #[error("{path}: format {found:?} is not one this annexa reads ({FORMAT})")]
    Format { path: PathBuf, found: String },
    #[error("{path}: {source}")]
    Key {
        path: PathBuf,
        #[source]
        source: PathError,
    },
}

/// A resource as read from a snapshot.
#[derive(Clone, Debug)]
pub struct Resource {
    /// The canonical key.
    pub key: String,
    pub status: u16,
    pub etag: Option<String>,
    pub fetched_at: String,
    pub accepted_permissions: Option<String>,
    pub truncated: Option<String>,
    /// `system-collected`, or `hand-edited` when the body's digest differs from the manifest
    /// (or the snapshot is synthetic).
    pub provenance: Provenance,
    /// The stored body matches the manifest's digest.
    pub digest_matches: bool,
    /// The parsed body; `None` for an empty body (204, 304 without a stored body).
    pub body: Option<serde_json::Value>,
}

/// The answer to "what does the snapshot say about this resource?"
#[derive(Clone, Debug)]
pub enum Lookup {
    /// The manifest does not list it: the collector did not fetch it.
    NotCollected,
    /// Listed, but its file is missing, a symlink, too large or not JSON.
    Unreadable {
        key: String,
        reason: String,
    },
    Found(Resource),
}

/// An opened snapshot directory. Bodies are read on demand.
#[derive(Debug)]
pub struct Snapshot {
    pub root: PathBuf,
    pub manifest: Manifest,
    /// SHA-256 of `snapshot.json` as read: it lists every body's digest, so it commits to the
    /// whole snapshot (the ledger records it as the snapshot's input digest).
    pub manifest_sha256: String,
    /// Canonical keys, so lookups need not be canonical.
    canonical: BTreeMap<String, String>,
    /// What reads found wrong, for the report: keys with edited bodies, unreadable keys.
    seen: std::sync::Mutex<Seen>,
}

/// Problems met while reading bodies.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    /// Keys whose body's digest differs from the manifest.
    pub edited: BTreeSet<String>,
    /// Keys whose body could not be read, with the reason.
    pub unreadable: BTreeMap<String, String>,
}

impl Snapshot {
    /// Open `dir`: read and validate `snapshot.json`. Every key must encode to a safe path.
    pub fn open(dir: &Path) -> Result<Snapshot, SnapshotError> {
        let path = dir.join(MANIFEST);
        if fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(SnapshotError::Manifest {
                path,
                message: "is a symbolic link; refused".into(),
            });
        }
        let bytes = read_bounded(&path, MAX_BODY).map_err(|source| SnapshotError::Io {
            path: path.clone(),
            source,
        })?;
        let manifest: Manifest =
            serde_json::from_slice(&bytes).map_err(|e| SnapshotError::Manifest {
                path: path.clone(),
                message: e.to_string(),
            })?;
        if manifest.format != FORMAT {
            return Err(SnapshotError::Format {
                path,
                found: manifest.format,
            });
        }
        // Ages and deadlines are measured from these: a snapshot whose times do not parse
        // would make every age zero (and every deadline met).
        for (field, value) in [
            ("collected_at", Some(manifest.collected_at.as_str())),
            ("finished_at", manifest.finished_at.as_deref()),
        ] {
            if let Some(v) = value
                && v.parse::<jiff::Timestamp>().is_err()
            {
                return Err(SnapshotError::Manifest {
                    path,
                    message: format!("`{field}` {v:?} is not an RFC 3339 instant"),
                });
            }
        }
        let mut canonical = BTreeMap::new();
        for key in manifest.resources.keys() {
            let c = canonical_key(key).map_err(|source| SnapshotError::Key {
                path: path.clone(),
                source,
            })?;
            file_of_key(manifest.platform.dir(), key).map_err(|source| SnapshotError::Key {
                path: path.clone(),
                source,
            })?;
            canonical.insert(c, key.clone());
        }
        Ok(Snapshot {
            root: dir.to_owned(),
            manifest_sha256: hex(&Sha256::digest(&bytes)),
            manifest,
            canonical,
            seen: Default::default(),
        })
    }

    pub fn platform(&self) -> PlatformKind {
        self.manifest.platform
    }

    /// Whether the manifest lists this resource.
    pub fn has(&self, key: &str) -> bool {
        canonical_key(key).is_ok_and(|c| self.canonical.contains_key(&c))
    }

    /// The manifest's keys (as written) in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.manifest.resources.keys().map(String::as_str)
    }

    /// What reads so far found edited or unreadable.
    pub fn seen(&self) -> Seen {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Read one resource.
    pub fn get(&self, key: &str) -> Lookup {
        let found = self.lookup(key);
        if let Ok(mut seen) = self.seen.lock() {
            match &found {
                Lookup::Found(r) if !r.digest_matches => {
                    seen.edited.insert(r.key.clone());
                }
                Lookup::Unreadable { key, reason } => {
                    seen.unreadable.insert(key.clone(), reason.clone());
                }
                _ => {}
            }
        }
        found
    }

    fn lookup(&self, key: &str) -> Lookup {
        let Ok(c) = canonical_key(key) else {
            return Lookup::NotCollected;
        };
        let Some(written) = self.canonical.get(&c) else {
            return Lookup::NotCollected;
        };
        let meta = &self.manifest.resources[written];
        let unreadable = |reason: String| Lookup::Unreadable {
            key: c.clone(),
            reason,
        };
        let rel = match file_of_key(self.manifest.platform.dir(), written) {
            Ok(r) => r,
            Err(e) => return unreadable(e.to_string()),
        };
        let file = self.root.join(&rel);
        if let Err(reason) = no_symlinks(&self.root, &rel) {
            return unreadable(reason);
        }
        let bytes = match read_bounded(&file, MAX_BODY) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && meta.status == 204 => Vec::new(),
            Err(e) => return unreadable(format!("{}: {e}", rel.display())),
        };
        let digest = hex(&Sha256::digest(&bytes));
        let digest_matches = digest.eq_ignore_ascii_case(&meta.sha256);
        let provenance = if digest_matches && !self.manifest.synthetic {
            Provenance::SystemCollected
        } else {
            Provenance::HandEdited
        };
        let body = if bytes.iter().all(u8::is_ascii_whitespace) {
            None
        } else {
            match serde_json::from_slice(&bytes) {
                Ok(v) => Some(v),
                Err(e) => return unreadable(format!("{}: not JSON: {e}", rel.display())),
            }
        };
        Lookup::Found(Resource {
            key: c,
            status: meta.status,
            etag: meta.etag.clone(),
            fetched_at: meta.fetched_at.clone(),
            accepted_permissions: meta.accepted_permissions.clone(),
            truncated: meta.truncated.clone(),
            provenance,
            digest_matches,
            body,
        })
    }

    /// Keys whose stored body does not match its digest (hand-edited), in order. Reads every
    /// body; meant for reports and `snapshot verify`, not for the scan's hot path.
    pub fn edited(&self) -> Vec<String> {
        self.manifest
            .resources
            .keys()
            .filter(|k| matches!(self.get(k), Lookup::Found(r) if !r.digest_matches))
            .cloned()
            .collect()
    }
}

/// Refuse a path with a symlink anywhere below `root` (a hostile snapshot could point a
/// resource file at any file on the machine).
fn no_symlinks(root: &Path, rel: &Path) -> Result<(), String> {
    let mut at = root.to_path_buf();
    for part in rel.components() {
        at.push(part);
        match fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(format!("{} is a symbolic link; refused", rel.display()));
            }
            Ok(_) => {}
            // A missing file is reported by the read that follows.
            Err(_) => return Ok(()),
        }
    }
    Ok(())
}

fn read_bounded(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    let f = fs::File::open(path)?;
    let meta = f.metadata()?;
    // A FIFO or device would block or never end; only regular files are bodies.
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let len = meta.len();
    if len > max {
        return Err(std::io::Error::other(format!(
            "{len} bytes, more than the {max}-byte limit"
        )));
    }
    let mut out = Vec::with_capacity(len as usize);
    f.take(max + 1).read_to_end(&mut out)?;
    if out.len() as u64 > max {
        return Err(std::io::Error::other("grew past the size limit while read"));
    }
    Ok(out)
}

pub(crate) fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        use std::fmt::Write as _;
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// One journal line: a resource written during a collection.
#[derive(Serialize, Deserialize)]
struct JournalEntry {
    key: String,
    meta: ResourceMeta,
}

/// Writes a snapshot, resumably. Bodies are written to a temporary file and renamed into
/// place; each finished resource is appended to the journal (flushed and synced) so an
/// interrupted collection resumes where it stopped. `snapshot.json` is written last, atomically.
pub struct SnapshotWriter {
    root: PathBuf,
    manifest: Manifest,
    previous: Option<Manifest>,
    resumed: BTreeSet<String>,
    journal: fs::File,
}

impl SnapshotWriter {
    /// Start (or resume) a collection into `dir`. A finished snapshot already there becomes the
    /// *previous* one: its ETags are offered for conditional requests and its bodies reused on
    /// `304`. A journal left by an interrupted collection of the same platform is resumed.
    pub fn start(dir: &Path, fresh: Manifest) -> Result<SnapshotWriter, SnapshotError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| SnapshotError::Io { path, source }
        };
        fs::create_dir_all(dir).map_err(io(dir))?;
        let current = dir.join(MANIFEST);
        let previous_path = dir.join(PREVIOUS);
        let journal_path = dir.join(JOURNAL);
        // A journal beside a finished snapshot belongs to the job that finished it (killed
        // after writing snapshot.json, before removing the journal): nothing to resume.
        if current.exists() && journal_path.exists() {
            let done = read_bounded(&current, MAX_BODY)
                .ok()
                .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok())
                .is_some_and(|m| m.complete);
            if done {
                fs::remove_file(&journal_path).map_err(io(&journal_path))?;
            }
        }
        if current.exists() {
            // Move the finished manifest aside: until this collection finishes the directory is
            // not a snapshot (its bodies are being replaced).
            fs::rename(&current, &previous_path).map_err(io(&current))?;
        }
        let previous = if previous_path.exists() {
            let bytes = read_bounded(&previous_path, MAX_BODY).map_err(io(&previous_path))?;
            serde_json::from_slice::<Manifest>(&bytes)
                .ok()
                .filter(|m| m.platform == fresh.platform && m.format == FORMAT)
        } else {
            None
        };
        let mut manifest = fresh;
        let mut resumed = BTreeSet::new();
        if journal_path.exists() {
            let text = fs::read_to_string(&journal_path).map_err(io(&journal_path))?;
            let mut lines = text.lines();
            // The first line is the manifest header the interrupted run started with.
            if let Some(head) = lines
                .next()
                .and_then(|l| serde_json::from_str::<Manifest>(l).ok())
                && head.platform == manifest.platform
                && head.base_url == manifest.base_url
            {
                manifest.collected_at = head.collected_at;
                manifest.requests = head.requests;
                for line in lines {
                    // A torn last line (killed mid-write) is simply not resumed.
                    if let Ok(e) = serde_json::from_str::<JournalEntry>(line) {
                        resumed.insert(e.key.clone());
                        manifest.resources.insert(e.key, e.meta);
                    }
                }
            }
        }
        let mut journal = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&journal_path)
            .map_err(io(&journal_path))?;
        if resumed.is_empty() {
            journal.set_len(0).map_err(io(&journal_path))?;
            let mut head = manifest.clone();
            head.resources.clear();
            let line = serde_json::to_string(&head).expect("manifest serialises");
            writeln!(journal, "{line}").map_err(io(&journal_path))?;
            journal.sync_data().map_err(io(&journal_path))?;
        }
        Ok(SnapshotWriter {
            root: dir.to_owned(),
            manifest,
            previous,
            resumed,
            journal,
        })
    }

    /// The manifest being built (collector, scope and period may be set on it).
    pub fn manifest_mut(&mut self) -> &mut Manifest {
        &mut self.manifest
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Whether an interrupted run already stored this resource (skip it on resume).
    pub fn already_stored(&self, key: &str) -> bool {
        canonical_key(key).is_ok_and(|c| self.resumed.contains(&c))
    }

    /// The previous snapshot's metadata for a resource (for `If-None-Match`), when its body
    /// file is still intact.
    pub fn previous(&self, key: &str) -> Option<&ResourceMeta> {
        let c = canonical_key(key).ok()?;
        let prev = self.previous.as_ref()?;
        let meta = prev.resources.get(&c)?;
        let rel = file_of_key(prev.platform.dir(), &c).ok()?;
        no_symlinks(&self.root, &rel).ok()?;
        let bytes = read_bounded(&self.root.join(rel), MAX_BODY).ok()?;
        (hex(&Sha256::digest(&bytes)) == meta.sha256).then_some(meta)
    }

    /// The body stored for a resource in this directory.
    pub fn stored_body(&self, key: &str) -> Option<Vec<u8>> {
        let rel = file_of_key(self.manifest.platform.dir(), key).ok()?;
        no_symlinks(&self.root, &rel).ok()?;
        read_bounded(&self.root.join(rel), MAX_BODY).ok()
    }

    /// Store a resource's body and metadata (its `sha256` is computed here).
    pub fn put(
        &mut self,
        key: &str,
        mut meta: ResourceMeta,
        body: &[u8],
    ) -> Result<(), SnapshotError> {
        let c = canonical_key(key).map_err(|source| SnapshotError::Key {
            path: self.root.clone(),
            source,
        })?;
        let rel =
            file_of_key(self.manifest.platform.dir(), &c).map_err(|source| SnapshotError::Key {
                path: self.root.clone(),
                source,
            })?;
        let file = self.root.join(&rel);
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| SnapshotError::Io { path, source }
        };
        // A folder received from someone else may hold links pointing out of it: never write
        // through one.
        let refuse = |reason: String| SnapshotError::Io {
            path: file.clone(),
            source: std::io::Error::other(reason),
        };
        no_symlinks(&self.root, &rel).map_err(refuse)?;
        if let Some(parent) = file.parent() {
            fs::create_dir_all(parent).map_err(io(parent))?;
        }
        no_symlinks(&self.root, &rel).map_err(refuse)?;
        let tmp = file.with_extension("json.tmp");
        match fs::symlink_metadata(&tmp) {
            Ok(_) => fs::remove_file(&tmp).map_err(io(&tmp))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&tmp)(e)),
        }
        {
            let mut f = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .map_err(io(&tmp))?;
            f.write_all(body).map_err(io(&tmp))?;
            f.sync_data().map_err(io(&tmp))?;
        }
        fs::rename(&tmp, &file).map_err(io(&file))?;
        meta.sha256 = hex(&Sha256::digest(body));
        let entry = JournalEntry {
            key: c.clone(),
            meta: meta.clone(),
        };
        let line = serde_json::to_string(&entry).expect("journal entry serialises");
        let jp = self.root.join(JOURNAL);
        writeln!(self.journal, "{line}").map_err(io(&jp))?;
        self.journal.sync_data().map_err(io(&jp))?;
        self.manifest.resources.insert(c, meta);
        Ok(())
    }

    /// Write `snapshot.json` (atomically) and remove the journal and the previous manifest.
    /// `complete` is recorded as given: the caller says whether everything planned was fetched.
    pub fn finish(
        mut self,
        finished_at: String,
        complete: bool,
    ) -> Result<Manifest, SnapshotError> {
        self.manifest.finished_at = Some(finished_at);
        self.manifest.complete = complete;
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| SnapshotError::Io { path, source }
        };
        let path = self.root.join(MANIFEST);
        let tmp = self.root.join("snapshot.json.tmp");
        let text = serde_json::to_string_pretty(&self.manifest).expect("manifest serialises");
        {
            let mut f = fs::File::create(&tmp).map_err(io(&tmp))?;
            f.write_all(text.as_bytes()).map_err(io(&tmp))?;
            f.write_all(b"\n").map_err(io(&tmp))?;
            f.sync_data().map_err(io(&tmp))?;
        }
        fs::rename(&tmp, &path).map_err(io(&path))?;
        if complete {
            let _ = fs::remove_file(self.root.join(JOURNAL));
        }
        let _ = fs::remove_file(self.root.join(PREVIOUS));
        Ok(self.manifest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(status: u16) -> ResourceMeta {
        ResourceMeta {
            status,
            etag: Some("W/\"1\"".into()),
            last_modified: None,
            fetched_at: "2026-11-26T10:00:00Z".into(),
            sha256: String::new(),
            pages: 1,
            not_modified: false,
            accepted_permissions: None,
            truncated: None,
        }
    }

    fn fresh() -> Manifest {
        Manifest::new(
            PlatformKind::Github,
            "https://api.github.com",
            "github.com",
            "2026-11-26T10:00:00Z".into(),
        )
    }

    #[test]
    fn write_read_and_detect_an_edit() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = SnapshotWriter::start(dir.path(), fresh()).unwrap();
        w.put(
            "/repos/acme/app",
            meta(200),
            br#"{"default_branch":"main"}"#,
        )
        .unwrap();
        w.put(
            "/repos/acme/app/branches/main/protection",
            meta(404),
            br#"{"message":"Branch not protected"}"#,
        )
        .unwrap();
        w.finish("2026-11-26T10:01:00Z".into(), true).unwrap();
        assert!(!dir.path().join(JOURNAL).exists());

        let s = Snapshot::open(dir.path()).unwrap();
        let Lookup::Found(r) = s.get("/repos/acme/app") else {
            panic!()
        };
        assert_eq!(r.provenance, Provenance::SystemCollected);
        assert_eq!(r.body.unwrap()["default_branch"], "main");
        assert!(matches!(s.get("/repos/acme/other"), Lookup::NotCollected));
        assert!(s.edited().is_empty());

        fs::write(
            dir.path().join("github/repos/acme/app.json"),
            br#"{"default_branch":"dev"}"#,
        )
        .unwrap();
        let Lookup::Found(r) = s.get("/repos/acme/app") else {
            panic!()
        };
        assert_eq!(r.provenance, Provenance::HandEdited);
        assert_eq!(s.edited(), vec!["/repos/acme/app".to_owned()]);
    }

    #[test]
    fn resume_after_interrupt_keeps_stored_resources() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = SnapshotWriter::start(dir.path(), fresh()).unwrap();
        w.put("/orgs/acme", meta(200), b"{}").unwrap();
        drop(w); // interrupted: no finish
        assert!(!dir.path().join(MANIFEST).exists());
        // A torn line at the end (killed mid-append) is ignored.
        let mut j = fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join(JOURNAL))
            .unwrap();
        j.write_all(b"{\"key\":\"/orgs/ac").unwrap();
        drop(j);
        let mut w = SnapshotWriter::start(dir.path(), fresh()).unwrap();
        assert!(w.already_stored("/orgs/acme"));
        w.put("/orgs/acme/members", meta(200), b"[]").unwrap();
        let m = w.finish("2026-11-26T10:02:00Z".into(), true).unwrap();
        assert_eq!(m.resources.len(), 2);
    }

    #[test]
    fn recollection_offers_previous_etags() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = SnapshotWriter::start(dir.path(), fresh()).unwrap();
        w.put("/orgs/acme", meta(200), b"{}").unwrap();
        w.finish("t".into(), true).unwrap();
        let w = SnapshotWriter::start(dir.path(), fresh()).unwrap();
        assert_eq!(
            w.previous("/orgs/acme").unwrap().etag.as_deref(),
            Some("W/\"1\"")
        );
        assert!(
            !dir.path().join(MANIFEST).exists(),
            "not a snapshot while collecting"
        );
    }

    #[test]
    fn a_journal_left_beside_a_finished_snapshot_is_not_resumed() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = SnapshotWriter::start(dir.path(), fresh()).unwrap();
        w.put("/orgs/acme", meta(200), b"{}").unwrap();
        w.finish("2026-11-26T10:01:00Z".into(), true).unwrap();
        // Killed after snapshot.json was written, before the journal was removed.
        fs::write(dir.path().join(JOURNAL), "x\n").unwrap();
        let w = SnapshotWriter::start(dir.path(), fresh()).unwrap();
        assert!(
            !w.already_stored("/orgs/acme"),
            "a finished job was resumed"
        );
        assert!(
            w.previous("/orgs/acme").is_some(),
            "the finished snapshot is the previous one"
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_writer_never_writes_through_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("github")).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("github/orgs")).unwrap();
        let mut w = SnapshotWriter::start(dir.path(), fresh()).unwrap();
        assert!(w.put("/orgs/acme", meta(200), b"{}").is_err());
        assert_eq!(
            fs::read_dir(outside.path()).unwrap().count(),
            0,
            "wrote outside the folder"
        );
    }

    #[test]
    fn unparseable_times_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = fresh();
        m.collected_at = "yesterday".into();
        fs::write(dir.path().join(MANIFEST), serde_json::to_vec(&m).unwrap()).unwrap();
        let e = Snapshot::open(dir.path()).unwrap_err().to_string();
        assert!(e.contains("collected_at"), "{e}");
    }

    #[test]
    fn hostile_manifest_is_refused_and_symlinks_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = fresh();
        m.resources.insert("/../../etc/passwd".into(), meta(200));
        fs::write(dir.path().join(MANIFEST), serde_json::to_vec(&m).unwrap()).unwrap();
        assert!(matches!(
            Snapshot::open(dir.path()),
            Err(SnapshotError::Key { .. })
        ));

        let mut m = fresh();
        m.resources.insert("/orgs/acme".into(), meta(200));
        fs::write(dir.path().join(MANIFEST), serde_json::to_vec(&m).unwrap()).unwrap();
        fs::create_dir_all(dir.path().join("github/orgs")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("/etc/hostname", dir.path().join("github/orgs/acme.json"))
            .unwrap();
        let s = Snapshot::open(dir.path()).unwrap();
        #[cfg(unix)]
        assert!(matches!(s.get("/orgs/acme"), Lookup::Unreadable { .. }));
    }
}
