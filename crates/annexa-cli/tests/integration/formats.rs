//! SARIF, Markdown and JUnit: validated against the official SARIF schema, escaped, well formed.

use crate::{annexa, root};

fn run(target: &std::path::Path, format: &str) -> String {
    let out = annexa()
        .arg("scan")
        .arg(target)
        .args(["--format", format, "--as-of", "2026-01-01T00:00:00Z"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schema_path = root().join("../shared/reference/schemas/sarif/sarif-schema-2.1.0.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_path).expect("SARIF schema"))
            .expect("json");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let example = root().join("examples/insecure-app");
    let log: serde_json::Value = serde_json::from_str(&run(&example, "sarif")).expect("sarif json");
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let run0 = &log["runs"][0];
    // Parse failures are notifications, not results.
    let notes = run0["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    assert!(notes.iter().any(|n| {
        n["message"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("broken.yml"))
    }));
    let results = run0["results"].as_array().expect("results");
    assert!(!results.is_empty());
    assert!(results.iter().all(|r| {
        !r["message"]["text"]
            .as_str()
            .unwrap_or("")
            .contains("invalid YAML")
    }));
    // Rules carry controls; results carry a line and a stable fingerprint.
    let rules = run0["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), annexa_model::CheckId::ALL.len());
    assert!(rules.iter().all(|r| {
        r["properties"]["controls"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
    }));
    let ti = results
        .iter()
        .find(|r| r["ruleId"] == "template-injection")
        .expect("template injection result");
    assert_eq!(
        ti["locations"][0]["physicalLocation"]["region"]["startLine"],
        15
    );
    assert!(
        ti["partialFingerprints"]["annexaSubject/v1"]
            .as_str()
            .is_some_and(|f| f.len() == 32)
    );
    // A result that breaks the schema is rejected: the validation is not vacuous.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = serde_json::json!("catastrophic");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn markdown_escapes_what_comes_from_files() {
    let tmp = tempfile::tempdir().expect("tmp");
    let wf = tmp.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).expect("mkdir");
    let hostile = "on: push\njobs:\n  \"x|<img src=x onerror=alert(1)>\":\n    runs-on: ubuntu-latest\n    steps:\n      - uses: \"actions/checkout@v4<script>alert(1)</script>\"\n";
    std::fs::write(wf.join("ci.yml"), hostile).expect("write");
    let md = run(tmp.path(), "markdown");
    assert!(md.contains("## annexa:"), "{md}");
    assert!(!md.contains("<script>") && !md.contains("<img"), "{md}");
    assert!(md.contains("&lt;script&gt;"), "{md}");
    // Every table row keeps its four cells.
    for line in md.lines().filter(|l| {
        l.starts_with("| ") && !l.starts_with("| severity") && !l.starts_with("| control")
    }) {
        let cells = line.replace("\\\\|", "").matches(" | ").count();
        assert!(
            cells == 3 || cells == 2,
            "row split by an unescaped pipe: {line}"
        );
    }
}

#[test]
fn junit_is_well_formed_and_counts_findings() {
    let example = root().join("examples/insecure-app");
    let xml = run(&example, "junit");
    assert!(xml.starts_with("<?xml"));
    let failures = xml.matches("<failure").count();
    let json: serde_json::Value = serde_json::from_str(&run(&example, "json")).expect("json");
    let partly = json["not_examined"]["partly_understood"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(
        failures,
        json["findings"].as_array().map_or(0, Vec::len) + partly
    );
    // One suite per check, plus the files not examined.
    assert_eq!(
        xml.matches("<testsuite ").count(),
        annexa_model::CheckId::ALL.len() + 1
    );
    // Well formed: a real XML reader goes through every event without an error.
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut cases = 0;
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)
                if e.name().as_ref() == b"testcase" =>
            {
                cases += 1
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    let observed = json["passes"].as_array().map_or(0, Vec::len)
        + json["findings"].as_array().map_or(0, Vec::len)
        + json["unknowns"].as_array().map_or(0, Vec::len);
    let not_examined = json["diagnostics"].as_array().map_or(0, Vec::len)
        + json["not_examined"]["excluded"]
            .as_array()
            .map_or(0, Vec::len);
    assert_eq!(cases, observed + not_examined);
    assert!(xml.contains("broken.yml"), "the unparsable file is listed");
}

#[test]
fn secret_values_never_leave_in_any_format() {
    let fixture = root().join("crates/annexa-checks/fixtures/hardcoded-credential/fires");
    let secrets = [
        "s3cr3t-v4lue-1234",
        "hunter2hunter2",
        "registry-pass-0001",
        "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB",
    ];
    for format in ["terminal", "json", "sarif", "markdown", "junit"] {
        let out = run(&fixture, format);
        assert!(
            out.contains("hardcoded-credential"),
            "{format}: the findings are reported"
        );
        for s in secrets {
            assert!(!out.contains(s), "{format} output leaks a secret value");
        }
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let baseline = tmp.path().join("baseline.json");
    annexa()
        .arg("scan")
        .arg(&fixture)
        .arg("--write-baseline")
        .arg(&baseline)
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&baseline).expect("baseline");
    assert!(
        secrets.iter().all(|s| !text.contains(s)),
        "the baseline leaks a secret value"
    );
}
