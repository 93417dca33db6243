//! JUnit XML: one test suite per check, one test case per observed subject. A `fail` is a
//! failure, an `unknown` or a suppressed finding is skipped with its reason, a `pass` passes.
//! Not-relevant observations are left out. No timestamps, so output is deterministic.

use annexa_model::Outcome;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::ReportInput;

pub fn render(input: &ReportInput<'_>) -> String {
    let scan = input.scan;
    let mut report = Report::new("annexa");
    for meta in &scan.checks {
        let mut suite = TestSuite::new(meta.id.as_str());
        for o in scan
            .observations
            .iter()
            .filter(|o| o.check == meta.id && o.outcome != Outcome::NotRelevant)
        {
            let status = match (&o.outcome, &o.suppression) {
                (Outcome::Pass, _) => TestCaseStatus::success(),
                (Outcome::Fail, None) => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(o.message.clone());
                    s.set_type(o.severity.as_str());
                    s
                }
                (Outcome::Fail, Some(sup)) => {
                    let mut s = TestCaseStatus::skipped();
                    let why = crate::suppression_text(sup);
                    s.set_message(format!("{why}: {}", o.message));
                    s
                }
                _ => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(format!("unknown: {}", o.message));
                    s
                }
            };
            let at = crate::location_text(scan, o, false);
            let mut case = TestCase::new(format!("{at} {}", o.subject.locator()), status);
            case.set_classname(meta.id.as_str());
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    // What was not examined is part of every report: unreadable files as errors, files
    // examined in part as failures, excluded files as skipped.
    let mut files = TestSuite::new("annexa/not-examined");
    for d in &scan.diagnostics {
        let kind = if d.kind.is_skip() {
            NonSuccessKind::Error
        } else {
            NonSuccessKind::Failure
        };
        let mut s = TestCaseStatus::non_success(kind);
        s.set_message(d.message.clone());
        s.set_type(d.kind.as_str());
        let mut case = TestCase::new(crate::display_path(scan, d.repo, &d.path), s);
        case.set_classname("annexa/not-examined");
        files.add_test_case(case);
    }
    for e in &scan.excluded {
        let mut s = TestCaseStatus::skipped();
        s.set_message(format!("excluded by `{}`", e.pattern));
        let mut case = TestCase::new(crate::display_path(scan, e.repo, &e.path), s);
        case.set_classname("annexa/not-examined");
        files.add_test_case(case);
    }
    report.add_test_suite(files);
    report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- JUnit serialisation failed: {e} -->\n"))
}
