//! The HTML report (`annexa report --format html`) in headless Chromium: the page renders with
//! no console message and no Content-Security-Policy violation, a hostile workflow or
//! configuration cannot inject script, and the same inputs give the same bytes.
//!
//! Chromium is `$ANNEXA_TEST_CHROMIUM` (`.ci/run` sets it). Under CI (`CI` set) a missing
//! variable fails the test; locally `/usr/bin/chromium` is used when it exists, and the
//! Chromium tests say they skipped when it does not.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{annexa, root};

const AS_OF: &str = "2026-10-15T00:00:00Z";

/// The same payload the brief names, and variations on it.
const EVIL_NAME: &str =
    "</title><script>document.title='pwned'</script><img src=x onerror=alert(1)>";
const EVIL_JOB: &str = "<script>alert(3)</script>";
const EVIL_STEP: &str = "\"><svg onload=alert(4)>";
const EVIL_CONFIG: &str = "</td><script>alert(7)</script><a href=javascript:alert(8)>x</a>";
const EVIL_POLICY: &str = "<iframe src=javascript:alert(9)></iframe>";
const EVIL_FILE: &str = "x<img src=x onerror=alert(10)>.yml";

/// The Chromium to test with, or `None` (locally, when there is none: the test skips).
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ANNEXA_TEST_CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "ANNEXA_TEST_CHROMIUM is not set under CI: the HTML report must be tested in Chromium (`.ci/run` installs Debian's chromium and sets it)"
    );
    let local = Path::new("/usr/bin/chromium");
    if local.exists() {
        Some(local.to_path_buf())
    } else {
        eprintln!("skipped: no Chromium (set ANNEXA_TEST_CHROMIUM, or install /usr/bin/chromium)");
        None
    }
}

/// What Chromium made of a page: the DOM after parsing (and any script, were there one), and
/// every console message it logged (CSP violations are console messages).
struct Rendered {
    dom: String,
    console: Vec<String>,
}

fn render(chromium: &Path, page: &Path) -> Rendered {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("dom.html");
    let err = tmp.path().join("stderr.txt");
    let page = page.canonicalize().expect("page path");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!(
            "--user-data-dir={}",
            tmp.path().join("profile").display()
        ))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(File::create(&out).expect("stdout file"))
        .stderr(File::create(&err).expect("stderr file"))
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for chromium") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = std::fs::read_to_string(&err).unwrap_or_default();
    assert!(status.success(), "chromium failed: {status}\n{stderr}");
    let console = stderr
        .lines()
        .filter(|l| {
            l.contains(":CONSOLE")
                || l.contains("Uncaught")
                || l.contains("Content Security Policy")
                || l.contains("Refused to")
        })
        .map(str::to_owned)
        .collect();
    let dom = std::fs::read_to_string(&out).expect("dom");
    assert!(dom.contains("</html>"), "no DOM dumped:\n{stderr}");
    Rendered { dom, console }
}

/// Every element's name and attribute names in serialised HTML (quoted values skipped, so a
/// `>` or an `on...=` inside a value is not mistaken for markup).
fn elements(html: &str) -> Vec<(String, Vec<String>)> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' || !b.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
            i += 1;
            continue;
        }
        i += 1;
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                i += 1;
                break;
            }
            let a = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/')
            {
                i += 1;
            }
            attrs.push(html[a..i].to_ascii_lowercase());
            if i < b.len() && b[i] == b'=' {
                i += 1;
                match b.get(i) {
                    Some(&q @ (b'"' | b'\'')) => {
                        i += 1;
                        while i < b.len() && b[i] != q {
                            i += 1;
                        }
                        i += 1;
                    }
                    _ => {
                        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                            i += 1;
                        }
                    }
                }
            }
        }
        out.push((name, attrs));
    }
    out
}

/// No script element, no event handler, no `javascript:` URL, nothing loaded by URL.
fn assert_inert(html: &str, what: &str) {
    let els = elements(html);
    for (name, attrs) in &els {
        assert!(
            !matches!(
                name.as_str(),
                "script"
                    | "iframe"
                    | "object"
                    | "embed"
                    | "img"
                    | "link"
                    | "base"
                    | "form"
                    | "frame"
            ),
            "{what}: a <{name}> element"
        );
        for a in attrs {
            assert!(!a.starts_with("on"), "{what}: <{name} {a}=...>");
            assert!(
                !matches!(
                    a.as_str(),
                    "src" | "srcdoc" | "action" | "formaction" | "xlink:href"
                ),
                "{what}: <{name} {a}=...>"
            );
        }
    }
    assert!(
        !html.to_ascii_lowercase().contains("href=\"javascript:"),
        "{what}: a javascript: link"
    );
    // Every link stays inside the page.
    for (n, _) in html.match_indices("href=\"") {
        let v = &html[n + 6..];
        assert!(
            v.starts_with('#'),
            "{what}: a link out of the page: {}",
            &v[..v.len().min(60)]
        );
    }
}

/// annexa.toml and isms/ for the example: an SoA, a scope, risk criteria, a risk, an
/// attestation and a policy.
fn isms(dir: &Path, evil: bool) -> PathBuf {
    let text = |plain: &str| {
        if evil {
            EVIL_CONFIG.to_owned()
        } else {
            plain.to_owned()
        }
    };
    std::fs::create_dir_all(dir.join("isms/policies")).expect("mkdir");
    std::fs::create_dir_all(dir.join("records")).expect("mkdir");
    std::fs::write(
        dir.join("records/access-review.md"),
        "Reviewed 2026-05-01\n",
    )
    .expect("record");
    let config = format!(
        r#"[scope]
statement = "{scope}"
repositories = ["acme/*", "local/*"]

[soa]
version = "2026.1"
approver = "{approver}"
approved-on = 2026-03-01

[[soa.control]]
id = "A.8.32"
applicable = true
reason = "{reason}"
implementation = "CODEOWNERS on .github/, required reviews"

[[soa.control]]
id = "A.8.28"
applicable = true
reason = "We write the code we deliver"

[[soa.control]]
id = "A.7.4"
applicable = false
reason = "No premises of our own: hosted runners only"

[risk-criteria]
accept-at-or-below = 6
approved-by = "Risk committee"
approved-on = "2026-03-01"

[[risk]]
id = "R01"
owner = "{owner}"
likelihood = 3
impact = 5
treatment = "mitigate"
plan = "Pin actions by SHA"

[[risk]]
id = "R23"
applicable = false
reason = "Repositories are mirrored hourly to a second provider"

[[attestation]]
kind = "access-review"
date = "2026-05-01"
owner = "Head of Platform"
record = "records/access-review.md"
"#,
        scope = text("Delivery of the Acme platform"),
        approver = text("Jo Example, CISO"),
        reason = text("Pipelines change production; every change is reviewed"),
        owner = text("Head of Platform"),
    );
    std::fs::write(dir.join("annexa.toml"), config).expect("config");
    let title = if evil {
        EVIL_POLICY
    } else {
        "Change management"
    };
    std::fs::write(
        dir.join("isms/policies/change-management.md"),
        format!(
            "---\nid: POL-CHG\ntitle: \"{title}\"\nowner: Head of Platform\napprover: CISO\napproved-on: 2026-01-10\nreview-interval: 12 months\ncontrols: [A.8.32]\nversion: \"1.0\"\n---\nEvery CI/CD change is reviewed before it reaches production.\n"
        ),
    )
    .expect("policy");
    dir.join("annexa.toml")
}

/// `annexa report --format html` of the example with its platform snapshot.
fn example_report(config: &Path, env: &[(&str, &str)]) -> Vec<u8> {
    let r = root();
    let out = annexa()
        .envs(env.iter().copied())
        .arg("report")
        .arg(r.join("examples/insecure-app"))
        .arg("--snapshot")
        .arg(r.join("examples/platform/github-acme"))
        .arg("--config")
        .arg(config)
        .args([
            "--as-of",
            AS_OF,
            "--period",
            "2026-07-01..2026-09-30",
            "--format",
            "html",
        ])
        .output()
        .expect("run annexa report");
    assert!(
        out.status.success(),
        "annexa report failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn html_report_renders_in_chromium_without_console_errors() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = isms(tmp.path(), false);
    let html = String::from_utf8(example_report(&config, &[])).expect("utf-8");
    // Self-contained and script-free before any browser sees it.
    assert!(html.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:;"
    ));
    assert_inert(&html, "the report");
    let page = tmp.path().join("report.html");
    std::fs::write(&page, &html).expect("write report");

    let Some(chromium) = chromium() else { return };
    // The console capture works: a page that breaks its own policy is reported.
    let canary = tmp.path().join("canary.html");
    std::fs::write(
        &canary,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"><title>canary</title></head><body><p>canary</p><script>console.log('ran')</script></body></html>",
    )
    .expect("canary");
    let c = render(&chromium, &canary);
    assert!(
        c.console
            .iter()
            .any(|l| l.contains("Content Security Policy")),
        "the console capture saw no CSP violation on the canary page: {:?}",
        c.console
    );

    let r = render(&chromium, &page);
    assert!(r.console.is_empty(), "console messages: {:#?}", r.console);
    let dom = &r.dom;
    assert_inert(dom, "the rendered DOM");
    for id in [
        "summary",
        "scope",
        "controls",
        "soa",
        "ncs",
        "actions",
        "risks",
        "acceptances",
        "objectives",
        "suppliers",
        "calendar",
        "populations",
        "findings",
        "passes",
        "crosswalks",
        "not-examined",
    ] {
        assert!(
            dom.contains(&format!("<section id=\"{id}\">")),
            "section {id} not in the DOM"
        );
    }
    assert_eq!(
        dom.matches("<tr id=\"control-").count(),
        93,
        "all 93 controls"
    );
    // Three charts drawn as SVG.
    assert_eq!(dom.matches("<svg ").count(), 3);
    assert!(dom.contains("<figure class=\"chart\" id=\"chart-controls\">"));
    // The SoA's words, the risk owner beside a proposed likelihood, an indicative grade.
    assert!(dom.contains("Pipelines change production; every change is reviewed"));
    assert!(dom.contains("version 2026.1"));
    assert!(dom.contains("Head of Platform"));
    assert!(dom.contains("proposed, from"));
    assert!(dom.contains("indicative grade: "));
    assert!(dom.contains("Opportunities for improvement"));
    // The synthetic snapshot's populations are not system evidence, and say so.
    assert!(dom.contains("changes — acme"));
    assert!(dom.contains("these counts are not system evidence"));
    // Findings with a snippet whose span is marked; the crosswalk tabs, first one chosen.
    assert!(dom.contains("<pre class=\"snippet\">"));
    assert!(dom.contains("<mark>"));
    assert_eq!(
        dom.matches("name=\"crosswalk\"").count(),
        annexa_report::crosswalk::FRAMEWORKS.len()
    );
    assert_eq!(dom.matches(" checked=\"\"").count(), 1);
    assert!(dom.contains("id=\"cw-soc2\" checked=\"\""));
    assert!(dom.contains("judgement"));
    // What was not examined: the broken workflow and the synthetic snapshot.
    assert!(dom.contains("broken.yml"));
    assert!(dom.contains("built from a description, not collected (synthetic)"));
}

#[test]
fn html_report_hostile_names_cannot_inject_script() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("evil");
    let wf = repo.join(".github/workflows");
    std::fs::create_dir_all(&wf).expect("mkdir");
    let yaml_str = |s: &str| format!("'{}'", s.replace('\'', "''"));
    std::fs::write(
        wf.join("ci.yml"),
        format!(
            "name: {name}\non: pull_request_target\njobs:\n  build:\n    name: {job}\n    runs-on: [self-hosted, linux]\n    steps:\n      - name: {step}\n        uses: actions/checkout@v4\n        with:\n          ref: ${{{{ github.event.pull_request.head.sha }}}}\n      - name: {step}\n        run: echo \"${{{{ github.event.issue.title }}}}\" {name}\n",
            name = yaml_str(EVIL_NAME),
            job = yaml_str(EVIL_JOB),
            step = yaml_str(EVIL_STEP),
        ),
    )
    .expect("workflow");
    std::fs::write(
        wf.join(EVIL_FILE),
        format!(
            "on: push\njobs:\n  {job}:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: evil/action@main\n",
            job = yaml_str(EVIL_JOB)
        ),
    )
    .expect("evil file name");
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .status()
            .expect("git")
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    git(&[
        "remote",
        "add",
        "origin",
        "https://github.com/acme/evil.git",
    ]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "init"]);
    let config = isms(tmp.path(), true);
    let out = annexa()
        .arg("report")
        .arg(&repo)
        .arg("--config")
        .arg(&config)
        .args(["--as-of", AS_OF, "--format", "html"])
        .output()
        .expect("run annexa report");
    assert!(
        out.status.success(),
        "annexa report failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = String::from_utf8(out.stdout).expect("utf-8");
    assert_inert(&html, "the report");
    // The payloads are there, as text.
    let escaped = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    for payload in [EVIL_JOB, EVIL_CONFIG, EVIL_POLICY, EVIL_FILE] {
        assert!(
            html.contains(&escaped(payload).replace('"', "&quot;")),
            "payload not shown escaped: {payload}"
        );
    }
    let page = tmp.path().join("report.html");
    std::fs::write(&page, &html).expect("write report");

    let Some(chromium) = chromium() else { return };
    let r = render(&chromium, &page);
    // Had any payload become markup, the CSP would have blocked it and logged the violation.
    assert!(r.console.is_empty(), "console messages: {:#?}", r.console);
    assert_inert(&r.dom, "the rendered DOM");
    let title_at = r.dom.find("<title>").expect("title");
    assert!(
        r.dom[title_at..].starts_with(&format!("<title>annexa ISMS report as of {AS_OF}</title>")),
        "the title changed"
    );
    assert!(!r.dom.contains("pwned</title>"));
    // Text nodes serialise `<` and `>` escaped: the payloads are text, not elements.
    for payload in [
        EVIL_JOB,
        EVIL_POLICY,
        EVIL_FILE,
        EVIL_CONFIG,
        // The workflow name (in a snippet, as YAML quotes it) and the step name.
        "</title><script>document.title=''pwned''</script><img src=x onerror=alert(1)>",
        "<svg onload=alert(4)>",
    ] {
        assert!(
            r.dom.contains(&escaped(payload)),
            "payload not text in the DOM: {payload}"
        );
    }
}

#[test]
fn html_report_is_deterministic() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = isms(tmp.path(), false);
    let a = example_report(&config, &[]);
    // Another time zone, locale and thread count change nothing.
    let b = example_report(
        &config,
        &[
            ("TZ", "Pacific/Kiritimati"),
            ("LC_ALL", "de_DE.UTF-8"),
            ("RAYON_NUM_THREADS", "1"),
        ],
    );
    assert!(a == b, "two renders with the same --as-of differ");
    assert!(
        a.len() > 100_000,
        "the report is suspiciously small: {} bytes",
        a.len()
    );
}
