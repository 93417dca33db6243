//! The GitLab CI/CD template (`templates/annexa.gitlab-ci.yml`) and the container image
//! (`Dockerfile`): both understood and clean under annexa's own checks, and the template's job
//! script run for real (bash and POSIX sh) in a temporary workspace, its code quality report
//! validated field by field against GitLab's documented format (GitLab's JSON schema is not in
//! the project).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use yaml_serde::Value;

use crate::{annexa, root};

const TEMPLATE: &str = "templates/annexa.gitlab-ci.yml";
const RUST_IMAGE: &str =
    "rust:1-slim-bookworm@sha256:99e09cb2284e2ddbb73a995deee3e91783fd04d177602ccf6eab326d778ee777";
const RUNTIME_IMAGE: &str = "gcr.io/distroless/cc-debian12:nonroot@sha256:bd2899c12b335c827750ccf2359879eab09c09b206023dcebea408947d54127c";
const REV: &str = "0123456789abcdef0123456789abcdef01234567";

// ---- helpers --------------------------------------------------------------------------------

fn template_text() -> String {
    std::fs::read_to_string(root().join(TEMPLATE)).expect("template")
}

/// The `spec:` header document and the jobs document (GitLab separates them with `---`).
fn split(text: &str) -> (Value, &str) {
    let at = text.find("\n---\n").expect("a `---` after the spec header");
    let header: Value = yaml_serde::from_str(&text[..at]).expect("header YAML");
    (header, &text[at + 5..])
}

/// Each input's default, as GitLab would interpolate it when the includer sets nothing.
fn defaults(header: &Value) -> BTreeMap<String, String> {
    let inputs = header["spec"]["inputs"].as_mapping().expect("spec.inputs");
    inputs
        .iter()
        .map(|(k, v)| {
            let name = k.as_str().expect("input name").to_owned();
            let default = v
                .get("default")
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("input `{name}` has no string default"));
            (name, default.to_owned())
        })
        .collect()
}

/// Replace every `$[[ inputs.NAME ]]` by its value; an unknown input is a test failure.
fn interpolate(text: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("$[[") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find("]]").expect("closing ]]") + at;
        let expr = rest[at + 3..end].trim();
        let name = expr
            .strip_prefix("inputs.")
            .unwrap_or_else(|| panic!("not an input: {expr}"));
        out.push_str(
            values
                .get(name)
                .unwrap_or_else(|| panic!("`{name}` is not declared in spec:inputs")),
        );
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The whole template with the defaults interpolated (header kept, as GitLab's file has it).
fn template_with_defaults() -> String {
    let text = template_text();
    let (header, _) = split(&text);
    let out = interpolate(&text, &defaults(&header));
    assert!(!out.contains("$[["), "{out}");
    out
}

/// The `annexa` job of the interpolated template.
fn job() -> Value {
    let text = template_with_defaults();
    let (_, body) = split(&text);
    let jobs: Value = yaml_serde::from_str(body).expect("jobs YAML");
    let keys: Vec<&str> = jobs
        .as_mapping()
        .expect("jobs mapping")
        .keys()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(keys, ["annexa"], "one job, `annexa`");
    jobs["annexa"].clone()
}

fn write(dir: &Path, path: &str, text: &str) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

/// `annexa scan ARGS --format json` run in `dir`: the exit code and the parsed report.
fn scan_json(dir: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let out = annexa()
        .current_dir(dir)
        .arg("scan")
        .args(args)
        .args(["--format", "json", "--as-of", "2026-01-01T00:00:00Z"])
        .output()
        .expect("run annexa");
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("json report: {e}\n{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().expect("exit code"), report)
}

fn array<'a>(v: &'a serde_json::Value, key: &str) -> &'a Vec<serde_json::Value> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("`{key}` is not an array"))
}

fn located_in(o: &serde_json::Value, path: &str) -> bool {
    o["locations"]
        .as_array()
        .is_some_and(|ls| ls.iter().any(|l| l["path"] == path))
}

/// What a file-mode scan of a pipeline file must show: understood, no diagnostics, no open
/// finding, any suppression inline and with a reason.
fn assert_clean(code: i32, report: &serde_json::Value) {
    let findings: Vec<String> = array(report, "findings")
        .iter()
        .map(|f| format!("{} {}", f["check"], f["message"]))
        .collect();
    assert!(findings.is_empty(), "{findings:#?}");
    assert_eq!(code, 0, "clean at --fail-on low");
    assert!(
        array(report, "diagnostics").is_empty(),
        "{:#?}",
        report["diagnostics"]
    );
    let not_examined = &report["not_examined"];
    assert!(array(not_examined, "files").is_empty());
    assert!(array(not_examined, "partly_understood").is_empty());
    for s in array(not_examined, "suppressed") {
        assert_eq!(s["suppression"]["kind"], "inline", "{s:#}");
        assert!(
            s["suppression"]["reason"]
                .as_str()
                .is_some_and(|r| !r.trim().is_empty()),
            "a suppression without a reason: {s:#}"
        );
    }
    for f in array(report, "files") {
        assert_eq!(f["status"], "understood", "{f:#}");
    }
}

// ---- the template as annexa reads it ---------------------------------------------------------

#[test]
fn the_template_with_its_defaults_is_understood_and_clean() {
    let tmp = tempfile::tempdir().expect("tmp");
    write(tmp.path(), ".gitlab-ci.yml", &template_with_defaults());
    let (code, report) = scan_json(tmp.path(), &[".gitlab-ci.yml", "--fail-on", "low"]);
    assert_clean(code, &report);
    // The job was analysed, not skipped: its digest-pinned image passes.
    let image = array(&report, "passes")
        .iter()
        .find(|o| o["check"] == "unpinned-image")
        .expect("an unpinned-image pass");
    assert!(
        image["message"]
            .as_str()
            .is_some_and(|m| m.contains("rust:1-slim-bookworm")),
        "{image:#}"
    );
    assert_eq!(image["locations"][0]["route"], "annexa.image.name");
    // As a whole repository, too: whatever is reported points at no line of the template
    // (only repository-wide checks without a file remain, which are the repository's business).
    let (_, whole) = scan_json(tmp.path(), &["."]);
    assert!(array(&whole, "diagnostics").is_empty());
    // (Repository-wide findings name the pipelines they considered, labelled "counts as ...";
    // they are about the repository, not about a line of the template.)
    let in_template: Vec<&serde_json::Value> = array(&whole, "findings")
        .iter()
        .filter(|o| located_in(o, ".gitlab-ci.yml"))
        .filter(|o| {
            !o["locations"][0]["label"]
                .as_str()
                .is_some_and(|l| l.starts_with("counts as"))
        })
        .collect();
    assert!(in_template.is_empty(), "{in_template:#?}");
}

#[test]
fn the_raw_template_is_understood_as_a_local_include() {
    let tmp = tempfile::tempdir().expect("tmp");
    write(tmp.path(), TEMPLATE, &template_text());
    write(
        tmp.path(),
        ".gitlab-ci.yml",
        &format!(
            "include:\n  - local: {TEMPLATE}\n    inputs:\n      fail-on: medium\n      rev: \"{REV}\"\n"
        ),
    );
    let (code, report) = scan_json(tmp.path(), &[".gitlab-ci.yml", "--fail-on", "low"]);
    assert_clean(code, &report);
    let file = array(&report, "files")
        .iter()
        .find(|f| f["path"] == TEMPLATE)
        .expect("the template is listed");
    assert_eq!(file["role"], "included");
    assert_eq!(file["included_by"], serde_json::json!([".gitlab-ci.yml"]));
    // The job inside was analysed where it is written, and the image the includer picks is an
    // honest unknown, not a pass.
    assert!(
        array(&report, "passes")
            .iter()
            .chain(array(&report, "unknowns"))
            .any(|o| located_in(o, TEMPLATE)
                && o["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("job `annexa`")))
    );
    let unknown = array(&report, "unknowns")
        .iter()
        .find(|o| o["check"] == "unpinned-image")
        .expect("image chosen by an input is unknown");
    assert!(located_in(unknown, TEMPLATE), "{unknown:#}");
    assert!(
        unknown["message"]
            .as_str()
            .is_some_and(|m| m.contains("inputs.image"))
    );
    // Its script is read: a download piped into a shell there is found, on its line.
    let weak = template_text().replacen(
        "        rustup toolchain install",
        "        curl -sSf https://sh.rustup.rs | sh\n        rustup toolchain install",
        1,
    );
    let line = weak
        .lines()
        .position(|l| l.contains("sh.rustup.rs"))
        .expect("inserted")
        + 1;
    write(tmp.path(), TEMPLATE, &weak);
    let (code, mutated) = scan_json(tmp.path(), &[".gitlab-ci.yml", "--fail-on", "low"]);
    assert_eq!(code, 1);
    let found = array(&mutated, "findings")
        .iter()
        .find(|o| o["check"] == "unverified-script-execution")
        .expect("the piped download is found");
    assert_eq!(found["locations"][0]["path"], TEMPLATE);
    assert_eq!(found["locations"][0]["line"], line);
    write(tmp.path(), TEMPLATE, &template_text());
    // Alone (the dogfooding scan finds it by its name), it is a clean pipeline file as well.
    let (code, alone) = scan_json(tmp.path(), &[TEMPLATE, "--fail-on", "low"]);
    assert_clean(code, &alone);
}

#[test]
fn the_template_declares_its_inputs_and_publishes_both_reports() {
    let text = template_text();
    let (header, body) = split(&text);
    let d = defaults(&header);
    let expected: BTreeMap<String, String> = [
        ("stage", "test"),
        ("paths", "."),
        ("fail-on", "high"),
        ("config", ""),
        ("baseline", ""),
        ("image", RUST_IMAGE),
        ("rev", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(d, expected);
    // How to include it, with a pinned ref, is written in the file.
    for way in [
        "- component:",
        "- project:",
        "- remote:",
        "ref: <commit-sha>",
    ] {
        assert!(text.contains(way), "no `{way}` in the usage comment");
    }

    let job = job();
    assert_eq!(job["stage"], "test");
    assert_eq!(job["image"]["name"], RUST_IMAGE);
    assert!(job.get("tags").is_none(), "tag-less: instance runners");
    let rules = yaml_serde::to_string(&job["rules"]).expect("rules");
    assert!(rules.contains("$CI_PIPELINE_SOURCE == \"merge_request_event\""));
    assert!(rules.contains("$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"));

    let artifacts = &job["artifacts"];
    assert_eq!(
        artifacts["when"], "always",
        "reports kept when the gate fails"
    );
    assert!(
        artifacts["expire_in"]
            .as_str()
            .is_some_and(|e| !e.is_empty())
    );
    assert_eq!(
        artifacts["reports"]["codequality"],
        "gl-code-quality-report.json"
    );
    let paths: BTreeSet<&str> = artifacts["paths"]
        .as_sequence()
        .expect("paths")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        paths,
        BTreeSet::from(["gl-code-quality-report.json", "annexa-report.json"])
    );

    // Inputs reach the script only through `variables:`, never pasted into shell text.
    let raw: Value = yaml_serde::from_str(body).expect("raw jobs");
    let raw_script = yaml_serde::to_string(&raw["annexa"]["script"]).expect("script");
    assert!(!raw_script.contains("$[["), "{raw_script}");
    let vars = raw["annexa"]["variables"].as_mapping().expect("variables");
    for input in ["paths", "fail-on", "config", "baseline", "rev"] {
        let wanted = format!("$[[ inputs.{input} ]]");
        assert!(
            vars.values().any(|v| v.as_str() == Some(wanted.as_str())),
            "input `{input}` is not passed through variables"
        );
    }
    // The toolchain the job builds with is the workspace's.
    let cargo_toml = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    assert!(cargo_toml.contains("rust-version = \"1.95\""));
    assert!(raw_script.contains("rustup toolchain install 1.95.0"));
    assert!(raw_script.contains("RUSTUP_TOOLCHAIN=1.95.0 cargo install --locked --git https://github.com/annexa-dev/annexa --rev \"$ANNEXA_REV\" annexa-cli"));
}

// ---- the job run for real ---------------------------------------------------------------------

/// A deliberately weak pipeline: critical, major and minor findings, all on lines of its file.
const WEAK: &str = r#"# A deliberately weak pipeline.
image: node:latest
variables:
  DEPLOY_TOKEN: "glpat-s3cr3tValueXYZ1234567890abcd"
build:
  script:
    - curl -sSL https://example.com/install.sh | bash
    - npm install -g some-tool
deploy:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  script:
    - ./deploy.sh --token "$PROD_TOKEN"
"#;

/// Found by the template's default `config` (annexa.toml in the first path). Repository-wide
/// checks are left out here because annexa's code quality output places their findings at the
/// repository folder (`.`), which is not a file GitLab can show.
const WEAK_CONFIG: &str = r#"[checks]
ignore = ["missing-sast", "missing-sca", "missing-secret-scanning", "missing-sbom",
          "missing-provenance", "missing-security-policy", "missing-dependency-updates",
          "workflows-without-codeowners"]
"#;

/// Stand-ins for `rustup` and `cargo` (no network in tests): they record their arguments, and
/// `cargo install` "installs" the annexa binary under test into `$CARGO_HOME/bin`.
const FAKE_RUSTUP: &str = "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$FAKE_LOG/rustup\"\n";
const FAKE_CARGO: &str = "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$FAKE_LOG/cargo\"\nprintf '%s\\n' \"$RUSTUP_TOOLCHAIN\" > \"$FAKE_LOG/cargo-toolchain\"\nmkdir -p \"$CARGO_HOME/bin\"\nln -s \"$ANNEXA_UNDER_TEST\" \"$CARGO_HOME/bin/annexa\"\n";

struct Workspace {
    tmp: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let tmp = tempfile::tempdir().expect("tmp");
        let ws = tmp.path().join("project");
        write(&ws, ".gitlab-ci.yml", WEAK);
        write(&ws, "annexa.toml", WEAK_CONFIG);
        for (name, text) in [("rustup", FAKE_RUSTUP), ("cargo", FAKE_CARGO)] {
            let p = tmp.path().join("fakes").join(name);
            write(tmp.path(), &format!("fakes/{name}"), text);
            let mut perm = std::fs::metadata(&p).expect("fake").permissions();
            std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
            std::fs::set_permissions(&p, perm).expect("chmod");
        }
        std::fs::create_dir(tmp.path().join("log")).expect("log dir");
        Workspace { tmp }
    }

    fn project(&self) -> PathBuf {
        self.tmp.path().join("project")
    }

    fn log(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.tmp.path().join("log").join(name)).ok()
    }

    /// Run the job's `script:` as GitLab's shell executor does: every line in one shell, in
    /// order, stopping at the first failure; the job's `variables:` in the environment.
    /// `annexa_on_path` puts the built binary first on PATH; `overrides` replace variables.
    fn run(&self, shell: &str, annexa_on_path: bool, overrides: &[(&str, &str)]) -> Output {
        let job = job();
        let lines: Vec<String> = job["script"]
            .as_sequence()
            .expect("script")
            .iter()
            .map(|l| l.as_str().expect("script line").to_owned())
            .collect();
        let preamble = if shell == "bash" {
            "set -eo pipefail"
        } else {
            "set -e"
        };
        let script = format!("{preamble}\n{}\n", lines.join("\n"));
        let bin = assert_cmd::cargo::cargo_bin("annexa");
        let mut path = vec![self.tmp.path().join("fakes")];
        if annexa_on_path {
            path.insert(0, bin.parent().expect("bin dir").to_owned());
        }
        path.extend([PathBuf::from("/usr/bin"), PathBuf::from("/bin")]);
        let mut cmd = Command::new(shell);
        cmd.env_clear()
            .current_dir(self.project())
            .arg("-c")
            .arg(&script)
            .env("PATH", std::env::join_paths(path).expect("PATH"))
            .env("HOME", self.tmp.path())
            .env("CARGO_HOME", self.tmp.path().join("cargo-home"))
            .env("CI", "true")
            .env("GITLAB_CI", "true")
            .env("CI_PROJECT_DIR", self.project())
            .env("FAKE_LOG", self.tmp.path().join("log"))
            .env("ANNEXA_UNDER_TEST", &bin);
        for (k, v) in job["variables"].as_mapping().expect("variables") {
            cmd.env(
                k.as_str().expect("variable name"),
                v.as_str().expect("variable value"),
            );
        }
        for (k, v) in overrides {
            cmd.env(k, v);
        }
        cmd.output().expect("run the job script")
    }

    fn report(&self, name: &str) -> serde_json::Value {
        let text = std::fs::read_to_string(self.project().join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
    }
}

fn show(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The fields GitLab documents as required for each code quality issue, checked one by one.
fn code_quality_errors(report: &serde_json::Value, workspace: &Path) -> Vec<String> {
    let Some(issues) = report.as_array() else {
        return vec!["the report is not a JSON array".into()];
    };
    let mut errors = Vec::new();
    if issues.is_empty() {
        errors.push("no issues".into());
    }
    let mut fingerprints = BTreeSet::new();
    for (i, issue) in issues.iter().enumerate() {
        let mut err = |m: String| errors.push(format!("issue {i}: {m}"));
        for key in ["description", "check_name", "fingerprint"] {
            if issue[key].as_str().is_none_or(str::is_empty) {
                err(format!("`{key}` is not a non-empty string"));
            }
        }
        if let Some(f) = issue["fingerprint"].as_str()
            && !fingerprints.insert(f.to_owned())
        {
            err(format!("fingerprint {f} is not unique"));
        }
        if !matches!(
            issue["severity"].as_str(),
            Some("info" | "minor" | "major" | "critical" | "blocker")
        ) {
            err(format!("severity {} is not GitLab's", issue["severity"]));
        }
        match issue["location"]["path"].as_str() {
            None => err("`location.path` is not a string".into()),
            Some(p)
                if p.starts_with("./") || p.starts_with('/') || p.split('/').any(|c| c == "..") =>
            {
                err(format!(
                    "`location.path` {p} is not relative to the project"
                ))
            }
            Some(p) if !workspace.join(p).is_file() => {
                err(format!("`location.path` {p} is not a file of the project"))
            }
            Some(_) => {}
        }
        if issue["location"]["lines"]["begin"]
            .as_u64()
            .is_none_or(|b| b == 0)
        {
            err("`location.lines.begin` is not an integer >= 1".into());
        }
    }
    errors
}

#[test]
fn the_job_script_writes_both_reports_then_fails_the_gate() {
    for shell in ["bash", "sh"] {
        let ws = Workspace::new();
        let out = ws.run(shell, true, &[]);
        // The default gate (fail-on high) fails the job on the weak pipeline...
        assert_eq!(out.status.code(), Some(1), "{shell}: {}", show(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stdout.starts_with("annexa "), "{shell}: --version first");
        assert!(
            stdout.contains("hardcoded-credential"),
            "findings in the log"
        );
        assert!(stderr.contains("at or above --fail-on high"), "{stderr}");
        // ... with annexa already on PATH, nothing was built.
        assert_eq!(ws.log("rustup"), None);
        assert_eq!(ws.log("cargo"), None);

        // ... after both reports were written.
        let cq = ws.report("gl-code-quality-report.json");
        let errors = code_quality_errors(&cq, &ws.project());
        assert!(errors.is_empty(), "{shell}: {errors:#?}\n{cq:#}");
        let issues = cq.as_array().expect("issues");
        let checks: BTreeSet<&str> = issues
            .iter()
            .filter_map(|i| i["check_name"].as_str())
            .collect();
        for check in [
            "hardcoded-credential",
            "unverified-script-execution",
            "unpinned-image",
            "secret-on-untrusted-trigger",
        ] {
            assert!(checks.contains(check), "{check} missing: {checks:?}");
        }
        let secret = issues
            .iter()
            .find(|i| i["check_name"] == "hardcoded-credential")
            .expect("secret issue");
        assert_eq!(secret["location"]["path"], ".gitlab-ci.yml");
        assert_eq!(secret["location"]["lines"]["begin"], 4);
        assert_eq!(secret["severity"], "critical");
        assert!(
            !cq.to_string().contains("s3cr3t"),
            "the secret leaked into the report"
        );

        let json = ws.report("annexa-report.json");
        assert_eq!(json["schema_version"], 1, "{}", json["schema"]);
        let findings: BTreeSet<&str> = array(&json, "findings")
            .iter()
            .filter_map(|f| f["fingerprint"].as_str())
            .collect();
        assert_eq!(findings.len(), issues.len());
        for i in issues {
            let f = i["fingerprint"].as_str().expect("fingerprint");
            assert!(
                findings.contains(f),
                "{f} is not a finding of the JSON report"
            );
        }
        // The workspace's annexa.toml was picked up (default `config`).
        assert!(!checks.contains("missing-sast"), "{checks:?}");
    }
}

#[test]
fn the_validator_rejects_what_gitlab_would_not_read() {
    let ws = Workspace::new();
    let good = serde_json::json!([{
        "description": "d", "check_name": "c", "fingerprint": "f", "severity": "major",
        "location": {"path": ".gitlab-ci.yml", "lines": {"begin": 2}}
    }]);
    assert!(code_quality_errors(&good, &ws.project()).is_empty());
    let broken = |pointer: &str, value: serde_json::Value| {
        let mut v = good.clone();
        *v.pointer_mut(pointer).expect("pointer") = value;
        code_quality_errors(&v, &ws.project())
    };
    assert!(!broken("/0/severity", "high".into()).is_empty());
    assert!(!broken("/0/location/path", "./.gitlab-ci.yml".into()).is_empty());
    assert!(!broken("/0/location/path", ".".into()).is_empty());
    assert!(!broken("/0/location/path", "missing.yml".into()).is_empty());
    assert!(!broken("/0/location/lines/begin", 0.into()).is_empty());
    assert!(!broken("/0/fingerprint", serde_json::Value::Null).is_empty());
    let mut twice = good.clone();
    let first = twice[0].clone();
    twice.as_array_mut().expect("array").push(first);
    assert!(!code_quality_errors(&twice, &ws.project()).is_empty());
    assert!(!code_quality_errors(&serde_json::json!([]), &ws.project()).is_empty());
}

#[test]
fn the_job_inputs_change_the_gate_and_the_baseline() {
    let ws = Workspace::new();
    // fail-on never: the same reports, no gate.
    let out = ws.run("bash", true, &[("ANNEXA_FAIL_ON", "never")]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(ws.project().join("gl-code-quality-report.json").is_file());
    assert!(ws.project().join("annexa-report.json").is_file());

    // A baseline of today's findings and an explicit config: nothing new, the gate passes,
    // and nothing reaches the code quality widget.
    std::fs::create_dir(ws.project().join("ci")).expect("ci dir");
    annexa()
        .current_dir(ws.project())
        .args(["scan", ".", "--write-baseline", "ci/annexa-baseline.json"])
        .assert()
        .code(0);
    std::fs::rename(
        ws.project().join("annexa.toml"),
        ws.project().join("ci/annexa.toml"),
    )
    .expect("move config");
    let out = ws.run(
        "bash",
        true,
        &[
            ("ANNEXA_BASELINE", "ci/annexa-baseline.json"),
            ("ANNEXA_CONFIG", "ci/annexa.toml"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(
        ws.report("gl-code-quality-report.json"),
        serde_json::json!([])
    );
    let json = ws.report("annexa-report.json");
    assert!(array(&json, "findings").is_empty());
    assert!(!array(&json["not_examined"], "baselined").is_empty());
    assert!(
        array(&json["not_examined"], "suppressed")
            .iter()
            .any(|s| s["check"] == "missing-sast"),
        "the explicit config was used"
    );
}

#[test]
fn without_annexa_on_path_the_job_builds_the_pinned_rev() {
    // No rev: a clear error, no build, no reports.
    let ws = Workspace::new();
    let out = ws.run("bash", false, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("set the rev input"));
    assert_eq!(ws.log("cargo"), None);
    assert!(!ws.project().join("gl-code-quality-report.json").exists());

    // A rev: Rust 1.95.0 is selected and annexa-cli built from that commit, locked.
    let ws = Workspace::new();
    let out = ws.run("bash", false, &[("ANNEXA_REV", REV)]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(
        ws.log("rustup").as_deref(),
        Some("toolchain\ninstall\n1.95.0\n--profile\nminimal\n")
    );
    assert_eq!(
        ws.log("cargo").as_deref(),
        Some(
            format!(
                "install\n--locked\n--git\nhttps://github.com/annexa-dev/annexa\n--rev\n{REV}\nannexa-cli\n"
            )
            .as_str()
        )
    );
    assert_eq!(ws.log("cargo-toolchain").as_deref(), Some("1.95.0\n"));
    let cq = ws.report("gl-code-quality-report.json");
    assert!(code_quality_errors(&cq, &ws.project()).is_empty());
    assert!(ws.project().join("annexa-report.json").is_file());
}

// ---- the container image --------------------------------------------------------------------

/// The Dockerfile's instructions (continuation lines joined), comments dropped.
fn instructions(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        let t = line.trim();
        if cur.is_empty() && (t.is_empty() || t.starts_with('#')) {
            continue;
        }
        if let Some(head) = t.strip_suffix('\\') {
            cur.push_str(head);
            cur.push(' ');
        } else {
            cur.push_str(t);
            out.push(std::mem::take(&mut cur));
        }
    }
    out
}

#[test]
fn the_dockerfile_scans_clean_pins_its_bases_and_runs_as_non_root() {
    let text = std::fs::read_to_string(root().join("Dockerfile")).expect("Dockerfile");
    assert!(
        text.lines()
            .take(10)
            .any(|l| l.starts_with('#') && l.contains("no Docker engine")),
        "the header says the image is not built here"
    );

    // annexa's own Dockerfile checks: every base pinned, nothing reported on the file.
    let tmp = tempfile::tempdir().expect("tmp");
    write(tmp.path(), "Dockerfile", &text);
    let (code, report) = scan_json(
        tmp.path(),
        &["--select", "unpinned-dockerfile-base", "--fail-on", "low"],
    );
    assert_eq!(code, 0);
    assert!(array(&report, "diagnostics").is_empty());
    let file = &array(&report, "files")[0];
    assert_eq!(file["kind"], "dockerfile");
    assert_eq!(file["status"], "understood");
    let passes: Vec<&str> = array(&report, "passes")
        .iter()
        .filter(|o| o["check"] == "unpinned-dockerfile-base")
        .filter_map(|o| o["message"].as_str())
        .collect();
    assert_eq!(passes.len(), 2, "{passes:#?}");
    assert!(passes[0].contains(RUST_IMAGE) && passes[1].contains(RUNTIME_IMAGE));
    let (_, all) = scan_json(tmp.path(), &["."]);
    for key in ["findings", "unknowns"] {
        let here: Vec<&serde_json::Value> = array(&all, key)
            .iter()
            .filter(|o| located_in(o, "Dockerfile"))
            .collect();
        assert!(here.is_empty(), "{key}: {here:#?}");
    }
    // The check is not vacuous: an unpinned base fails it.
    write(
        tmp.path(),
        "Dockerfile",
        &text.replace(&format!("FROM {RUST_IMAGE}"), "FROM rust:1-slim-bookworm"),
    );
    let (code, _) = scan_json(
        tmp.path(),
        &["--select", "unpinned-dockerfile-base", "--fail-on", "low"],
    );
    assert_eq!(code, 1);

    // Two stages: the pinned Rust image builds with 1.95.0 (the workspace's rust-version),
    // the pinned distroless image runs the binary alone, as a non-root user.
    let ins = instructions(&text);
    let froms: Vec<&String> = ins.iter().filter(|i| i.starts_with("FROM ")).collect();
    assert_eq!(
        froms,
        [
            &format!("FROM {RUST_IMAGE} AS build"),
            &format!("FROM {RUNTIME_IMAGE}")
        ]
    );
    let runtime_at = ins
        .iter()
        .rposition(|i| i.starts_with("FROM "))
        .expect("runtime");
    let (build, runtime) = ins.split_at(runtime_at);
    assert!(build.iter().any(|i| i.contains("RUSTUP_TOOLCHAIN=1.95.0")));
    assert!(
        build
            .iter()
            .any(|i| i.contains("cargo build --release --locked -p annexa-cli"))
    );
    let users: Vec<&String> = runtime.iter().filter(|i| i.starts_with("USER ")).collect();
    assert_eq!(users, [&"USER 65532:65532".to_owned()]);
    let copies: Vec<&String> = runtime.iter().filter(|i| i.starts_with("COPY ")).collect();
    assert_eq!(
        copies,
        [&"COPY --from=build /out/annexa /usr/local/bin/annexa".to_owned()]
    );
    assert!(!runtime.iter().any(|i| i.starts_with("RUN ")));
    for want in [
        "WORKDIR /src",
        "ENTRYPOINT [\"/usr/local/bin/annexa\"]",
        "CMD [\"scan\", \".\"]",
    ] {
        assert!(runtime.iter().any(|i| i == want), "no `{want}`");
    }
    let labels = runtime
        .iter()
        .find(|i| i.starts_with("LABEL "))
        .expect("labels");
    for want in [
        "org.opencontainers.image.source=\"https://github.com/annexa-dev/annexa\"",
        "org.opencontainers.image.licenses=\"Apache-2.0\"",
        "org.opencontainers.image.description=",
    ] {
        assert!(labels.contains(want), "no {want}");
    }

    // The build context holds what the build stage copies, and little else.
    let ignore = std::fs::read_to_string(root().join(".dockerignore")).expect(".dockerignore");
    let rules: Vec<&str> = ignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(rules.first(), Some(&"*"), "deny by default");
    for i in build.iter().filter(|i| i.starts_with("COPY ")) {
        let words: Vec<&str> = i.split_whitespace().collect();
        for src in &words[1..words.len() - 1] {
            let src = src.trim_end_matches('/');
            assert!(
                rules.contains(&format!("!{src}").as_str())
                    || rules.contains(&format!("!{src}/").as_str()),
                "{src} is copied but not in the build context"
            );
        }
    }
}
