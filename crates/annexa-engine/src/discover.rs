//! Which files of a repository annexa reads.

use annexa_github::{GithubFileKind, classify_path};

/// A file annexa knows how to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    GithubWorkflow,
    GithubAction,
    Codeowners,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::GithubWorkflow => "github-workflow",
            FileKind::GithubAction => "github-action",
            FileKind::Codeowners => "codeowners",
        }
    }
}

/// Classify a repository-relative, `/`-separated path.
pub fn classify(path: &str) -> Option<FileKind> {
    if matches!(
        path,
        "CODEOWNERS" | ".github/CODEOWNERS" | "docs/CODEOWNERS" | ".gitlab/CODEOWNERS"
    ) {
        return Some(FileKind::Codeowners);
    }
    match classify_path(path)? {
        GithubFileKind::Workflow => Some(FileKind::GithubWorkflow),
        GithubFileKind::Action => Some(FileKind::GithubAction),
    }
}
