//! An exception that needs attention: it expired, or it waived nothing.
//! Reported by every scan and listed by `palisade exceptions audit`, so
//! stale exceptions are renewed or removed rather than forgotten.

use std::fmt;

/// What is wrong with an exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExceptionProblem {
    /// Past its `expires` date: it no longer applies.
    Expired,
    /// In force, but matched no finding of the scan.
    Unused,
}

impl ExceptionProblem {
    /// As printed and used as a rule ID: `exception-expired`, `exception-unused`.
    pub fn id(self) -> &'static str {
        match self {
            ExceptionProblem::Expired => "exception-expired",
            ExceptionProblem::Unused => "exception-unused",
        }
    }
}

/// One exception that needs attention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionNote {
    /// Where it is declared: `file:line:column`.
    pub source: String,
    /// What is wrong with it.
    pub problem: ExceptionProblem,
    /// The controls it waives.
    pub controls: Vec<String>,
    /// Who owns it.
    pub owner: Option<String>,
    /// Its last day (`YYYY-MM-DD`).
    pub expires: Option<String>,
    /// Why it was granted.
    pub justification: String,
}

impl ExceptionNote {
    /// The file and line of [`ExceptionNote::source`], when it has them.
    ///
    /// ```
    /// # use palisade_model::{ExceptionNote, ExceptionProblem};
    /// let note = ExceptionNote { source: "ci/palisade.yaml:14:5".into(), problem: ExceptionProblem::Unused,
    ///     controls: vec![], owner: None, expires: None, justification: String::new() };
    /// assert_eq!(note.file_line(), Some(("ci/palisade.yaml", 14)));
    /// ```
    pub fn file_line(&self) -> Option<(&str, u32)> {
        let mut parts = self.source.rsplitn(3, ':');
        let _column = parts.next()?;
        let line = parts.next()?.parse().ok()?;
        Some((parts.next()?, line))
    }
}

impl fmt::Display for ExceptionNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problem {
            ExceptionProblem::Expired => write!(
                f,
                "{}: exception expired on {} and no longer applies (owner: {}; {})",
                self.source,
                self.expires.as_deref().unwrap_or("?"),
                self.owner.as_deref().unwrap_or("none"),
                self.justification
            ),
            ExceptionProblem::Unused => write!(
                f,
                "{}: exception matched no finding (controls: {}); remove it if it is stale",
                self.source,
                self.controls.join(", ")
            ),
        }
    }
}
