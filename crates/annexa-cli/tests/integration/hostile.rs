//! Hostile input: each bad file gets a clear diagnostic naming it, the rest of the run goes on,
//! and memory stays bounded — enforced with an address-space rlimit on the real binary, not a
//! timer.

use std::io::Write as _;
use std::os::unix::process::CommandExt as _;
use std::path::Path;

const GOOD: &str = "on: pull_request\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n";

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, bytes).expect("write");
}

fn alias_bomb() -> String {
    let mut s = String::from(
        "a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n",
    );
    for i in 1..16 {
        let p = format!("*a{}", i - 1);
        s.push_str(&format!("a{i}: &a{i} [{}]\n", vec![p; 9].join(", ")));
    }
    s.push_str(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo *a15\n",
    );
    s
}

fn block_nesting(depth: usize) -> String {
    let mut s = String::from("on: push\njobs:\n");
    for d in 0..depth {
        s.push_str(&" ".repeat(2 * (d + 1)));
        s.push_str(&format!("k{d}:\n"));
    }
    s.push_str(&" ".repeat(2 * (depth + 1)));
    s.push_str("v: 1\n");
    s
}

#[test]
fn hostile_files_are_diagnosed_and_the_run_goes_on() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    let wf = ".github/workflows";
    write(&repo, &format!("{wf}/good.yml"), GOOD.as_bytes());
    write(&repo, &format!("{wf}/bomb.yml"), alias_bomb().as_bytes());
    write(
        &repo,
        &format!("{wf}/deep-flow.yml"),
        format!(
            "on: push\njobs: {}1{}\n",
            "[".repeat(10_000),
            "]".repeat(10_000)
        )
        .as_bytes(),
    );
    write(
        &repo,
        &format!("{wf}/deep-block.yml"),
        block_nesting(300).as_bytes(),
    );
    write(
        &repo,
        &format!("{wf}/deep-flow-300.yml"),
        format!("on: push\njobs: {}1{}\n", "[".repeat(300), "]".repeat(300)).as_bytes(),
    );
    write(
        &repo,
        &format!("{wf}/invalid-utf8.yml"),
        b"on: push\njobs:\n  a:\n    runs-on: \xff\xfe\n",
    );
    write(
        &repo,
        &format!("{wf}/binary.yml"),
        b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00",
    );
    {
        let mut f = std::fs::File::create(repo.join(format!("{wf}/huge.yml"))).expect("huge");
        let line = b"# padding padding padding padding padding padding padding padding padding\n";
        for _ in 0..(50 * 1024 * 1024 / line.len() + 1) {
            f.write_all(line).expect("write");
        }
    }
    let outside = tmp.path().join("outside.yml");
    std::fs::write(&outside, GOOD).expect("outside");
    std::os::unix::fs::symlink(&outside, repo.join(format!("{wf}/escape.yml"))).expect("symlink");

    let bin = assert_cmd::cargo::cargo_bin("annexa");
    let mut cmd = std::process::Command::new(bin);
    cmd.arg("scan")
        .arg(&repo)
        .args(["--format", "json", "--as-of", "2026-01-01T00:00:00Z"]);
    // 1 GiB of address space: an expanded alias bomb or a 50 MB read-and-parse would not fit
    // next to the thread stacks and allocator arenas.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 1 << 30,
                rlim_max: 1 << 30,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().expect("run annexa");
    assert!(
        out.status.success(),
        "exit {:?}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    let diags = report["diagnostics"].as_array().expect("diagnostics");
    let kind_of = |name: &str| -> Option<String> {
        diags
            .iter()
            .find(|d| d["path"].as_str() == Some(&format!("{wf}/{name}")))
            .map(|d| {
                format!(
                    "{}: {}",
                    d["kind"].as_str().unwrap_or(""),
                    d["message"].as_str().unwrap_or("")
                )
            })
    };
    let expect = [
        ("bomb.yml", "syntax"),
        ("deep-flow.yml", "too-deep"),
        ("deep-block.yml", "too-deep"),
        ("deep-flow-300.yml", "too-deep"),
        ("invalid-utf8.yml", "invalid-utf8"),
        ("binary.yml", "binary"),
        ("huge.yml", "too-large"),
        ("escape.yml", "symlink-outside-tree"),
    ];
    for (name, kind) in expect {
        let got = kind_of(name).unwrap_or_else(|| panic!("{name}: no diagnostic in {diags:#?}"));
        assert!(got.starts_with(kind), "{name}: expected {kind}, got {got}");
        assert!(
            got.len() > kind.len() + 10,
            "{name}: diagnostic says too little: {got}"
        );
    }
    // The rest of the run went on: the good file was examined and produced its finding.
    let findings = report["findings"].as_array().expect("findings");
    assert!(
        findings
            .iter()
            .any(|f| f["check"] == "unpinned-external-code"
                && f["locations"][0]["path"] == format!("{wf}/good.yml"))
    );
    assert_eq!(report["summary"]["files_not_examined"], 8);
    assert_eq!(
        report["not_examined"]["files"].as_array().map(Vec::len),
        Some(8)
    );
}
