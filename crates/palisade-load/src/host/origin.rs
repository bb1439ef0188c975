//! Where a value of a host component came from: a line of a file (a
//! configuration file, a systemd unit), an argument of a running process,
//! or the component's own default. Every node finding names one.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Origin {
    /// The host file (`/var/lib/kubelet/config.yaml`, a unit, or
    /// `/proc/<pid>/cmdline` for a process's argument).
    pub file: Arc<str>,
    /// 1-based line, 0 when the origin is a whole file.
    pub line: u32,
    /// 1-based column, 0 when unknown.
    pub column: u32,
    /// What it is, in words: `argument 3 of process 812`, `the kubelet's
    /// default with --config`.
    pub what: String,
}

impl Origin {
    /// A place in a file.
    pub fn at(file: &Arc<str>, line: u32, column: u32, what: impl Into<String>) -> Origin {
        Origin {
            file: file.clone(),
            line,
            column,
            what: what.into(),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{} ({})", self.file, self.what),
            (line, 0) => write!(f, "{}:{line} ({})", self.file, self.what),
            (line, column) => write!(f, "{}:{line}:{column} ({})", self.file, self.what),
        }
    }
}
