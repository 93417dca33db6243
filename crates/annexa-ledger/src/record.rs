//! The ledger's own record types, versioned apart from every report format: what a run stored
//! can only change with a new `format` string. Records are stored as the exact JSON bytes that
//! were hashed and signed; verification hashes the stored bytes, never a re-serialisation.

use serde::{Deserialize, Serialize};

pub const RUN_FORMAT: &str = "annexa-ledger/run/1";
pub const OBSERVATION_FORMAT: &str = "annexa-ledger/observation/1";
pub const INPUT_FORMAT: &str = "annexa-ledger/input/1";
pub const CHECKPOINT_FORMAT: &str = "annexa-ledger/checkpoint/1";

/// The hash every chain starts from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One recorded run: what ran, on what, when, and the roots of what it saw and concluded.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RunHeader {
    pub format: String,
    pub seq: u64,
    /// Hash of the previous run's header (`GENESIS` for the first).
    pub prev: String,
    /// When the run was recorded (real time, RFC 3339).
    pub recorded_at: String,
    /// The report's point in time (`--as-of`).
    pub as_of: String,
    pub tool_version: String,
    /// SHA-256 of the annexa binary that ran.
    pub binary_sha256: Option<String>,
    /// SHA-256 of the configuration file, if one was read.
    pub config_sha256: Option<String>,
    /// Who ran it (`user@host`).
    pub collector: String,
    /// The CI job that ran it, from the CI system's own variables (never a token).
    pub ci: Option<CiIdentity>,
    pub repositories: Vec<RepositoryRecord>,
    pub input_count: u64,
    pub inputs_root: String,
    pub observation_count: u64,
    pub observations_root: String,
    /// Control status as concluded by this run.
    pub controls: Vec<ControlRecord>,
    /// Id of the public key that signs this header.
    pub key_id: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CiIdentity {
    pub system: String,
    /// Claims that name the run (`GITHUB_REPOSITORY`, `GITHUB_RUN_ID`, `GITHUB_SHA`, ...).
    pub claims: Vec<(String, String)>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RepositoryRecord {
    pub identity: String,
    pub commit: Option<String>,
    pub dirty: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ControlRecord {
    pub id: String,
    pub overall: String,
    pub design: Option<String>,
    pub operation: Option<String>,
    pub attestation: Option<String>,
}

/// One input file: its digest and how far it can be trusted.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct InputRecord {
    pub format: String,
    pub run: u64,
    pub index: u64,
    pub repository: String,
    pub path: String,
    pub sha256: Option<String>,
    pub provenance: String,
    pub status: String,
}

/// One observation, with its evidence locations. Secrets found in inputs were masked before
/// the engine built messages; file contents are never stored, only digests.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ObservationRecord {
    pub format: String,
    pub run: u64,
    pub index: u64,
    pub check: String,
    pub outcome: String,
    pub severity: String,
    pub subject: String,
    pub fingerprint: String,
    pub message: String,
    pub provenance: String,
    pub suppression: Option<String>,
    pub locations: Vec<LocationRecord>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct LocationRecord {
    pub path: String,
    pub route: String,
    /// Byte range in the file as read (its digest is among the run's inputs).
    pub span: Option<(usize, usize)>,
}

pub const ANCHOR_FORMAT: &str = "annexa-ledger/anchor/1";

/// An RFC 3161 time-stamp token over a run's header hash, obtained after the run committed.
/// Not covered by the run's signature: the token authenticates itself (the TSA signed it), and
/// a run rewritten by whoever holds the ledger key no longer matches it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AnchorRecord {
    pub format: String,
    pub run: u64,
    pub index: u64,
    /// The run header hash the token stamps (hex).
    pub run_hash: String,
    pub tsa_url: String,
    /// The time the TSA put in the token (RFC 3339).
    pub gen_time: String,
    /// The DER token, hex.
    pub token: String,
}

/// The signed head of the ledger: deleting runs from the end is detected because the
/// checkpoint, which only the key holder can re-sign, still names the old head.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Checkpoint {
    pub format: String,
    pub seq: u64,
    pub head: String,
    pub key_id: String,
}
