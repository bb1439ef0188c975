//! Palisade's core types, shared by every other crate.
//!
//! Data flows `load -> evaluate -> report`: the loader produces [`Node`] trees
//! that remember where every value and key stood in its file; controls turn
//! them into [`Finding`]s that carry a [`FieldPath`] and a resolved
//! [`Location`]; reporters only format.

mod control;
mod exception_note;
mod finding;
mod node;
mod path;
mod resource;
mod severity;

pub use control::{ControlMeta, DocSection, PssLevel};
pub use exception_note::{ExceptionNote, ExceptionProblem};
pub use finding::{Enforcement, Finding, Location, Waiver};
pub use node::{Entry, Node, Position, Value};
pub use path::{FieldPath, Segment};
pub use resource::ResourceRef;
pub use severity::{ParseSeverityError, Severity};
