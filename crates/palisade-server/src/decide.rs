//! The decision: a pure function from the prepared state and an
//! AdmissionRequest to an AdmissionResponse plus what to record. No HTTP
//! here; the handlers in `http` only convert in and out, so every rule
//! below is tested without a server.
//!
//! - CREATE and UPDATE are evaluated; DELETE and CONNECT are allowed.
//! - Sub-resources are allowed without evaluation (`status`, `scale`,
//!   `binding`...), except `pods/ephemeralcontainers`, whose object is the
//!   whole pod with its new ephemeral containers: that pod is evaluated.
//! - An UPDATE of an object being deleted (`deletionTimestamp` set) that
//!   only removes finalizers is allowed: denying it would keep the object
//!   from ever going. Any other UPDATE of it is evaluated: a workload
//!   pending deletion (foreground deletion waits for its dependants) can
//!   still have its template changed.
//! - Exempt namespaces, users and groups are allowed without evaluation.
//! - A dry run is evaluated like any request and answered the same way; the
//!   recorded event says it changed nothing.
//! - `/validate` judges the object it receives; in a cluster the API server
//!   has already applied every mutating webhook, `/mutate` included.

use std::collections::BTreeMap;

use base64::Engine as _;
use palisade_audit::FindingAction;
use palisade_model::{Enforcement, Finding, Node, ResourceRef};
use palisade_policy::{AdmissionSettings, FailureMode, Mode};

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

/// The answer and what to record of it.
#[derive(Debug)]
pub struct AdmissionDecision {
    /// What the API server receives.
    pub response: AdmissionResponse,
    /// The object judged.
    pub resource: ResourceRef,
    /// Every finding with its mode and verdict.
    pub findings: Vec<(Finding, Mode, FindingAction)>,
    /// Why the object was not evaluated, when it was not.
    pub skipped: Option<String>,
    /// Why it could not be evaluated (the failure mode answered).
    pub failure: Option<String>,
    /// Controls whose safe defaults the mutation set.
    pub mutated: Vec<&'static str>,
}

impl AdmissionDecision {
    fn new(response: AdmissionResponse, resource: ResourceRef) -> Self {
        AdmissionDecision {
            response,
            resource,
            findings: Vec::new(),
            skipped: None,
            failure: None,
            mutated: Vec::new(),
        }
    }
}

/// What Palisade could not do for a request, so its failure mode answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unable {
    /// Evaluate it (a policy failed, a deadline passed, no object).
    Evaluate,
    /// Record its decision in the audit log.
    Record,
}

/// The failure mode's answer, the one place it is written: closed denies
/// saying why; open sends `open` (an allowance, or the decision already
/// made) with a warning saying what was not done. Why an event was not
/// recorded is logged, not told to the requester: it names the audit
/// log's volume and its free space.
pub fn failure_mode_answer(
    failure_mode: FailureMode,
    uid: &str,
    unable: Unable,
    reason: &str,
    open: AdmissionResponse,
) -> AdmissionResponse {
    let (done, answered, why) = match unable {
        Unable::Evaluate => ("evaluate this request", "allowed", format!(" ({reason})")),
        Unable::Record => (
            "record this decision in its audit log",
            "answered",
            String::new(),
        ),
    };
    match failure_mode {
        FailureMode::Open => {
            let mut response = open;
            response.warnings.push(message::truncate(
                &format!(
                    "palisade could not {done}{why}; {answered} because the failure mode is open"
                ),
                message::MAX_WARNING_CHARS,
            ));
            response
        }
        FailureMode::Closed => AdmissionResponse::deny(
            uid,
            500,
            format!("Palisade could not {done}, and its failure mode is closed{why}"),
        ),
    }
}

/// The answer when Palisade cannot decide: allow with a warning (fail
/// open) or deny saying why (fail closed).
pub fn failure(
    failure_mode: FailureMode,
    uid: &str,
    resource: ResourceRef,
    reason: String,
) -> AdmissionDecision {
    let mut response = failure_mode_answer(
        failure_mode,
        uid,
        Unable::Evaluate,
        &reason,
        AdmissionResponse::allow(uid),
    );
    response
        .audit_annotations
        .insert("failure".to_owned(), message::truncate(&reason, 1024));
    let mut decision = AdmissionDecision::new(response, resource);
    decision.failure = Some(reason);
    decision
}

/// A request allowed without evaluation, and why.
fn skipped(request: &AdmissionRequest, reason: String) -> AdmissionDecision {
    let mut decision = AdmissionDecision::new(
        AdmissionResponse::allow(&request.uid),
        request_resource(request),
    );
    decision.skipped = Some(reason);
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
    removes_finalizers_only(request)
        .then(|| "the object is being deleted and the update only removes finalizers".to_owned())
}

/// Whether an UPDATE of an object being deleted changes nothing but its
/// finalizers, and only removes some: compared with `oldObject` without
/// the fields the API server itself changes on every write
/// (`resourceVersion`, `managedFields`).
fn removes_finalizers_only(request: &AdmissionRequest) -> bool {
    use serde_json::Value as J;
    let Some(object) = &request.object else {
        return false;
    };
    if request.operation != Operation::Update
        || object
            .get_path(&["metadata", "deletionTimestamp"])
            .is_none()
    {
        return false;
    }
    let Some(Ok(mut old)) = request
        .old_object
        .as_ref()
        .map(|raw| serde_json::from_str::<J>(raw.get()))
    else {
        return false;
    };
    let mut new = object.to_json();
    // Takes out what may differ; returns the finalizers.
    let strip = |object: &mut J| -> Option<Vec<J>> {
        let metadata = object.get_mut("metadata")?.as_object_mut()?;
        metadata.remove("resourceVersion");
        metadata.remove("managedFields");
        let finalizers = match metadata.remove("finalizers") {
            Some(J::Array(list)) => list,
            Some(J::Null) | None => Vec::new(),
            Some(_) => return None,
        };
        // Filled in from the request when the body had none (see
        // `review`); an update cannot change them anyway.
        metadata.remove("namespace");
        let object = object.as_object_mut()?;
        object.remove("apiVersion");
        object.remove("kind");
        Some(finalizers)
    };
    let (Some(before), Some(after)) = (strip(&mut old), strip(&mut new)) else {
        return false;
    };
    after.iter().all(|f| before.contains(f)) && old == new
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
pub fn validate(prepared: &Prepared, request: &AdmissionRequest) -> AdmissionDecision {
    let uid = request.uid.as_str();
    if let Some(reason) = skip_reason(prepared, request) {
        return skipped(request, reason);
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
    let object = palisade_load::KubeObject { node };
    let resource = object.resource();
    if let Some(count) = palisade_load::PodSpec::find(&object)
        .map(|pod| pod.containers.len())
        .filter(|n| *n > MAX_CONTAINERS)
    {
        // Refused whatever the failure mode: no real pod needs this many,
        // and each costs findings; see `MAX_CONTAINERS`.
        let mut response = AdmissionResponse::deny(
            uid,
            403,
            format!(
                "{} has {count} containers, more than the {MAX_CONTAINERS} Palisade evaluates",
                resource.display_name()
            ),
        );
        response
            .audit_annotations
            .insert("failure".to_owned(), "too many containers".to_owned());
        let mut decision = AdmissionDecision::new(response, resource);
        decision.failure = Some(format!("{count} containers, more than {MAX_CONTAINERS}"));
        return decision;
    }
    let subject = Subject { request, node };
    let mut findings = match prepared.evaluator.evaluate(&subject) {
        Ok(findings) => findings,
        Err(e) => return failure(settings.failure_mode, uid, resource, e.to_string()),
    };
    waive_by_annotation(settings, request, node, &mut findings);
    let judged: Vec<(Finding, Mode, FindingAction)> = findings
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
                FindingAction::Waived
            } else {
                match mode {
                    Mode::Enforce => FindingAction::Denied,
                    Mode::Warn => FindingAction::Warned,
                    Mode::Audit => FindingAction::Audited,
                }
            };
            (finding, mode, verdict)
        })
        .collect();
    let of = |wanted: FindingAction| -> Vec<&Finding> {
        judged
            .iter()
            .filter(|(_, _, v)| *v == wanted)
            .map(|(f, _, _)| f)
            .collect()
    };
    let denied = of(FindingAction::Denied);
    let warned = of(FindingAction::Warned);
    let mut response = if denied.is_empty() {
        AdmissionResponse::allow(uid)
    } else {
        AdmissionResponse::deny(uid, 403, message::denial(&resource, &denied))
    };
    response.warnings = message::warnings(&warned, &[]);
    response.audit_annotations = audit_annotations(&judged);
    let mut decision = AdmissionDecision::new(response, resource);
    decision.findings = judged;
    keep_at_most(&mut decision.findings, MAX_FINDINGS);
    decision
}

/// Containers (init, regular and ephemeral) of one pod spec that are
/// evaluated; a pod with more is denied. Every container can draw a finding
/// from each control, and findings are what a request's memory grows with:
/// 9,000 containers once cost the webhook 460 MB.
pub const MAX_CONTAINERS: usize = 256;

/// Findings one decision keeps for its warnings, metrics and event (the
/// answer itself is decided on all of them). More than the audit event
/// keeps (`audit_sink::limits::FINDINGS`), so a cut here is marked there.
pub const MAX_FINDINGS: usize = 1024;

/// Keeps the first `max` findings, denials first so the event names what
/// decided.
fn keep_at_most(findings: &mut Vec<(Finding, Mode, FindingAction)>, max: usize) {
    if findings.len() <= max {
        return;
    }
    findings.sort_by_key(|(_, _, v)| match v {
        FindingAction::Denied => 0,
        FindingAction::Warned => 1,
        FindingAction::Audited => 2,
        FindingAction::Waived => 3,
    });
    findings.truncate(max);
}

/// `palisade.dev/waive.<control>` annotations, honoured only where
/// `admission.annotation-waivers` allows them: for its namespaces, users
/// and groups, and its controls. The waiver names the requester as its
/// owner, so the recorded event says who waived what and why.
fn waive_by_annotation(
    settings: &AdmissionSettings,
    request: &AdmissionRequest,
    node: &Node,
    findings: &mut [Finding],
) {
    let scope = &settings.annotation_waivers;
    let user = &request.user_info;
    if !scope.permits(request.namespace(), &user.username, &user.groups) {
        return;
    }
    let object = palisade_load::KubeObject { node };
    let waived = palisade_policy::exceptions::waive_by_annotation(
        &object,
        findings,
        |control| scope.covers(control),
        Some(&user.username),
    );
    if waived > 0 {
        tracing::info!(uid = %request.uid, user = %user.username, waived, "findings waived by annotation");
    }
}

/// Short, bounded annotations for the API server's own audit log:
/// `<webhook>/findings: control=mode/verdict,...`.
fn audit_annotations(judged: &[(Finding, Mode, FindingAction)]) -> BTreeMap<String, String> {
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
pub fn mutate(prepared: &Prepared, request: &AdmissionRequest) -> AdmissionDecision {
    let uid = request.uid.as_str();
    let settings = &prepared.settings;
    if let Some(reason) = skip_reason(prepared, request) {
        return skipped(request, reason);
    }
    // A running pod's spec is immutable but for its ephemeral containers;
    // a workload's template may change on any update.
    let scope = if !request.sub_resource.is_empty() {
        Scope::EphemeralContainers
    } else if request.operation == Operation::Update && request.kind.kind == "Pod" {
        return skipped(
            request,
            "a pod's spec cannot change after creation".to_owned(),
        );
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
    let mut decision = AdmissionDecision::new(response, request_resource(request));
    decision.mutated = mutated;
    decision
}

#[cfg(test)]
mod tests {
    use palisade_policy::{AdmissionSettings, PolicySet};
    use serde_json::{Value, json};

    use super::*;
    use crate::evaluate::Evaluator;

    /// As [`Prepared::load`] builds it: annotations ignored by the policy
    /// set, applied by the decision within its settings.
    fn prepared(settings: AdmissionSettings) -> Prepared {
        let mut policy = PolicySet::all();
        policy.set_annotation_waivers(palisade_policy::AnnotationWaivers::Ignored);
        Prepared {
            evaluator: Evaluator::new(policy),
            settings,
            generation: 1,
            loaded_at: std::time::SystemTime::now(),
            policy_version: String::new(),
            api: Default::default(),
            client_auth: None,
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
    fn a_decision_keeps_at_most_its_cap_of_findings_denials_first() {
        // 256 containers, each privileged and drawing warnings from every
        // other control: thousands of findings, of which the decision keeps
        // the cap, every denial before any warning.
        let containers: Vec<Value> = (0..MAX_CONTAINERS)
            .map(|i| {
                json!({"name": format!("c{i}"), "image": "nginx:latest",
                            "securityContext": {"privileged": true}})
            })
            .collect();
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                         "spec": {"containers": containers}});
        let mut settings = AdmissionSettings::default();
        settings.modes.insert("privileged-container", Mode::Enforce);
        let d = validate(&prepared(settings), &request("CREATE", pod));
        assert!(!d.response.allowed);
        assert_eq!(d.findings.len(), MAX_FINDINGS);
        let denied = d
            .findings
            .iter()
            .take_while(|(_, _, v)| *v == FindingAction::Denied)
            .count();
        assert_eq!(denied, MAX_CONTAINERS, "one denial per container, first");
        assert!(
            d.findings[denied..]
                .iter()
                .all(|(_, _, v)| *v != FindingAction::Denied)
        );
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
    }

    #[test]
    fn an_object_being_deleted_may_lose_finalizers_and_nothing_else_unchecked() {
        let p = prepared(AdmissionSettings {
            default_mode: Mode::Enforce,
            ..AdmissionSettings::default()
        });
        let mut old = privileged_pod();
        old["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        old["metadata"]["finalizers"] = json!(["a.example.com/x", "b.example.com/y"]);
        old["metadata"]["resourceVersion"] = json!("41");
        let update = |new: Value| {
            let mut r = request("UPDATE", new);
            r.old_object = serde_json::value::to_raw_value(&old).ok();
            r
        };
        let mut removed = old.clone();
        removed["metadata"]["finalizers"] = json!(["b.example.com/y"]);
        removed["metadata"]["resourceVersion"] = json!("42");
        let d = validate(&p, &update(removed.clone()));
        assert!(d.response.allowed && d.skipped.is_some(), "{:?}", d.skipped);
        // Anything else is judged: a changed spec, an added finalizer, no
        // old object to compare with.
        let mut changed = removed.clone();
        changed["spec"]["containers"][0]["image"] = json!("evil:1");
        assert!(!validate(&p, &update(changed)).response.allowed);
        let mut added = old.clone();
        added["metadata"]["finalizers"] = json!(["a.example.com/x", "b.example.com/y", "c/z"]);
        assert!(!validate(&p, &update(added)).response.allowed);
        assert!(!validate(&p, &request("UPDATE", removed)).response.allowed);
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
        let mut settings = AdmissionSettings {
            default_mode: Mode::Enforce,
            ..AdmissionSettings::default()
        };
        settings.annotation_waivers = palisade_policy::admission::AnnotationWaiverScope {
            enabled: true,
            controls: vec!["*".into()],
            ..Default::default()
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
        let d = validate(&prepared(settings.clone()), &request("CREATE", pod.clone()));
        assert!(d.response.allowed, "{:?}", d.response.status);
        assert!(
            d.findings
                .iter()
                .all(|(_, _, v)| *v == FindingAction::Waived)
        );
        let waiver = d.findings[0].0.waiver.clone().unwrap();
        assert_eq!(waiver.owner.as_deref(), Some("alice"));

        // Out of scope (another group, or not enabled): the annotations
        // waive nothing.
        settings.annotation_waivers.groups = vec!["platform".into()];
        let d = validate(&prepared(settings.clone()), &request("CREATE", pod.clone()));
        assert!(!d.response.allowed);
        settings.annotation_waivers.groups = vec!["devs".into()];
        settings.annotation_waivers.controls = vec!["privileged-container".into()];
        let d = validate(&prepared(settings.clone()), &request("CREATE", pod.clone()));
        assert!(
            d.findings
                .iter()
                .any(|(f, _, v)| f.control == "privileged-container" && *v == FindingAction::Waived)
        );
        assert!(
            d.findings
                .iter()
                .any(|(_, _, v)| *v == FindingAction::Denied)
        );
        settings.annotation_waivers.enabled = false;
        let d = validate(&prepared(settings), &request("CREATE", pod));
        assert!(
            d.findings
                .iter()
                .all(|(_, _, v)| *v != FindingAction::Waived)
        );
    }
}
