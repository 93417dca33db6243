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
        // Snapshot cases belong to `every_platform_check_against_its_fixtures`.
        let mut cases: Vec<_> = std::fs::read_dir(&dir)
            .expect("fixture dir")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir() && !p.join(SNAPSHOT_SPEC).is_file())
            .collect();
        cases.sort();
        if cases.is_empty() && meta.scope == annexa_model::check::CheckScope::Platform {
            continue;
        }
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

/// A platform case's snapshot description (see `annexa_platform::fixture`).
const SNAPSHOT_SPEC: &str = "snapshot.fixture.json";

/// Platform checks: each case folder holds `snapshot.fixture.json` (built into a real snapshot
/// directory: manifest, digests, encoded paths) and `EXPECT`, the *exact* observations of the
/// check under test, one `OUTCOME SUBJECT [PROVENANCE]` per line (provenance when it is not
/// `system-collected`). Each check needs a case that fails and a `clean-*` case that passes
/// and fails nothing.
#[test]
fn every_platform_check_against_its_fixtures() {
    let base = root().join("crates/annexa-checks/fixtures");
    let shared = base.join("_platform");
    let mut problems = Vec::new();
    let mut cases_run = 0;
    for check in annexa_checks::registry() {
        let meta = check.meta();
        if meta.scope != annexa_model::check::CheckScope::Platform {
            continue;
        }
        let id = meta.id.as_str();
        let mut cases: Vec<_> = std::fs::read_dir(base.join(id))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join(SNAPSHOT_SPEC).is_file())
            .collect();
        cases.sort();
        let (mut fired, mut clean) = (false, false);
        for case in &cases {
            cases_run += 1;
            let name = case
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let tmp = tempfile::tempdir().expect("tempdir");
            let snap_dir = tmp.path().join("snapshot");
            if let Err(e) = annexa_platform::fixture::build_as_collected(
                &case.join(SNAPSHOT_SPEC),
                &[&shared],
                &snap_dir,
            ) {
                problems.push(format!("{id}/{name}: {e}"));
                continue;
            }
            let snapshot =
                annexa_platform::Snapshot::open(&snap_dir).expect("fixture snapshot opens");
            let options = annexa_engine::ScanOptions {
                snapshots: vec![annexa_engine::SnapshotInput {
                    display: name.clone(),
                    snapshot,
                }],
                ..Default::default()
            };
            let result = annexa_engine::scan(&[], &options).expect("scan");
            let mut actual: Vec<String> = result
                .observations
                .iter()
                .filter(|o| o.check == meta.id)
                .map(|o| {
                    let prov = match o.provenance {
                        annexa_model::Provenance::SystemCollected => String::new(),
                        p => format!(" {}", p.as_str()),
                    };
                    format!("{} {}{prov}", o.outcome.as_str(), o.subject)
                })
                .collect();
            actual.sort();
            let mut expected: Vec<String> = std::fs::read_to_string(case.join("EXPECT"))
                .unwrap_or_default()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(String::from)
                .collect();
            expected.sort();
            if actual != expected {
                problems.push(format!(
                    "{id}/{name}: observations differ\n  expected {expected:#?}\n  actual   {actual:#?}"
                ));
            }
            let fails = actual.iter().any(|l| l.starts_with("fail "));
            let passes = actual.iter().any(|l| l.starts_with("pass "));
            if name.starts_with("clean") {
                clean = true;
                if fails || !passes {
                    problems.push(format!(
                        "{id}/{name}: a clean case must pass and fail nothing"
                    ));
                }
            } else if fails {
                fired = true;
            }
        }
        if !fired {
            problems.push(format!("{id}: needs a snapshot case that fails"));
        }
        if !clean {
            problems.push(format!("{id}: needs a clean-* snapshot case"));
        }
    }
    assert!(cases_run > 0, "no platform fixture cases found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_check_id_has_a_fixture_folder_and_nothing_else_does() {
    let base = root().join("crates/annexa-checks/fixtures");
    let mut folders: BTreeMap<String, bool> = BTreeMap::new();
    for e in std::fs::read_dir(&base).expect("fixtures").flatten() {
        if e.path().is_dir() && e.file_name() != "snapshots" && e.file_name() != "_platform" {
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
