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
//!     "location": {"file": "deploy.yaml", "line": 21, "column": 11, "endLine": 21, "endColumn": 27},
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
//! `endLine` and `endColumn` (the column after the last character) are
//! present when the source gave them (manifests; not Dockerfiles or images).
//! Fields are only ever added within a schema version.

use std::collections::HashMap;
use std::io::{self, Write};

use palisade_load::LoadError;
use palisade_model::{
    ControlMeta, Enforcement, FieldPath, Finding, Location, ResourceRef, Severity, Waiver,
};
use rayon::prelude::*;
use serde::{Serialize, Serializer};

use crate::Report;
#[cfg(test)]
use crate::Summary;
#[cfg(test)]
use palisade_frameworks::compliance::Compliance;

/// The version of the JSON schema above.
pub const SCHEMA_VERSION: u32 = 1;

// Borrowing views of the report, serialized straight to the writer: a large
// scan has tens of thousands of findings, and building a `serde_json::Value`
// tree for them first cost more than evaluating every control.

/// The whole report as one `Serialize` (what the writer reproduces; the
/// test compares the two).
#[cfg(test)]
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
    fn new(meta: Option<&'static ControlMeta>, f: &'a Finding) -> Self {
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

/// Findings serialized per chunk, on every core: a large scan's findings
/// are most of its JSON, and writing them on one thread after the scan
/// was the longest serial step.
const CHUNK: usize = 512;

/// Chunks rendered before they are written (about 16 MB of JSON).
const WINDOW: usize = 32;

/// Writes the report as JSON: `serde_json`'s pretty layout, byte for byte,
/// with the findings array rendered in parallel chunks.
pub fn write_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    // The first control of an ID, as `Report::control` finds it.
    let mut controls: HashMap<&str, &ControlMeta> = HashMap::new();
    for control in &report.controls {
        controls.entry(control.id).or_insert(*control);
    }
    let render = |chunk: &[Finding]| -> io::Result<Vec<u8>> {
        // About 1 KB a finding; growing a buffer costs a copy and fresh pages.
        let mut buf = Vec::with_capacity(chunk.len() * 1280);
        for finding in chunk {
            buf.extend_from_slice(b",\n    ");
            let json = JsonFinding::new(controls.get(finding.control).copied(), finding);
            nested(&mut buf, 2, &json)?;
        }
        Ok(buf)
    };
    out.write_all(b"{\n  \"schemaVersion\": ")?;
    nested(out, 1, &SCHEMA_VERSION)?;
    field(
        out,
        "tool",
        &Tool {
            name: "palisade",
            version: env!("CARGO_PKG_VERSION"),
        },
    )?;
    out.write_all(b",\n  \"findings\": [")?;
    let mut first = true;
    // A window of chunks at a time: rendered in parallel, written in order,
    // so memory holds one window of JSON, not the whole report's.
    for window in report.findings.chunks(CHUNK * WINDOW) {
        let rendered: Vec<io::Result<Vec<u8>>> = window.par_chunks(CHUNK).map(render).collect();
        for chunk in rendered {
            let chunk = chunk?;
            // Each finding starts with its separator; the array's first has none.
            let bytes = match first {
                true => chunk.get(1..).unwrap_or_default(),
                false => &chunk[..],
            };
            first &= chunk.is_empty();
            out.write_all(bytes)?;
        }
    }
    out.write_all(if first { b"]" } else { b"\n  ]" })?;
    let errors: Vec<JsonError<'_>> = report.errors.iter().map(JsonError::from).collect();
    field(out, "errors", &errors)?;
    field(out, "summary", &report.summary)?;
    field(out, "compliance", &report.compliance)?;
    let notes: Vec<String> = report
        .exception_notes
        .iter()
        .map(ToString::to_string)
        .collect();
    field(out, "exceptionNotes", &notes)?;
    // Only with `--compat`, so that every other report keeps its shape.
    if let Some(compared) = &report.compared {
        field(out, "compared", compared)?;
    }
    out.write_all(b"\n}\n")
}

/// `,\n  "name": value` at the top level of the report.
fn field(out: &mut dyn Write, name: &str, value: &impl Serialize) -> io::Result<()> {
    write!(out, ",\n  ")?;
    nested(out, 1, &name)?;
    out.write_all(b": ")?;
    nested(out, 1, value)
}

/// `value` in `serde_json`'s pretty layout as if `depth` levels deep.
fn nested(out: &mut (impl Write + ?Sized), depth: usize, value: &impl Serialize) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(out, Pretty::at(depth));
    value.serialize(&mut serializer).map_err(io::Error::from)
}

/// `serde_json::ser::PrettyFormatter` (two spaces), started at a depth.
struct Pretty {
    indent: usize,
    has_value: bool,
}

impl Pretty {
    fn at(depth: usize) -> Self {
        Pretty {
            indent: depth,
            has_value: false,
        }
    }

    fn newline<W: ?Sized + Write>(&self, out: &mut W) -> io::Result<()> {
        out.write_all(b"\n")?;
        for _ in 0..self.indent {
            out.write_all(b"  ")?;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.indent += 1;
        self.has_value = false;
        out.write_all(b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.indent -= 1;
        if self.has_value {
            self.newline(out)?;
        }
        out.write_all(b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        if !first {
            out.write_all(b",")?;
        }
        self.newline(out)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.indent += 1;
        self.has_value = false;
        out.write_all(b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.indent -= 1;
        if self.has_value {
            self.newline(out)?;
        }
        out.write_all(b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        if !first {
            out.write_all(b",")?;
        }
        self.newline(out)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-assembled layout is `serde_json`'s pretty output exactly.
    #[test]
    fn the_parallel_writer_matches_serde_json_pretty() {
        let finding = |line: u32| Finding {
            control: "privileged-container",
            severity: Severity::Critical,
            message: format!("privileged \"app\" {line}"),
            resource: std::sync::Arc::new(ResourceRef::dockerfile("x")),
            container: Some("app".into()),
            field: FieldPath::root().key("spec").index(0),
            location: Location {
                end_line: line,
                end_column: 9,
                ..Location::at("a.yaml".into(), line, 3)
            },
            waiver: None,
            enforcement: Enforcement::Warn,
        };
        for count in [0, 1, 2, CHUNK, CHUNK + 1, CHUNK * WINDOW + 7] {
            let mut report = Report {
                findings: (0..count as u32).map(finding).collect(),
                errors: vec![LoadError::file("b.yaml".into(), "broken")],
                exception_notes: Vec::new(),
                ..Report::default()
            };
            report.finish();
            let mut ours = Vec::new();
            write_json(&report, &mut ours).unwrap();
            let expected = JsonReport {
                schema_version: SCHEMA_VERSION,
                tool: Tool {
                    name: "palisade",
                    version: env!("CARGO_PKG_VERSION"),
                },
                findings: report
                    .findings
                    .iter()
                    .map(|f| JsonFinding::new(report.control(f.control), f))
                    .collect(),
                errors: report.errors.iter().map(JsonError::from).collect(),
                summary: &report.summary,
                compliance: &report.compliance,
                exception_notes: Vec::new(),
            };
            let mut theirs = serde_json::to_vec_pretty(&expected).unwrap();
            theirs.push(b'\n');
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(theirs).unwrap(),
                "{count} findings"
            );
        }
    }
}
