//! The one function through which the webhook evaluates an object:
//! [`Evaluator::evaluate`]. Built-in controls run through the same
//! [`PolicySet`] as `palisade scan`, exceptions and waiver annotations
//! included. Rego policies (issue #5) plug in here: prepare them in
//! [`Evaluator::new`] from the `--policy` paths, evaluate them in
//! [`Evaluator::evaluate`] against [`Subject::object`] (the raw JSON, as the
//! API server sent it) and push their findings with the built-in ones.

use std::path::PathBuf;
use std::sync::Arc;

use palisade_load::KubeObject;
use palisade_model::{Finding, Node};
use palisade_policy::PolicySet;
use serde_json::Value;

use crate::review::AdmissionRequest;

/// What a policy sees of one admission request.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The request: operation, user, namespace, sub-resource, dry run.
    pub request: &'a AdmissionRequest,
    /// The object to judge, as JSON, with `apiVersion`, `kind` and
    /// `metadata.namespace` filled from the request when the API server
    /// left them out (a namespaced CREATE often has no namespace in the body).
    pub object: &'a Value,
    /// The same object as the tree the built-in controls read.
    pub node: &'a Node,
}

/// Why policies could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// `--policy` was given, but this build has no Rego engine yet.
    #[error(
        "--policy {0}: Rego policies are not supported by this build yet (issue #5); remove the flag or use the built-in controls"
    )]
    RegoUnavailable(String),
}

/// Why one object could not be evaluated (the failure mode decides).
#[derive(Debug, thiserror::Error)]
pub enum EvaluationError {
    /// A policy failed at run time.
    #[error("policy {policy}: {message}")]
    Policy {
        /// Which policy.
        policy: String,
        /// What went wrong.
        message: String,
    },
}

/// Every policy the webhook runs, prepared once per configuration and shared
/// by every request (`Send + Sync`; swapped whole on reload).
#[derive(Debug)]
pub struct Evaluator {
    policy: PolicySet,
    /// The name findings are located in (an object has no file).
    file: Arc<str>,
}

impl Evaluator {
    /// Prepares the built-in policy set and the Rego policies at `policies`.
    pub fn new(policy: PolicySet, policies: &[PathBuf]) -> Result<Self, PrepareError> {
        if let Some(path) = policies.first() {
            return Err(PrepareError::RegoUnavailable(path.display().to_string()));
        }
        Ok(Evaluator {
            policy,
            file: Arc::from("admission-request"),
        })
    }

    /// The built-in policy set.
    pub fn policy(&self) -> &PolicySet {
        &self.policy
    }

    /// Every finding about the subject, exceptions applied (a waived finding
    /// has `waiver: Some(..)`). Cross-resource controls do not run: one
    /// request holds one object.
    pub fn evaluate(&self, subject: &Subject<'_>) -> Result<Vec<Finding>, EvaluationError> {
        let mut findings = Vec::new();
        self.policy.evaluate_object(
            &KubeObject { node: subject.node },
            &self.file,
            &mut findings,
        );
        Ok(findings)
    }
}
