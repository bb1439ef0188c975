//! `palisade exceptions audit`: the exceptions that need attention (expired,
//! or waiving nothing), in the same formats a scan writes, so a CI job can
//! publish them where it publishes findings.
//!
//! - text: one line per exception, then a count;
//! - json: `{"schemaVersion", "exceptions": [{source, file, line, problem,
//!   controls, owner, expires, justification, message}], "waived"}`;
//! - sarif: one result per exception, rules `exception-expired` and
//!   `exception-unused`, located at the exception in the configuration;
//! - junit: one failing test case per exception;
//! - github: one `::warning` annotation per exception.

use std::io::{self, Write};

use palisade_model::{ExceptionNote, ExceptionProblem};
use quick_junit::{NonSuccessKind, Report as JUnitReport, TestCase, TestCaseStatus, TestSuite};
use serde_json::json;

use crate::github::{data, property};

/// The formats `exceptions audit` writes (HTML belongs to compliance reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExceptionAuditFormat {
    Text,
    Json,
    Sarif,
    Junit,
    Github,
}

/// Writes the exceptions that need attention; `waived` is how many findings
/// the scan's exceptions waived.
pub fn write_exception_audit(
    notes: &[ExceptionNote],
    waived: usize,
    format: ExceptionAuditFormat,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        ExceptionAuditFormat::Text => text(notes, waived, out),
        ExceptionAuditFormat::Json => {
            let exceptions: Vec<_> = notes.iter().map(as_json).collect();
            let doc = json!({
                "schemaVersion": crate::SCHEMA_VERSION,
                "exceptions": exceptions,
                "waived": waived,
            });
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
        ExceptionAuditFormat::Sarif => sarif(notes, out),
        ExceptionAuditFormat::Junit => junit(notes, out),
        ExceptionAuditFormat::Github => {
            for note in notes {
                let (file, line) = note.file_line().unwrap_or((&note.source, 1));
                writeln!(
                    out,
                    "::warning file={},line={line},title={}::{}",
                    property(file),
                    property(note.problem.id()),
                    data(&note.to_string())
                )?;
            }
            Ok(())
        }
    }
}

fn text(notes: &[ExceptionNote], waived: usize, out: &mut dyn Write) -> io::Result<()> {
    for note in notes {
        writeln!(out, "{note}")?;
    }
    writeln!(
        out,
        "{} exception{} need attention; {waived} finding{} waived",
        notes.len(),
        if notes.len() == 1 { "" } else { "s" },
        if waived == 1 { " is" } else { "s are" },
    )
}

fn as_json(note: &ExceptionNote) -> serde_json::Value {
    let (file, line) = note.file_line().unzip();
    json!({
        "source": note.source,
        "file": file,
        "line": line,
        "problem": note.problem.id(),
        "controls": note.controls,
        "owner": note.owner,
        "expires": note.expires,
        "justification": note.justification,
        "message": note.to_string(),
    })
}

fn sarif(notes: &[ExceptionNote], out: &mut dyn Write) -> io::Result<()> {
    let rule = |problem: ExceptionProblem, text: &str| {
        json!({
            "id": problem.id(),
            "shortDescription": {"text": text},
            "defaultConfiguration": {"level": "warning"},
        })
    };
    let results: Vec<_> = notes
        .iter()
        .map(|note| {
            let (file, line) = note.file_line().unwrap_or((&note.source, 1));
            json!({
                "ruleId": note.problem.id(),
                "level": "warning",
                "message": {"text": note.to_string()},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": file},
                    "region": {"startLine": line.max(1)},
                }}],
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "palisade",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/palisade-dev/palisade",
                "rules": [
                    rule(ExceptionProblem::Expired, "An exception is past its expiry date and no longer applies"),
                    rule(ExceptionProblem::Unused, "An exception matched no finding"),
                ],
            }},
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn junit(notes: &[ExceptionNote], out: &mut dyn Write) -> io::Result<()> {
    let mut suite = TestSuite::new("palisade exceptions");
    for note in notes {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status.set_message(note.to_string());
        status.set_type(note.problem.id());
        suite.add_test_case(TestCase::new(note.source.clone(), status));
    }
    let mut report = JUnitReport::new("palisade exceptions audit");
    report.add_test_suite(suite);
    let xml = report
        .to_string()
        .map_err(|e| io::Error::other(e.to_string()))?;
    out.write_all(xml.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notes() -> Vec<ExceptionNote> {
        vec![
            ExceptionNote {
                source: "palisade.yaml:4:5".into(),
                problem: ExceptionProblem::Expired,
                controls: vec!["host-path-volumes".into()],
                owner: Some("platform".into()),
                expires: Some("2020-01-31".into()),
                justification: "node exporter".into(),
            },
            ExceptionNote {
                source: "palisade.yaml:9:5".into(),
                problem: ExceptionProblem::Unused,
                controls: vec!["privileged-container".into()],
                owner: None,
                expires: None,
                justification: "legacy".into(),
            },
        ]
    }

    fn written(format: ExceptionAuditFormat) -> String {
        let mut out = Vec::new();
        write_exception_audit(&notes(), 3, format, &mut out).unwrap_or_default();
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn json_names_each_exception_and_its_place() {
        let doc: serde_json::Value =
            serde_json::from_str(&written(ExceptionAuditFormat::Json)).unwrap_or_default();
        assert_eq!(doc["waived"], 3);
        assert_eq!(doc["exceptions"][0]["problem"], "exception-expired");
        assert_eq!(doc["exceptions"][0]["file"], "palisade.yaml");
        assert_eq!(doc["exceptions"][0]["line"], 4);
        assert_eq!(doc["exceptions"][1]["problem"], "exception-unused");
        assert_eq!(doc["exceptions"][1]["controls"][0], "privileged-container");
    }

    #[test]
    fn sarif_locates_results_at_the_configuration() {
        let doc: serde_json::Value =
            serde_json::from_str(&written(ExceptionAuditFormat::Sarif)).unwrap_or_default();
        let results = &doc["runs"][0]["results"];
        assert_eq!(results[0]["ruleId"], "exception-expired");
        assert_eq!(
            results[1]["locations"][0]["physicalLocation"]["region"]["startLine"],
            9
        );
    }

    #[test]
    fn junit_and_github_have_one_entry_per_exception() {
        let xml = written(ExceptionAuditFormat::Junit);
        assert_eq!(xml.matches("<testcase").count(), 2, "{xml}");
        assert_eq!(xml.matches("<failure").count(), 2, "{xml}");
        let github = written(ExceptionAuditFormat::Github);
        assert_eq!(github.lines().count(), 2, "{github}");
        assert!(
            github.starts_with("::warning file=palisade.yaml,line=4,"),
            "{github}"
        );
    }
}
