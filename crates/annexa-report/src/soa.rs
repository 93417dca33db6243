//! The Statement of Applicability (ISO/IEC 27001:2022 6.1.3 d): all 93 Annex A controls, one
//! row each, with the SoA decision (declared, reason, implementation notes), the status
//! dimensions and the overall status the assessment derived, the checks mapped and the
//! evidence counts. CSV (one header line, then one line per control) and Markdown.
//!
//! Pure: the rows are the assessment's conclusions and the SoA's words, formatted. The output
//! types here ([`SoaRow`]) are this report's own.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use annexa_model::ControlId;
use annexa_model::status::{Declared, Level};

use crate::ReportInput;
use crate::markdown::escape;

/// The SoA as written in `annexa.toml` (`[soa]`), as the reporter receives it.
#[derive(Clone, Debug, Default)]
pub struct SoaDocument<'a> {
    pub version: Option<&'a str>,
    pub approver: Option<&'a str>,
    /// `YYYY-MM-DD`.
    pub approved_on: Option<&'a str>,
    pub decisions: Vec<SoaNote<'a>>,
}

/// The words of one SoA decision (whether it includes or excludes is the assessment's
/// declared dimension).
#[derive(Clone, Debug)]
pub struct SoaNote<'a> {
    pub control: ControlId,
    /// Reason for inclusion, or justification for exclusion.
    pub reason: &'a str,
    pub implementation: Option<&'a str>,
}

/// One row of the SoA report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SoaRow {
    pub control: String,
    pub title: String,
    /// `applicable`, `excluded` or `undeclared`.
    pub declared: &'static str,
    pub reason: String,
    pub implementation: String,
    /// A level, or `not-required` when the control has no requirement of that kind.
    pub design: &'static str,
    pub operation: &'static str,
    pub attestation: &'static str,
    pub overall: &'static str,
    /// The checks mapped to the control, in registry order.
    pub checks: Vec<String>,
    pub pass: usize,
    pub fail: usize,
    pub unknown: usize,
    /// Excluded by the SoA while evidence about it fails (SoA-vs-observed drift).
    pub excluded_but_failing: bool,
}

/// The CSV columns, in order.
pub const CSV_HEADER: [&str; 19] = [
    "control",
    "title",
    "declared",
    "reason",
    "implementation",
    "design",
    "operation",
    "attestation",
    "overall",
    "checks",
    "pass",
    "fail",
    "unknown",
    "excluded_but_failing",
    "soa_version",
    "soa_approver",
    "soa_approved_on",
    "as_of",
    "tool_version",
];

pub fn declared_str(d: Declared) -> &'static str {
    match d {
        Declared::Undeclared => "undeclared",
        Declared::Applicable => "applicable",
        Declared::Excluded => "excluded",
    }
}

fn level_str(l: Option<Level>) -> &'static str {
    l.map_or("not-required", Level::as_str)
}

/// All 93 rows, in catalogue order.
pub fn rows(input: &ReportInput<'_>, soa: &SoaDocument<'_>) -> Vec<SoaRow> {
    let notes: BTreeMap<ControlId, &SoaNote<'_>> =
        soa.decisions.iter().map(|n| (n.control, n)).collect();
    input
        .assessment
        .controls
        .iter()
        .map(|c| {
            let note = notes.get(&c.control);
            SoaRow {
                control: c.control.code().to_owned(),
                title: c.control.info().title.to_owned(),
                declared: declared_str(c.dimensions.declared),
                reason: note.map_or(String::new(), |n| n.reason.to_owned()),
                implementation: note
                    .and_then(|n| n.implementation)
                    .unwrap_or_default()
                    .to_owned(),
                design: level_str(c.dimensions.design),
                operation: level_str(c.dimensions.operation),
                attestation: level_str(c.dimensions.attestation),
                overall: c.overall.as_str(),
                checks: c
                    .design
                    .iter()
                    .map(|e| e.check.as_str().to_owned())
                    .collect(),
                pass: c.design.iter().map(|e| e.pass).sum(),
                fail: c.design.iter().map(|e| e.fail).sum(),
                unknown: c.design.iter().map(|e| e.unknown).sum(),
                excluded_but_failing: c.excluded_but_failing(),
            }
        })
        .collect()
}

/// The SoA as CSV (RFC 4180 quoting, `\n` line ends): a header, then one line per control.
/// The SoA's rows as text cells, the same for CSV and XLSX.
fn records(input: &ReportInput<'_>, soa: &SoaDocument<'_>) -> Vec<[String; 19]> {
    let mut out = Vec::new();
    for r in rows(input, soa) {
        let record = [
            r.control,
            r.title,
            r.declared.to_owned(),
            r.reason,
            r.implementation,
            r.design.to_owned(),
            r.operation.to_owned(),
            r.attestation.to_owned(),
            r.overall.to_owned(),
            r.checks.join(";"),
            r.pass.to_string(),
            r.fail.to_string(),
            r.unknown.to_string(),
            r.excluded_but_failing.to_string(),
            soa.version.unwrap_or_default().to_owned(),
            soa.approver.unwrap_or_default().to_owned(),
            soa.approved_on.unwrap_or_default().to_owned(),
            input.as_of.to_owned(),
            input.tool_version.to_owned(),
        ];
        out.push(record);
    }
    out
}

pub fn csv(input: &ReportInput<'_>, soa: &SoaDocument<'_>) -> String {
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to memory cannot fail; a failure would only lose the row.
    let _ = w.write_record(CSV_HEADER);
    for record in records(input, soa) {
        let _ = w.write_record(&record);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// The SoA as an XLSX workbook: one sheet, the CSV's columns, a bold frozen header row with
/// filters. Deterministic for the same inputs and `--as-of` (the workbook's creation time is
/// the report's as-of time).
pub fn xlsx(input: &ReportInput<'_>, soa: &SoaDocument<'_>) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut book = Workbook::new();
    let created = input
        .as_of
        .get(..19)
        .and_then(|t| ExcelDateTime::parse_from_str(t).ok())
        .unwrap_or_else(|| ExcelDateTime::from_ymd(2000, 1, 1).expect("a valid date"));
    book.set_properties(
        &DocProperties::new()
            .set_title("Statement of Applicability")
            .set_creation_datetime(&created),
    );
    let sheet = book.add_worksheet();
    sheet.set_name("SoA").map_err(err)?;
    let bold = Format::new().set_bold();
    for (c, h) in CSV_HEADER.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(err)?;
    }
    let records = records(input, soa);
    for (r, record) in records.iter().enumerate() {
        for (c, cell) in record.iter().enumerate() {
            sheet
                .write_string((r + 1) as u32, c as u16, cell)
                .map_err(err)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(err)?;
    sheet
        .autofilter(0, 0, records.len() as u32, (CSV_HEADER.len() - 1) as u16)
        .map_err(err)?;
    sheet.set_column_width(1, 48).map_err(err)?;
    sheet.set_column_width(3, 48).map_err(err)?;
    book.save_to_buffer().map_err(err)
}

/// The SoA as Markdown: the SoA's version and approval, counts, one table row per control,
/// the excluded controls whose evidence fails, and what the run did not examine.
pub fn markdown(input: &ReportInput<'_>, soa: &SoaDocument<'_>) -> String {
    let rows = rows(input, soa);
    let mut out = String::from("# Statement of Applicability\n\n");
    let or_none = |v: Option<&str>| v.map_or("*not given*".to_owned(), escape);
    let _ = writeln!(out, "- **SoA version:** {}", or_none(soa.version));
    let _ = writeln!(out, "- **Approved by:** {}", or_none(soa.approver));
    let _ = writeln!(out, "- **Approved on:** {}", or_none(soa.approved_on));
    let _ = writeln!(
        out,
        "- **Status as of:** {} (annexa {})",
        escape(input.as_of),
        escape(input.tool_version)
    );
    let count = |d: &str| rows.iter().filter(|r| r.declared == d).count();
    let _ = writeln!(
        out,
        "- **Decisions:** {} applicable, {} excluded, {} undeclared (of {})\n",
        count("applicable"),
        count("excluded"),
        count("undeclared"),
        rows.len()
    );
    out.push_str(
        "| Control | Title | Declared | Reason | Implementation | Design | Operation | Attestation | Overall | Checks | Pass / fail / unknown |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for r in &rows {
        let checks = r
            .checks
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} / {} / {} |",
            r.control,
            escape(&r.title),
            r.declared,
            escape(&r.reason),
            escape(&r.implementation),
            r.design,
            r.operation,
            r.attestation,
            r.overall,
            checks,
            r.pass,
            r.fail,
            r.unknown
        );
    }
    let drift: Vec<&SoaRow> = rows.iter().filter(|r| r.excluded_but_failing).collect();
    if !drift.is_empty() {
        out.push_str("\n**Excluded by the SoA, yet evidence about them fails:**\n");
        for r in drift {
            let _ = writeln!(
                out,
                "- {} {} — {} failing observation(s); justification: {}",
                r.control,
                escape(&r.title),
                r.fail,
                escape(&r.reason)
            );
        }
    }
    let scan = input.scan;
    let skipped = scan.diagnostics.iter().filter(|d| d.kind.is_skip()).count();
    let _ = writeln!(
        out,
        "\n**Not examined:** {skipped} file(s) could not be read or parsed, {} excluded by configuration.",
        scan.excluded.len()
    );
    out.push_str("\n**Evidence this run did not have:**\n");
    let soa_read = soa.version.is_some() || !soa.decisions.is_empty();
    for m in crate::json::missing_sources(scan, soa_read) {
        let _ = writeln!(out, "- {m}");
    }
    out
}

impl<'a> SoaDocument<'a> {
    /// The SoA as the ISMS view carries it.
    pub fn from_meta(meta: &'a annexa_assess::isms::SoaMeta) -> SoaDocument<'a> {
        SoaDocument {
            version: meta.version.as_deref(),
            approver: meta.approver.as_deref(),
            approved_on: meta.approved_on.as_deref(),
            decisions: meta
                .decisions
                .iter()
                .map(|d| SoaNote {
                    control: d.control,
                    reason: &d.reason,
                    implementation: d.implementation.as_deref(),
                })
                .collect(),
        }
    }
}
