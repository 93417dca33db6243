//! The check catalogue.
//!
//! One check = one file under `checks/` = one kebab-case id = one fixture folder = one generated
//! doc page. A check is a visitor over the normalised pipeline model (or over a whole
//! repository) that emits observations — `pass`, `fail`, `unknown` or `not-relevant` — through a
//! [`Sink`] that fills in the subject key, location and provenance.
//!
//! Architecture invariant: checks never do I/O. Everything they look at is in their context.

mod check;
mod checks;
mod registry;

pub use check::{
    Check, FileInfo, GithubOrgCx, GithubRepoCx, GitlabGroupCx, GitlabProjectCx, PipelineCx,
    PlatformPolicy, RepoCx, RepoFile, ScannedRepo, Sink,
};
pub use registry::{by_id, registry};
