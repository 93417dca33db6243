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
        out.stderr.is_empty() || out.status.code().is_some(),
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
        "supplier-management/A.5.22",
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

/// Corrective actions are verified over recorded runs: not effective while the nonconformity
/// is raised, effective after N consecutive clean runs, recurred when it comes back; the
/// period's monitoring gaps are read from the same ledger.
#[test]
fn corrective_actions_are_verified_over_recorded_runs_and_recurrence_is_flagged() {
    let tmp = tempfile::tempdir().expect("tmp");
    let key = tmp.path().join("key.hex");
    assert!(
        annexa()
            .args(["evidence", "keygen", "--out"])
            .arg(&key)
            .output()
            .expect("keygen")
            .status
            .success()
    );
    let store = tmp.path().join("evidence.db");
    let repo = tmp.path().join("app");
    let wf = repo.join(".github/workflows");
    std::fs::create_dir_all(&wf).expect("mkdir");
    let cases = root().join("fixtures/ncs/change-management");
    let broken = std::fs::read_to_string(cases.join("raises/repo/.github/workflows/deploy.yml"))
        .expect("broken");
    let fixed = std::fs::read_to_string(cases.join("clean/repo/.github/workflows/deploy.yml"))
        .expect("fixed");
    std::fs::write(
        repo.join(".github/CODEOWNERS"),
        std::fs::read(cases.join("clean/repo/.github/CODEOWNERS")).expect("owners"),
    )
    .expect("owners");
    let config = tmp.path().join("annexa.toml");
    std::fs::write(
        &config,
        format!(
            "{}\n[[action]]\nid = \"CA-1\"\nnc = \"change-management/A.8.32\"\ncorrection = \"Gated the deploy job by hand.\"\nroot-cause = \"Deploy jobs were written without an environment.\"\naction = \"Every deploy job targets the protected production environment.\"\nowner = \"Platform Lead\"\nraised-on = \"2026-11-01\"\ndue = \"2026-11-20\"\ncompleted-on = \"2026-11-03\"\n\n[actions]\nverify-runs = 3\n",
            std::fs::read_to_string(cases.join("raises/annexa.toml")).expect("soa")
        ),
    )
    .expect("config");
    let record = |day: u32, workflow: &str| {
        std::fs::write(wf.join("deploy.yml"), workflow).expect("workflow");
        let out = annexa()
            .args(["scan", "--record", "--store"])
            .arg(&store)
            .arg("--signing-key-file")
            .arg(&key)
            .arg("--config")
            .arg(&config)
            .args(["--as-of", &format!("2026-11-{day:02}T12:00:00Z")])
            .arg(&repo)
            .output()
            .expect("scan");
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let status = |day: u32| -> (Option<i32>, serde_json::Value) {
        let out = annexa()
            .args(["actions", "--format", "json", "--ledger"])
            .arg(&store)
            .arg("--config")
            .arg(&config)
            .args(["--as-of", &format!("2026-11-{day:02}T18:00:00Z")])
            .arg(&repo)
            .output()
            .expect("actions");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        (out.status.code(), v["actions"][0].clone())
    };
    // Raised before completion and still raised after it: not effective.
    record(2, &broken);
    record(4, &broken);
    let (code, a) = status(4);
    assert_eq!(
        (code, a["status"].as_str()),
        (Some(1), Some("not-effective")),
        "{a:#}"
    );
    // Fixed: one recorded clean run and this one are not yet enough...
    record(5, &fixed);
    let (code, a) = status(5);
    assert_eq!(
        (code, a["status"].as_str()),
        (Some(0), Some("awaiting-verification")),
        "{a:#}"
    );
    assert_eq!(a["clean_runs"], 2);
    // ...a second recorded one with this run makes three consecutive: effective...
    record(6, &fixed);
    let (code, a) = status(6);
    assert_eq!(
        (code, a["status"].as_str()),
        (Some(0), Some("effective")),
        "{a:#}"
    );
    assert_eq!(a["clean_runs"], 3);
    // ...and a later failure is a recurrence, itself a potential nonconformity (10.2).
    record(7, &fixed);
    record(9, &broken);
    let (code, a) = status(9);
    assert_eq!(
        (code, a["status"].as_str()),
        (Some(1), Some("recurred")),
        "{a:#}"
    );
    let out = annexa()
        .args([
            "ncs",
            "--format",
            "json",
            "--period",
            "2026-10-01..2026-11-09",
            "--ledger",
        ])
        .arg(&store)
        .arg("--config")
        .arg(&config)
        .args(["--as-of", "2026-11-09T18:00:00Z"])
        .arg(&repo)
        .output()
        .expect("ncs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let by_id = |id: &str| {
        v["nonconformities"]
            .as_array()
            .expect("ncs")
            .iter()
            .find(|n| n["id"] == id)
            .cloned()
    };
    let ca = by_id("corrective-action/CA-1").expect("10.2 raised");
    assert_eq!(ca["grade"], "major");
    assert_eq!(ca["requirement"]["id"], "clause 10.2");
    // October has no recorded run: a 32-day gap in the period's monitoring evidence (9.1).
    let gap = by_id("monitoring/9.1").expect("9.1 raised");
    assert!(
        gap.to_string()
            .contains("no recorded run from 2026-10-01 to 2026-11-01 (32 days)"),
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
