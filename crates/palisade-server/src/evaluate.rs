//! The one function through which the webhook evaluates an object:
//! [`Evaluator::evaluate`]. Built-in controls run through the same
//! [`PolicySet`] as `palisade scan`, exceptions and waiver annotations
//! included, and so do user policies in Rego (the policy set holds them):
//! Conftest rules see the object, Gatekeeper constraints the request.

use std::sync::Arc;

use palisade_load::KubeObject;
use palisade_model::{Finding, Node};
use palisade_policy::PolicySet;

use crate::review::AdmissionRequest;

/// What a policy sees of one admission request.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The request: operation, user, namespace, sub-resource, dry run.
    pub request: &'a AdmissionRequest,
    /// The object to judge, with `apiVersion`, `kind` and
    /// `metadata.namespace` filled from the request when the API server
    /// left them out (see [`crate::review::parse`]).
    pub node: &'a Node,
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
    /// Wraps the policy set: built-in controls and user policies.
    pub fn new(policy: PolicySet) -> Self {
        Evaluator {
            policy,
            file: Arc::from("admission-request"),
        }
    }

    /// The policy set.
    pub fn policy(&self) -> &PolicySet {
        &self.policy
    }

    /// Every finding about the subject, exceptions applied (a waived finding
    /// has `waiver: Some(..)`). Cross-resource controls do not run: one
    /// request holds one object. User policies see the object (Conftest) or
    /// the request itself as `input.review` (Gatekeeper: operation, user,
    /// dry run as the API server sent them).
    pub fn evaluate(&self, subject: &Subject<'_>) -> Result<Vec<Finding>, EvaluationError> {
        let object = KubeObject { node: subject.node };
        let request = || {
            request_value(subject).map_err(|message| palisade_rego::RegoError {
                file: "oldObject".to_owned(),
                line: None,
                message,
            })
        };
        let old_object = subject
            .request
            .old_object
            .as_ref()
            .and_then(|o| serde_json::to_value(o).ok());
        let admission = palisade_policy::kyverno::KyvernoAdmission {
            operation: subject.request.operation.as_str(),
            old_object: old_object.as_ref(),
            user: Some(palisade_kyverno_user(subject)),
        };
        self.policy
            .evaluate_admitted(&object, request, &admission, &self.file)
            .map_err(|e| EvaluationError::Policy {
                policy: e.file,
                message: e.message,
            })
    }
}

/// The request's user as Kyverno's rules see it (`request.userInfo`).
fn palisade_kyverno_user(subject: &Subject<'_>) -> palisade_policy::kyverno::UserInfo {
    palisade_policy::kyverno::UserInfo {
        username: subject.request.user_info.username.clone(),
        groups: subject.request.user_info.groups.clone(),
        ..Default::default()
    }
}

/// The AdmissionRequest as Gatekeeper's policies read `input.review`,
/// `oldObject` included on an UPDATE (parsed here, the only place that
/// reads it).
fn request_value(subject: &Subject<'_>) -> Result<palisade_rego::Value, String> {
    let request = subject.request;
    let json = serde_json::json!({
        "uid": request.uid,
        "kind": {"group": request.kind.group, "version": request.kind.version, "kind": request.kind.kind},
        "resource": {"group": request.resource.group, "version": request.resource.version, "resource": request.resource.resource},
        "subResource": request.sub_resource,
        "name": request.name,
        "namespace": request.namespace,
        "operation": request.operation.as_str(),
        "userInfo": {"username": request.user_info.username, "groups": request.user_info.groups},
        "dryRun": request.is_dry_run(),
    });
    let old_object = match &request.old_object {
        Some(raw) => palisade_rego::Value::from_json_str(raw.get())
            .map_err(|e| format!("cannot read the request's oldObject: {e}"))?,
        None => palisade_rego::Value::Null,
    };
    let mut review = palisade_rego::Value::from(json);
    // The object goes in as the tree the controls read: no JSON copy of it.
    if let Ok(fields) = review.as_object_mut() {
        fields.insert(
            palisade_rego::Value::from("object"),
            palisade_rego::value::from_node(subject.node),
        );
        fields.insert(palisade_rego::Value::from("oldObject"), old_object);
    }
    Ok(review)
}
