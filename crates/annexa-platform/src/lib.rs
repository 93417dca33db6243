//! Platform state for annexa: the API mirror snapshot format ([`snapshot`], [`path`]) that
//! `annexa collect` writes and `annexa scan --snapshot` reads, and the GitHub and GitLab models
//! built from it.
//!
//! Architecture invariant: nothing here judges. The models say what the platform answered —
//! a value, a fact from an error answer (GitHub's "Branch not protected"), or why it is not
//! known (not collected, a permission missing, a hand-edited body) — and the checks decide.

pub mod keys;
pub mod path;
pub mod population;
pub mod snapshot;

pub use path::{PathError, canonical_key, file_of_key, key_of_file};
pub use snapshot::{
    Collector, Lookup, Manifest, Period, PlatformKind, Requests, Resource, ResourceMeta, Scope,
    Seen, Snapshot, SnapshotError, SnapshotWriter,
};

pub mod effective;
pub mod fixture;
pub mod github;
pub mod gitlab;
pub mod known;
pub mod lenient;

pub use effective::{Bypass, Effective, Tri};
pub use known::{Known, Source};
