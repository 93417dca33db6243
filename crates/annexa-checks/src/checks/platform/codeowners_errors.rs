use annexa_model::{Outcome, Platform};
use annexa_platform::Known;

use crate::check::{Check, GithubRepoCx, Sink, check};

check! {
    /// ## What it does
    /// Reads GitHub's own verdict on the repository's CODEOWNERS file (`GET
    /// /repos/{o}/{r}/codeowners/errors`, for the default branch) and fails when it lists
    /// errors: invalid patterns, unknown users or teams, owners without write access. The
    /// message gives each line and kind. An empty list passes.
    ///
    /// GitHub answers `404` both when there is no CODEOWNERS file and when the token may not
    /// read the repository's contents. This check does not guess: a 404 is `unknown`, unless the
    /// scan also read the repository's files and found no CODEOWNERS file there, in which case
    /// it passes (no file, so no line GitHub cannot apply; whether code owners are required at
    /// all is `code-owner-review-not-required`'s question).
    ///
    /// ## Why is this bad?
    /// A line GitHub cannot apply silently assigns no owner to the paths it names, so "require
    /// review from code owners" requires nothing there, while the file suggests the paths are
    /// covered. Evidence for A.8.4 (access to source code) and A.8.32 (change management): an
    /// auditor relies on CODEOWNERS to show who must approve changes to sensitive paths.
    ///
    /// ## Example
    /// `.github/CODEOWNERS` line 7 names `@acme/secops`, a team that does not exist.
    ///
    /// ## Fix
    /// Correct the lines GitHub lists (the repository's CODEOWNERS page shows them too); give
    /// the named teams write access to the repository.
    pub struct CodeownersErrors {
        id: CodeownersErrors,
        summary: "GitHub cannot apply lines of the CODEOWNERS file",
        severity: Low,
        confidence: High,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A8_4, A8_32],
    }
}

const POINTER: &str = "/codeowners";

impl Check for CodeownersErrors {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let res = cx.resource();
        let repo = &cx.repo.full_name;
        let (body, src) = match &cx.repo.codeowners_errors {
            Known::Yes(b, s) => (b, s),
            unknown => {
                let not_found = unknown.source().filter(|s| s.status == 404);
                match (not_found, &cx.files) {
                    (Some(s), Some(files)) if !files.has_codeowners => {
                        out.api(
                            cx.host,
                            &res,
                            POINTER,
                            Outcome::Pass,
                            format!("`{repo}` has no CODEOWNERS file (GitHub answered 404 and the scanned files have none), so no line GitHub cannot apply"),
                            &[s],
                        );
                    }
                    (Some(s), Some(_)) => {
                        out.api(
                            cx.host,
                            &res,
                            POINTER,
                            Outcome::Unknown,
                            format!("cannot tell whether GitHub can apply `{repo}`'s CODEOWNERS file: the scanned files have one, but GitHub answered 404 (the token may not read contents, or the file is not on the default branch)"),
                            &[s],
                        );
                    }
                    (Some(s), None) => {
                        out.api(
                            cx.host,
                            &res,
                            POINTER,
                            Outcome::Unknown,
                            format!("cannot tell whether GitHub can apply `{repo}`'s CODEOWNERS file: GitHub answered 404, which means either no CODEOWNERS file or a token that may not read contents; scan the repository's files with the snapshot to tell"),
                            &[s],
                        );
                    }
                    (None, _) => {
                        out.api_unknown(
                            cx.host,
                            &res,
                            POINTER,
                            "whether GitHub can apply the CODEOWNERS file",
                            unknown,
                        );
                    }
                }
                return;
            }
        };
        let Some(errors) = body.get("errors").and_then(|e| e.as_array()) else {
            out.api(
                cx.host,
                &res,
                POINTER,
                Outcome::Unknown,
                format!("cannot tell whether GitHub can apply `{repo}`'s CODEOWNERS file: the answer has no `errors` list"),
                &[src],
            );
            return;
        };
        if errors.is_empty() {
            out.api(
                cx.host,
                &res,
                POINTER,
                Outcome::Pass,
                format!("GitHub applies every line of `{repo}`'s CODEOWNERS file"),
                &[src],
            );
            return;
        }
        let path = errors
            .iter()
            .find_map(|e| e.get("path").and_then(|p| p.as_str()))
            .unwrap_or("CODEOWNERS");
        let lines: Vec<String> = errors
            .iter()
            .map(|e| {
                let line = e
                    .get("line")
                    .and_then(|l| l.as_u64())
                    .map_or_else(|| "?".to_owned(), |l| l.to_string());
                let kind = e.get("kind").and_then(|k| k.as_str()).unwrap_or("error");
                match e.get("source").and_then(|s| s.as_str()) {
                    Some(src) => format!("line {line}: {kind} (`{}`)", src.trim()),
                    None => format!("line {line}: {kind}"),
                }
            })
            .collect();
        out.api(
            cx.host,
            &res,
            POINTER,
            Outcome::Fail,
            format!(
                "GitHub cannot apply {} line(s) of `{repo}`'s {path}, so the paths they name have no code owner: {}",
                errors.len(),
                lines.join("; ")
            ),
            &[src],
        );
    }
}
