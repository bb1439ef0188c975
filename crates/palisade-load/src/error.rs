//! Load errors: always a file, a line and a column.

use std::fmt;
use std::sync::Arc;

/// Something that could not be read or parsed. The rest of the scan goes on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    /// The file as named on the command line or by the walk (`-` for stdin).
    pub file: Arc<str>,
    /// 1-based line (0 when the error is about the whole file).
    pub line: u32,
    /// 1-based column (0 when the error is about the whole file).
    pub column: u32,
    /// What went wrong.
    pub message: String,
}

impl LoadError {
    /// An error about a whole file (unreadable, too large, not UTF-8).
    pub fn file(file: Arc<str>, message: impl Into<String>) -> Self {
        LoadError {
            file,
            line: 0,
            column: 0,
            message: message.into(),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        }
    }
}
