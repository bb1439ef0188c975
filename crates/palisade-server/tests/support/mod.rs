//! Fixtures the webhook's end-to-end tests share.

#![allow(dead_code)]

use serde_json::{Value, json};

/// The host name the test certificates are issued for.
pub const HOST: &str = "palisade.test";

/// A pod that passes every built-in control.
pub fn hardened_pod(name: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "automountServiceAccountToken": false,
            "serviceAccountName": "web",
            "securityContext": {"runAsNonRoot": true, "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{
                "name": "web",
                "image": "registry.example.com/web@sha256:2c2a3f9e0f3a0c4e1d5b8a7f6e9d0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d",
                "imagePullPolicy": "Always",
                "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}},
                "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "128Mi"}},
                "livenessProbe": {"httpGet": {"path": "/", "port": 8080}},
                "readinessProbe": {"httpGet": {"path": "/", "port": 8080}},
            }],
        },
    })
}

/// An AdmissionReview of a pod's creation by `carol`.
pub fn review(uid: &str, namespace: &str, object: Value, dry_run: bool) -> Value {
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "name": object["metadata"]["name"],
            "namespace": namespace,
            "operation": "CREATE",
            "userInfo": {"username": "carol", "groups": ["developers", "system:authenticated"]},
            "object": object,
            "dryRun": dry_run,
        }
    })
}

/// [`hardened_pod`] with a privileged container.
pub fn privileged_pod(name: &str) -> Value {
    let mut pod = hardened_pod(name);
    pod["spec"]["containers"][0]["securityContext"]["privileged"] = json!(true);
    pod
}
