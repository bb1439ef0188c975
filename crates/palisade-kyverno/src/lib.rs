//! Kyverno policies, run unchanged: `ClusterPolicy` and `Policy` validate
//! rules, PolicyExceptions, and the Kyverno CLI's test files.
//!
//! Following one rule from file to verdict:
//! - `policy.rs` reads a policy and expands its rules with `autogen.rs`;
//! - `matching.rs` decides whether a rule applies (`match`, `exclude`);
//! - `engine.rs` runs the rules of a policy on one request, with
//!   `exception.rs`;
//! - `validate.rs` is one rule: `context` entries, preconditions, then
//!   `deny` (`conditions/`), `pattern`/`anyPattern` (`pattern/`) or
//!   `foreach`;
//! - `variables.rs` substitutes `{{ }}` through `context.rs` and
//!   `jmespath/` (JMESPath with Kyverno's functions);
//! - `testing/` runs `kyverno-test.yaml` files as `kyverno test` does.

pub mod autogen;
pub mod cluster;
pub mod conditions;
pub mod context;
pub mod duration;
pub mod engine;
pub mod exception;
pub mod images;
pub mod jmespath;
pub mod matching;
pub mod pattern;
pub mod policy;
pub mod quantity;
pub mod testing;
pub mod validate;
pub mod variables;
pub mod wildcards;

pub use engine::Request;
pub use exception::Exception;
pub use policy::{FailureAction, Policy, PolicyError};
pub use validate::{RuleResponse, Status};
