//! `palisade test`: Rego unit tests (`test_*` rules, as `opa test` runs
//! them) and fixture suites in Gatekeeper's `suite.yaml` format.

pub mod suite;
pub mod unit;

use std::time::Duration;

/// How one test or case ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Its assertions held.
    Pass,
    /// They did not, or it could not run: why.
    Fail(String),
    /// Marked `skip` (or `todo_test_`).
    Skip,
}

impl Outcome {
    /// Whether it failed.
    pub fn failed(&self) -> bool {
        matches!(self, Outcome::Fail(_))
    }
}

/// One result line: a Rego test rule, or a suite case.
#[derive(Debug, Clone)]
pub struct Checked {
    /// `data.pkg.test_name`, or `suite.yaml: test / case`.
    pub name: String,
    /// How it ended.
    pub outcome: Outcome,
    /// How long it took.
    pub duration: Duration,
}
