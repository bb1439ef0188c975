//! Output formats, one module each. Every format writes a [`Report`] to the
//! writer it is handed and never decides anything: exit codes and output
//! files belong to the binary.

mod exception_audit;
mod github;
mod html;
mod json;
mod junit;
mod report;
mod sarif;
mod text;

pub use exception_audit::{ExceptionAuditFormat, write_exception_audit};
pub use github::write_github;
pub use html::write_html;
pub use json::{SCHEMA_VERSION, write_json};
pub use junit::write_junit;
pub use report::{Comparison, Difference, Report, Summary};
pub use sarif::write_sarif;
pub use text::{TextOptions, write_text};
