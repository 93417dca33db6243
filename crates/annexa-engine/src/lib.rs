//! The engine: turns repository folders into a deterministic [`ScanResult`].
//!
//! Flow: each PATH is one repository → git provenance (commit, tracked and modified files) →
//! discovery with the `ignore` crate (hidden folders included, `.gitignore` honoured, symlinks
//! leaving the tree refused) → per file, in parallel: guarded read, parse, map to the pipeline
//! model, pipeline checks → per repository: repository checks → one total sort.
//!
//! Architecture invariant: one bad file is a diagnostic, never an abort; results are sorted
//! after all parallel work, so output never depends on scheduling.

mod discover;
mod git;
pub mod inventory;
mod platform;
mod policy;
mod scan;
mod scope;

pub use discover::{FileKind, classify};
pub use platform::{SnapshotInput, SnapshotSummary};
pub use policy::{
    BASELINE_SCHEMA, Baseline, BaselineEntry, Policy, apply as apply_policy, parse_ignore,
};
pub use scan::{
    Excluded, FileStatus, Repository, ScanOptions, ScanResult, SourceFile, fingerprint, scan,
};
pub use scope::{Reconciliation, ScopeEntry};
