//! `--format junit`: JUnit XML, which every CI system renders.
//!
//! One test suite per file; one failing test case per finding, and one
//! passing case for a file without findings, so a clean file shows as a pass.
//! Read and parse errors are test cases in error.

use std::collections::BTreeMap;
use std::io::{self, Write};

use quick_junit::{NonSuccessKind, Report as JUnitReport, TestCase, TestCaseStatus, TestSuite};

use crate::Report;

/// Writes the report as JUnit XML.
pub fn write_junit(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut suites: BTreeMap<&str, TestSuite> = report
        .scanned
        .iter()
        .map(|file| (&**file, TestSuite::new(file.to_string())))
        .collect();
    for f in &report.findings {
        let suite = suites
            .entry(&f.location.file)
            .or_insert_with(|| TestSuite::new(f.location.file.to_string()));
        // A waived finding, or a user policy's warning, is a skipped test:
        // visible, not failing.
        let mut status = if f.waiver.is_some() || !f.enforcement.is_enforce() {
            TestCaseStatus::skipped()
        } else {
            TestCaseStatus::non_success(NonSuccessKind::Failure)
        };
        status.set_message(match &f.waiver {
            Some(w) => format!("waived: {} ({})", w.justification, f.message),
            None if !f.enforcement.is_enforce() => {
                format!("{}: {}", f.enforcement.as_str(), f.message)
            }
            None => f.message.clone(),
        });
        status.set_type(f.severity.as_str());
        status.set_description(format!(
            "{}:{}:{}: {} [{}] {}",
            f.location.file,
            f.location.line,
            f.location.column,
            f.resource.display_name(),
            f.field,
            report.control(f.control).map_or("", |m| m.remediation())
        ));
        let mut case = TestCase::new(
            format!("{} {}", f.control, f.resource.display_name()),
            status,
        );
        case.set_classname(f.control);
        suite.add_test_case(case);
    }
    for e in &report.errors {
        let suite = suites
            .entry(&e.file)
            .or_insert_with(|| TestSuite::new(e.file.to_string()));
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message(e.to_string());
        status.set_type("load-error");
        let case = TestCase::new(format!("load {}", e.file), status);
        suite.add_test_case(case);
    }
    let mut junit = JUnitReport::new("palisade");
    for (file, suite) in &mut suites {
        if suite.test_cases.is_empty() {
            suite.add_test_case(TestCase::new(
                format!("scan {file}"),
                TestCaseStatus::success(),
            ));
        }
    }
    junit.add_test_suites(suites.into_values());
    if let Some(compared) = &report.compared {
        junit.add_test_suite(comparison_suite(compared));
    }
    junit.serialize(&mut *out).map_err(io::Error::other)?;
    writeln!(out)
}

/// With `--compat`: one skipped case (visible, not failing) per control
/// the two readings judge differently; the report's verdicts are the
/// tool's.
fn comparison_suite(compared: &crate::Comparison) -> TestSuite {
    let mut suite = TestSuite::new(format!(
        "{}'s reading compared with Palisade's",
        compared.reading
    ));
    let verdict = |fails: bool| if fails { "fails" } else { "passes" };
    for d in &compared.differences {
        let mut status = TestCaseStatus::skipped();
        status.set_message(format!(
            "{} {}, Palisade {}: {}",
            compared.reading,
            verdict(d.reported_fails),
            verdict(d.palisade_fails),
            d.message
        ));
        status.set_type("reading-differs");
        let mut case = TestCase::new(format!("{} {}", d.control, d.resource), status);
        case.set_classname(d.control);
        suite.add_test_case(case);
    }
    if compared.differences.is_empty() {
        suite.add_test_case(TestCase::new(
            format!("{} and Palisade agree", compared.reading),
            TestCaseStatus::success(),
        ));
    }
    suite
}
