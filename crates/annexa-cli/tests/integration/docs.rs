//! Generated artefacts stay true: per-check docs and the JSON report schema are generated from
//! the code and compared with the committed files. Set ANNEXA_UPDATE=1 to rewrite them.

use crate::{annexa, root};

fn check_or_update(path: &std::path::Path, want: &str, stale: &mut Vec<String>) {
    let have = std::fs::read_to_string(path).unwrap_or_default();
    if have != want {
        if std::env::var_os("ANNEXA_UPDATE").is_some() {
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, want).expect("write");
        } else {
            stale.push(path.display().to_string());
        }
    }
}

#[test]
fn check_docs_are_generated_from_code() {
    let dir = root().join("docs/checks");
    let metas: Vec<_> = annexa_checks::registry().iter().map(|c| c.meta()).collect();
    let mut stale = Vec::new();
    for m in &metas {
        check_or_update(
            &dir.join(format!("{}.md", m.id.as_str())),
            &annexa_report::catalogue::check_page(m),
            &mut stale,
        );
    }
    check_or_update(
        &dir.join("README.md"),
        &annexa_report::catalogue::docs_index(&metas),
        &mut stale,
    );
    assert!(
        stale.is_empty(),
        "stale generated docs (run `ANNEXA_UPDATE=1 cargo test`): {stale:?}"
    );
}

#[test]
fn json_report_matches_its_published_schema() {
    let path = root().join("schemas/scan-report-v1.schema.json");
    let mut stale = Vec::new();
    check_or_update(&path, &annexa_report::json::schema(), &mut stale);
    assert!(
        stale.is_empty(),
        "stale schema (run `ANNEXA_UPDATE=1 cargo test`): {stale:?}"
    );
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("schema"))
            .expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("valid schema");
    for target in [
        root().join("examples/insecure-app"),
        root().join("crates/annexa-checks/fixtures/template-injection/fires"),
    ] {
        let out = annexa()
            .arg("scan")
            .arg(&target)
            .args(["--format", "json", "--as-of", "2026-01-01T00:00:00Z"])
            .output()
            .expect("run");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", target.display());
        // And the schema is not vacuous: a report missing a required field is rejected.
        let mut broken = report.clone();
        broken.as_object_mut().expect("object").remove("controls");
        assert!(!validator.is_valid(&broken));
    }
}
