//! Per-file diagnostics: what could not be read or understood. A diagnostic never aborts a run.

/// Why a file was not (fully) examined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DiagnosticKind {
    /// Larger than the file-size limit; not read past the limit.
    TooLarge,
    /// Contains NUL bytes: not a text file.
    Binary,
    /// Not valid UTF-8.
    InvalidUtf8,
    /// Nested deeper than the nesting limit.
    TooDeep,
    /// Not valid YAML, or YAML the loader refuses (e.g. an alias bomb).
    Syntax,
    /// Valid YAML, but not the shape of this kind of file at all (e.g. a list at the top).
    NotUnderstood,
    /// Parsed, but some elements did not match the platform's schema; those elements were
    /// mapped leniently and the diagnostic names them.
    PartlyUnderstood,
    /// A symbolic link that leaves the repository, refused.
    SymlinkOutsideTree,
    /// Could not be read (permissions, I/O error).
    Unreadable,
    /// annexa failed on this file (a bug); the rest of the run went on.
    Internal,
}

impl DiagnosticKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DiagnosticKind::TooLarge => "too-large",
            DiagnosticKind::Binary => "binary",
            DiagnosticKind::InvalidUtf8 => "invalid-utf8",
            DiagnosticKind::TooDeep => "too-deep",
            DiagnosticKind::Syntax => "syntax",
            DiagnosticKind::NotUnderstood => "not-understood",
            DiagnosticKind::PartlyUnderstood => "partly-understood",
            DiagnosticKind::SymlinkOutsideTree => "symlink-outside-tree",
            DiagnosticKind::Unreadable => "unreadable",
            DiagnosticKind::Internal => "internal-error",
        }
    }

    /// Whether the file was skipped entirely (as opposed to examined in part).
    pub fn is_skip(self) -> bool {
        !matches!(self, DiagnosticKind::PartlyUnderstood)
    }
}

/// A message about one file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// Index of the repository in the scan.
    pub repo: u32,
    /// Repository-relative path, `/`-separated.
    pub path: String,
    pub kind: DiagnosticKind,
    pub message: String,
}
