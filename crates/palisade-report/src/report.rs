//! What a scan produced, in the shape every format reads.

use std::collections::BTreeMap;
use std::sync::Arc;

use palisade_frameworks::compliance::Compliance;
use palisade_load::LoadError;
use palisade_model::{ControlMeta, Finding, Severity};
use serde::Serialize;

/// Counts for the summary line and the JSON `summary` object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Files (and stdin) read.
    pub files: usize,
    /// YAML/JSON documents parsed.
    pub documents: usize,
    /// Kubernetes objects evaluated (`List` items counted one by one).
    pub resources: usize,
    /// Documents skipped because they are not Kubernetes objects (no
    /// `apiVersion`/`kind`).
    pub skipped_documents: usize,
    /// Findings in all, waived ones included.
    pub findings: usize,
    /// Findings waived by an exception (they do not fail the scan).
    pub waived: usize,
    /// Unwaived findings per severity (every severity present, zeros included).
    pub by_severity: BTreeMap<Severity, usize>,
    /// Inputs that could not be read or parsed.
    pub errors: usize,
}

/// A finished scan.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Findings, sorted by file, line, column and control.
    pub findings: Vec<Finding>,
    /// Read and parse errors, sorted by file and line.
    pub errors: Vec<LoadError>,
    /// Counts.
    pub summary: Summary,
    /// The controls that ran (SARIF lists them as rules).
    pub controls: Vec<&'static ControlMeta>,
    /// Every file read, in scan order.
    pub scanned: Vec<Arc<str>>,
    /// Source text of files with findings, for snippets.
    pub sources: BTreeMap<Arc<str>, Arc<str>>,
    /// One summary per framework selected with `--framework`.
    pub compliance: Vec<Compliance>,
    /// Exceptions that are no longer in force or matched nothing: shown so
    /// they are renewed or removed, never silently ignored.
    pub exception_notes: Vec<palisade_model::ExceptionNote>,
    /// With `--compat`: where that tool's reading of the host and
    /// Palisade's own give different verdicts.
    pub compared: Option<Comparison>,
    /// Findings left out of this copy by a display filter (`--severity`);
    /// the summary still counts them.
    pub hidden: usize,
}

/// Another tool's reading of a host set beside Palisade's own: the report
/// gives that tool's verdicts, and these are the controls whose verdict
/// Palisade's reading differs on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    /// The tool whose reading the report follows (`kube-bench`).
    pub reading: &'static str,
    /// Each (control, resource) the two readings judge differently.
    pub differences: Vec<Difference>,
}

/// One control on one resource, judged differently by two readings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Difference {
    pub control: &'static str,
    /// The resource, as findings name it (`Kubelet/node-1`).
    pub resource: String,
    /// Whether the reported reading (the tool's) fails it.
    pub reported_fails: bool,
    /// Whether Palisade's own reading fails it.
    pub palisade_fails: bool,
    /// The failing reading's first message.
    pub message: String,
}

impl Report {
    /// Sorts findings and errors, drops exact duplicate findings, and fills
    /// in the counts derived from them.
    pub fn finish(&mut self) {
        use rayon::slice::ParallelSliceMut;
        self.findings.par_sort_by(|a, b| {
            (&a.location, a.control, &a.message).cmp(&(&b.location, b.control, &b.message))
        });
        // A control selected at two policy versions (two frameworks) finds
        // the same violation twice; report it once.
        self.findings.dedup();
        self.errors
            .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        self.summary.findings = self.findings.len();
        self.summary.errors = self.errors.len();
        self.summary.by_severity = Severity::ALL.iter().map(|s| (*s, 0)).collect();
        self.summary.waived = self.findings.iter().filter(|f| f.waiver.is_some()).count();
        for finding in self.findings.iter().filter(|f| f.waiver.is_none()) {
            *self
                .summary
                .by_severity
                .entry(finding.severity)
                .or_default() += 1;
        }
    }

    /// The unwaived findings, which gate the pipeline.
    pub fn blocking(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.waiver.is_none() && f.enforcement.is_enforce())
    }

    /// How many unwaived findings each control has (the node agent's
    /// metrics).
    pub fn unwaived_by_control(&self) -> std::collections::BTreeMap<String, usize> {
        let mut counts = std::collections::BTreeMap::new();
        for finding in self.findings.iter().filter(|f| f.waiver.is_none()) {
            *counts.entry(finding.control.to_owned()).or_default() += 1;
        }
        counts
    }

    /// A copy that shows only the findings of `severities` (the summary,
    /// compliance and every other part unchanged: they describe the whole
    /// scan), counting the others in `hidden`.
    pub fn with_severities(&self, severities: &[Severity]) -> Report {
        let mut shown = self.clone();
        shown.findings.retain(|f| severities.contains(&f.severity));
        shown.hidden = self.findings.len() - shown.findings.len();
        shown
    }

    /// Metadata of a control that ran.
    pub fn control(&self, id: &str) -> Option<&'static ControlMeta> {
        self.controls.iter().copied().find(|c| c.id == id)
    }
}
