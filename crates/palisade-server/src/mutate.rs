//! Safe defaults set by the mutating webhook (`POST /mutate`), each opted
//! into per control in `admission.mutate`. A value the user set, even an
//! unsafe one, is never overwritten: the validating webhook reports it.
//!
//! The object is changed as JSON and the patch is the difference between
//! before and after (`json_patch::diff`), so the patch is exactly what
//! changed. The pod spec is found by `palisade_load::PodSpec`, the one place
//! that knows where every workload kind keeps it.

use palisade_load::{ContainerKind, KubeObject, PodSpec};
use palisade_model::Node;
use palisade_policy::SafeDefault;
use serde_json::{Map, Value, json};

/// Which part of a pod spec may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A new object (or an update of a workload's template).
    Everything,
    /// `pods/ephemeralcontainers`: only the ephemeral containers may change
    /// (the rest of a running pod's spec is immutable).
    EphemeralContainers,
}

/// What the mutation did.
#[derive(Debug, Clone)]
pub struct Mutation {
    /// The JSON Patch that turns the object into the mutated one.
    pub patch: json_patch::Patch,
    /// The safe defaults that changed something.
    pub applied: Vec<SafeDefault>,
}

/// Applies `defaults` to a copy of `object`; `None` when nothing changed
/// (not a pod-bearing kind, or every value already set).
pub fn mutate(node: &Node, defaults: &[SafeDefault], scope: Scope) -> Option<Mutation> {
    if defaults.is_empty() {
        return None;
    }
    let pod = PodSpec::find(&KubeObject { node })?;
    let object = node.to_json();
    let mut mutated = object.clone();
    let mut applied = Vec::new();
    for &default in defaults {
        if apply(&mut mutated, &pod, default, scope) {
            applied.push(default);
        }
    }
    if applied.is_empty() {
        return None;
    }
    Some(Mutation {
        patch: json_patch::diff(&object, &mutated),
        applied,
    })
}

/// Applies one safe default; whether it changed anything.
fn apply(object: &mut Value, pod: &PodSpec<'_>, default: SafeDefault, scope: Scope) -> bool {
    let spec = pod.path.json_pointer();
    // Linux-only fields are refused by the API server on Windows pods.
    let linux_only = matches!(
        default,
        SafeDefault::SeccompRuntimeDefault
            | SafeDefault::NoPrivilegeEscalation
            | SafeDefault::DropAllCapabilities
    );
    if linux_only && pod.is_windows() {
        return false;
    }
    let pod_level = matches!(
        default,
        SafeDefault::SeccompRuntimeDefault
            | SafeDefault::RunAsNonRoot
            | SafeDefault::NoServiceAccountToken
    );
    if pod_level && scope == Scope::EphemeralContainers {
        return false;
    }
    match default {
        SafeDefault::SeccompRuntimeDefault => {
            // A legacy seccomp annotation must agree with the field; leave
            // such pods as they are.
            let annotated = pod
                .annotations()
                .iter()
                .any(|e| e.key.starts_with("seccomp.security.alpha.kubernetes.io/"));
            !annotated
                && object_at(object, &spec, "securityContext").is_some_and(|sc| {
                    set_if_absent(sc, "seccompProfile", json!({"type": "RuntimeDefault"}))
                })
        }
        SafeDefault::RunAsNonRoot => {
            // runAsNonRoot with an explicit runAsUser 0 would stop the pod
            // from starting: that user asked for root, the validator says so.
            let root = pod.containers.iter().any(|c| {
                c.security_context
                    .run_as_user
                    .as_ref()
                    .and_then(|s| s.node.as_i64())
                    == Some(0)
            });
            !root
                && object_at(object, &spec, "securityContext")
                    .is_some_and(|sc| set_if_absent(sc, "runAsNonRoot", Value::Bool(true)))
        }
        SafeDefault::NoServiceAccountToken => object
            .pointer_mut(&spec)
            .and_then(Value::as_object_mut)
            .is_some_and(|spec| {
                set_if_absent(spec, "automountServiceAccountToken", Value::Bool(false))
            }),
        SafeDefault::NoPrivilegeEscalation | SafeDefault::DropAllCapabilities => {
            let mut changed = false;
            for container in &pod.containers {
                if scope == Scope::EphemeralContainers && container.kind != ContainerKind::Ephemeral
                {
                    continue;
                }
                let path = container.path.json_pointer();
                changed |= if default == SafeDefault::NoPrivilegeEscalation {
                    // The API server refuses allowPrivilegeEscalation: false
                    // with privileged: true or CAP_SYS_ADMIN.
                    let sc = &container.security_context;
                    let privileged =
                        sc.privileged.as_ref().and_then(|s| s.node.as_bool()) == Some(true);
                    let sys_admin = sc
                        .capabilities
                        .as_ref()
                        .and_then(|s| s.node.get("add"))
                        .is_some_and(|add| {
                            add.items()
                                .iter()
                                .filter_map(Node::as_str)
                                .any(|c| c == "SYS_ADMIN" || c == "CAP_SYS_ADMIN")
                        });
                    !privileged
                        && !sys_admin
                        && object_at(object, &path, "securityContext").is_some_and(|sc| {
                            set_if_absent(sc, "allowPrivilegeEscalation", Value::Bool(false))
                        })
                } else {
                    object_at(object, &path, "securityContext")
                        .and_then(|sc| object_in(sc, "capabilities"))
                        .is_some_and(|caps| set_if_absent(caps, "drop", json!(["ALL"])))
                };
            }
            changed
        }
    }
}

/// The mapping `key` inside the mapping at `pointer`, created when absent
/// or null; `None` when something there is not a mapping.
fn object_at<'a>(
    object: &'a mut Value,
    pointer: &str,
    key: &str,
) -> Option<&'a mut Map<String, Value>> {
    object_in(object.pointer_mut(pointer)?.as_object_mut()?, key)
}

fn object_in<'a>(map: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Map<String, Value>> {
    let slot = map
        .entry(key.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if slot.is_null() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
}

/// Sets `key` unless the user set it (absent and null are the same to
/// Kubernetes); whether it was set.
fn set_if_absent(map: &mut Map<String, Value>, key: &str, value: Value) -> bool {
    match map.get(key) {
        Some(v) if !v.is_null() => false,
        _ => {
            map.insert(key.to_owned(), value);
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_load::json::node_from_json;

    fn deployment(pod_spec: Value) -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "apps"},
            "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": pod_spec}}
        })
    }

    fn patched(object: &Value, defaults: &[SafeDefault], scope: Scope) -> Value {
        let mut out = object.clone();
        if let Some(m) = mutate(&node_from_json(object), defaults, scope) {
            json_patch::patch(&mut out, &m.patch).unwrap();
        }
        out
    }

    #[test]
    fn sets_every_default_on_a_bare_workload() {
        let object = deployment(
            json!({"containers": [{"name": "a", "image": "x"}], "initContainers": [{"name": "i", "image": "y", "securityContext": null}]}),
        );
        let out = patched(&object, &SafeDefault::ALL, Scope::Everything);
        let spec = &out["spec"]["template"]["spec"];
        assert_eq!(
            spec["securityContext"]["seccompProfile"]["type"],
            "RuntimeDefault"
        );
        assert_eq!(spec["securityContext"]["runAsNonRoot"], true);
        assert_eq!(spec["automountServiceAccountToken"], false);
        for c in [&spec["containers"][0], &spec["initContainers"][0]] {
            assert_eq!(c["securityContext"]["allowPrivilegeEscalation"], false);
            assert_eq!(c["securityContext"]["capabilities"]["drop"], json!(["ALL"]));
        }
    }

    #[test]
    fn never_overwrites_what_the_user_set() {
        let object = deployment(json!({
            "automountServiceAccountToken": true,
            "securityContext": {"seccompProfile": {"type": "Unconfined"}, "runAsNonRoot": false},
            "containers": [{"name": "a", "image": "x", "securityContext": {"allowPrivilegeEscalation": true, "capabilities": {"drop": ["NET_RAW"]}}}]
        }));
        assert!(
            mutate(
                &node_from_json(&object),
                &SafeDefault::ALL,
                Scope::Everything
            )
            .is_none()
        );
    }

    #[test]
    fn avoids_combinations_the_api_server_refuses() {
        let object = deployment(json!({
            "securityContext": {"runAsUser": 0},
            "containers": [{"name": "a", "image": "x", "securityContext": {"privileged": true}}]
        }));
        let m = mutate(
            &node_from_json(&object),
            &[
                SafeDefault::NoPrivilegeEscalation,
                SafeDefault::RunAsNonRoot,
            ],
            Scope::Everything,
        );
        assert!(m.is_none(), "{m:?}");
        let windows = deployment(
            json!({"os": {"name": "windows"}, "containers": [{"name": "a", "image": "x"}]}),
        );
        let out = patched(&windows, &SafeDefault::ALL, Scope::Everything);
        let spec = &out["spec"]["template"]["spec"];
        assert!(spec["securityContext"].get("seccompProfile").is_none());
        assert!(spec["containers"][0].get("securityContext").is_none());
    }

    #[test]
    fn ephemeral_scope_touches_only_ephemeral_containers() {
        let pod = json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "a", "image": "x"}], "ephemeralContainers": [{"name": "debug", "image": "busybox"}]}
        });
        let out = patched(&pod, &SafeDefault::ALL, Scope::EphemeralContainers);
        assert!(
            out["spec"]["containers"][0]
                .get("securityContext")
                .is_none()
        );
        assert!(out["spec"].get("securityContext").is_none());
        assert_eq!(
            out["spec"]["ephemeralContainers"][0]["securityContext"]["allowPrivilegeEscalation"],
            false
        );
    }

    #[test]
    fn other_kinds_are_left_alone() {
        let service =
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {}});
        assert!(
            mutate(
                &node_from_json(&service),
                &SafeDefault::ALL,
                Scope::Everything
            )
            .is_none()
        );
    }
}
