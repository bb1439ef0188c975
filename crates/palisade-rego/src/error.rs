//! Errors loading and evaluating user policies: each names its file, and its
//! line when the policy text is at fault.

use std::fmt;

/// Why a policy, data document, template or constraint could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
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

impl std::error::Error for RegoError {}

impl fmt::Display for RegoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl RegoError {
    /// A regorus error about `file`: regorus prints a source excerpt
    /// (`--> file:3:11`, the line, a caret, `error: expecting }`); keep the
    /// line and the message, as `file:3: expecting } (column 11)`.
    pub(crate) fn from_engine(file: &str, error: &dyn fmt::Display) -> Self {
        let text = error.to_string();
        let location = text.lines().find_map(|l| l.trim().strip_prefix("--> "));
        let message = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("error: "))
            .map(str::to_string);
        // The excerpt's file is the module at fault, which may be a library
        // of the policy named by `file`.
        let position = location.and_then(|loc| {
            let mut parts = loc.rsplitn(3, ':');
            let column = parts.next()?.parse::<u32>().ok()?;
            let line = parts.next()?.parse::<u32>().ok()?;
            Some((parts.next().unwrap_or(file).to_string(), line, column))
        });
        match (position, message) {
            (Some((at, line, column)), Some(message)) => {
                RegoError::at(at, line, format!("{message} (column {column})"))
            }
            _ => RegoError::file(file, describe(error)),
        }
    }
}

/// Any other error on one line, so it reads well after a file name.
pub(crate) fn describe(error: &dyn fmt::Display) -> String {
    let text = error.to_string();
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .collect();
    lines.join(" | ")
}
