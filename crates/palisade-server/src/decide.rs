//! The decision: a pure function from the prepared state and an
//! AdmissionRequest to an AdmissionResponse plus what to record. No HTTP
//! here; the handlers in `http` only convert in and out, so every rule
//! below is tested without a server.
//!
//! - CREATE and UPDATE are evaluated; DELETE and CONNECT are allowed.
//! - Sub-resources are allowed without evaluation (`status`, `scale`,
//!   `binding`...), except `pods/ephemeralcontainers`, whose object is the
//!   whole pod with its new ephemeral containers: that pod is evaluated.
//! - An UPDATE of an object being deleted (`deletionTimestamp` set) is
//!   allowed: denying it would block the removal of its finalizers.
//! - Exempt namespaces, users and groups are allowed without evaluation.
//! - A dry run is evaluated like any request and answered the same way; the
//!   recorded event says it changed nothing.
//! - `/validate` judges the object it receives; in a cluster the API server
//!   has already applied every mutating webhook, `/mutate` included.

use std::collections::BTreeMap;

use base64::Engine as _;
use palisade_model::{Enforcement, Finding, Node, ResourceRef};
use palisade_policy::{FailureMode, Mode};

use crate::evaluate::Subject;
use crate::message;
use crate::mutate::{self, Scope};
use crate::review::{AdmissionRequest, AdmissionResponse, Operation};
use crate::state::Prepared;

/// Which webhook was called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `POST /validate`
    Validate,
    /// `POST /mutate`
    Mutate,
}

impl Endpoint {
    /// `validate` or `mutate`.
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::Validate => "validate",
            Endpoint::Mutate => "mutate",
        }
    }
}

/// What one finding did to the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Enforce mode: the request was denied.
    Denied,
    /// Warn mode: returned as an admission warning.
    Warned,
    /// Audit mode: recorded only.
    Audited,
    /// An exception or annotation waives it: recorded only.
    Waived,
}

impl Verdict {
    /// `denied`, `warned`, `audited` or `waived`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Denied => "denied",
            Verdict::Warned => "warned",
            Verdict::Audited => "audited",
            Verdict::Waived => "waived",
        }
    }
}

/// The answer and what to record of it.
#[derive(Debug)]
pub struct Decision {
    /// What the API server receives.
    pub response: AdmissionResponse,
    /// The object judged.
    pub resource: ResourceRef,
    /// Every finding with its mode and verdict.
    pub findings: Vec<(Finding, Mode, Verdict)>,
    /// Why the object was not evaluated, when it was not.
    pub skipped: Option<String>,
    /// Why it could not be evaluated (the failure mode answered).
    pub failure: Option<String>,
    /// Controls whose safe defaults the mutation set.
    pub mutated: Vec<&'static str>,
}

impl Decision {
    fn new(response: AdmissionResponse, resource: ResourceRef) -> Self {
        Decision {
            response,
            resource,
            findings: Vec::new(),
            skipped: None,
            failure: None,
            mutated: Vec::new(),
        }
    }
}

/// The answer when Palisade cannot decide: allow with a warning (fail
/// open) or deny saying why (fail closed).
pub fn failure(
    failure_mode: FailureMode,
    uid: &str,
    resource: ResourceRef,
    reason: String,
) -> Decision {
    let mut response = match failure_mode {
        FailureMode::Open => {
            let mut r = AdmissionResponse::allow(uid);
            r.warnings = vec![message::truncate(
                &format!(
                    "palisade did not evaluate this request ({reason}); allowed because the failure mode is open"
                ),
                message::MAX_WARNING_CHARS,
            )];
            r
        }
        FailureMode::Closed => AdmissionResponse::deny(
            uid,
            500,
            format!(
                "Palisade could not evaluate this request, and its failure mode is closed: {reason}"
            ),
        ),
    };
    response
        .audit_annotations
        .insert("failure".to_owned(), message::truncate(&reason, 1024));
    let mut decision = Decision::new(response, resource);
    decision.failure = Some(reason);
    decision
}

/// Why a request is not evaluated, or `None` when it is.
fn skip_reason(prepared: &Prepared, request: &AdmissionRequest) -> Option<String> {
    match request.operation {
        Operation::Delete | Operation::Connect => {
            return Some(format!("{} is not checked", request.operation.as_str()));
        }
        Operation::Create | Operation::Update => {}
    }
    let pod_ephemeral = request.resource.resource == "pods"
        && request.resource.group.is_empty()
        && request.sub_resource == "ephemeralcontainers";
    if !request.sub_resource.is_empty() && !pod_ephemeral {
        return Some(format!(
            "sub-resource {} is not checked",
            request.sub_resource
        ));
    }
    if let Some(reason) = prepared.settings.exempt.reason(
        request.namespace(),
        &request.user_info.username,
        &request.user_info.groups,
    ) {
        return Some(reason);
    }
    let terminating = request.operation == Operation::Update
        && request
            .object
            .as_ref()
            .and_then(|o| o.get_path(&["metadata", "deletionTimestamp"]))
            .is_some();
    terminating.then(|| "the object is being deleted".to_owned())
}

/// The object to judge ([`crate::review::parse`] has filled in what the
/// API server may leave out), or why there is none to judge.
fn subject_object(request: &AdmissionRequest) -> Result<&Node, String> {
    let Some(object) = &request.object else {
        return Err(format!(
            "{} request without an object",
            request.operation.as_str()
        ));
    };
    if !object.is_map() {
        return Err("the request's object is not a JSON object".to_owned());
    }
    if object.get("metadata").is_some_and(|m| !m.is_map()) {
        return Err("the object's metadata is not a JSON object".to_owned());
    }
    Ok(object)
}

/// The resource as the request names it (before the object is read).
pub fn request_resource(request: &AdmissionRequest) -> ResourceRef {
    ResourceRef {
        api_version: request.kind.api_version(),
        kind: request.kind.kind.clone(),
        namespace: request.namespace().map(str::to_owned),
        name: Some(request.name.clone()).filter(|n| !n.is_empty()),
    }
}

/// `POST /validate`: evaluate the object and apply the modes.
pub fn validate(prepared: &Prepared, request: &AdmissionRequest) -> Decision {
    let uid = request.uid.as_str();
    if let Some(reason) = skip_reason(prepared, request) {
        let mut decision = Decision::new(AdmissionResponse::allow(uid), request_resource(request));
        decision.skipped = Some(reason);
        return decision;
    }
    let settings = &prepared.settings;
    let node = match subject_object(request) {
        Ok(node) => node,
        Err(reason) => {
            return failure(
                settings.failure_mode,
                uid,
                request_resource(request),
                reason,
            );
        }
    };
    let resource = palisade_load::KubeObject { node }.resource();
    let subject = Subject { request, node };
    let findings = match prepared.evaluator.evaluate(&subject) {
        Ok(findings) => findings,
        Err(e) => return failure(settings.failure_mode, uid, resource, e.to_string()),
    };
    let judged: Vec<(Finding, Mode, Verdict)> = findings
        .into_iter()
        .map(|finding| {
            // A user policy that only warns (Conftest `warn`, Gatekeeper
            // `warn`) or only audits (`dryrun`) never goes past that,
            // whatever the configured mode.
            let mode = match finding.enforcement {
                Enforcement::Enforce => settings.mode(finding.control),
                Enforcement::Warn => settings.mode(finding.control).min(Mode::Warn),
                Enforcement::Audit => Mode::Audit,
            };
            let verdict = if finding.waiver.is_some() {
                Verdict::Waived
            } else {
                match mode {
                    Mode::Enforce => Verdict::Denied,
                    Mode::Warn => Verdict::Warned,
                    Mode::Audit => Verdict::Audited,
                }
            };
            (finding, mode, verdict)
        })
        .collect();
    let of = |wanted: Verdict| -> Vec<&Finding> {
        judged
            .iter()
            .filter(|(_, _, v)| *v == wanted)
            .map(|(f, _, _)| f)
            .collect()
    };
    let denied = of(Verdict::Denied);
    let warned = of(Verdict::Warned);
    let mut response = if denied.is_empty() {
        AdmissionResponse::allow(uid)
    } else {
        AdmissionResponse::deny(uid, 403, message::denial(&resource, &denied))
    };
    response.warnings = message::warnings(&warned, &[]);
    response.audit_annotations = audit_annotations(&judged);
    let mut decision = Decision::new(response, resource);
    decision.findings = judged;
    decision
}

/// Short, bounded annotations for the API server's own audit log:
/// `<webhook>/findings: control=mode/verdict,...`.
fn audit_annotations(judged: &[(Finding, Mode, Verdict)]) -> BTreeMap<String, String> {
    let mut seen: Vec<String> = Vec::new();
    for (finding, mode, verdict) in judged {
        let entry = format!("{}={}/{}", finding.control, mode, verdict.as_str());
        if !seen.contains(&entry) {
            seen.push(entry);
        }
    }
    let mut out = BTreeMap::new();
    if !seen.is_empty() {
        out.insert(
            "findings".to_owned(),
            message::truncate(&seen.join(","), 2048),
        );
    }
    out
}

/// `POST /mutate`: set the configured safe defaults; never denies for a
/// finding (that is `/validate`'s job).
pub fn mutate(prepared: &Prepared, request: &AdmissionRequest) -> Decision {
    let uid = request.uid.as_str();
    let settings = &prepared.settings;
    if let Some(reason) = skip_reason(prepared, request) {
        let mut decision = Decision::new(AdmissionResponse::allow(uid), request_resource(request));
        decision.skipped = Some(reason);
        return decision;
    }
    // A running pod's spec is immutable but for its ephemeral containers;
    // a workload's template may change on any update.
    let scope = if !request.sub_resource.is_empty() {
        Scope::EphemeralContainers
    } else if request.operation == Operation::Update && request.kind.kind == "Pod" {
        let mut decision = Decision::new(AdmissionResponse::allow(uid), request_resource(request));
        decision.skipped = Some("a pod's spec cannot change after creation".to_owned());
        return decision;
    } else {
        Scope::Everything
    };
    let Some(object) = &request.object else {
        return failure(
            settings.failure_mode,
            uid,
            request_resource(request),
            format!("{} request without an object", request.operation.as_str()),
        );
    };
    let mut response = AdmissionResponse::allow(uid);
    let mut mutated = Vec::new();
    if let Some(mutation) = mutate::mutate(object, &settings.mutate, scope) {
        let patch = match serde_json::to_vec(&mutation.patch) {
            Ok(patch) => patch,
            Err(e) => {
                return failure(
                    settings.failure_mode,
                    uid,
                    request_resource(request),
                    format!("cannot encode the patch: {e}"),
                );
            }
        };
        response.patch = Some(base64::engine::general_purpose::STANDARD.encode(patch));
        response.patch_type = Some("JSONPatch");
        mutated = mutation.applied.iter().map(|d| d.control()).collect();
        response
            .audit_annotations
            .insert("mutated".to_owned(), mutated.join(","));
    }
    let mut decision = Decision::new(response, request_resource(request));
    decision.mutated = mutated;
    decision
}

#[cfg(test)]
mod tests {
    use palisade_policy::{AdmissionSettings, PolicySet};
    use serde_json::{Value, json};

    use super::*;
    use crate::evaluate::Evaluator;

    fn prepared(settings: AdmissionSettings) -> Prepared {
        Prepared {
            evaluator: Evaluator::new(PolicySet::all()),
            settings,
            generation: 1,
            loaded_at: std::time::SystemTime::now(),
            policy_version: String::new(),
            api: Default::default(),
        }
    }

    /// As the API server sends it, through [`crate::review::parse`].
    fn request(operation: &str, object: Value) -> AdmissionRequest {
        let review = json!({
            "apiVersion": "admission.k8s.io/v1",
            "kind": "AdmissionReview",
            "request": {
                "uid": "u-1",
                "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "resource": {"group": "", "version": "v1", "resource": "pods"},
                "namespace": "apps",
                "operation": operation,
                "userInfo": {"username": "alice", "groups": ["devs"]},
                "object": object,
            }
        });
        crate::review::parse(review.to_string().as_bytes()).unwrap()
    }

    fn privileged_pod() -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
               "spec": {"containers": [{"name": "c", "image": "nginx", "securityContext": {"privileged": true}}]}})
    }

    #[test]
    fn enforce_denies_and_names_the_control() {
        let mut settings = AdmissionSettings::default();
        settings.modes.insert("privileged-container", Mode::Enforce);
        let d = validate(&prepared(settings), &request("CREATE", privileged_pod()));
        assert!(!d.response.allowed);
        let status = d.response.status.unwrap();
        assert_eq!(status.code, 403);
        assert!(
            status.message.starts_with("Pod/apps/p violates"),
            "{}",
            status.message
        );
        assert!(
            status.message.contains("privileged-container (critical)"),
            "{}",
            status.message
        );
        // Everything else is in warn mode by default.
        assert!(!d.response.warnings.is_empty());
        assert!(
            d.response.audit_annotations["findings"]
                .contains("privileged-container=enforce/denied")
        );
    }

    #[test]
    fn the_namespace_comes_from_the_request_when_the_object_has_none() {
        let d = validate(
            &prepared(AdmissionSettings::default()),
            &request("CREATE", privileged_pod()),
        );
        assert_eq!(d.resource.namespace.as_deref(), Some("apps"));
    }

    #[test]
    fn delete_connect_subresources_and_exemptions_are_allowed_unevaluated() {
        let mut settings = AdmissionSettings {
            default_mode: Mode::Enforce,
            ..AdmissionSettings::default()
        };
        settings.exempt.groups = vec!["system:nodes".into()];
        let p = prepared(settings);
        for op in ["DELETE", "CONNECT"] {
            let d = validate(&p, &request(op, privileged_pod()));
            assert!(d.response.allowed && d.skipped.is_some(), "{op}");
        }
        let mut status = request("UPDATE", privileged_pod());
        status.sub_resource = "status".into();
        assert!(validate(&p, &status).response.allowed);
        let mut ephemeral = request("UPDATE", privileged_pod());
        ephemeral.sub_resource = "ephemeralcontainers".into();
        assert!(!validate(&p, &ephemeral).response.allowed);
        let mut node = request("CREATE", privileged_pod());
        node.user_info.groups.push("system:nodes".into());
        let d = validate(&p, &node);
        assert!(d.response.allowed);
        assert_eq!(d.skipped.as_deref(), Some("group system:nodes is exempt"));
        let mut terminating = privileged_pod();
        terminating["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        assert!(
            validate(&p, &request("UPDATE", terminating))
                .response
                .allowed
        );
    }

    #[test]
    fn an_unevaluable_request_follows_the_failure_mode() {
        for (mode, allowed) in [(FailureMode::Open, true), (FailureMode::Closed, false)] {
            let settings = AdmissionSettings {
                failure_mode: mode,
                ..AdmissionSettings::default()
            };
            let d = validate(
                &prepared(settings),
                &request("CREATE", json!("not an object")),
            );
            assert_eq!(d.response.allowed, allowed, "{mode:?}");
            assert!(d.failure.is_some());
        }
    }

    #[test]
    fn waived_findings_never_deny() {
        let settings = AdmissionSettings {
            default_mode: Mode::Enforce,
            ..AdmissionSettings::default()
        };
        let mut pod = privileged_pod();
        let annotations: serde_json::Map<String, Value> = PolicySet::all()
            .controls()
            .iter()
            .map(|c| {
                (
                    format!("palisade.dev/waive.{}", c.meta.id),
                    json!("accepted in SEC-1"),
                )
            })
            .collect();
        pod["metadata"]["annotations"] = Value::Object(annotations);
        let d = validate(&prepared(settings), &request("CREATE", pod));
        assert!(d.response.allowed, "{:?}", d.response.status);
        assert!(d.findings.iter().all(|(_, _, v)| *v == Verdict::Waived));
    }
}
