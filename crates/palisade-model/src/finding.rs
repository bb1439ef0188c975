//! A finding: one control failed at one place in one resource.

use std::sync::Arc;

use serde::Serialize;

use crate::{FieldPath, ResourceRef, Severity};

/// A place in a named source (`-` is stdin): where it starts and, when
/// known, where it ends.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// The path as given on the command line (or found by the walk).
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// The line it ends on (0: unknown).
    #[serde(skip_serializing_if = "is_zero")]
    pub end_line: u32,
    /// The column just after its last character (0: unknown).
    #[serde(skip_serializing_if = "is_zero")]
    pub end_column: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Location {
    /// A point: a line and a column, no known end.
    pub fn at(file: Arc<str>, line: u32, column: u32) -> Self {
        Location {
            file,
            line,
            column,
            end_line: 0,
            end_column: 0,
        }
    }

    /// A range, from `start` to just before `end` (a point when `end` is
    /// not after `start`).
    pub fn spanning(file: Arc<str>, start: crate::Position, end: crate::Position) -> Self {
        let known = end > start;
        Location {
            end_line: if known { end.line } else { 0 },
            end_column: if known { end.column } else { 0 },
            ..Location::at(file, start.line, start.column)
        }
    }
}

/// One violation of one control.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The control's stable ID, e.g. `privileged-container`.
    pub control: &'static str,
    /// The control's severity.
    pub severity: Severity,
    /// What is wrong, precisely: which container, which field, which value.
    pub message: String,
    /// The resource the finding is about (shared by every finding about it).
    pub resource: Arc<ResourceRef>,
    /// The container, for container-level findings.
    pub container: Option<String>,
    /// The offending field (or, for a missing field, the field that should be set).
    pub field: FieldPath,
    /// Where the field (or its nearest existing parent) stands in the source.
    pub location: Location,
    /// The exception that waives it, if any: a waived finding is still
    /// reported, with who accepted it and why, but does not fail the scan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<Arc<Waiver>>,
    /// What the finding asks for: built-in controls always enforce (the
    /// scan's `--fail-on` decides); user policies can only warn (Conftest's
    /// `warn` rules, Gatekeeper's `enforcementAction: warn`) or only be
    /// recorded (`dryrun`), and then never fail a scan or deny a request.
    #[serde(skip_serializing_if = "Enforcement::is_enforce")]
    pub enforcement: Enforcement,
}

/// What a finding asks of a pipeline or an API server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Enforcement {
    /// Fail the scan (at or above `--fail-on`), deny the request.
    #[default]
    Enforce,
    /// Report, and warn the requester; never fail or deny.
    Warn,
    /// Report and record only.
    Audit,
}

impl Enforcement {
    /// Whether it is [`Enforcement::Enforce`] (the default, left out of JSON).
    pub fn is_enforce(&self) -> bool {
        *self == Enforcement::Enforce
    }

    /// `enforce`, `warn` or `audit`.
    pub fn as_str(self) -> &'static str {
        match self {
            Enforcement::Enforce => "enforce",
            Enforcement::Warn => "warn",
            Enforcement::Audit => "audit",
        }
    }
}

/// An accepted risk: why a finding is waived, by whom, until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiver {
    /// Why the finding is accepted.
    pub justification: String,
    /// Who accepted it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The ticket that records the decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// The last day it applies (`YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Where it was declared: `palisade.yaml:12` or `annotation`.
    pub source: String,
}

impl Serialize for FieldPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
