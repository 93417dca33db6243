//! GitHub Actions input: workflows and action metadata mapped into the normalised pipeline
//! model, plus CODEOWNERS.
//!
//! Mapping is typed first (zizmor's `github-actions-models`) and lenient per element: a job or
//! step the typed model rejects is mapped from the generic YAML tree instead, and a note names
//! the element and what was not understood. A file is never dropped for one odd element.
//!
//! Architecture invariant: mapping never judges. Whether a reference is pinned is recorded
//! (`Pinning`), never reported; that is the checks' job.

mod codeowners;
mod expressions;
mod workflow;

pub use annexa_model::pipeline::Mapped;
pub use codeowners::{CodeOwners, OwnerRule};
pub use expressions::{Expression, expressions_in};
pub use workflow::{GithubFileKind, classify_path, map_action, map_workflow};
