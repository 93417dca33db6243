//! The fixture harness. Each check has a folder `crates/annexa-checks/fixtures/<check-id>/`
//! whose sub-folders are tiny repositories. Expectations live in the files themselves:
//!
//! - `# expect: ID` on a line: a `fail` of ID whose primary location starts on that line;
//! - `# expect-unknown: ID`: an `unknown` there;
//! - `# expect-pass: ID`: a `pass` there (passes may be more than the markers);
//! - an `EXPECT` file with lines `fail ID [PATH]` / `unknown ID [PATH]` /
//!   `not-relevant ID [PATH]` for observations with no line (repository-wide, or a whole file).
//!
//! The harness asserts the *exact* multiset of fails, unknowns and not-relevant observations of
//! the check under test,
//! that every pass marker is matched, that `clean-*` cases fail nothing and pass something,
//! and snapshots the rendered output.

use std::collections::BTreeMap;
use std::path::Path;

use annexa_model::{CheckId, Location, Outcome, Platform};
use annexa_report::ReportInput;

use crate::{root, scan_paths};

type Hit = (String, String, usize); // outcome, path, line

fn markers(case: &Path, check: &str) -> (Vec<Hit>, Vec<Hit>) {
    let mut exact = Vec::new();
    let mut passes = Vec::new();
    for entry in walk(case) {
        let rel = entry
            .strip_prefix(case)
            .expect("inside case")
            .to_string_lossy()
            .replace('\\', "/");
        if rel == "EXPECT" {
            let text = std::fs::read_to_string(&entry).expect("EXPECT");
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let parts: Vec<&str> = line.split_whitespace().collect();
                if parts.get(1) == Some(&check) {
                    exact.push((
                        parts[0].to_owned(),
                        parts.get(2).unwrap_or(&"").to_string(),
                        0,
                    ));
                }
            }
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&entry) else {
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            for (marker, outcome) in [
                ("expect:", "fail"),
                ("expect-unknown:", "unknown"),
                ("expect-pass:", "pass"),
            ] {
                let Some(i) = line.find(marker) else { continue };
                let ids = &line[i + marker.len()..];
                for id in ids.split(',').map(str::trim) {
                    if id == check {
                        let hit = (outcome.to_owned(), rel.clone(), n + 1);
                        if outcome == "pass" {
                            passes.push(hit)
                        } else {
                            exact.push(hit)
                        }
                    }
                }
            }
        }
    }
    exact.sort();
    passes.sort();
    (exact, passes)
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read fixture dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p)
            } else {
                out.push(p)
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_check_against_its_fixtures() {
    let base = root().join("crates/annexa-checks/fixtures");
    let mut problems = Vec::new();
    for check in annexa_checks::registry() {
        let meta = check.meta();
        let id = meta.id.as_str();
        let dir = base.join(id);
        assert!(dir.is_dir(), "{id}: no fixture folder {}", dir.display());
        let mut cases: Vec<_> = std::fs::read_dir(&dir)
            .expect("fixture dir")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        cases.sort();
        let mut fired = false;
        let mut clean = false;
        let mut snapshot = String::new();
        for case in &cases {
            let name = case
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let (result, assessment) = scan_paths(std::slice::from_ref(case));
            assert!(
                result.diagnostics.iter().all(|d| !d.kind.is_skip()),
                "{id}/{name}: fixture not examined: {:?}",
                result.diagnostics
            );
            let mine: Vec<_> = result
                .observations
                .iter()
                .filter(|o| o.check == meta.id)
                .collect();
            let hit = |o: &annexa_model::Observation| -> Hit {
                let (path, line) = match o.locations.first() {
                    Some(Location::File(f)) => {
                        let line = match (
                            f.span,
                            result.file(f.repo, &f.path).and_then(|s| s.text.clone()),
                        ) {
                            (Some(s), Some(t)) => annexa_source::line_col(&t, s.start).0,
                            _ => 0,
                        };
                        (f.path.clone(), line)
                    }
                    // Location-less observations (whole repository, or a whole file that is not
                    // relevant) are matched on the subject's path.
                    _ => match &o.subject {
                        annexa_model::SubjectKey::Repo { path, .. } => (path.clone(), 0),
                        _ => (String::new(), 0),
                    },
                };
                (o.outcome.as_str().to_owned(), path, line)
            };
            let mut actual: Vec<Hit> = mine
                .iter()
                .filter(|o| o.outcome != Outcome::Pass)
                .map(|o| hit(o))
                .collect();
            actual.sort();
            let actual_passes: Vec<Hit> = mine
                .iter()
                .filter(|o| o.outcome == Outcome::Pass)
                .map(|o| hit(o))
                .collect();
            let (expected, expected_passes) = markers(case, id);
            if actual != expected {
                problems.push(format!("{id}/{name}: fails/unknowns differ\n  expected {expected:?}\n  actual   {actual:?}"));
            }
            for p in &expected_passes {
                if !actual_passes.contains(p) {
                    problems.push(format!(
                        "{id}/{name}: expected pass {p:?} not found in {actual_passes:?}"
                    ));
                }
            }
            if name.starts_with("clean") {
                clean = true;
                if actual_passes.is_empty() {
                    problems.push(format!(
                        "{id}/{name}: a clean case must show pass evidence, not silence"
                    ));
                }
            } else if !expected.is_empty() {
                fired = true;
            }
            // A snapshot of what a user sees for this check in this case.
            let filtered = annexa_engine::ScanResult {
                observations: result
                    .observations
                    .iter()
                    .filter(|o| o.check == meta.id)
                    .cloned()
                    .collect(),
                repositories: result
                    .repositories
                    .iter()
                    .map(|r| annexa_engine::Repository {
                        display: format!("{id}/{name}"),
                        ..r.clone()
                    })
                    .collect(),
                ..result.clone()
            };
            let input = ReportInput {
                scan: &filtered,
                assessment: &assessment,
                as_of: "2026-01-01T00:00:00Z",
                tool_version: "test",
            };
            snapshot.push_str(&format!(
                "=== {name}\n{}",
                annexa_report::terminal::render_findings(&input, false)
            ));
        }
        assert!(fired, "{id}: needs a fixture case that fires");
        // A check that needs platform state to pass (it lists a platform-state platform) cannot
        // have a clean case from files alone.
        let needs_platform = meta
            .platforms
            .iter()
            .any(|p| matches!(p, Platform::GithubPlatform | Platform::GitlabPlatform));
        assert!(
            clean || needs_platform,
            "{id}: needs a clean-* fixture case"
        );
        insta::with_settings!({ snapshot_path => root().join("crates/annexa-checks/fixtures/snapshots"), prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(id, snapshot);
        });
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_check_id_has_a_fixture_folder_and_nothing_else_does() {
    let base = root().join("crates/annexa-checks/fixtures");
    let mut folders: BTreeMap<String, bool> = BTreeMap::new();
    for e in std::fs::read_dir(&base).expect("fixtures").flatten() {
        if e.path().is_dir() && e.file_name() != "snapshots" {
            folders.insert(e.file_name().to_string_lossy().into_owned(), false);
        }
    }
    for id in CheckId::ALL {
        assert!(
            folders.insert(id.as_str().to_owned(), true).is_some(),
            "{id}: no fixtures"
        );
    }
    assert!(
        folders.values().all(|v| *v),
        "fixture folders without a check: {folders:?}"
    );
}
