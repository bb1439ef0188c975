//! Palisade's built-in controls.
//!
//! One control per file, named for what it flags
//! (`pod_security/privileged_container.rs`), holding its documentation, its
//! metadata and its check. [`registry`] lists them all. Controls never print
//! and never locate findings themselves: they return [`Violation`]s with a
//! field path, and the policy layer turns those into located findings.

mod control;
pub mod dockerfile;
pub mod image;
pub(crate) mod integrity;
pub mod inventory;
pub(crate) mod network;
pub mod node;
pub mod params;
pub mod pod_security;
pub(crate) mod rbac;
pub mod registry;
pub(crate) mod secrets;
#[cfg(test)]
mod testing;
pub(crate) mod workload;

pub use registry::PssVerdict;

pub use control::{Check, CheckResult, Control, PssCheck, Violation, with_citations};
pub use inventory::{Inventory, InventoryViolation};
pub use params::{Param, ParamError, Params};
pub use pod_security::version::{ParseVersionError, PssVersion};
