//! Kyverno policies, run unchanged: `ClusterPolicy` and `Policy` validate
//! rules, ValidatingPolicies and Kubernetes ValidatingAdmissionPolicies,
//! both kinds of PolicyException, and the Kyverno CLI's test files.
//!
//! Following one rule from file to verdict:
//! - `policy.rs` reads a policy and expands its rules with `autogen.rs`;
//! - `matching.rs` decides whether a rule applies (`match`, `exclude`);
//! - `engine.rs` runs the rules of a policy on one request, with
//!   `exception.rs`;
//! - `validate.rs` is one rule: `context` entries, preconditions, then
//!   `deny` (`conditions/`), `pattern`/`anyPattern` (`pattern/`) or
//!   `foreach`;
//! - `pod_security.rs` is a `validate.podSecurity` rule, judged by
//!   Palisade's own Pod Security Standards controls;
//! - `variables.rs` substitutes `{{ }}` through `context.rs` and
//!   `jmespath/` (JMESPath with Kyverno's functions);
//! - `validating_policy.rs` is a ValidatingPolicy, on `cel_validation.rs`
//!   (CEL validations as Kubernetes' admission policies run them, also used
//!   by `validate.cel` rules) over the `palisade-cel` engine;
//! - `images.rs` (the `images` variable) and `cluster.rs` (`apiCall` and
//!   `configMap` answered from supplied objects) fill the context;
//! - `quantity.rs`, `duration.rs` and `wildcards.rs` are shared by the
//!   patterns, the operators and the JMESPath functions;
//! - `testing/` runs `kyverno-test.yaml` files as `kyverno test` does.

pub mod autogen;
pub mod cel_validation;
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
pub mod pod_security;
pub mod policy;
pub mod quantity;
pub mod testing;
pub mod validate;
pub mod validating_policy;
pub mod variables;
pub mod wildcards;

pub use engine::Request;
pub use exception::Exception;
pub use policy::{FailureAction, Policy, PolicyError};
pub use validate::{RuleResponse, Status};
