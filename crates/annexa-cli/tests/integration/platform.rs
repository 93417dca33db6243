//! Platform snapshots through the command line: joins to repository files, determinism,
//! hand-edit detection, hostile manifests and populations.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{annexa, root};

/// Build a snapshot from a description whose base is one of the fixtures' shared bases.
fn build(spec: &serde_json::Value, dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).expect("mkdir");
    let spec_path = dir.join("spec.json");
    std::fs::write(&spec_path, serde_json::to_vec_pretty(spec).expect("json")).expect("spec");
    let out = dir.join("snapshot");
    annexa()
        .args(["snapshot", "build"])
        .arg(&spec_path)
        .arg("--base-dir")
        .arg(root().join("crates/annexa-checks/fixtures/_platform"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    out
}

/// A signing key in `dir` and the ledger path beside it.
fn ledger(dir: &Path) -> (PathBuf, PathBuf) {
    let key = dir.join("key.hex");
    annexa()
        .args(["evidence", "keygen", "--out"])
        .arg(&key)
        .assert()
        .success();
    (key, dir.join("evidence.db"))
}

/// Record a scan of `snapshot` as of `as_of`.
fn record(store: &Path, key: &Path, snapshot: &Path, as_of: &str) {
    annexa()
        .args(["scan", "--record", "--store"])
        .arg(store)
        .arg("--signing-key-file")
        .arg(key)
        .arg("--snapshot")
        .arg(snapshot)
        .args(["--as-of", as_of])
        .assert()
        .success();
}

/// A fixture case's snapshot description.
fn fixture_spec(case: &str) -> serde_json::Value {
    let path = root()
        .join("crates/annexa-checks/fixtures")
        .join(case)
        .join("snapshot.fixture.json");
    serde_json::from_slice(&std::fs::read(&path).expect("spec")).expect("spec json")
}

pub(crate) fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        ok.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

/// A clean checkout of `acme/app` on github.com with a build job and a CodeQL job.
fn repo(dir: &Path) -> PathBuf {
    let r = dir.join("app");
    std::fs::create_dir_all(r.join(".github/workflows")).expect("mkdir");
    std::fs::write(
        r.join(".github/workflows/ci.yml"),
        "name: ci\non: [pull_request]\npermissions: {}\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n  codeql:\n    runs-on: ubuntu-latest\n    permissions:\n      security-events: write\n    steps:\n      - uses: github/codeql-action/init@1b549b9259bda1cb5ddde3b41741a82a2d15a841 # v3\n      - uses: github/codeql-action/analyze@1b549b9259bda1cb5ddde3b41741a82a2d15a841 # v3\n",
    )
    .expect("workflow");
    git(&r, &["init", "-q", "-b", "main"]);
    git(
        &r,
        &["remote", "add", "origin", "https://github.com/acme/app.git"],
    );
    git(&r, &["add", "."]);
    git(&r, &["commit", "-q", "-m", "init"]);
    r
}

fn required(contexts: &[&str]) -> serde_json::Value {
    let base: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root().join("crates/annexa-checks/fixtures/_platform/github-org.json"))
            .expect("base"),
    )
    .expect("base json");
    let mut rules = base["resources"]["/repos/acme/app/rules/branches/main"]["body"].clone();
    for r in rules.as_array_mut().expect("rules") {
        if r["type"] == "required_status_checks" {
            r["parameters"]["required_status_checks"] = contexts
                .iter()
                .map(|c| serde_json::json!({ "context": c }))
                .collect();
        }
    }
    serde_json::json!({
        "base": "github-org",
        "resources": { "/repos/acme/app/rules/branches/main": { "body": rules } }
    })
}

fn report(repo: &Path, snapshot: &Path) -> serde_json::Value {
    let out = annexa()
        .arg("scan")
        .arg(repo)
        .arg("--snapshot")
        .arg(snapshot)
        .args(["--format", "json", "--as-of", "2026-11-26T00:00:00Z"])
        .output()
        .expect("runs");
    serde_json::from_slice(&out.stdout).expect("json report")
}

fn observations<'a>(r: &'a serde_json::Value, check: &str) -> Vec<&'a serde_json::Value> {
    ["findings", "passes", "unknowns"]
        .iter()
        .flat_map(|k| r[*k].as_array().into_iter().flatten())
        .filter(|o| o["check"] == check)
        .collect()
}

#[test]
fn required_checks_are_joined_to_the_workflow_jobs_that_produce_them() {
    let tmp = tempfile::tempdir().expect("tmp");
    let r = repo(tmp.path());

    // Only `build` is required: the CodeQL job runs but cannot block a merge.
    let snap = build(&required(&["build"]), &tmp.path().join("a"));
    let rep = report(&r, &snap);
    assert_eq!(
        rep["snapshots"][0]["joined"]["acme/app"], 0,
        "{}",
        rep["snapshots"]
    );
    let obs = observations(&rep, "required-checks-miss-security-scans");
    assert_eq!(obs.len(), 1, "{obs:?}");
    assert_eq!(obs[0]["outcome"], "fail");
    let msg = obs[0]["message"].as_str().expect("message");
    assert!(
        msg.contains("`codeql`") && msg.contains(".github/workflows/ci.yml"),
        "{msg}"
    );

    // Requiring the job by its name makes the scan gate the merge.
    let snap = build(&required(&["build", "codeql"]), &tmp.path().join("b"));
    let rep = report(&r, &snap);
    let obs = observations(&rep, "required-checks-miss-security-scans");
    assert_eq!(obs[0]["outcome"], "pass", "{obs:?}");

    // The snapshot covers the repository: the files-only stand-in stays silent.
    let udb = observations(&rep, "unprotected-default-branch");
    assert!(udb.iter().all(|o| o["outcome"] == "pass"), "{udb:?}");
}

#[test]
fn snapshot_reports_are_byte_identical_across_runs() {
    let tmp = tempfile::tempdir().expect("tmp");
    let snap = build(&serde_json::json!({ "base": "github-period" }), tmp.path());
    let run = || {
        annexa()
            .args(["scan", "--snapshot"])
            .arg(&snap)
            .args(["--format", "json", "--as-of", "2026-11-26T00:00:00Z"])
            .output()
            .expect("runs")
            .stdout
    };
    let (a, b) = (run(), run());
    assert!(!a.is_empty());
    assert_eq!(a, b);
}

#[test]
fn a_hand_edited_snapshot_is_caught_and_never_system_evidence() {
    let tmp = tempfile::tempdir().expect("tmp");
    let snap = build(&serde_json::json!({ "base": "github-org" }), tmp.path());
    let out = annexa()
        .args(["snapshot", "verify"])
        .arg(&snap)
        .output()
        .expect("runs");
    assert!(out.status.success());
    // Built from a description, not collected: never system evidence, and it says so.
    assert!(String::from_utf8_lossy(&out.stdout).contains("synthetic"));
    // Someone "fixes" the organisation's 2FA setting in the stored answer.
    let org = snap.join("github/orgs/acme.json");
    let text = std::fs::read_to_string(&org).expect("org body");
    std::fs::write(&org, text.replace("true", "true ")).expect("edit");
    let out = annexa()
        .args(["snapshot", "verify"])
        .arg(&snap)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("hand-edited: /orgs/acme"));
    let out = annexa()
        .args(["scan", "--snapshot"])
        .arg(&snap)
        .args(["--format", "json", "--as-of", "2026-11-26T00:00:00Z"])
        .output()
        .expect("runs");
    let rep: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(rep["snapshots"][0]["hand_edited"][0], "/orgs/acme");
    let tfa = observations(&rep, "org-2fa-not-required");
    assert_eq!(tfa[0]["provenance"], "hand-edited", "{tfa:?}");
}

#[test]
fn a_hostile_manifest_is_refused_with_the_file_named() {
    let tmp = tempfile::tempdir().expect("tmp");
    let snap = tmp.path().join("evil");
    std::fs::create_dir_all(&snap).expect("mkdir");
    std::fs::write(
        snap.join("snapshot.json"),
        r#"{"format":"annexa-snapshot/1","platform":"github","base_url":"https://api.github.com","host":"github.com","collected_at":"2026-01-01T00:00:00Z","complete":true,"collector":{"tool":"x"},"scope":{},"resources":{"/../../../etc/passwd":{"status":200,"fetched_at":"x","sha256":""}}}"#,
    )
    .expect("manifest");
    let out = annexa()
        .args(["scan", "--snapshot"])
        .arg(&snap)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("snapshot.json") && err.contains(".."), "{err}");
}

#[test]
fn the_changes_population_lists_every_exception_with_its_link() {
    let tmp = tempfile::tempdir().expect("tmp");
    let snap = build(&fixture_spec("unapproved-changes/github-fires"), tmp.path());
    let out = annexa()
        .args(["population", "changes", "--snapshot"])
        .arg(&snap)
        .args(["--format", "csv"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).expect("utf-8");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 4, "{csv}");
    assert!(rows[0].starts_with("repository,change,author"));
    assert!(csv.contains("https://github.com/acme/app/pull/2"));
    assert!(csv.contains("pushed to the default branch without a pull request"));
    let out = annexa()
        .args(["population", "changes", "--snapshot"])
        .arg(&snap)
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("3 item(s): 0 meet the requirement (0.0%), 3 exception(s)"),
        "{text}"
    );
    assert!(
        text.contains("2 through merged pull requests, 1 pushed directly"),
        "{text}"
    );
}

#[test]
fn diff_of_two_recorded_snapshots_shows_what_weakened() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (key, store) = ledger(tmp.path());
    let before = build(
        &serde_json::json!({ "base": "github-org" }),
        &tmp.path().join("a"),
    );
    // Later: an organisation ruleset gains an admin bypass and a third owner appears.
    let base: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root().join("crates/annexa-checks/fixtures/_platform/github-org.json"))
            .expect("base"),
    )
    .expect("json");
    let mut ruleset = base["resources"]["/orgs/acme/rulesets/7"]["body"].clone();
    ruleset["bypass_actors"] = serde_json::json!([{ "actor_id": 1, "actor_type": "OrganizationAdmin", "bypass_mode": "always" }]);
    let owners = serde_json::json!([{ "login": "alice" }, { "login": "bob" }, { "login": "eve" }]);
    let after = build(
        &serde_json::json!({
            "base": "github-org",
            "resources": {
                "/orgs/acme/rulesets/7": { "body": ruleset.clone() },
                "/repos/acme/app/rulesets/7": { "body": ruleset },
                "/orgs/acme/members?role=admin": { "body": owners }
            }
        }),
        &tmp.path().join("b"),
    );
    for snap in [&before, &after] {
        record(&store, &key, snap, "2026-11-26T00:00:00Z");
    }
    annexa()
        .args(["evidence", "verify", "--store"])
        .arg(&store)
        .assert()
        .success();
    let out = annexa()
        .args(["diff", "1", "2", "--store"])
        .arg(&store)
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("[admins-bypass-protection]")
            && text.contains("organisation admins (always)"),
        "{text}"
    );
    assert!(
        text.contains("[excessive-admins] api:github.com/orgs/acme#/owners"),
        "{text}"
    );
    assert!(text.contains("alice, bob, eve"), "{text}");
    assert!(
        text.contains("snapshot:github.com/acme/snapshot.json: changed"),
        "{text}"
    );
}

#[test]
fn the_alerts_population_ages_alerts_against_the_configured_deadlines() {
    let snap = root().join("examples/platform/github-acme");
    let run = |config: Option<&Path>| {
        let mut cmd = annexa();
        cmd.args([
            "population",
            "alerts",
            "--format",
            "csv",
            "--as-of",
            "2026-11-26T00:00:00Z",
            "--snapshot",
        ])
        .arg(&snap);
        if let Some(c) = config {
            cmd.arg("--config").arg(c);
        }
        let out = cmd.output().expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    };
    // The open critical alert is 117 days old; the default deadline is 15 days.
    let csv = run(None);
    assert!(
        csv.contains("dependabot #2,critical,open,117,15,open past its deadline"),
        "{csv}"
    );
    // An organisation whose policy allows 120 days for criticals has no exception.
    let tmp = tempfile::tempdir().expect("tmp");
    let cfg = tmp.path().join("annexa.toml");
    std::fs::write(&cfg, "[platform]\nalert-sla-days = { critical = 120 }\n").expect("config");
    let csv = run(Some(&cfg));
    assert!(
        csv.contains("dependabot #2,critical,open,117,120,,"),
        "{csv}"
    );
}

#[test]
fn the_changes_population_of_recorded_runs_is_frozen_once_per_change_and_sampled() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (key, store) = ledger(tmp.path());
    // Two daily runs over the same quarter: the second sees one more change (a direct push).
    let first = build(
        &serde_json::json!({ "base": "github-period" }),
        &tmp.path().join("a"),
    );
    let spec = fixture_spec("unapproved-changes/github-fires");
    let second = build(&spec, &tmp.path().join("b"));
    for (snap, day) in [(&first, "2026-11-01"), (&second, "2026-11-02")] {
        record(&store, &key, snap, &format!("{day}T06:00:00Z"));
    }
    let out = annexa()
        .args([
            "sample",
            "freeze",
            "--population",
            "changes",
            "--period",
            "2026-11-01..2026-11-02",
            "--store",
        ])
        .arg(&store)
        .arg("--signing-key-file")
        .arg(&key)
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // #1, #2 and the direct push: each once, as the latest run saw it.
    assert!(text.contains("size 3"), "{text}");
    // The access population: alice, bob and carol's grants, each once.
    let out = annexa()
        .args([
            "sample",
            "freeze",
            "--population",
            "access",
            "--period",
            "2026-11-01..2026-11-02",
            "--store",
        ])
        .arg(&store)
        .arg("--signing-key-file")
        .arg(&key)
        .output()
        .expect("runs");
    let access = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && access.contains("size 3"),
        "{access}"
    );
    let draw = annexa()
        .args([
            "sample",
            "draw",
            "--freeze",
            "1",
            "--seed",
            "auditor-42",
            "--size",
            "2",
            "--store",
        ])
        .arg(&store)
        .arg("--signing-key-file")
        .arg(&key)
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&draw.stdout);
    assert!(
        draw.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&draw.stderr)
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("random")).count(),
        2,
        "{text}"
    );
    annexa()
        .args(["evidence", "verify", "--store"])
        .arg(&store)
        .assert()
        .success();
}

#[test]
fn a_change_whose_author_approved_its_own_production_deployment_is_an_exception() {
    let tmp = tempfile::tempdir().expect("tmp");
    let spec = serde_json::json!({
        "base": "github-period",
        "resources": {
            "/repos/acme/app/actions/runs/555/approvals": { "body": [
                { "state": "approved", "user": { "login": "bob" }, "environments": [{ "name": "production" }] }
            ] }
        }
    });
    let snap = build(&spec, tmp.path());
    let out = annexa()
        .args(["population", "changes", "--format", "csv", "--snapshot"])
        .arg(&snap)
        .output()
        .expect("runs");
    let csv = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        csv.contains("\"deployment 100 to production, approved by bob\",its author approved the production deployment that shipped it (100)"),
        "{csv}"
    );
    // Reviewed and approved by carol, deployed with carol's approval: no exception.
    let snap = build(
        &serde_json::json!({ "base": "github-period" }),
        &tmp.path().join("clean"),
    );
    let out = annexa()
        .args(["population", "changes", "--format", "csv", "--snapshot"])
        .arg(&snap)
        .output()
        .expect("runs");
    let csv = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        csv.contains("\"deployment 100 to production, approved by carol\",,"),
        "{csv}"
    );
}

#[test]
fn the_declared_scope_is_reconciled_with_the_estate() {
    let tmp = tempfile::tempdir().expect("tmp");
    let r = repo(tmp.path());
    // The organisation has three repositories; the collection covered only acme/app.
    let snap = build(
        &serde_json::json!({
            "base": "github-org",
            "scope": { "org": "acme", "repositories": ["acme/app"] },
            "resources": { "/orgs/acme/repos?type=all": { "body": [
                { "full_name": "acme/app", "default_branch": "main" },
                { "full_name": "acme/api", "default_branch": "main" },
                { "full_name": "acme/sandbox-x", "default_branch": "main" }
            ] } }
        }),
        &tmp.path().join("s"),
    );
    let cfg = tmp.path().join("annexa.toml");
    std::fs::write(
        &cfg,
        "[scope]\nstatement = \"Software delivery of the Acme platform (ISMS manual §2)\"\nrepositories = [\"acme/*\", \"acme-legacy/*\"]\n\n[[scope.excluded]]\nrepository = \"acme/sandbox-*\"\nreason = \"personal experiments, no production data\"\n",
    )
    .expect("config");
    let out = annexa()
        .arg("scan")
        .arg(&r)
        .arg(root().join("examples/insecure-app"))
        .arg("--snapshot")
        .arg(&snap)
        .arg("--config")
        .arg(&cfg)
        .args(["--format", "json", "--as-of", "2026-11-26T00:00:00Z"])
        .output()
        .expect("runs");
    let rep: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let scope = &rep["scope"];
    assert_eq!(scope["declared"], true);
    let status = |name: &str| {
        scope["repositories"]
            .as_array()
            .expect("list")
            .iter()
            .find(|e| e["repository"] == name)
            .unwrap_or_else(|| panic!("{name} missing: {scope}"))
            .clone()
    };
    let app = status("github.com/acme/app");
    assert_eq!(
        (
            app["status"].as_str(),
            app["files_examined"].as_bool(),
            app["platform_examined"].as_bool()
        ),
        (Some("in-scope"), Some(true), Some(true))
    );
    let api = status("github.com/acme/api");
    assert_eq!(
        (
            api["status"].as_str(),
            api["files_examined"].as_bool(),
            api["platform_examined"].as_bool()
        ),
        (Some("in-scope"), Some(false), Some(false))
    );
    let sandbox = status("github.com/acme/sandbox-x");
    assert_eq!(sandbox["status"], "out-of-scope");
    assert_eq!(
        sandbox["reason"],
        "personal experiments, no production data"
    );
    assert_eq!(status("local/insecure-app")["status"], "undeclared");
    let missing = rep["not_examined"].to_string();
    assert!(missing.contains("in the declared scope (4.3) but not examined, neither files nor platform state: github.com/acme/api"), "{missing}");
    assert!(
        missing.contains("neither in nor out of the declared scope (4.3): local/insecure-app"),
        "{missing}"
    );
    assert!(
        missing.contains(
            "declared in scope (4.3) but found nowhere in the scan or its snapshots: acme-legacy/*"
        ),
        "{missing}"
    );

    // An exclusion without a reason is refused, naming the line.
    std::fs::write(
        &cfg,
        "[scope]\nrepositories = [\"acme/*\"]\n[[scope.excluded]]\nrepository = \"acme/x\"\n",
    )
    .expect("config");
    let out = annexa()
        .arg("scan")
        .arg(&r)
        .arg("--config")
        .arg(&cfg)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("annexa.toml:3:") && err.contains("needs a `reason`"),
        "{err}"
    );
}

#[test]
fn potential_nonconformities_cite_a_requirement_or_are_opportunities() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("isms-root");
    // `annexa init` gives the policy templates (unapproved) and an annexa.toml.
    annexa().arg("init").arg(&dir).assert().success();
    std::fs::write(
        dir.join("annexa.toml"),
        "[soa]\nversion = \"1\"\napprover = \"CISO\"\napproved-on = 2026-10-01\n\n\
         [[soa.control]]\nid = \"A.8.32\"\napplicable = true\nreason = \"Pipelines change production\"\n\n\
         [[soa.control]]\nid = \"A.8.8\"\napplicable = false\nreason = \"No software of our own\"\n",
    )
    .expect("config");
    let out = annexa()
        .args([
            "ncs",
            "--format",
            "json",
            "--as-of",
            "2026-11-26T00:00:00Z",
            "--snapshot",
        ])
        .arg(root().join("examples/platform/github-acme"))
        .arg("--config")
        .arg(dir.join("annexa.toml"))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let ncs = r["nonconformities"].as_array().expect("list");
    let by_id = |id: &str| {
        ncs.iter()
            .find(|n| n["id"] == id)
            .unwrap_or_else(|| panic!("{id} not raised: {r:#}"))
    };
    // A.8.32 is applicable: the unapproved change is objective evidence against it.
    let cm = by_id("change-management/A.8.32");
    assert_eq!(cm["requirement"]["id"], "A.8.32");
    assert!(
        cm["requirement"]["cited_because"]
            .as_str()
            .expect("s")
            .contains("Pipelines change production")
    );
    assert!(
        cm["evidence"].to_string().contains("unapproved-changes"),
        "{cm}"
    );
    // A.8.8 is excluded, yet an alert is overdue: the SoA contradicts the estate (6.1.3).
    let drift = by_id("soa-drift/A.8.8");
    assert_eq!(drift["requirement"]["id"], "clause 6.1.3");
    // The templates are not approved yet: clause 7.5.
    assert!(
        ncs.iter()
            .any(|n| n["id"] == "documented-information/POL-CHG"),
        "{r:#}"
    );
    // A.5.18 has findings but no SoA decision: an opportunity, not a nonconformity.
    assert!(
        !ncs.iter()
            .any(|n| n["id"].as_str().is_some_and(|i| i.ends_with("A.5.18")))
    );
    let ofi = r["opportunities"].as_array().expect("list");
    assert!(ofi.iter().any(|o| o["control"] == "A.5.18"), "{r:#}");
    // Every nonconformity names its grade and the heuristic's basis.
    for n in ncs {
        assert!(matches!(n["grade"].as_str(), Some("major" | "minor")));
        assert!(!n["grade_basis"].as_str().unwrap_or("").is_empty());
    }
}

#[test]
fn the_risk_register_proposes_never_overwrites_and_feeds_nonconformities() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cfg = tmp.path().join("annexa.toml");
    std::fs::write(
        &cfg,
        r#"[risk-criteria]
accept-at-or-below = 6
approved-by = "Risk committee"
approved-on = "2026-09-01"

[[risk]]
id = "R01"
owner = "Head of Platform"
likelihood = 4
impact = 5
treatment = "mitigate"
plan = "Pin actions by SHA; allow-list; update bot"
residual-likelihood = 1
residual-impact = 5
residual-approved-by = "Head of Platform"
residual-approved-on = "2026-09-15"

[[risk]]
id = "R17"
owner = "CISO"
likelihood = 3
impact = 4

[[risk]]
id = "R23"
applicable = false
reason = "Repositories are mirrored hourly to a second provider"

[[risk]]
id = "ACME-1"
title = "Release signing key kept on a laptop"
likelihood = 2
impact = 5
"#,
    )
    .expect("config");
    let snap = root().join("examples/platform/github-acme");
    let out = annexa()
        .args(["risks", "--format", "json", "--snapshot"])
        .arg(&snap)
        .arg("--config")
        .arg(&cfg)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let risk = |id: &str| {
        r["risks"]
            .as_array()
            .expect("list")
            .iter()
            .find(|x| x["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing"))
            .clone()
    };
    // The whole starter register is listed, plus the organisation's own.
    assert_eq!(r["risks"].as_array().expect("list").len(), 25);
    let r01 = risk("R01");
    assert_eq!(
        (r01["score"].as_u64(), r01["acceptable"].as_bool()),
        (Some(20), Some(false))
    );
    assert_eq!(r01["problems"], serde_json::json!([]), "{r01}");
    assert_eq!(risk("R02")["status"], "not assessed");
    assert_eq!(risk("R23")["status"], "not applicable");
    assert!(
        risk("ACME-1")["problems"]
            .to_string()
            .contains("no risk owner")
    );
    // Findings against R17's controls (an admin bypass, an outside collaborator with write)
    // propose a likelihood beside the owner's 3, which stays 3.
    let r17 = risk("R17");
    assert!(r17["findings"].as_u64().unwrap_or(0) > 0, "{r17}");
    assert_eq!(
        (
            r17["likelihood"].as_u64(),
            r17["proposed_likelihood"].as_u64()
        ),
        (Some(3), Some(4))
    );
    // An untreated risk above the threshold is a potential nonconformity against 6.1.3.
    let out = annexa()
        .args(["ncs", "--format", "json", "--snapshot"])
        .arg(&snap)
        .arg("--config")
        .arg(&cfg)
        .output()
        .expect("runs");
    let n: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let ids: Vec<&str> = n["nonconformities"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|x| x["id"].as_str())
        .collect();
    assert!(ids.contains(&"risk-treatment/R17"), "{ids:?}");
    assert!(!ids.contains(&"risk-treatment/R01"), "{ids:?}");
    assert!(!ids.contains(&"risk-treatment/6.1.2"), "{ids:?}");
    // Out-of-scale scores are refused, naming the line.
    std::fs::write(&cfg, "[[risk]]\nid = \"R01\"\nlikelihood = 9\n").expect("config");
    let out = annexa()
        .args(["risks", "--config"])
        .arg(&cfg)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`likelihood` must be 1..=5"));
}

#[test]
fn attestation_records_are_hashed_dated_and_never_outweigh_synthetic_evidence() {
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(tmp.path().join("records")).expect("mkdir");
    std::fs::write(
        tmp.path().join("records/access-review-q3.txt"),
        "Q3 access review: 12 grants reviewed, 2 removed (PR-101, PR-102).\n",
    )
    .expect("record");
    let snap = build(
        &fixture_spec("inactive-write-access/clean-github"),
        &tmp.path().join("s"),
    );
    let cfg = tmp.path().join("annexa.toml");
    let control = |date: &str, record: &str| -> serde_json::Value {
        std::fs::write(
            &cfg,
            format!(
                "[[attestation]]\nkind = \"access-review\"\ncontrols = [\"A.5.18\"]\ndate = \"{date}\"\nowner = \"Head of Platform\"\nrecord = \"{record}\"\n"
            ),
        )
        .expect("config");
        let out = annexa()
            .args([
                "controls",
                "A.5.18",
                "--format",
                "json",
                "--as-of",
                "2026-11-26T00:00:00Z",
                "--snapshot",
            ])
            .arg(&snap)
            .arg("--config")
            .arg(&cfg)
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let c = control("2026-10-01", "records/access-review-q3.txt");
    let att = &c["attestation_requirements"][0];
    assert_eq!(att["level"], "meets", "{c:#}");
    assert!(
        att["reason"]
            .as_str()
            .expect("s")
            .contains("records/access-review-q3.txt, SHA-256 ")
    );
    // The snapshot here is synthetic: its passing access items are not system evidence, so the
    // control cannot be `implemented` on its strength.
    assert_ne!(c["overall"], "implemented");
    assert!(
        c["operation_requirements"]
            .to_string()
            .contains("hand-edited evidence not counted")
    );
    // A review older than twelve months does not meet; a record that cannot be read is not
    // assessed.
    assert_eq!(
        control("2025-06-30", "records/access-review-q3.txt")["attestation_requirements"][0]["level"],
        "does-not-meet"
    );
    assert_eq!(
        control("2026-10-01", "records/missing.pdf")["attestation_requirements"][0]["level"],
        "not-assessed"
    );
}

#[test]
fn readiness_for_stage_1_and_2_follows_the_documented_isms() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("isms-root");
    annexa().arg("init").arg(&dir).assert().success();
    // Approve every policy template.
    for e in std::fs::read_dir(dir.join("isms/policies"))
        .expect("policies")
        .flatten()
    {
        let text = std::fs::read_to_string(e.path()).expect("policy");
        let text = text
            .replace("approver:\n", "approver: CISO\n")
            .replace("approved-on:\n", "approved-on: 2026-09-01\n");
        std::fs::write(e.path(), text).expect("policy");
    }
    let mut cfg = String::from(
        "[scope]\nstatement = \"Software delivery of the Acme platform: repositories, pipelines, GitHub\"\nrepositories = [\"acme/*\"]\n\n\
         [soa]\nversion = \"1\"\napprover = \"CISO\"\napproved-on = \"2026-09-01\"\n\n",
    );
    for c in annexa_model::ControlId::all() {
        cfg.push_str(&format!(
            "[[soa.control]]\nid = \"{}\"\napplicable = true\nreason = \"Applies to the delivery estate\"\n\n",
            c.code()
        ));
    }
    cfg.push_str("[risk-criteria]\naccept-at-or-below = 25\napproved-by = \"Risk committee\"\napproved-on = \"2026-09-01\"\n\n");
    for r in 1..=24 {
        cfg.push_str(&format!(
            "[[risk]]\nid = \"R{r:02}\"\nowner = \"Head of Platform\"\nlikelihood = 2\nimpact = 3\n\n"
        ));
    }
    std::fs::write(dir.join("annexa.toml"), &cfg).expect("config");
    let snap = build(
        &serde_json::json!({ "base": "github-period" }),
        &tmp.path().join("s"),
    );
    let store = tmp.path().join("evidence.db");
    let assess_with = |stage: &str, extra: &[&str]| {
        let out = annexa()
            .args([
                "assess",
                "--stage",
                stage,
                "--format",
                "json",
                "--as-of",
                "2026-11-26T00:00:00Z",
                "--snapshot",
            ])
            .arg(&snap)
            .arg("--config")
            .arg(dir.join("annexa.toml"))
            .args(extra)
            .output()
            .expect("runs");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        (out.status.code(), v)
    };
    let assess = |stage: &str| assess_with(stage, &[]);
    let not_met = |v: &serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|i| i["state"] == "not met")
            .filter_map(|i| i["clause"].as_str().map(str::to_owned))
            .collect()
    };
    let (code, v) = assess("1");
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(v["met"], v["items"].as_array().expect("items").len());
    // Stage 2 presupposes an internal audit and a management review.
    // Stage 2 presupposes an internal audit, a management review and operating evidence: a
    // snapshot built from a description is not system evidence.
    let (code, v) = assess("2");
    assert_eq!(code, Some(1));
    assert_eq!(not_met(&v), ["9.2", "9.3", "9.1"], "{v:#}");
    assert!(v.to_string().contains("synthetic"), "{v:#}");
    std::fs::write(
        dir.join("audit.md"),
        "Internal audit 2026: scope, findings, actions.\n",
    )
    .expect("record");
    std::fs::write(
        dir.join("review.md"),
        "Management review 2026-10: inputs, decisions.\n",
    )
    .expect("record");
    cfg.push_str("[[attestation]]\nkind = \"internal-audit\"\ndate = \"2026-10-10\"\nowner = \"Internal auditor\"\nrecord = \"audit.md\"\n\n");
    cfg.push_str("[[attestation]]\nkind = \"management-review\"\ndate = \"2026-10-20\"\nowner = \"CEO\"\nrecord = \"review.md\"\n");
    std::fs::write(dir.join("annexa.toml"), &cfg).expect("config");
    let (code, v) = assess("2");
    assert_eq!(
        (code, not_met(&v)),
        (Some(1), vec!["9.1".to_owned()]),
        "{v:#}"
    );
    // Recorded runs are operating evidence only over committed files or a collected snapshot:
    // runs over the synthetic snapshot alone are left out, and named.
    let (key, _) = crate::ledger::keygen(tmp.path());
    let now = jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .expect("round");
    let today = jiff::tz::Offset::UTC.to_datetime(now).date();
    let record = |paths: &[&Path]| {
        let out = annexa()
            .args(["scan", "--record", "--store"])
            .arg(&store)
            .arg("--signing-key-file")
            .arg(&key)
            .args(["--as-of", &now.to_string(), "--snapshot"])
            .arg(&snap)
            .arg("--config")
            .arg(dir.join("annexa.toml"))
            .args(paths)
            .output()
            .expect("scan");
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let period = format!("{today}..{today}");
    let with_ledger = |stage: &str| {
        let out = annexa()
            .args(["assess", "--stage", stage, "--format", "json", "--as-of"])
            .arg(now.to_string())
            .arg("--snapshot")
            .arg(&snap)
            .arg("--config")
            .arg(dir.join("annexa.toml"))
            .args(["--period", &period, "--ledger"])
            .arg(&store)
            .output()
            .expect("runs");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        (out.status.code(), v)
    };
    record(&[]);
    let (code, v) = with_ledger("2");
    assert_eq!(code, Some(1), "{v:#}");
    assert!(v.to_string().contains("1 run(s) left out"), "{v:#}");
    assert!(not_met(&v).contains(&"9.1".to_owned()), "{v:#}");
    // A committed repository scanned in the run makes it evidence for the day.
    let repo = tmp.path().join("app");
    std::fs::create_dir_all(repo.join(".github/workflows")).expect("mkdir");
    std::fs::write(
        repo.join(".github/workflows/ci.yml"),
        "on: push\npermissions:\n  contents: read\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n",
    )
    .expect("workflow");
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "ci"]);
    record(&[repo.as_path()]);
    let (_, v) = with_ledger("2");
    // (Only 9.1 is asserted here: this report is dated today, and the attestations above are
    // dated for the fixed as-of.)
    let item = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["clause"] == "9.1")
        .cloned()
        .expect("9.1");
    assert_eq!(item["state"], "met", "{item:#}");
    assert!(item.to_string().contains("1 recorded run(s)"), "{item:#}");
    // Without a [scope], stage 1 is not met, and says why.
    let no_scope = cfg.replacen("[scope]", "[scope-removed]", 1).replace("[scope-removed]\nstatement = \"Software delivery of the Acme platform: repositories, pipelines, GitHub\"\nrepositories = [\"acme/*\"]\n", "");
    std::fs::write(dir.join("annexa.toml"), no_scope).expect("config");
    let (code, v) = assess("1");
    assert_eq!(code, Some(1));
    assert!(v.to_string().contains("no `[scope]` statement"), "{v:#}");
}
