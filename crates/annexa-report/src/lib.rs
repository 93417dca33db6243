//! Reporters: pure functions from a scan and its assessment to bytes.
//!
//! Architecture invariant: reporters never compute conclusions and never read files; they
//! format what the engine and the assessment decided. Public formats are their own versioned
//! types ([`json::ScanReport`]); internal structs are never serialised directly.

pub mod catalogue;
pub mod crosswalk;
pub mod gitlab;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod oscal;
pub mod sarif;
pub mod soa;
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

/// A repository-relative path as shown to users: prefixed with the repository folder as given
/// on the command line (nothing for `.`); the folder itself for an empty path.
pub fn display_path(scan: &ScanResult, repo: u32, path: &str) -> String {
    let Some(r) = scan.repositories.get(repo as usize) else {
        return path.to_owned();
    };
    if path.is_empty() {
        r.display.clone()
    } else if r.display == "." {
        path.to_owned()
    } else {
        format!("{}/{path}", r.display)
    }
}

/// Resolve a file location against the scanned sources.
pub fn resolve<'a>(scan: &'a ScanResult, loc: &'a Location) -> Option<Resolved<'a>> {
    let Location::File(f) = loc else { return None };
    scan.repositories.get(f.repo as usize)?;
    let display_path = display_path(scan, f.repo, &f.path);
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

/// Where an observation is, for one-line listings: `path:line[:column]` of its first location
/// that resolves, else its repository.
pub fn location_text(scan: &ScanResult, o: &Observation, column: bool) -> String {
    o.locations
        .iter()
        .find_map(|l| resolve(scan, l))
        .map(|r| match (r.start, column) {
            (Some((line, col)), true) => format!("{}:{line}:{col}", r.display_path),
            (Some((line, _)), false) => format!("{}:{line}", r.display_path),
            (None, _) => r.display_path,
        })
        .unwrap_or_else(|| repo_display(scan, o))
}

/// Why a finding is not reported or gated, in words.
pub fn suppression_text(s: &annexa_model::Suppression) -> String {
    match s {
        annexa_model::Suppression::Inline { reason } => format!("suppressed inline: {reason}"),
        annexa_model::Suppression::Deselected => {
            "deselected (--select / --ignore / [checks])".to_owned()
        }
        annexa_model::Suppression::Baselined => "in the baseline".to_owned(),
        annexa_model::Suppression::Policy { reason } => format!("accepted by policy: {reason}"),
        annexa_model::Suppression::Accepted {
            id,
            expires,
            reason,
        } => format!("accepted risk {id} until {expires}: {reason}"),
    }
}
