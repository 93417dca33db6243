//! annexa scans its own repository — the GitHub Action, the GitLab template, the Dockerfile,
//! the pre-commit hook's CI files and the project's own workflow — with its own `annexa.toml`
//! and finds nothing at `--fail-on low`. Every suppression in those files carries its reason.

use crate::{annexa, root};

#[test]
fn annexa_finds_nothing_in_its_own_repository() {
    let out = annexa()
        .current_dir(root())
        .args(["scan", ".", "--format", "json", "--fail-on", "low"])
        .output()
        .expect("run");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    let findings = report["findings"].as_array().expect("findings");
    assert!(
        out.status.success() && findings.is_empty(),
        "annexa reports on its own repository: {:#?}",
        findings
            .iter()
            .map(|f| format!("{} {}", f["check"], f["message"]))
            .collect::<Vec<_>>()
    );
    // It looked at what matters: the project's own integration files were examined.
    let files: Vec<&str> = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    for want in [
        ".github/workflows/ci.yml",
        ".github/CODEOWNERS",
        ".github/dependabot.yml",
    ] {
        assert!(files.contains(&want), "{want} not examined: {files:?}");
    }
    for optional in ["action.yml", "Dockerfile", "templates/annexa.gitlab-ci.yml"] {
        if root().join(optional).exists() {
            assert!(files.contains(&optional), "{optional} not examined");
        }
    }
    // Suppressions in the project's own files say why.
    for s in report["not_examined"]["suppressed"]
        .as_array()
        .expect("suppressed")
    {
        let kind = s["suppression"]["kind"].as_str().unwrap_or_default();
        let why = s["suppression"]["reason"].as_str().unwrap_or_default();
        assert!(
            kind == "inline" && why.trim().len() >= 10,
            "suppression without a reason: {s}"
        );
    }
}
