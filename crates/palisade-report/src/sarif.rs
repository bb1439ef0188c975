//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning accepts it.
//!
//! Every control that ran is a rule with its documentation as help; every
//! finding a result with a real region (never a dummy line 1); read and
//! parse errors are tool execution notifications, and make
//! `executionSuccessful` false.
//! <https://docs.github.com/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning>

use std::collections::HashMap;
use std::io::{self, Write};

use palisade_model::{DocSection, Severity};
use serde::Serialize;
use serde_json::{Value, json};

use crate::Report;

/// GitHub's `security-severity` scale (0.1 to 10.0), which drives the
/// severity shown in code scanning.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.5",
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// A file name as a relative URI with forward slashes.
fn uri(file: &str) -> String {
    let file = file.replace('\\', "/");
    let file = file.strip_prefix("./").unwrap_or(&file);
    file.replace(' ', "%20")
}

/// Writes the report as SARIF 2.1.0.
pub fn write_sarif(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<Value> = report
        .controls
        .iter()
        .map(|meta| {
            json!({
                "id": meta.id,
                "name": meta.id,
                "shortDescription": {"text": meta.title},
                "fullDescription": {"text": meta.section(DocSection::WhatItDoes).unwrap_or(meta.title)},
                "help": {
                    "text": format!("{}\n\nHow to fix: {}", meta.rationale(), meta.remediation()),
                    "markdown": palisade_frameworks::documentation(meta),
                },
                "defaultConfiguration": {"level": level(meta.severity)},
                "properties": {
                    "security-severity": security_severity(meta.severity),
                    "tags": framework_tags(meta.id),
                },
            })
        })
        .collect();
    // Each result is built, written and dropped in turn: a tree of 38,000
    // results held at once took half a gigabyte and most of the time in
    // fresh pages.
    let rule_index: HashMap<&str, usize> = report
        .controls
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id, i))
        .collect();
    let results = Streamed {
        len: report.findings.len(),
        item: |i: usize| {
            report
                .findings
                .get(i)
                .map(|f| result(f, rule_index.get(f.control).copied()))
        },
    };
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            let mut physical = json!({"artifactLocation": {"uri": uri(&e.file)}});
            if e.line > 0
                && let Some(obj) = physical.as_object_mut()
            {
                obj.insert("region".into(), json!({"startLine": e.line, "startColumn": e.column.max(1)}));
            }
            json!({"level": "error", "message": {"text": e.message}, "locations": [{"physicalLocation": physical}]})
        })
        .collect();
    let run = Run {
        invocations: json!([{
            "executionSuccessful": report.errors.is_empty(),
            "toolExecutionNotifications": notifications,
        }]),
        // With `--compat`: where the two readings differ, in the run's
        // property bag (results follow the tool's reading, as in every
        // format).
        properties: report.compared.as_ref().map(|c| json!({"compared": c})),
        results,
        tool: json!({"driver": {
            "name": "palisade",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "informationUri": "https://github.com/palisade-dev/palisade",
            "rules": rules,
        }}),
    };
    let doc = Document {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        runs: [run],
        version: "2.1.0",
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// The document, its keys in the order `serde_json`'s maps sort them (the
/// order a `json!` tree of it printed in), so that streaming the results
/// changes no byte.
#[derive(Serialize)]
struct Document<R: Serialize> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<R>; 1],
    version: &'static str,
}

#[derive(Serialize)]
struct Run<R: Serialize> {
    invocations: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Value>,
    results: R,
    tool: Value,
}

/// A sequence whose items are made as they are written.
struct Streamed<F> {
    len: usize,
    item: F,
}

impl<F: Fn(usize) -> Option<Value>> Serialize for Streamed<F> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(self.len))?;
        for i in 0..self.len {
            if let Some(item) = (self.item)(i) {
                seq.serialize_element(&item)?;
            }
        }
        seq.end()
    }
}

/// One finding as a SARIF result.
fn result(f: &palisade_model::Finding, rule_index: Option<usize>) -> Value {
    let mut result = json!({
        "ruleId": f.control,
        // A user policy's warning never reads as an error.
        "level": if f.enforcement.is_enforce() { level(f.severity) } else { "note" },
        "message": {"text": format!("{}: {}", f.resource.display_name(), f.message)},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": uri(&f.location.file)},
                "region": region(&f.location),
            },
            "logicalLocations": [{
                "name": f.field.to_string(),
                "fullyQualifiedName": format!("{}.{}", f.resource.display_name(), f.field),
                "kind": "member",
            }],
        }],
        "partialFingerprints": {
            "palisade/v1": format!("{}|{}|{}|{}", f.control, f.resource.display_name(), f.field, f.container.as_deref().unwrap_or("")),
        },
    });
    if let (Some(index), Some(obj)) = (rule_index, result.as_object_mut()) {
        obj.insert("ruleIndex".into(), json!(index));
    }
    // SARIF's own way to say "reported, but accepted": dashboards show it
    // as suppressed, with the justification.
    if let (Some(waiver), Some(obj)) = (&f.waiver, result.as_object_mut()) {
        obj.insert(
            "suppressions".into(),
            json!([{"kind": "external", "status": "accepted", "justification": waiver.justification}]),
        );
    }
    result
}

/// `security`, `kubernetes` and the frameworks whose packs use the control.
fn framework_tags(control: &str) -> Vec<String> {
    let mut tags = vec!["security".to_owned(), "kubernetes".to_owned()];
    for (framework, _) in palisade_frameworks::requirements_of(control) {
        if !tags.contains(&framework.id) {
            tags.push(framework.id.clone());
        }
    }
    tags
}

/// A SARIF region: start, and the end when the loader knew it (`endColumn`
/// is the column after the last character, as SARIF counts it).
fn region(location: &palisade_model::Location) -> serde_json::Value {
    let mut region = json!({
        "startLine": location.line.max(1),
        "startColumn": location.column.max(1),
    });
    if location.end_line > 0
        && let Some(fields) = region.as_object_mut()
    {
        fields.insert("endLine".into(), json!(location.end_line));
        fields.insert("endColumn".into(), json!(location.end_column.max(1)));
    }
    region
}
