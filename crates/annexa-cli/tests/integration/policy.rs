//! Selecting and silencing: always visible, gating only what is open, never changing control
//! status; baselines keyed on subjects survive line shifts and reformatting.

use crate::annexa;

const WORKFLOW: &str = "on: pull_request\njobs:\n  build:\n    runs-on: ubuntu-latest\n    container: node:20\n    steps:\n      - uses: actions/checkout@v4\n      - name: Greet\n        run: echo \"${{ github.event.pull_request.title }}\"\n";

fn repo(workflow: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tmp");
    let wf = tmp.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).expect("mkdir");
    std::fs::write(wf.join("ci.yml"), workflow).expect("write");
    tmp
}

fn json(dir: &std::path::Path, args: &[&str]) -> (i32, serde_json::Value) {
    let out = annexa()
        .arg("scan")
        .arg(dir)
        .args(["--format", "json"])
        .args(args)
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_slice(&out.stdout).expect("json"),
    )
}

fn checks_of(list: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|f| f["check"].as_str().unwrap_or("").to_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn inline_suppression_is_visible_and_does_not_change_status() {
    let plain = repo(WORKFLOW);
    let (_, before) = json(plain.path(), &[]);
    let suppressed = repo(&WORKFLOW.replace("      - uses: actions/checkout@v4\n", "      # annexa: ignore[unpinned-external-code] vendored fork, reviewed quarterly\n      - uses: actions/checkout@v4\n"));
    let (code, after) = json(suppressed.path(), &["--fail-on", "medium"]);
    assert!(!checks_of(&after["findings"]).contains(&"unpinned-external-code".to_owned()));
    let s = &after["not_examined"]["suppressed"][0];
    assert_eq!(s["check"], "unpinned-external-code");
    assert_eq!(s["suppression"]["kind"], "inline");
    assert_eq!(
        s["suppression"]["reason"],
        "vendored fork, reviewed quarterly"
    );
    assert_eq!(code, 1, "other findings still gate");
    assert_eq!(
        before["controls"], after["controls"],
        "suppression never changes control status"
    );
}

#[test]
fn select_and_ignore_narrow_reporting_only() {
    let r = repo(WORKFLOW);
    let (_, all) = json(r.path(), &[]);
    let (_, sel) = json(r.path(), &["--select", "template-injection"]);
    assert_eq!(checks_of(&sel["findings"]), vec!["template-injection"]);
    assert_eq!(sel["controls"], all["controls"]);
    let (_, ign) = json(r.path(), &["--ignore", "template-injection,unpinned-image"]);
    assert!(
        !checks_of(&ign["findings"])
            .iter()
            .any(|c| c == "template-injection" || c == "unpinned-image")
    );
    assert_eq!(
        checks_of(&ign["not_examined"]["suppressed"]),
        vec!["template-injection", "unpinned-image"]
    );
    annexa()
        .arg("scan")
        .arg(r.path())
        .args(["--ignore", "no-such-check"])
        .assert()
        .code(2);
}

#[test]
fn severity_overrides_from_config_gate() {
    let r = repo(WORKFLOW);
    annexa()
        .arg("scan")
        .arg(r.path())
        .args(["--fail-on", "critical", "--ignore", "template-injection"])
        .assert()
        .code(0);
    std::fs::write(
        r.path().join("annexa.toml"),
        "[checks.severity]\nunpinned-image = \"critical\"\n",
    )
    .expect("write");
    annexa()
        .arg("scan")
        .arg(r.path())
        .args(["--fail-on", "critical", "--ignore", "template-injection"])
        .assert()
        .code(1);
}

#[test]
fn baseline_survives_line_shifts_and_gates_only_new_findings() {
    let r = repo(WORKFLOW);
    let baseline = r.path().join("baseline.json");
    annexa()
        .arg("scan")
        .arg(r.path())
        .arg("--write-baseline")
        .arg(&baseline)
        .assert()
        .code(0);
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).expect("baseline")).expect("json");
    assert_eq!(written["version"], 1);
    // Shift every line and reformat: the same findings stay baselined.
    let shifted = format!(
        "# a comment\n\n# another\n{}",
        WORKFLOW.replace("runs-on: ubuntu-latest", "runs-on:   ubuntu-latest   ")
    );
    std::fs::write(r.path().join(".github/workflows/ci.yml"), &shifted).expect("write");
    let (code, v) = json(
        r.path(),
        &[
            "--baseline",
            baseline.to_str().expect("utf-8"),
            "--fail-on",
            "low",
        ],
    );
    assert_eq!(code, 0, "{:#}", v["findings"]);
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        v["summary"]["baselined"],
        written["findings"].as_array().map_or(0, Vec::len)
    );
    // A new finding is open and gates; the named steps after it keep their subject keys.
    let grown = shifted.replace(
        "      - uses: actions/checkout@v4\n",
        "      - uses: actions/checkout@v4\n      - uses: actions/setup-go@main\n",
    );
    std::fs::write(r.path().join(".github/workflows/ci.yml"), grown).expect("write");
    let (code, v) = json(
        r.path(),
        &[
            "--baseline",
            baseline.to_str().expect("utf-8"),
            "--fail-on",
            "low",
        ],
    );
    assert_eq!(code, 1);
    let open = v["findings"].as_array().expect("findings");
    assert_eq!(open.len(), 1, "{open:#?}");
    assert!(
        open[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("setup-go"))
    );
    // A file that is not a baseline is a usage error.
    std::fs::write(&baseline, "{}").expect("write");
    annexa()
        .arg("scan")
        .arg(r.path())
        .arg("--baseline")
        .arg(&baseline)
        .assert()
        .code(2);
}

#[test]
fn trusted_owners_are_accepted_by_policy_and_stay_visible() {
    let r = repo(WORKFLOW);
    let (_, before) = json(r.path(), &[]);
    std::fs::write(
        r.path().join("annexa.toml"),
        "[checks]\ntrusted-owners = [\"actions\"]\n",
    )
    .expect("write");
    let (_, after) = json(r.path(), &[]);
    assert!(!checks_of(&after["findings"]).contains(&"unpinned-external-code".to_owned()));
    let s = &after["not_examined"]["suppressed"][0];
    assert_eq!(s["check"], "unpinned-external-code");
    assert_eq!(s["suppression"]["kind"], "policy");
    assert!(
        s["suppression"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("`actions`"))
    );
    assert_eq!(
        before["controls"], after["controls"],
        "policy acceptance never changes control status"
    );
}
