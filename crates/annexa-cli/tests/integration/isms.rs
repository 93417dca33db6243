//! The ISMS layer end to end: the potential-nonconformity fixtures (one raising and one clean
//! case per CI/CD topic), and the example ISMS whose SoA, risk register, nonconformities,
//! corrective actions and management-review pack are golden files.

use std::path::Path;

use crate::{annexa, root};

const AS_OF: &str = "2026-11-26T00:00:00Z";

const TOPICS: [&str; 7] = [
    "change-management",
    "access-review",
    "security-testing",
    "supplier-management",
    "environment-separation",
    "logging",
    "risk-treatment",
];

fn ncs_json(case: &Path) -> serde_json::Value {
    let out = annexa()
        .args(["ncs", "--format", "json", "--as-of", AS_OF, "--config"])
        .arg(case.join("annexa.toml"))
        .arg(case.join("repo"))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}: {}",
        case.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// The passing observations of a case's scan (JSON report `passes`).
fn scan_passes(case: &Path) -> Vec<serde_json::Value> {
    let out = annexa()
        .args(["scan", "--format", "json", "--as-of", AS_OF, "--config"])
        .arg(case.join("annexa.toml"))
        .arg(case.join("repo"))
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    v["passes"].as_array().cloned().unwrap_or_default()
}

#[test]
fn every_nc_topic_raises_with_a_cited_requirement_and_its_clean_twin_does_not() {
    let base = root().join("fixtures/ncs");
    let mut problems = Vec::new();
    let mut cases = 0;
    for topic in TOPICS {
        let dir = base.join(topic);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert!(
            names.iter().any(|n| n.starts_with("raises")) && names.contains(&"clean".to_owned()),
            "{topic}: needs a raising case and a clean twin, has {names:?}"
        );
        for name in names {
            cases += 1;
            let case = dir.join(&name);
            let v = ncs_json(&case);
            let passes = scan_passes(&case);
            let ncs = v["nonconformities"].as_array().expect("ncs");
            let ofis = v["opportunities"].as_array().expect("ofis");
            let expect = std::fs::read_to_string(case.join("EXPECT")).expect("EXPECT");
            for line in expect.lines().filter(|l| !l.trim().is_empty()) {
                let mut parts = line.splitn(3, ' ');
                let (kind, a, b) = (
                    parts.next().unwrap_or(""),
                    parts.next().unwrap_or(""),
                    parts.next().unwrap_or(""),
                );
                let ok = match kind {
                    "raises" => ncs.iter().any(|n| {
                        n["id"] == a
                            && n["requirement"]["id"] == b
                            && !n["requirement"]["cited_because"]
                                .as_str()
                                .unwrap_or("")
                                .is_empty()
                            && !n["evidence"].as_array().expect("evidence").is_empty()
                    }),
                    "absent" => !ncs
                        .iter()
                        .any(|n| n["id"].as_str().is_some_and(|id| id.starts_with(a))),
                    "ofi" => ofis.iter().any(|o| o["topic"] == a && o["control"] == b),
                    // The clean twin's evidence was examined: something about the control
                    // passes (a twin where nothing is relevant proves nothing).
                    "examined" => passes.iter().any(|p| {
                        p["controls"]
                            .as_array()
                            .is_some_and(|cs| cs.iter().any(|c| c == a))
                    }),
                    other => panic!("{}: unknown EXPECT line kind `{other}`", case.display()),
                };
                if !ok {
                    let ids: Vec<&str> = ncs.iter().filter_map(|n| n["id"].as_str()).collect();
                    problems.push(format!(
                        "{topic}/{name}: `{line}` does not hold; raised: {ids:?}"
                    ));
                }
            }
        }
    }
    assert!(cases >= 14, "only {cases} cases");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The example ISMS's outputs, run from the workspace root with relative paths.
fn example_output(args: &[&str]) -> (Option<i32>, String) {
    let out = annexa()
        .current_dir(root())
        .args(args)
        .args([
            "--as-of",
            AS_OF,
            "--config",
            "examples/isms/annexa.toml",
            "--snapshot",
            "examples/platform/github-acme",
        ])
        .output()
        .expect("runs");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code(),
        String::from_utf8(out.stdout).expect("utf-8"),
    )
}

#[test]
fn the_example_isms_matches_its_golden_outputs() {
    let golden = root().join("examples/isms/golden");
    let update = std::env::var_os("ANNEXA_UPDATE").is_some();
    let cases: [(&str, Vec<&str>, Option<i32>); 8] = [
        (
            "report.html",
            vec!["report", "--format", "html", "examples/insecure-app"],
            Some(0),
        ),
        (
            "soa.html",
            vec!["soa", "--format", "html", "--path", "examples/insecure-app"],
            Some(0),
        ),
        (
            "soa.md",
            vec![
                "soa",
                "--format",
                "markdown",
                "--path",
                "examples/insecure-app",
            ],
            Some(0),
        ),
        (
            "risks.csv",
            vec!["risks", "--format", "csv", "examples/insecure-app"],
            Some(0),
        ),
        (
            "ncs.json",
            vec!["ncs", "--format", "json", "examples/insecure-app"],
            Some(0),
        ),
        (
            "actions.txt",
            vec!["actions", "examples/insecure-app"],
            // CA-1 was completed but its nonconformity is still raised.
            Some(1),
        ),
        (
            "review.md",
            vec!["review", "--format", "markdown", "examples/insecure-app"],
            Some(0),
        ),
        (
            "crosswalk-soc2.md",
            vec![
                "report",
                "--framework",
                "soc2",
                "--format",
                "markdown",
                "examples/insecure-app",
            ],
            Some(0),
        ),
    ];
    let mut stale = Vec::new();
    for (file, args, code) in cases {
        let (got_code, text) = example_output(&args);
        assert_eq!(got_code, code, "{file}: exit code");
        let path = golden.join(file);
        if update {
            std::fs::create_dir_all(&golden).expect("mkdir");
            std::fs::write(&path, &text).expect("write golden");
            continue;
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (ANNEXA_UPDATE=1 writes it)", path.display()));
        if want != text {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "golden outputs differ: {stale:?} (review, then ANNEXA_UPDATE=1 cargo test -p annexa-cli --test integration the_example_isms)"
    );
}

#[test]
fn the_example_isms_shows_each_isms_record_at_work() {
    let (_, text) = example_output(&["ncs", "--format", "json", "examples/insecure-app"]);
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let ids: Vec<&str> = v["nonconformities"]
        .as_array()
        .expect("ncs")
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    // An expired acceptance reopens its findings and is itself a potential nonconformity; the
    // active one keeps its findings out of the control's evidence.
    assert!(ids.contains(&"risk-acceptance/ACC-2"), "{ids:?}");
    assert!(!ids.iter().any(|i| i.contains("ACC-1")), "{ids:?}");
    // A missed objective (6.2), a management review not held (9.3), a corrective action whose
    // nonconformity is still raised (10.2), a stale supplier review (A.5.22), a policy past
    // its review (7.5).
    for want in [
        "objectives/OBJ-2",
        "audit-programme/management-review/2026-11-15",
        "corrective-action/CA-1",
        "supplier-management/A.5.22/register-review",
        "documented-information/POL-LOG",
    ] {
        assert!(ids.contains(&want), "{want} missing from {ids:?}");
    }
    // The scan's JSON report marks the accepted findings as accepted risk, not as passes.
    let (_, scan) = example_output(&["scan", "--format", "json", "examples/insecure-app"]);
    let s: serde_json::Value = serde_json::from_str(&scan).expect("json");
    let accepted: Vec<&serde_json::Value> = s["not_examined"]["suppressed"]
        .as_array()
        .expect("suppressed")
        .iter()
        .filter(|f| {
            f["suppression"]["kind"] == "accepted-risk"
                && f["suppression"]["acceptance"] == "ACC-1"
                && f["suppression"]["expires"] == "2027-03-31"
        })
        .collect();
    // The expired ACC-2 covers nothing any more: its finding is open.
    assert!(
        s["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["check"] == "missing-sbom" && f["suppression"].is_null())
    );
    assert!(!accepted.is_empty(), "no finding shows acceptance ACC-1");
    assert!(accepted.iter().all(|f| f["check"] == "missing-provenance"));
}

/// Corrective actions are verified over recorded runs, by day, on committed evidence: not
/// effective while the nonconformity is raised (a same-day fix does not clear the day), effective
/// after a clean day; a backdated run (recorded more than a day after its as-of) and a run dated
/// in the future count for nothing. The monitoring gaps and the management-review comparison
/// come from the same ledger. Days more than one apart are covered by the unit tests of
/// `actions::verify`: a run cannot honestly be recorded for a past day.
#[test]
fn corrective_actions_are_verified_by_day_on_committed_evidence() {
    use crate::platform::git;
    let tmp = tempfile::tempdir().expect("tmp");
    let (key, _) = crate::ledger::keygen(tmp.path());
    let store = tmp.path().join("evidence.db");
    let repo = tmp.path().join("app");
    let wf = repo.join(".github/workflows");
    std::fs::create_dir_all(&wf).expect("mkdir");
    // Environment separation: its evidence is fully decided from committed files (change
    // management also rests on branch protection, `unknown` without a platform snapshot, and an
    // undecided day never verifies an action).
    let cases = root().join("fixtures/ncs/environment-separation");
    let broken = std::fs::read_to_string(cases.join("raises/repo/.github/workflows/deploy.yml"))
        .expect("broken");
    let fixed = std::fs::read_to_string(cases.join("clean/repo/.github/workflows/deploy.yml"))
        .expect("fixed");
    git(&repo, &["init", "-q", "-b", "main"]);
    // Yesterday (a run at 23:59:30 recorded now is within a day of its as-of) and today.
    let now = jiff::Timestamp::now();
    let today = jiff::tz::Offset::UTC.to_datetime(now).date();
    let yesterday = today.yesterday().expect("date");
    let at = |d: jiff::civil::Date, hms: &str| format!("{d}T{hms}Z");
    let just_now = |secs: i64| {
        (now - jiff::SignedDuration::from_secs(secs))
            .round(jiff::Unit::Second)
            .expect("round")
            .to_string()
    };
    let config = tmp.path().join("annexa.toml");
    std::fs::write(
        &config,
        format!(
            "{}\n[[action]]\nid = \"CA-1\"\nnc = \"environment-separation/A.8.31\"\ncorrection = \"Rotated the production key the preview job could read.\"\nroot-cause = \"Preview deployments ran on pull_request_target with production secrets.\"\naction = \"Previews build on pull_request without secrets.\"\nowner = \"Platform Lead\"\nraised-on = \"{yesterday}\"\ndue = \"{due}\"\ncompleted-on = \"{yesterday}\"\n\n[actions]\nverify-runs = 1\n\n[[audit]]\nkind = \"management-review\"\ntitle = \"Management review\"\nplanned = \"{yesterday}\"\nheld-on = \"{yesterday}\"\n",
            std::fs::read_to_string(cases.join("raises/annexa.toml")).expect("soa"),
            due = today.tomorrow().expect("date"),
        ),
    )
    .expect("config");
    // Each state is committed: working-tree evidence never verifies anything.
    let commit = |workflow: &str| {
        std::fs::write(wf.join("deploy.yml"), workflow).expect("workflow");
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "--allow-empty", "-m", "state"]);
    };
    let record = |as_of: &str| {
        annexa()
            .args(["scan", "--record", "--store"])
            .arg(&store)
            .arg("--signing-key-file")
            .arg(&key)
            .arg("--config")
            .arg(&config)
            .args(["--as-of", as_of])
            .arg(&repo)
            .output()
            .expect("scan")
    };
    let recorded = |as_of: &str| {
        let out = record(as_of);
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let actions = |as_of: &str| -> (Option<i32>, serde_json::Value) {
        let out = annexa()
            .args(["actions", "--format", "json", "--ledger"])
            .arg(&store)
            .arg("--config")
            .arg(&config)
            .args(["--as-of", as_of])
            .arg(&repo)
            .output()
            .expect("actions");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        (out.status.code(), v["actions"][0].clone())
    };
    // Broken yesterday, and still broken now: not effective.
    commit(&broken);
    recorded(&at(yesterday, "23:59:30"));
    let (code, a) = actions(&just_now(5));
    assert_eq!(
        (code, a["status"].as_str()),
        (Some(1), Some("not-effective")),
        "{a:#}"
    );
    // That is itself a potential nonconformity (10.2) — until a later action on the same
    // nonconformity answers it.
    let raised_10_2 = || {
        let out = annexa()
            .args(["ncs", "--format", "json", "--ledger"])
            .arg(&store)
            .arg("--config")
            .arg(&config)
            .args(["--as-of", &just_now(5)])
            .arg(&repo)
            .output()
            .expect("ncs");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        v["nonconformities"]
            .as_array()
            .expect("ncs")
            .iter()
            .any(|n| n["id"] == "corrective-action/CA-1")
    };
    assert!(raised_10_2());
    let original = std::fs::read_to_string(&config).expect("config");
    std::fs::write(
        &config,
        format!(
            "{original}\n[[action]]\nid = \"CA-2\"\nnc = \"environment-separation/A.8.31\"\ncorrection = \"c\"\nroot-cause = \"CA-1 fixed one workflow, not the template\"\naction = \"a\"\nowner = \"o\"\nraised-on = \"{today}\"\ndue = \"{}\"\n",
            today.tomorrow().expect("date")
        ),
    )
    .expect("config");
    assert!(!raised_10_2());
    std::fs::write(&config, original).expect("config");
    // A run recorded now but dated long ago is kept in the ledger and counts for nothing.
    recorded("2026-01-01T00:00:00Z");
    // Fixed and committed today, but a broken run today keeps the day raised: re-running a
    // scan after a fix cannot clear the day it was found on.
    commit(&fixed);
    recorded(&just_now(4));
    let (code, a) = actions(&just_now(3));
    let runs = a["runs"].as_array().expect("runs").clone();
    let old = runs
        .iter()
        .find(|r| r["as_of"] == "2026-01-01T00:00:00Z")
        .expect("the backdated run is listed");
    assert_eq!(
        (old["raised"].clone(), old["examined"].clone()),
        (false.into(), false.into())
    );
    // Yesterday raised; today (the run recorded and this one) examined and clean.
    assert_eq!(
        (code, a["status"].as_str(), a["clean_runs"].as_u64()),
        (Some(0), Some("effective"), Some(1)),
        "{a:#}"
    );
    // A run dated in the future cannot be recorded.
    let out = record(&at(
        today.tomorrow().expect("date").tomorrow().expect("date"),
        "00:00:00",
    ));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("in the future"));
    // Uncommitted changes are never examined evidence: a fix only in the work tree is an
    // undecided run, not a clean one.
    commit(&broken);
    std::fs::write(wf.join("deploy.yml"), &fixed).expect("workflow");
    let (_, a) = actions(&just_now(2));
    let last = a["runs"]
        .as_array()
        .expect("runs")
        .last()
        .cloned()
        .expect("run");
    assert_eq!(
        (last["raised"].clone(), last["examined"].clone()),
        (false.into(), false.into())
    );
    std::fs::write(wf.join("deploy.yml"), &fixed).expect("workflow");
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "fixed again"]);
    // The management-review pack compares this run with the last run recorded on or before
    // the review (yesterday's, broken; the backdated one is never a baseline).
    let out = annexa()
        .args(["review", "--format", "json", "--ledger"])
        .arg(&store)
        .arg("--config")
        .arg(&config)
        .args(["--as-of", &just_now(1)])
        .arg(&repo)
        .output()
        .expect("review");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let since = &v["since_last_review"];
    assert_eq!(since["run_as_of"], at(yesterday, "23:59:30"), "{v:#}");
    assert!(
        since["resolved_findings"].as_u64().is_some_and(|n| n >= 1),
        "{since:#}"
    );
    assert_eq!(since["new_findings"], 0, "{since:#}");
    assert_eq!(
        since["repositories_not_in_both"],
        serde_json::json!([]),
        "{since:#}"
    );
    // Monitoring over a period reaching back to January: the backdated run is left out and
    // named, and the days before yesterday have no run.
    let out = annexa()
        .args(["ncs", "--format", "json", "--ledger"])
        .arg(&store)
        .args(["--period", &format!("2026-01-01..{today}")])
        .arg("--config")
        .arg(&config)
        .args(["--as-of", &just_now(1)])
        .arg(&repo)
        .output()
        .expect("ncs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let gap = v["nonconformities"]
        .as_array()
        .expect("ncs")
        .iter()
        .find(|n| n["id"] == "monitoring/9.1")
        .cloned()
        .expect("9.1 raised");
    let text = gap.to_string();
    assert!(
        text.contains("1 run(s) in the period are not monitoring evidence"),
        "{gap:#}"
    );
    assert!(
        text.contains(&format!(
            "no recorded run from 2026-01-01 to {}",
            yesterday.yesterday().expect("date")
        )),
        "{gap:#}"
    );
}

/// A wrong ISMS record is refused with the file and line of its entry, never half-applied.
#[test]
fn invalid_isms_records_name_the_file_and_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let repo = root().join("fixtures/ncs/logging/clean/repo");
    let cases = [
        (
            "[[acceptance]]\nid = \"A1\"\ncheck = \"unpinned-image\"\nscope = \"*\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-13-01\"\n",
            1,
            "`expires` must be a date",
        ),
        (
            "[[objective]]\nid = \"O1\"\ntitle = \"t\"\nmeasure = \"pass-rate\"\ntarget = 99\n",
            1,
            "`pass-rate` needs the `checks` it measures",
        ),
        (
            "[soa]\nversion = \"1\"\n\n[[supplier]]\nid = \"S1\"\nname = \"n\"\nkind = \"cloud\"\n",
            4,
            "`kind` must be one of",
        ),
        (
            "[[action]]\nid = \"CA-1\"\nnc = \"x/A.8.32\"\ncorrection = \"c\"\nroot-cause = \"\"\naction = \"a\"\nowner = \"o\"\nraised-on = \"2026-01-01\"\ndue = \"2026-02-01\"\n",
            1,
            "`root-cause` must not be empty",
        ),
        (
            "[[audit]]\nkind = \"internal-audit\"\ntitle = \"t\"\nplanned = \"soon\"\n",
            1,
            "`[[audit]] planned` must be a date",
        ),
        (
            "[[action]]\nid = \"CA-1\"\nnc = \"change-managment/A.8.32\"\ncorrection = \"c\"\nroot-cause = \"r\"\naction = \"a\"\nowner = \"o\"\nraised-on = \"2026-01-01\"\ndue = \"2026-02-01\"\n",
            1,
            "does not start with a known topic",
        ),
        (
            "[soa]\nversion = \"1\"\n\n[actions]\nverify-runs = 0\n",
            4,
            "`[actions] verify-runs` must be at least 1",
        ),
        (
            "[[supplier]]\nid = \"S1\"\nname = \"n\"\nkind = \"ci-service\"\n[supplier.assurance]\nkind = \"pinky-promise\"\n",
            1,
            "assurance `kind` must be one of",
        ),
        (
            "[[acceptance]]\nid = \"A1\"\ncheck = \"no-such-check\"\nscope = \"*\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2026-12-01\"\n",
            1,
            "is not a check id",
        ),
    ];
    for (text, line, message) in cases {
        let config = tmp.path().join("annexa.toml");
        std::fs::write(&config, text).expect("config");
        let out = annexa()
            .args(["ncs", "--config"])
            .arg(&config)
            .arg(&repo)
            .output()
            .expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!("annexa.toml:{line}:")) && err.contains(message),
            "expected line {line} and `{message}`: {err}"
        );
    }
}

/// Every framework view lists each mapping's relation and source, counts the judgement rows,
/// and shows the mapped controls' own statuses (never a derived status for the requirement).
#[test]
fn crosswalk_views_say_how_firm_each_mapping_is() {
    let repo = root().join("fixtures/ncs/logging/raises/repo");
    let mut total = 0;
    for fw in [
        "soc2",
        "pci-dss-4",
        "nis2",
        "dora",
        "nist-csf-2",
        "ssdf",
        "slsa",
        "cis-ssc",
        "owasp-cicd",
    ] {
        let out = annexa()
            .args([
                "report",
                "--format",
                "json",
                "--as-of",
                AS_OF,
                "--framework",
                fw,
            ])
            .arg(&repo)
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{fw}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let reqs = v["requirements"].as_array().expect("requirements");
        assert!(!reqs.is_empty(), "{fw}: no requirement");
        let mappings: Vec<&serde_json::Value> = reqs
            .iter()
            .flat_map(|r| r["mappings"].as_array().expect("mappings"))
            .collect();
        assert_eq!(v["mappings"], mappings.len());
        let judgements = mappings.iter().filter(|m| m["official"] == false).count();
        assert_eq!(v["judgement_mappings"], judgements, "{fw}");
        for m in &mappings {
            assert!(
                m["relation"].is_string() && m["source"].is_string() && m["status"].is_string()
            );
            assert_eq!(
                m["official"] == false,
                m["source"]
                    .as_str()
                    .expect("source")
                    .starts_with("judgement"),
                "{fw}: {m}"
            );
        }
        assert!(reqs.iter().all(|r| r.get("status").is_none()));
        total += mappings.len();
    }
    // Every row of the shared crosswalk appears in exactly one view.
    assert_eq!(total, 529);
    // As HTML, the whole report opens on the framework's tab.
    let out = annexa()
        .args([
            "report",
            "--format",
            "html",
            "--as-of",
            AS_OF,
            "--framework",
            "dora",
        ])
        .arg(&repo)
        .output()
        .expect("runs");
    let html = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(html.matches(" checked").count(), 1);
    assert!(html.contains(r#"id="cw-dora" checked"#));
    let out = annexa()
        .args(["report", "--framework", "iso9001"])
        .arg(&repo)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected one of soc2, pci-dss-4"));
}

/// A repository without a remote can be put in scope by its folder name or as it is displayed
/// (`local/<folder>`); the self-hosted runners its jobs use follow it into scope.
#[test]
fn a_local_repository_and_its_runners_are_placed_in_scope() {
    for pattern in ["insecure-app", "local/insecure-app", "local/*"] {
        let tmp = tempfile::tempdir().expect("tmp");
        let config = tmp.path().join("annexa.toml");
        std::fs::write(
            &config,
            format!("[scope]\nstatement = \"Delivery\"\nrepositories = [\"{pattern}\"]\n"),
        )
        .expect("config");
        let out = annexa()
            .args(["scan", "--format", "json", "--as-of", AS_OF, "--config"])
            .arg(&config)
            .arg(root().join("examples/insecure-app"))
            .output()
            .expect("runs");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let scope = &v["scope"];
        assert_eq!(
            scope["repositories"][0]["status"], "in-scope",
            "{pattern}: {scope:#}"
        );
        assert_eq!(scope["runners"][0]["labels"], "linux, self-hosted");
        assert_eq!(scope["runners"][0]["status"], "in-scope");
        let sources = v["not_examined"]["sources"].to_string();
        assert!(!sources.contains("found nowhere"), "{pattern}: {sources}");
        assert!(sources.contains("self-hosted runner [linux, self-hosted] (in-scope"));
    }
}

/// Runners a platform snapshot lists are reconciled with the pipelines' runner labels: the one
/// serving an in-scope pipeline is named beside it; one no scanned pipeline targets is part of
/// the estate with its scope undeclared, and says so under "not examined".
#[test]
fn runners_the_platform_lists_are_reconciled_with_the_pipelines() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut spec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("examples/platform/github-acme.json")).expect("spec"),
    )
    .expect("json");
    spec["resources"]["/orgs/acme/actions/runners"]["body"]["runners"]
        .as_array_mut()
        .expect("runners")
        .push(serde_json::json!({
            "id": 4, "name": "gpu-1", "os": "linux", "status": "online", "ephemeral": false,
            "labels": [{"name": "self-hosted"}, {"name": "gpu"}]
        }));
    spec["resources"]["/orgs/acme/actions/runners"]["body"]["total_count"] = 2.into();
    let spec_path = tmp.path().join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).expect("spec");
    let snap = tmp.path().join("snap");
    let out = annexa()
        .args(["snapshot", "build"])
        .arg(&spec_path)
        .arg("--out")
        .arg(&snap)
        .output()
        .expect("build");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = tmp.path().join("annexa.toml");
    std::fs::write(
        &config,
        "[scope]\nstatement = \"Delivery\"\nrepositories = [\"acme/*\", \"local\"]\n",
    )
    .expect("config");
    // The organisation's repository (its origin names acme/app), and a folder with no remote:
    // an organisation runner can serve the first, not the second.
    let app = tmp.path().join("app");
    let local = tmp.path().join("local");
    for dir in [&app, &local] {
        std::fs::create_dir_all(dir.join(".github/workflows")).expect("mkdir");
        std::fs::copy(
            root().join("examples/insecure-app/.github/workflows/ci.yml"),
            dir.join(".github/workflows/ci.yml"),
        )
        .expect("copy");
        crate::platform::git(dir, &["init", "-q", "-b", "main"]);
        crate::platform::git(dir, &["add", "-A"]);
        crate::platform::git(dir, &["commit", "-q", "-m", "ci"]);
    }
    crate::platform::git(
        &app,
        &["remote", "add", "origin", "https://github.com/acme/app.git"],
    );
    let out = annexa()
        .args(["scan", "--format", "json", "--as-of", AS_OF, "--config"])
        .arg(&config)
        .arg("--snapshot")
        .arg(&snap)
        .arg(&app)
        .arg(&local)
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let runners = v["scope"]["runners"].as_array().expect("runners");
    let by_labels = |l: &str| {
        runners
            .iter()
            .find(|r| r["labels"] == l && r["repositories"] != serde_json::json!([]))
            .cloned()
            .unwrap_or_else(|| panic!("no runner [{l}] in {runners:#?}"))
    };
    let used = by_labels("linux, self-hosted");
    assert_eq!(used["status"], "in-scope");
    assert_eq!(
        used["repositories"],
        serde_json::json!(["acme/app", "local"])
    );
    assert_eq!(
        used["registered"],
        serde_json::json!(["build-1 (org acme)"])
    );
    let idle = runners
        .iter()
        .find(|r| r["labels"] == "gpu, self-hosted")
        .cloned()
        .expect("the idle runner has an entry");
    assert_eq!(idle["status"], "undeclared");
    assert_eq!(idle["repositories"], serde_json::json!([]));
    let sources = v["not_examined"]["sources"].to_string();
    assert!(
        sources.contains("self-hosted runner [gpu, self-hosted] (undeclared, targeted by no scanned pipeline; registered as gpu-1 (org acme))"),
        "{sources}"
    );
}

/// Stage 2's operating evidence (9.1) from a collected snapshot holds only for the period it
/// covers; a synthetic one never holds.
#[test]
fn a_collected_snapshot_meets_9_1_only_for_the_period_it_covers() {
    let tmp = tempfile::tempdir().expect("tmp");
    let spec = tmp.path().join("spec.json");
    std::fs::copy(root().join("examples/platform/github-acme.json"), &spec).expect("spec");
    let collected = tmp.path().join("collected");
    annexa_platform::fixture::build_as_collected(&spec, &[], &collected).expect("build");
    let item_9_1 = |snapshot: &Path, period: &str| {
        let out = annexa()
            .args([
                "assess", "--stage", "2", "--format", "json", "--as-of", AS_OF,
            ])
            .args(["--period", period, "--snapshot"])
            .arg(snapshot)
            .arg("--config")
            .arg(root().join("examples/isms/annexa.toml"))
            .output()
            .expect("runs");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["clause"] == "9.1")
            .cloned()
            .expect("9.1")
    };
    // The example snapshot covers 2026-07-01 .. 2026-09-30.
    let inside = item_9_1(&collected, "2026-07-01..2026-09-30");
    assert_eq!(inside["state"], "met", "{inside:#}");
    let beyond = item_9_1(&collected, "2026-07-01..2026-11-25");
    assert_eq!(beyond["state"], "not met", "{beyond:#}");
    assert!(
        beyond.to_string().contains("not the whole audit period"),
        "{beyond:#}"
    );
    let synthetic = item_9_1(
        &root().join("examples/platform/github-acme"),
        "2026-07-01..2026-09-30",
    );
    assert_eq!(synthetic["state"], "not met", "{synthetic:#}");
    assert!(synthetic.to_string().contains("synthetic"), "{synthetic:#}");
}
