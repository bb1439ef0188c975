//! Errors loading and evaluating user policies: each names its file, and its
//! line when the policy text is at fault.

use std::fmt;

/// Why a policy, data document, template or constraint could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RegoError {
    /// The file at fault (`-` when there is none).
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// What is wrong, in a sentence.
    pub message: String,
}

impl RegoError {
    /// An error about a whole file.
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        RegoError {
            file: file.into(),
            line: None,
            message: message.into(),
        }
    }

    /// An error at a line of a file.
    pub fn at(file: impl Into<String>, line: u32, message: impl Into<String>) -> Self {
        RegoError {
            file: file.into(),
            line: Some(line),
            message: message.into(),
        }
    }
}

impl fmt::Display for RegoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// regorus reports errors as `anyhow` chains with the source excerpt; keep
/// the whole chain on one line so it reads well after a file name.
pub(crate) fn describe(error: &dyn fmt::Display) -> String {
    let text = error.to_string();
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .collect();
    lines.join(" | ")
}
