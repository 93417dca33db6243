use annexa_model::pipeline::ToolCategory;
use annexa_model::{Outcome, Platform};
use annexa_platform::Source;

use crate::check::{Check, GithubRepoCx, Sink, check};

check! {
    /// ## What it does
    /// Joins the default branch's required status checks (classic protection and rulesets) to the
    /// workflow jobs that produce them: passes when at least one required check is a job that runs a
    /// security scan (SAST, dependency review or secret scanning, as the pipeline checks recognise
    /// them) or a code-scanning tool's own check (CodeQL, Semgrep, ...). Without the repository's
    /// files in the same scan it can only recognise tool-named checks, otherwise it is `unknown`.
    ///
    /// ## Why is this bad?
    /// A scan that runs but does not gate the merge is advice, not a control: a change with a critical
    /// finding merges anyway. A.8.29 expects security testing in the development process to have
    /// consequences; A.8.25 that the secure development lifecycle is enforced, not optional.
    ///
    /// ## Example
    /// Required checks `build` and `test`, while the `codeql` job in `.github/workflows/ci.yml` is not
    /// required.
    ///
    /// ## Fix
    /// Add the security scan jobs (or the code-scanning tool's check) to the required status checks of
    /// the default branch's ruleset or branch protection.
    pub struct RequiredChecksMissSecurityScans {
        id: RequiredChecksMissSecurityScans,
        summary: "merges do not wait for the security scans to pass",
        severity: Medium,
        confidence: Medium,
        scope: Platform,
        platforms: &[Platform::GithubPlatform],
        controls: [A8_29, A8_32, A8_25],
    }
}

impl Check for RequiredChecksMissSecurityScans {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn github_repo(&self, cx: &GithubRepoCx<'_>, out: &mut Sink) {
        let e = cx.effective;
        let Some(branch) = &e.branch else { return };
        let evidence: Vec<&Source> = e.sources.iter().collect();
        let res = cx.resource();
        let pointer = "/default_branch/required_status_checks";
        let required = &e.required_checks;
        if required.is_empty() {
            if e.required_checks_known {
                out.api(cx.host, &res, pointer, Outcome::Fail, format!("`{branch}`: no status check is required before merging, so no scan result can block a merge"), &evidence);
            } else {
                out.api(
                    cx.host,
                    &res,
                    pointer,
                    Outcome::Unknown,
                    format!(
                        "`{branch}`: cannot tell which checks are required ({})",
                        e.gaps.join("; ")
                    ),
                    &evidence,
                );
            }
            return;
        }
        // Code scanning reports a check named after its tool.
        let by_tool: Vec<&String> = required.iter().filter(|c| scanner_name(c)).collect();
        let Some(files) = &cx.files else {
            if by_tool.is_empty() {
                out.api(cx.host, &res, pointer, Outcome::Unknown, format!("`{branch}` requires {}; scan the repository's files with the snapshot to tell whether any of them is a security scan", list(required)), &evidence);
            } else {
                out.api(
                    cx.host,
                    &res,
                    pointer,
                    Outcome::Pass,
                    format!(
                        "`{branch}` requires the security check(s) {}",
                        list(&by_tool)
                    ),
                    &evidence,
                );
            }
            return;
        };
        // The workflow jobs that run a security scan, by the names their checks report under.
        let mut scan_jobs: Vec<(String, String, &'static str)> = Vec::new();
        for (file, p) in &files.pipelines {
            if p.platform != Platform::GithubActions {
                continue;
            }
            for job in &p.jobs {
                let tool = job.steps.iter().flat_map(|s| &s.tools).find(|t| {
                    matches!(
                        t.category,
                        ToolCategory::Sast | ToolCategory::Sca | ToolCategory::SecretScan
                    )
                });
                if let Some(t) = tool {
                    scan_jobs.push((job.label().to_owned(), file.path.clone(), t.name));
                }
            }
        }
        let gating: Vec<String> = scan_jobs
            .iter()
            .filter(|(label, ..)| {
                required
                    .iter()
                    .any(|c| c == label || c.starts_with(&format!("{label} (")))
            })
            .map(|(label, path, tool)| format!("`{label}` ({tool}, {path})"))
            .collect();
        if !gating.is_empty() || !by_tool.is_empty() {
            let mut what = gating;
            what.extend(by_tool.iter().map(|c| format!("`{c}`")));
            out.api(
                cx.host,
                &res,
                pointer,
                Outcome::Pass,
                format!(
                    "`{branch}`: merges wait for the security scan(s) {}",
                    what.join(", ")
                ),
                &evidence,
            );
        } else if !e.required_checks_known {
            // A source of required checks could not be read: one of its checks may be a scan.
            out.api(
                cx.host,
                &res,
                pointer,
                Outcome::Unknown,
                format!(
                    "`{branch}` requires at least {}, none a security scan, but not every source of required checks could be read ({})",
                    list(required),
                    e.gaps.join("; ")
                ),
                &evidence,
            );
        } else if scan_jobs.is_empty() {
            out.api(
                cx.host,
                &res,
                pointer,
                Outcome::Fail,
                format!(
                    "`{branch}` requires {} but no workflow job runs a security scan",
                    list(required)
                ),
                &evidence,
            );
        } else {
            let jobs: Vec<String> = scan_jobs
                .iter()
                .map(|(l, p, t)| format!("`{l}` ({t}, {p})"))
                .collect();
            out.api(cx.host, &res, pointer, Outcome::Fail, format!("`{branch}` requires {}, none of which is a security scan; the scans {} can fail without blocking a merge", list(required), jobs.join(", ")), &evidence);
        }
    }
}

/// A check context named after a code-scanning or dependency tool (code scanning reports its
/// results as a check run named after the tool).
fn scanner_name(context: &str) -> bool {
    let c = context.to_ascii_lowercase();
    [
        "codeql",
        "semgrep",
        "snyk",
        "trivy",
        "gitleaks",
        "trufflehog",
        "dependency-review",
        "dependency review",
        "sonarcloud",
        "sonarqube",
        "checkmarx",
        "zizmor",
        "osv-scanner",
        "grype",
    ]
    .iter()
    .any(|t| c.contains(t))
}

fn list<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| format!("`{}`", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}
