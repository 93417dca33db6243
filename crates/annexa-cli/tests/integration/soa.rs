//! `annexa soa`: the Statement of Applicability from `[soa]` in annexa.toml and a scan.

use std::path::Path;

use crate::annexa;

const WORKFLOW: &str = "on: push
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          persist-credentials: false
      - run: make test
";

const CONFIG: &str = r#"[soa]
version = "2026.1"
approver = "Jo Example, CISO"
approved-on = 2026-03-01

[[soa.control]]
id = "A.8.32"
applicable = true
reason = "Pipelines change production; changes are reviewed"
implementation = "CODEOWNERS on .github/, \"required\" reviews"

[[soa.control]]
id = "A.5.1"
applicable = true
reason = "Policies, approved by management"

[[soa.control]]
id = "A.5.21"
applicable = false
reason = "No ICT supply chain, we say"
"#;

fn repo(config: Option<&str>) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tmp");
    let wf = tmp.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).expect("mkdir");
    std::fs::write(wf.join("ci.yml"), WORKFLOW).expect("write");
    if let Some(c) = config {
        std::fs::write(tmp.path().join("annexa.toml"), c).expect("write");
    }
    tmp
}

fn soa(dir: &Path, format: &str) -> String {
    let out = annexa()
        .args([
            "soa",
            "--as-of",
            "2026-11-26T00:00:00Z",
            "--format",
            format,
            "--path",
        ])
        .arg(dir)
        .assert()
        .success();
    String::from_utf8(out.get_output().stdout.clone()).expect("utf-8")
}

#[test]
fn csv_has_every_control_and_the_decisions() {
    let tmp = repo(Some(CONFIG));
    let text = soa(tmp.path(), "csv");
    assert_eq!(text.lines().count(), 94, "{text}");
    // Deterministic for the same as-of.
    assert_eq!(text, soa(tmp.path(), "csv"));

    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("header").clone();
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let records: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .expect("parses back");
    assert_eq!(records.len(), 93);
    let (control, declared, overall) = (col("control"), col("declared"), col("overall"));
    for r in &records {
        let expected = match &r[control] {
            "A.8.32" | "A.5.1" => "applicable",
            "A.5.21" => "excluded",
            _ => "undeclared",
        };
        assert_eq!(&r[declared], expected, "{r:?}");
        // Files alone never reach implemented.
        assert_ne!(&r[overall], "implemented", "{r:?}");
        assert_eq!(&r[col("soa_version")], "2026.1");
        assert_eq!(&r[col("soa_approver")], "Jo Example, CISO");
        assert_eq!(&r[col("soa_approved_on")], "2026-03-01");
        assert_eq!(&r[col("as_of")], "2026-11-26T00:00:00Z");
    }
    let row = |id: &str| {
        records
            .iter()
            .find(|r| &r[control] == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    // Excluded, and the failing evidence stays visible beside the exclusion.
    let excluded = row("A.5.21");
    assert_eq!(&excluded[overall], "excluded");
    assert_ne!(&excluded[col("fail")], "0", "{excluded:?}");
    assert!(excluded[col("checks")].contains("unpinned-external-code"));
    assert!(matches!(
        &excluded[col("design")],
        "does-not-meet" | "partly"
    ));
    assert_eq!(&excluded[col("excluded_but_failing")], "true");
    assert_eq!(&excluded[col("reason")], "No ICT supply chain, we say");
    // Quoting survives commas and quotes.
    let applicable = row("A.8.32");
    assert_ne!(&applicable[overall], "excluded");
    assert_eq!(
        &applicable[col("implementation")],
        "CODEOWNERS on .github/, \"required\" reviews"
    );
    assert_eq!(
        &row("A.5.1")[col("reason")],
        "Policies, approved by management"
    );
    assert_eq!(&row("A.5.2")[col("reason")], "");
}

#[test]
fn markdown_names_the_version_and_approver() {
    let tmp = repo(Some(CONFIG));
    let text = soa(tmp.path(), "markdown");
    assert!(text.contains("**SoA version:** 2026.1"), "{text}");
    assert!(text.contains("**Approved by:** Jo Example, CISO"), "{text}");
    assert!(text.contains("**Approved on:** 2026-03-01"), "{text}");
    assert!(
        text.contains("2 applicable, 1 excluded, 90 undeclared (of 93)"),
        "{text}"
    );
    assert_eq!(text.lines().filter(|l| l.starts_with("| A.")).count(), 93);
    assert!(
        text.contains("**Excluded by the SoA, yet evidence about them fails:**\n- A.5.21"),
        "{text}"
    );
    assert!(text.contains("**Not examined:**"), "{text}");
    assert!(!text.contains("no ISMS configuration was read"), "{text}");
}

#[test]
fn config_errors_name_the_line() {
    let bad_id = CONFIG.replace("\"A.5.1\"", "\"A.5.99\"");
    let tmp = repo(Some(&bad_id));
    annexa()
        .args(["soa", "--path"])
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "annexa.toml:13:6: unknown Annex A control id `A.5.99`",
        ));
    let no_reason = CONFIG.replace("reason = \"No ICT supply chain, we say\"\n", "");
    let tmp = repo(Some(&no_reason));
    annexa()
        .args(["soa", "--path"])
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "annexa.toml:17:1: A.5.21 has no `reason`",
        ));
    // The scan reads the same section and refuses it the same way.
    annexa()
        .arg("scan")
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("A.5.21 has no `reason`"));
}

#[test]
fn a_scan_of_files_alone_never_yields_implemented() {
    // Without an SoA every control is undeclared; with one, applicable still needs evidence
    // beyond files.
    for config in [None, Some(CONFIG)] {
        let tmp = repo(config);
        let text = soa(tmp.path(), "csv");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let overall = reader
            .headers()
            .expect("header")
            .iter()
            .position(|h| h == "overall")
            .expect("overall");
        let mut n = 0;
        for r in reader.records() {
            let r = r.expect("record");
            assert_ne!(&r[overall], "implemented", "{r:?}");
            if config.is_none() {
                assert_eq!(&r[2], "undeclared");
            }
            n += 1;
        }
        assert_eq!(n, 93);
    }
    // The scan's own control status takes the SoA too.
    let tmp = repo(Some(CONFIG));
    let out = annexa()
        .args(["controls", "--format", "json", "--path"])
        .arg(tmp.path())
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout);
    assert!(text.contains("excluded"), "{text}");
}

#[test]
fn xlsx_reads_back_with_the_same_rows_as_the_csv() {
    use calamine::{Reader as _, Xlsx};
    let dir = repo(Some(CONFIG));
    let out = tempfile::tempdir().expect("tmp");
    let book = out.path().join("soa.xlsx");
    let write = |path: &Path| {
        annexa()
            .args([
                "soa",
                "--as-of",
                "2026-11-26T00:00:00Z",
                "--format",
                "xlsx",
                "--output",
            ])
            .arg(path)
            .arg("--path")
            .arg(dir.path())
            .assert()
            .success();
    };
    write(&book);
    // Without --output a workbook is refused rather than sent to a terminal.
    annexa()
        .args(["soa", "--format", "xlsx", "--path"])
        .arg(dir.path())
        .assert()
        .code(2);
    let mut wb: Xlsx<_> = calamine::open_workbook(&book).expect("an xlsx workbook");
    let range = wb.worksheet_range("SoA").expect("the SoA sheet");
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let csv_text = soa(dir.path(), "csv");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let csv_rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("row").iter().map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 94);
    assert_eq!(rows[0], header);
    assert_eq!(&rows[1..], &csv_rows[..]);
    // Deterministic: the same inputs and as-of give the same bytes.
    let again = out.path().join("again.xlsx");
    write(&again);
    assert_eq!(
        std::fs::read(&book).expect("read"),
        std::fs::read(&again).expect("read")
    );
}
