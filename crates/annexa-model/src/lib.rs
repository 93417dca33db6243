//! annexa's domain model: the nouns of DESIGN.md §3 as plain types.
//!
//! Architecture invariant: this crate does no I/O and depends on nothing heavier than
//! `thiserror` and `aho-corasick` (the security-tool tables match scripts in one pass). Every other crate speaks these types; public formats (JSON, SARIF, OSCAL,
//! evidence records) are separate versioned types built from them in the report crate.

pub mod check;
pub mod controls;
pub mod diagnostic;
pub mod observation;
pub mod pipeline;
pub mod status;

pub use check::{CheckId, CheckMeta, Confidence, Platform, Severity};
pub use controls::{AttestationKind, Control, ControlId, Population};
pub use diagnostic::{Diagnostic, DiagnosticKind};
pub use observation::{
    FileLocation, Location, Observation, Outcome, Provenance, RepoIdentity, Route, RouteSeg, Span,
    SubjectKey, Suppression,
};
