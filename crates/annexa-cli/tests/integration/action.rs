//! The GitHub Action (`action.yml`) run for real, its sample workflow, and the pre-commit hook.
//!
//! The Action's `run:` steps are executed with bash in order, the way a runner does for a
//! composite action: a fake `$GITHUB_STEP_SUMMARY`, `$GITHUB_OUTPUT` per step, `$RUNNER_TEMP`,
//! `$GITHUB_ACTION_PATH` (the repository root) and a temporary workspace holding a weak
//! workflow. Expressions in `env:`, `with:` and `if:` are evaluated by a deliberately small
//! evaluator that fails the test on anything it does not know. No network is used: the
//! install step finds the built `annexa` on PATH and does nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use predicates::Predicate;
use yaml_serde::Value;

use crate::{annexa, root};

/// The SARIF upload action, pinned by commit.
const UPLOAD_SARIF: &str = "github/codeql-action/upload-sarif";

/// A workflow with a high finding (template injection) and a medium one (a tag-pinned action).
const WEAK_WORKFLOW: &str = "\
name: triage
on: issues
permissions:
  contents: read
jobs:
  triage:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
        with:
          persist-credentials: false
      - run: |
          echo \"New issue: ${{ github.event.issue.title }}\"
";

/// A workflow that scans clean at `--fail-on low` when named on the command line.
const CLEAN_WORKFLOW: &str = "\
name: ok
on:
  push:
    branches: [main]
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          persist-credentials: false
      - run: make test
";

const CLEAN_DOCKERFILE: &str = "\
FROM rust:1-slim-bookworm@sha256:99e09cb2284e2ddbb73a995deee3e91783fd04d177602ccf6eab326d778ee777
USER 65532
";

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The folder of the built `annexa` binary.
fn annexa_dir() -> PathBuf {
    assert_cmd::cargo::cargo_bin("annexa")
        .parent()
        .expect("binary folder")
        .to_owned()
}

/// PATH with `first` in front and no other folder holding an `annexa`.
fn path_with(first: Option<&Path>) -> String {
    let mut dirs: Vec<PathBuf> = first.map(Path::to_owned).into_iter().collect();
    let current = std::env::var_os("PATH").unwrap_or_default();
    dirs.extend(std::env::split_paths(&current).filter(|d| !d.join("annexa").exists()));
    std::env::join_paths(dirs)
        .expect("PATH")
        .into_string()
        .expect("utf-8 PATH")
}

fn is_full_sha_pin(uses: &str) -> bool {
    uses.rsplit_once('@').is_some_and(|(_, r)| {
        r.len() == 40
            && r.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// What one step of the Action did.
#[derive(Debug, Default)]
struct StepRun {
    name: String,
    uses: Option<String>,
    /// `false`: its `if:` was false (or an earlier step failed).
    ran: bool,
    code: Option<i32>,
    stdout: String,
    stderr: String,
    outputs: BTreeMap<String, String>,
    /// `with:` of a `uses:` step, evaluated.
    with: BTreeMap<String, String>,
}

struct ActionRun {
    _tmp: tempfile::TempDir,
    runner_temp: PathBuf,
    summary: PathBuf,
    steps: Vec<StepRun>,
    /// The Action's `outputs:`, evaluated after the run.
    outputs: BTreeMap<String, String>,
}

impl ActionRun {
    fn step(&self, name: &str) -> &StepRun {
        self.steps
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no step {name:?} in {:#?}", self.steps))
    }
}

struct Context<'a> {
    inputs: &'a BTreeMap<String, String>,
    runner_temp: &'a Path,
    workspace: &'a Path,
    steps: &'a BTreeMap<String, BTreeMap<String, String>>,
}

impl Context<'_> {
    /// One expression between `${{` and `}}`: the forms action.yml uses, nothing else.
    fn value(&self, expr: &str) -> String {
        let expr = expr.trim();
        if let Some(lit) = expr.strip_prefix('\'').and_then(|e| e.strip_suffix('\'')) {
            return lit.replace("''", "'");
        }
        if let Some(name) = expr.strip_prefix("inputs.") {
            return self
                .inputs
                .get(name)
                .unwrap_or_else(|| panic!("undeclared input {name:?}"))
                .clone();
        }
        match expr {
            "runner.temp" => return self.runner_temp.display().to_string(),
            "github.action_path" => return root().display().to_string(),
            "github.workspace" => return self.workspace.display().to_string(),
            _ => {}
        }
        if let Some(rest) = expr.strip_prefix("steps.")
            && let Some((id, name)) = rest.split_once(".outputs.")
        {
            return self
                .steps
                .get(id)
                .and_then(|o| o.get(name))
                .cloned()
                .unwrap_or_default();
        }
        panic!("expression the test cannot evaluate: {expr:?}")
    }

    /// A string with `${{ ... }}` substituted.
    fn subst(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..]
                .find("}}")
                .unwrap_or_else(|| panic!("unterminated expression in {text:?}"))
                + start;
            out.push_str(&self.value(&rest[start + 3..end]));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    /// `if:` — terms joined by `&&`: `always()`, `success()`, `X == 'lit'`, `X != 'lit'`.
    /// Returns (value, whether a status function overrides the implicit `success()`).
    fn condition(&self, cond: &str) -> (bool, bool) {
        let cond = cond.trim();
        let cond = cond
            .strip_prefix("${{")
            .and_then(|c| c.strip_suffix("}}"))
            .unwrap_or(cond);
        assert!(
            !cond.contains("||"),
            "condition the test cannot evaluate: {cond}"
        );
        let mut value = true;
        let mut always = false;
        for term in cond.split("&&").map(str::trim) {
            value &= match term {
                "always()" => {
                    always = true;
                    true
                }
                "success()" => true,
                _ => {
                    let (l, r, eq) = if let Some((l, r)) = term.split_once("==") {
                        (l, r, true)
                    } else if let Some((l, r)) = term.split_once("!=") {
                        (l, r, false)
                    } else {
                        panic!("condition the test cannot evaluate: {term:?}")
                    };
                    (self.value(l) == self.value(r)) == eq
                }
            };
        }
        (value, always)
    }
}

/// `name=value` lines and `name<<DELIM` blocks of a `$GITHUB_OUTPUT` file.
fn read_outputs(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delim)) = line.split_once("<<") {
            let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delim).collect();
            out.insert(name.to_owned(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            out.insert(name.to_owned(), value.to_owned());
        }
    }
    out
}

/// Run action.yml's steps over a temporary workspace holding `files`.
fn run_action(given: &[(&str, &str)], files: &[(&str, &str)], annexa_on_path: bool) -> ActionRun {
    let action = yaml(&root().join("action.yml"));
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));

    let mut inputs = BTreeMap::new();
    for (name, spec) in action["inputs"].as_mapping().expect("inputs") {
        let name = name.as_str().expect("input name").to_owned();
        let default = match spec.get("default") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => panic!("input {name}: default must be a string, got {other:?}"),
        };
        inputs.insert(name, default);
    }
    for (name, value) in given {
        assert!(inputs.contains_key(*name), "action.yml has no input {name}");
        inputs.insert((*name).to_owned(), (*value).to_owned());
    }

    let tmp = tempfile::tempdir().expect("tmp");
    let workspace = tmp.path().join("workspace");
    let runner_temp = tmp.path().join("runner-temp");
    std::fs::create_dir_all(&runner_temp).expect("mkdir");
    for (path, text) in files {
        let p = workspace.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
    }
    std::fs::create_dir_all(&workspace).expect("mkdir");
    let summary = tmp.path().join("step-summary.md");
    std::fs::write(&summary, "earlier step's summary\n").expect("write");
    let path = path_with(annexa_on_path.then(annexa_dir).as_deref());

    let mut step_outputs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut runs = Vec::new();
    let mut failed = false;
    let steps = action["runs"]["steps"].as_sequence().expect("steps");
    for (i, step) in steps.iter().enumerate() {
        let ctx = Context {
            inputs: &inputs,
            runner_temp: &runner_temp,
            workspace: &workspace,
            steps: &step_outputs,
        };
        let mut run = StepRun {
            name: str_of(step, "name")
                .expect("every step is named")
                .to_owned(),
            uses: str_of(step, "uses").map(str::to_owned),
            ..StepRun::default()
        };
        let (cond, always) = str_of(step, "if").map_or((true, false), |c| ctx.condition(c));
        let will_run = cond && (always || !failed);
        if let Some(with) = step.get("with").and_then(Value::as_mapping) {
            for (k, v) in with {
                let v = match v {
                    Value::String(s) => ctx.subst(s),
                    other => panic!("with: {other:?}"),
                };
                run.with.insert(k.as_str().expect("key").to_owned(), v);
            }
        }
        if run.uses.is_some() || !will_run {
            // `uses:` steps are not run here (no network); their inputs are checked instead.
            run.ran = will_run && run.uses.is_none();
            runs.push(run);
            continue;
        }
        let script = str_of(step, "run").expect("a step without uses has run");
        assert!(
            !script.contains("${{"),
            "step {:?}: an expression inside run: is template injection; pass it through env:",
            run.name
        );
        assert_eq!(str_of(step, "shell"), Some("bash"), "step {:?}", run.name);
        let script_file = tmp.path().join(format!("step-{i}.sh"));
        std::fs::write(&script_file, script).expect("write");
        let output_file = tmp.path().join(format!("output-{i}"));
        std::fs::write(&output_file, "").expect("write");
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script_file)
            .current_dir(&workspace)
            .env_clear()
            .env("PATH", &path)
            .env("HOME", tmp.path())
            .env("RUNNER_TEMP", &runner_temp)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_ACTION_PATH", root())
            .env("GITHUB_WORKSPACE", &workspace)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_OUTPUT", &output_file);
        if let Some(env) = step.get("env").and_then(Value::as_mapping) {
            for (k, v) in env {
                let v = v
                    .as_str()
                    .unwrap_or_else(|| panic!("env {k:?}: not a string"));
                cmd.env(k.as_str().expect("env name"), ctx.subst(v));
            }
        }
        let out = cmd.output().expect("bash");
        run.ran = true;
        run.code = out.status.code();
        run.stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        run.stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        run.outputs = read_outputs(&output_file);
        failed |= run.code != Some(0);
        if let Some(id) = str_of(step, "id") {
            step_outputs.insert(id.to_owned(), run.outputs.clone());
        }
        runs.push(run);
    }

    let ctx = Context {
        inputs: &inputs,
        runner_temp: &runner_temp,
        workspace: &workspace,
        steps: &step_outputs,
    };
    let outputs = action["outputs"]
        .as_mapping()
        .expect("outputs")
        .iter()
        .map(|(k, v)| {
            let value = str_of(v, "value").expect("output value");
            (k.as_str().expect("name").to_owned(), ctx.subst(value))
        })
        .collect();
    ActionRun {
        _tmp: tmp,
        runner_temp,
        summary,
        steps: runs,
        outputs,
    }
}

fn sarif_validator() -> jsonschema::Validator {
    let path = root().join("../shared/reference/schemas/sarif/sarif-schema-2.1.0.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("SARIF schema")).expect("json");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

#[test]
fn the_action_run_for_real_gates_after_uploading_sarif_and_writes_the_summary() {
    let run = run_action(
        &[],
        &[(".github/workflows/triage.yml", WEAK_WORKFLOW)],
        true,
    );
    let names: Vec<&str> = run.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Install annexa",
            "Scan",
            "Upload SARIF to code scanning",
            "Gate"
        ],
        "the gate comes after the upload"
    );

    // Install: annexa is on PATH, so nothing is downloaded or built.
    let install = run.step("Install annexa");
    assert_eq!(install.code, Some(0), "{install:#?}");
    assert!(
        install.stdout.contains("annexa already on PATH"),
        "{install:#?}"
    );
    assert_eq!(
        install.outputs.get("bin").map(PathBuf::from),
        Some(annexa_dir().join("annexa"))
    );
    assert!(!run.runner_temp.join("annexa-install").exists());

    // Scan: SARIF in $RUNNER_TEMP, the gated exit code kept for later.
    let scan = run.step("Scan");
    assert_eq!(scan.code, Some(0), "{scan:#?}");
    let sarif_path = run.runner_temp.join("annexa.sarif");
    assert_eq!(scan.outputs["sarif-file"], sarif_path.display().to_string());
    assert_eq!(
        scan.outputs["exit-code"], "1",
        "a high finding at fail-on high"
    );
    assert_eq!(run.outputs["sarif-file"], sarif_path.display().to_string());
    assert_eq!(run.outputs["exit-code"], "1");
    assert_eq!(run.outputs["report-file"], "");

    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif_path).expect("SARIF written"))
            .expect("SARIF is JSON");
    let errors: Vec<String> = sarif_validator()
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert!(!results.is_empty());
    let injection = results
        .iter()
        .find(|r| r["ruleId"] == "template-injection")
        .expect("the weak workflow's template injection is a SARIF result");
    assert_eq!(
        injection["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        ".github/workflows/triage.yml"
    );

    // Summary: appended to what was there, the Markdown report with the findings.
    let summary = std::fs::read_to_string(&run.summary).expect("summary");
    assert!(summary.starts_with("earlier step's summary\n"), "{summary}");
    assert!(summary.contains("## annexa: "), "{summary}");
    assert!(summary.contains("| high | `template-injection` | .github/workflows/triage.yml:"));
    assert!(summary.contains("`unpinned-external-code`"), "{summary}");

    // Upload: pinned by commit, runs even after a failure, and gets the SARIF file.
    let upload = run.step("Upload SARIF to code scanning");
    let uses = upload.uses.as_deref().expect("uses");
    assert!(uses.starts_with(&format!("{UPLOAD_SARIF}@")), "{uses}");
    assert!(
        is_full_sha_pin(uses),
        "{uses} is not pinned by a 40-hex commit"
    );
    assert_eq!(upload.with["sarif_file"], sarif_path.display().to_string());
    let action = yaml(&root().join("action.yml"));
    let upload_if = action["runs"]["steps"][2]["if"]
        .as_str()
        .expect("upload if");
    assert!(
        upload_if.starts_with("always() && inputs.sarif == 'true'"),
        "{upload_if}"
    );

    // Gate: the scan's code, applied last.
    let gate = run.step("Gate");
    assert!(gate.ran);
    assert_eq!(gate.code, Some(1), "{gate:#?}");
    assert!(gate.stdout.contains("::error::"), "{gate:#?}");
}

#[test]
fn the_action_passes_at_fail_on_never_and_honours_sarif_format_and_summary_inputs() {
    let run = run_action(
        &[
            ("fail-on", "never"),
            ("sarif", "false"),
            ("summary", "false"),
            ("format", "json"),
        ],
        &[(".github/workflows/triage.yml", WEAK_WORKFLOW)],
        true,
    );
    assert_eq!(run.step("Scan").code, Some(0), "{:#?}", run.step("Scan"));
    assert_eq!(run.outputs["exit-code"], "0");
    let gate = run.step("Gate");
    assert!(gate.ran);
    assert_eq!(gate.code, Some(0), "{gate:#?}");
    // No upload when sarif is false, but the SARIF file is still written (an output).
    assert!(!run.step("Upload SARIF to code scanning").ran);
    let sarif = std::fs::read_to_string(run.runner_temp.join("annexa.sarif")).expect("sarif");
    assert!(sarif.contains("template-injection"));
    // summary: false leaves the job summary alone.
    assert_eq!(
        std::fs::read_to_string(&run.summary).expect("summary"),
        "earlier step's summary\n"
    );
    // The extra format goes to the report-file output.
    let report = PathBuf::from(&run.outputs["report-file"]);
    assert_eq!(report, run.runner_temp.join("annexa.json"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("json");
    assert!(
        json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["check"] == "template-injection"),
        "{json:#}"
    );
}

#[test]
fn the_action_refuses_a_bad_input_and_a_release_without_its_checksum() {
    // A severity annexa does not know: the scan step fails (usage error), nothing is uploaded
    // and the gate does not run.
    let run = run_action(
        &[("fail-on", "severe")],
        &[(".github/workflows/triage.yml", WEAK_WORKFLOW)],
        true,
    );
    assert_eq!(run.step("Scan").code, Some(2), "{:#?}", run.step("Scan"));
    assert!(!run.step("Upload SARIF to code scanning").ran);
    assert!(!run.step("Gate").ran);

    // annexa not on PATH and a version without sha256: refused before any download.
    let run = run_action(
        &[("version", "0.1.0")],
        &[(".github/workflows/triage.yml", WEAK_WORKFLOW)],
        false,
    );
    let install = run.step("Install annexa");
    assert_eq!(install.code, Some(2), "{install:#?}");
    assert!(install.stdout.contains("sha256"), "{install:#?}");
    assert!(!run.step("Scan").ran);
}

#[test]
fn action_inputs_reach_the_shell_only_through_env() {
    let action = yaml(&root().join("action.yml"));
    let top = std::fs::read_to_string(root().join("action.yml")).expect("action.yml");
    for needle in ["contents: read", "security-events: write", "actions: read"] {
        assert!(top.contains(needle), "permissions comment lacks {needle}");
    }
    let mut used_inputs = Vec::new();
    for step in action["runs"]["steps"].as_sequence().expect("steps") {
        if let Some(run) = str_of(step, "run") {
            assert!(!run.contains("${{"), "expression inside run: {run}");
        }
        if let Some(env) = step.get("env").and_then(Value::as_mapping) {
            for v in env.values() {
                let v = v.as_str().expect("string");
                if let Some(i) = v.find("inputs.") {
                    used_inputs.push(v[i + 7..].trim_end_matches(" }}").to_owned());
                }
            }
        }
    }
    // Every input is used, and only through env:.
    for (name, _) in action["inputs"].as_mapping().expect("inputs") {
        let name = name.as_str().expect("name");
        assert!(
            used_inputs.iter().any(|u| u == name) || name == "sarif",
            "input {name} never reaches a step's env"
        );
    }
}

/// Copies `files` (repository paths) of this repository into a temporary folder at the same
/// paths and scans them by name from there, the way the dogfooding test and pre-commit do.
fn scan_copies(files: &[(&str, &Path)]) -> (std::process::Output, serde_json::Value) {
    let tmp = tempfile::tempdir().expect("tmp");
    for (to, from) in files {
        let p = tmp.path().join(to);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::copy(from, &p).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    }
    let names: Vec<&str> = files.iter().map(|(to, _)| *to).collect();
    let out = annexa()
        .current_dir(tmp.path())
        .arg("scan")
        .args(&names)
        .args(["--fail-on", "low"])
        .output()
        .expect("run");
    let json = annexa()
        .current_dir(tmp.path())
        .arg("scan")
        .args(&names)
        .args(["--format", "json"])
        .output()
        .expect("run");
    let json = serde_json::from_slice(&json.stdout).expect("json");
    (out, json)
}

#[test]
fn the_action_and_its_sample_workflow_scan_clean() {
    let sample = root().join("examples/github-action/.github/workflows/annexa.yml");
    let (out, json) = scan_copies(&[
        ("action.yml", &root().join("action.yml")),
        (".github/workflows/annexa.yml", &sample),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json["findings"], serde_json::json!([]), "{json:#}");
    assert_eq!(
        json["files"].as_array().map(Vec::len),
        Some(2),
        "both files examined"
    );

    // The sample is least-privilege and pins what it uses.
    let wf = yaml(&sample);
    let on = &wf["on"];
    assert!(on.get("push").is_some() && on.get("pull_request").is_some());
    let top: Vec<(&str, &str)> = wf["permissions"]
        .as_mapping()
        .expect("workflow permissions")
        .iter()
        .map(|(k, v)| (k.as_str().expect("k"), v.as_str().expect("v")))
        .collect();
    assert_eq!(top, [("contents", "read")]);
    let job = &wf["jobs"]["annexa"];
    assert_eq!(
        job["permissions"]["security-events"].as_str(),
        Some("write")
    );
    assert_eq!(job["permissions"]["contents"].as_str(), Some("read"));
    let steps = job["steps"].as_sequence().expect("steps");
    let checkout = str_of(&steps[0], "uses").expect("checkout");
    assert!(checkout.starts_with("actions/checkout@") && is_full_sha_pin(checkout));
    assert_eq!(
        steps[0]["with"]["persist-credentials"].as_bool(),
        Some(false)
    );
    assert_eq!(str_of(&steps[1], "uses"), Some("./"));
    let text = std::fs::read_to_string(&sample).expect("sample");
    assert!(text.contains("annexa-dev/annexa@<commit sha>"), "{text}");
}

fn hook() -> Value {
    let hooks = yaml(&root().join(".pre-commit-hooks.yaml"));
    let hooks = hooks.as_sequence().expect("a list of hooks");
    assert_eq!(hooks.len(), 1);
    let hook = hooks[0].clone();
    assert_eq!(str_of(&hook, "id"), Some("annexa"));
    assert_eq!(hook["pass_filenames"].as_bool(), Some(true));
    hook
}

/// pre-commit matches `files` with Python's `re.search`; the regex crate (through predicates)
/// reads the same syntax for what the hook uses (`(?x)`, groups, classes, `(?i:...)`).
fn files_regex(hook: &Value) -> impl Fn(&str) -> bool + use<> {
    let re = predicates::str::is_match(str_of(hook, "files").expect("files")).expect("regex");
    move |path: &str| re.eval(path)
}

#[test]
fn the_pre_commit_files_regex_matches_every_kind_annexa_reads() {
    let matches = files_regex(&hook());
    let read = [
        ".github/workflows/ci.yml",
        ".github/workflows/release.yaml",
        "action.yml",
        "tools/setup/action.yaml",
        ".gitlab-ci.yml",
        "ci/deploy.gitlab-ci.yml",
        ".gitlab-ci/build.yml",
        ".gitlab-ci.d/test.yaml",
        ".gitlab/ci/jobs/lint.yml",
        "gitlab-ci/deploy.yml",
        "azure-pipelines.yml",
        "azure-pipelines-release.yaml",
        "build/ci.azure-pipelines.yml",
        "Azure-Pipelines.YML",
        ".vsts-ci.yml",
        ".azure-pipelines/steps/build.yml",
        "azure-pipelines/stages.yaml",
        ".azuredevops/pr.yml",
        "infra/.pipelines/deploy.yml",
        ".circleci/config.yml",
        ".circleci/continue/jobs.yaml",
        "bitbucket-pipelines.yml",
        "Jenkinsfile",
        "ci/Jenkinsfile.release",
        "Jenkinsfile-nightly",
        "deploy.jenkinsfile",
        "Dockerfile",
        "docker/Dockerfile.dev",
        "api.Dockerfile",
        "Containerfile",
        ".github/dependabot.yml",
        ".github/dependabot.yaml",
        "renovate.json",
        ".github/renovate.json5",
        ".renovaterc",
        ".renovaterc.json",
        "CODEOWNERS",
        ".github/CODEOWNERS",
        "docs/CODEOWNERS",
        ".gitlab/CODEOWNERS",
        "SECURITY.md",
        ".github/SECURITY.md",
    ];
    let not_read = [
        "src/main.rs",
        "README.md",
        "Cargo.toml",
        "docs/ci.yml",
        ".github/workflows/nested/ci.yml",
        ".github/workflows/README.md",
        "gitlab-ci.yml",
        "ci/pipeline.yml",
        "src/CODEOWNERS",
        "dependabot.yml",
        "src/renovate.json",
        "Jenkins",
        "dockerfile",
        "notes/SECURITY.md",
        ".circleci/README.md",
    ];
    for path in read {
        assert!(
            annexa_engine::classify(path).is_some(),
            "annexa reads {path}"
        );
        assert!(matches(path), "files does not match {path}");
    }
    for path in not_read {
        assert!(
            annexa_engine::classify(path).is_none(),
            "annexa ignores {path}"
        );
        assert!(
            !matches(path),
            "files matches {path}, which annexa does not read"
        );
    }
}

#[test]
fn the_pre_commit_hook_fails_on_a_changed_weak_file_and_passes_clean_ones() {
    let hook = hook();
    assert_eq!(str_of(&hook, "language"), Some("system"));
    let entry: Vec<String> = str_of(&hook, "entry")
        .expect("entry")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    assert_eq!(entry, ["annexa", "scan", "--fail-on", "low"]);
    let matches = files_regex(&hook);

    let tmp = tempfile::tempdir().expect("tmp");
    let repo = tmp.path();
    let write = |path: &str, text: &str| {
        let p = repo.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    let git = |args: &[&str]| -> String {
        let out = Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .output()
            .expect("git");
        assert!(out.status.success(), "git {args:?}");
        String::from_utf8(out.stdout).expect("utf-8")
    };
    git(&["init", "-q"]);
    write("README.md", "app\n");
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "init"]);

    // What pre-commit does: the staged files matching `files`, passed to `entry` from the
    // repository's top level, with the hook's language `system` finding annexa on PATH.
    let path = path_with(Some(&annexa_dir()));
    let run_hook = || {
        let staged = git(&["diff", "--cached", "--name-only"]);
        let files: Vec<&str> = staged.lines().filter(|f| matches(f)).collect();
        let out = Command::new(&entry[0])
            .args(&entry[1..])
            .args(&files)
            .current_dir(repo)
            .env("PATH", &path)
            .env_remove("NO_COLOR")
            .output()
            .expect("hook");
        (files.len(), out)
    };

    // Clean changes: a pinned workflow and a pinned Dockerfile (and a source file, not passed).
    write(".github/workflows/ok.yml", CLEAN_WORKFLOW);
    write("Dockerfile", CLEAN_DOCKERFILE);
    write("src/main.rs", "fn main() {}\n");
    git(&["add", "."]);
    let (n, out) = run_hook();
    assert_eq!(n, 2, "src/main.rs is not passed");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    git(&["commit", "-q", "-m", "clean"]);

    // A weak workflow changed beside a clean file: the hook fails and names the finding.
    write(".github/workflows/triage.yml", WEAK_WORKFLOW);
    write("Dockerfile", &format!("{CLEAN_DOCKERFILE}WORKDIR /app\n"));
    git(&["add", "."]);
    let (n, out) = run_hook();
    assert_eq!(n, 2);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("template-injection"), "{stdout}");
    assert!(stdout.contains(".github/workflows/triage.yml"), "{stdout}");
}
