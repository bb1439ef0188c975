//! Deny conditions and preconditions: `any`/`all` blocks of
//! `{key, operator, value}` conditions (`any_all`), and Kyverno's operators
//! (`operator`, with the version ordering they fall back on, `semver`).
pub mod any_all;
pub mod operator;
mod semver;
