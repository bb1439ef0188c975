//! `--format json`: the machine-readable report.
//!
//! ## Wire format (schema version 1)
//! ```json
//! {
//!   "schemaVersion": 1,
//!   "tool": {"name": "palisade", "version": "0.1.0"},
//!   "findings": [{
//!     "control": "privileged-container", "severity": "critical", "title": "...",
//!     "message": "privileged (container \"app\" must not set securityContext.privileged=true)",
//!     "resource": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "prod", "name": "web"},
//!     "container": "app",
//!     "field": "spec.template.spec.containers[0].securityContext.privileged",
//!     "pointer": "/spec/template/spec/containers/0/securityContext/privileged",
//!     "location": {"file": "deploy.yaml", "line": 21, "column": 11},
//!     "remediation": "...",
//!     "waiver": {"justification": "...", "owner": "...", "ticket": "...", "expires": "2027-01-31", "source": "palisade.yaml:14"}
//!   }],
//!   "errors": [{"file": "broken.yaml", "line": 3, "column": 7, "message": "invalid YAML: ..."}],
//!   "summary": {"files": 2, "documents": 3, "resources": 3, "skippedDocuments": 0, "findings": 1, "waived": 0,
//!               "bySeverity": {"info": 0, "low": 0, "medium": 0, "high": 0, "critical": 1}, "errors": 1},
//!   "compliance": [{"framework": "pci-dss-4.0", "title": "...", "score": 62.5,
//!                   "tally": {"pass": 5, "fail": 3, "waived": 0, "manual": 8, "notApplicable": 0, "notRun": 0},
//!                   "requirements": [{"id": "2.2.1", "title": "...", "coverage": "partial", "verdict": "fail",
//!                                     "controls": ["..."], "findings": [0, 3], "manualPart": "..."}]}],
//!   "exceptionNotes": ["palisade.yaml:20: exception expired on 2026-01-31 ..."]
//! }
//! ```
//! `waiver` is present only on waived findings; `findings` in a compliance
//! requirement are indexes into the top-level `findings` array.
//! `namespace`, `name` and `container` are `null` when unknown. `line` and
//! `column` are 1-based; an error about a whole file has line and column 0.
//! Fields are only ever added within a schema version.

use std::io::{self, Write};

use palisade_frameworks::compliance::Compliance;
use palisade_load::LoadError;
use palisade_model::{Enforcement, FieldPath, Finding, Location, ResourceRef, Severity, Waiver};
use serde::{Serialize, Serializer};

use crate::{Report, Summary};

/// The version of the JSON schema above.
pub const SCHEMA_VERSION: u32 = 1;

// Borrowing views of the report, serialized straight to the writer: a large
// scan has tens of thousands of findings, and building a `serde_json::Value`
// tree for them first cost more than evaluating every control.

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReport<'a> {
    schema_version: u32,
    tool: Tool,
    findings: Vec<JsonFinding<'a>>,
    errors: Vec<JsonError<'a>>,
    summary: &'a Summary,
    compliance: &'a [Compliance],
    exception_notes: Vec<String>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    control: &'a str,
    severity: Severity,
    title: Option<&'a str>,
    message: &'a str,
    resource: &'a ResourceRef,
    container: Option<&'a str>,
    field: &'a FieldPath,
    #[serde(serialize_with = "json_pointer")]
    pointer: &'a FieldPath,
    location: &'a Location,
    remediation: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    waiver: Option<&'a Waiver>,
    #[serde(skip_serializing_if = "Enforcement::is_enforce")]
    enforcement: Enforcement,
}

#[derive(Serialize)]
struct JsonError<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
}

fn json_pointer<S: Serializer>(path: &&FieldPath, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&path.json_pointer())
}

impl<'a> JsonFinding<'a> {
    fn new(report: &'a Report, f: &'a Finding) -> Self {
        let meta = report.control(f.control);
        JsonFinding {
            control: f.control,
            severity: f.severity,
            title: meta.map(|m| m.title),
            message: &f.message,
            resource: &f.resource,
            container: f.container.as_deref(),
            field: &f.field,
            pointer: &f.field,
            location: &f.location,
            remediation: meta.map(|m| m.remediation()),
            waiver: f.waiver.as_deref(),
            enforcement: f.enforcement,
        }
    }
}

impl<'a> From<&'a LoadError> for JsonError<'a> {
    fn from(e: &'a LoadError) -> Self {
        JsonError {
            file: &e.file,
            line: e.line,
            column: e.column,
            message: &e.message,
        }
    }
}

/// Writes the report as JSON.
pub fn write_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let doc = JsonReport {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "palisade",
            version: env!("CARGO_PKG_VERSION"),
        },
        findings: report
            .findings
            .iter()
            .map(|f| JsonFinding::new(report, f))
            .collect(),
        errors: report.errors.iter().map(JsonError::from).collect(),
        summary: &report.summary,
        compliance: &report.compliance,
        exception_notes: report
            .exception_notes
            .iter()
            .map(ToString::to_string)
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
