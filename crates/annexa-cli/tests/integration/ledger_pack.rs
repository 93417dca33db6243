//! `annexa evidence export`, `annexa evidence verify PACK.zip` and `annexa sample` end to end.

use std::path::Path;

use crate::{annexa, root};

fn run(args: &[&str], dir: &Path) -> std::process::Output {
    annexa()
        .current_dir(dir)
        .env("ANNEXA_SIGNING_KEY", "07".repeat(32))
        .env("USER", "carol.jones")
        .args(args)
        .output()
        .expect("run")
}

fn ok(o: &std::process::Output) -> String {
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn export_verify_and_sample_from_the_command_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let repo = root().join("examples/insecure-app");
    let repo = repo.to_str().expect("utf8");
    for day in ["2026-11-01", "2026-11-02", "2026-11-03"] {
        ok(&run(
            &[
                "scan",
                "--format",
                "json",
                "--record",
                "--store",
                "e.db",
                "--as-of",
                &format!("{day}T00:00:00Z"),
                repo,
            ],
            dir,
        ));
    }
    // Export the middle day; verify offline with nothing but the pack.
    ok(&run(
        &[
            "evidence",
            "export",
            "--store",
            "e.db",
            "--period",
            "2026-11-02..2026-11-02",
            "--out",
            "p.zip",
        ],
        dir,
    ));
    let out = ok(&run(&["evidence", "verify", "p.zip"], dir));
    assert!(
        out.contains("runs 2 to 2") && out.contains("verified"),
        "{out}"
    );
    // One flipped byte in the pack: exit 1, the file named.
    let mut bytes = std::fs::read(dir.join("p.zip")).expect("pack");
    let at = bytes
        .windows(9)
        .position(|w| w == b"README.md")
        .expect("entry")
        + 200;
    bytes[at] ^= 0x20;
    std::fs::write(dir.join("bad.zip"), &bytes).expect("write");
    let o = run(&["evidence", "verify", "bad.zip"], dir);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("first problem:"));
    // Pseudonymised: verifies, and the collector's name is nowhere in the pack.
    ok(&run(
        &[
            "evidence",
            "export",
            "--store",
            "e.db",
            "--period",
            "2026-11-01..2026-11-03",
            "--out",
            "q.zip",
            "--pseudonymise",
        ],
        dir,
    ));
    let out = ok(&run(&["evidence", "verify", "q.zip"], dir));
    assert!(out.contains("pseudonymised pack"), "{out}");
    let mut a =
        zip::ZipArchive::new(std::fs::File::open(dir.join("q.zip")).expect("open")).expect("zip");
    for i in 0..a.len() {
        let mut f = a.by_index(i).expect("entry");
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut s).expect("read");
        assert!(
            !String::from_utf8_lossy(&s).contains("carol.jones"),
            "entry {i}"
        );
    }

    // Sampling: freeze, draw twice with the same seed, once with another.
    let out = ok(&run(
        &[
            "sample",
            "freeze",
            "--store",
            "e.db",
            "--population",
            "findings",
            "--period",
            "2026-11-01..2026-11-03",
        ],
        dir,
    ));
    assert!(
        out.contains("freeze 1") && out.contains("population-hash "),
        "{out}"
    );
    let items = |out: &str| -> Vec<String> {
        out.lines()
            .filter(|l| l.starts_with("random") || l.starts_with("judgemental"))
            .map(str::to_owned)
            .collect()
    };
    let draw = |seed: &str| {
        ok(&run(
            &[
                "sample",
                "draw",
                "--store",
                "e.db",
                "--freeze",
                "1",
                "--seed",
                seed,
                "--frequency",
                "daily",
            ],
            dir,
        ))
    };
    let a = draw("4711");
    assert!(
        a.contains("size 20 suggested: a daily control") && a.contains("Source:"),
        "{a}"
    );
    assert_eq!(items(&a).len(), 20);
    assert_eq!(items(&a), items(&draw("4711")));
    assert_ne!(items(&a), items(&draw("4712")));
    let out = ok(&run(&["evidence", "verify", "--store", "e.db"], dir));
    assert!(out.contains("verified"), "{out}");
    // A stored draw changed: `evidence verify` names it.
    let ledger = annexa_ledger::Ledger::open(&dir.join("e.db")).expect("open");
    ledger
        .connection()
        .execute(
            "UPDATE samples SET record = CAST(replace(CAST(record AS TEXT), '\"seed\":\"4711\"', '\"seed\":\"4713\"') AS BLOB) WHERE id = 2",
            [],
        )
        .expect("edit");
    let o = run(&["evidence", "verify", "--store", "e.db"], dir);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("first problem: sample draw 2:"), "{out}");
}

fn entries(zip_path: &Path) -> Vec<(String, Vec<u8>)> {
    let mut a = zip::ZipArchive::new(std::fs::File::open(zip_path).expect("open")).expect("zip");
    (0..a.len())
        .map(|i| {
            let mut f = a.by_index(i).expect("entry");
            let name = f.name().expect("name").into_owned();
            let mut s = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut s).expect("read");
            (name, s)
        })
        .collect()
}

#[test]
fn export_ships_unchanged_inputs_redacted_and_an_html_report() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let app = dir.join("deployapp");
    let wf = app.join(".github/workflows");
    std::fs::create_dir_all(&wf).expect("mkdir");
    let deploy = std::fs::read(root().join(
        "crates/annexa-checks/fixtures/hardcoded-credential/fires/.github/workflows/deploy.yml",
    ))
    .expect("fixture");
    std::fs::write(wf.join("deploy.yml"), &deploy).expect("write");
    std::fs::write(
        wf.join("lint.yml"),
        "on: push\njobs:\n  l:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make lint\n",
    )
    .expect("write");
    ok(&run(
        &[
            "scan",
            "--format",
            "json",
            "--record",
            "--store",
            "e.db",
            "--as-of",
            "2026-11-02T00:00:00Z",
            "deployapp",
        ],
        dir,
    ));
    // Changed after the run: must not ship.
    std::fs::write(wf.join("lint.yml"), "on: push\n# changed\n").expect("write");
    let export = |out: &str| {
        run(
            &[
                "evidence",
                "export",
                "--store",
                "e.db",
                "--period",
                "2026-11-02..2026-11-02",
                "--out",
                out,
                "--files-from",
                "deployapp",
            ],
            dir,
        )
    };
    let o = export("p.zip");
    ok(&o);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("1 input files copied (redacted), 1 left out"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    ok(&export("p2.zip"));
    assert_eq!(
        std::fs::read(dir.join("p.zip")).expect("p"),
        std::fs::read(dir.join("p2.zip")).expect("p2"),
        "the same ledger and folder give the same pack"
    );
    let out = ok(&run(&["evidence", "verify", "p.zip"], dir));
    assert!(
        out.contains("1 redacted input copies match their recorded digests")
            && out.contains("verified"),
        "{out}"
    );
    let files = entries(&dir.join("p.zip"));
    let get = |name: &str| -> &[u8] { &files.iter().find(|f| f.0 == name).expect(name).1 };
    let copy = get("inputs/00000001/local/deployapp/.github/workflows/deploy.yml");
    assert_eq!(copy.len(), deploy.len());
    let text = String::from_utf8_lossy(copy);
    for secret in [
        "s3cr3t-v4lue-1234",
        "hunter2hunter2",
        "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB",
        "registry-pass-0001",
    ] {
        assert!(!text.contains(secret), "{secret} shipped:\n{text}");
    }
    assert_eq!(
        text.lines().count(),
        String::from_utf8_lossy(&deploy).lines().count()
    );
    assert!(text.contains("username: deployer") && text.contains("TOKEN_FILE: /run/secrets/token"));
    assert!(!files.iter().any(|f| f.0.ends_with("lint.yml")));
    let readme = String::from_utf8_lossy(get("README.md"));
    assert!(
        readme.contains("local/deployapp/.github/workflows/lint.yml: changed since the run"),
        "{readme}"
    );
    let html = String::from_utf8_lossy(get("report.html"));
    assert!(
        html.contains("hardcoded-credential") && !html.contains("<script"),
        "{html}"
    );
}
