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
//!     "remediation": "..."
//!   }],
//!   "errors": [{"file": "broken.yaml", "line": 3, "column": 7, "message": "invalid YAML: ..."}],
//!   "summary": {"files": 2, "documents": 3, "resources": 3, "skippedDocuments": 0, "findings": 1,
//!               "bySeverity": {"info": 0, "low": 0, "medium": 0, "high": 0, "critical": 1}, "errors": 1}
//! }
//! ```
//! `namespace`, `name` and `container` are `null` when unknown. `line` and
//! `column` are 1-based; an error about a whole file has line and column 0.
//! Fields are only ever added within a schema version.

use std::io::{self, Write};

use serde_json::json;

use crate::Report;

/// The version of the JSON schema above.
pub const SCHEMA_VERSION: u32 = 1;

/// Writes the report as JSON.
pub fn write_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let findings: Vec<_> = report
        .findings
        .iter()
        .map(|f| {
            let meta = report.control(f.control);
            json!({
                "control": f.control,
                "severity": f.severity,
                "title": meta.map(|m| m.title),
                "message": f.message,
                "resource": f.resource,
                "container": f.container,
                "field": f.field.to_string(),
                "pointer": f.field.json_pointer(),
                "location": f.location,
                "remediation": meta.map(|m| m.remediation()),
            })
        })
        .collect();
    let errors: Vec<_> = report
        .errors
        .iter()
        .map(|e| json!({"file": e.file, "line": e.line, "column": e.column, "message": e.message}))
        .collect();
    let doc = json!({
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": "palisade", "version": env!("CARGO_PKG_VERSION")},
        "findings": findings,
        "errors": errors,
        "summary": report.summary,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
