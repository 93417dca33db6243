//! Reporters: pure functions from a scan and its assessment to bytes.
//!
//! Architecture invariant: reporters never compute conclusions and never read files; they
//! format what the engine and the assessment decided. Public formats are their own versioned
//! types ([`json::ScanReport`]); internal structs are never serialised directly.

pub mod catalogue;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod terminal;

use annexa_engine::ScanResult;
use annexa_model::{Location, Observation, Span};

/// Everything a reporter needs.
pub struct ReportInput<'a> {
    pub scan: &'a ScanResult,
    pub assessment: &'a annexa_assess::Assessment,
    /// The point in time the report is "as of" (RFC 3339), given or taken at the start.
    pub as_of: &'a str,
    pub tool_version: &'a str,
}

/// A file location resolved for output: display path, line/column (1-based) and byte range.
pub struct Resolved<'a> {
    pub display_path: String,
    pub repo: u32,
    pub path: &'a str,
    pub start: Option<(usize, usize)>,
    pub end: Option<(usize, usize)>,
    pub span: Option<Span>,
    pub text: Option<&'a str>,
}

/// Resolve a file location against the scanned sources.
pub fn resolve<'a>(scan: &'a ScanResult, loc: &'a Location) -> Option<Resolved<'a>> {
    let Location::File(f) = loc else { return None };
    let repo = scan.repositories.get(f.repo as usize)?;
    let display_path = if f.path.is_empty() {
        repo.display.clone()
    } else if repo.display == "." {
        f.path.clone()
    } else {
        format!("{}/{}", repo.display, f.path)
    };
    let file = scan.file(f.repo, &f.path);
    let text = file.and_then(|s| s.text.as_deref());
    let (start, end) = match (file, f.span) {
        (Some(file), Some(s)) => (file.line_col(s.start), file.line_col(s.end)),
        _ => (None, None),
    };
    Some(Resolved {
        display_path,
        repo: f.repo,
        path: &f.path,
        start,
        end,
        span: f.span,
        text,
    })
}

/// The display path of an observation's repository when it has no file location.
pub fn repo_display(scan: &ScanResult, o: &Observation) -> String {
    if let annexa_model::SubjectKey::Repo { repo, .. } = &o.subject
        && let Some(r) = scan.repositories.iter().find(|r| &r.identity == repo)
    {
        return r.display.clone();
    }
    o.subject.to_string()
}
