//! Kyverno CLI test files (`kyverno-test.yaml`, `cli.kyverno.io/v1alpha1`
//! `Test`), run as `kyverno test DIR` runs them
//! (`cmd/cli/kubectl-kyverno/commands/test`).
//!
//! - `files.rs` finds the test files and reads the YAML they name;
//! - `values.rs` reads the values file;
//! - `run.rs` loads one test, runs its policies on its resources and
//!   compares each expected result as the Kyverno CLI does.

pub mod files;
pub mod run;
pub mod values;

pub use files::find_tests;
pub use run::{Row, TestFile, run_test};
