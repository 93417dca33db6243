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

#[test]
fn config_schema_is_published_and_validates_real_configs() {
    let path = root().join("schemas/annexa-config.schema.json");
    let mut stale = Vec::new();
    let generated = annexa_config::json_schema();
    check_or_update(&path, &generated, &mut stale);
    assert!(
        stale.is_empty(),
        "stale schema (run `ANNEXA_UPDATE=1 cargo test`): {stale:?}"
    );
    let out = annexa().args(["schema", "config"]).output().expect("run");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), generated);
    let schema: serde_json::Value = serde_json::from_str(&generated).expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("valid schema");
    let as_json = |text: &str| -> serde_json::Value {
        let v: toml::Value = toml::from_str(text).expect("toml");
        serde_json::to_value(v).expect("json")
    };
    // The repository's own configuration, and one using every key.
    let own = std::fs::read_to_string(root().join("annexa.toml")).expect("annexa.toml");
    assert!(
        own.starts_with("#:schema "),
        "editors need the header comment"
    );
    let full = r#"
[scan]
fail-on = "high"
exclude = ["vendor/**"]
max-file-bytes = 1048576
max-depth = 32
[checks]
select = ["unpinned-image", "template-injection"]
ignore = ["missing-sbom"]
trusted-owners = ["acme"]
[checks.severity]
unpinned-image = "high"
"#;
    for text in [own.as_str(), full] {
        let errors: Vec<String> = validator
            .iter_errors(&as_json(text))
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}\n{text}");
    }
    // What annexa rejects, the schema rejects too.
    for bad in [
        "[scan]\nfail-on = \"sometimes\"\n",
        "[scan]\nexclud = []\n",
        "[checks]\nignore = [\"no-such-check\"]\n",
        "[checks.severity]\nunpinned-image = \"urgent\"\n",
    ] {
        assert!(!validator.is_valid(&as_json(bad)), "schema accepted {bad}");
        assert!(
            annexa_config::Settings::parse(std::path::Path::new("annexa.toml"), bad).is_err(),
            "annexa accepted {bad}"
        );
    }
}

#[test]
fn completions_and_man_page_come_from_the_command_line_definition() {
    for shell in ["bash", "zsh", "fish"] {
        let out = annexa().args(["completions", shell]).output().expect("run");
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        for word in [
            "scan",
            "controls",
            "checks",
            "fail-on",
            "gitlab-codequality",
        ] {
            assert!(text.contains(word), "{shell} completion lacks {word}");
        }
    }
    let out = annexa().arg("man").output().expect("run");
    assert!(out.status.success());
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH annexa"),
        "{page}"
    );
    for word in ["scan", "controls", "completions", "schema"] {
        assert!(page.contains(word), "man page lacks {word}");
    }
}
