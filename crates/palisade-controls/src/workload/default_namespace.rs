//! Objects placed explicitly in the `default` namespace.

use palisade_load::KubeObject;
use palisade_model::{ControlMeta, FieldPath, Node, Severity};

use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "default-namespace",
        title: "Object is in the default namespace",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Object(check),
};

const DOCS: &str = r#"## What it does
Flags any namespaced object whose `metadata.namespace` is explicitly `default`. An object without `metadata.namespace` is not flagged: its namespace is chosen when it is applied (`kubectl apply -n`, `helm install --namespace`, a GitOps tool's destination), which the manifest cannot show. Cluster-scoped kinds (Namespace, Node, PersistentVolume, StorageClass, ClusterRole, ClusterRoleBinding, CustomResourceDefinition, PriorityClass, admission webhook and policy configurations, and the other built-in cluster-scoped kinds) are never flagged; custom resources are treated as namespaced.

## Why is this bad?
The `default` namespace is where everything lands that nobody placed deliberately. Workloads there share one set of RBAC bindings, resource quotas, network policies and Pod Security Admission labels with whatever else ends up in it, which makes least privilege and isolation between applications impossible to express.

## How to fix
Create a namespace per application or team, with its own RBAC, quotas, network policies and Pod Security labels, and set `metadata.namespace` to it (or leave it out and choose the namespace when applying).

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
```
Use instead:
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: storefront
```

## References
- Kubernetes docs, "Namespaces"
"#;

/// Built-in kinds without a namespace (`kubectl api-resources --namespaced=false`).
const CLUSTER_SCOPED: &[&str] = &[
    "APIService",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ClusterTrustBundle",
    "ComponentStatus",
    "CSIDriver",
    "CSINode",
    "CustomResourceDefinition",
    "DeviceClass",
    "FlowSchema",
    "IngressClass",
    "IPAddress",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "ResourceSlice",
    "RuntimeClass",
    "SelfSubjectAccessReview",
    "SelfSubjectReview",
    "SelfSubjectRulesReview",
    "ServiceCIDR",
    "StorageClass",
    "StorageVersionMigration",
    "SubjectAccessReview",
    "TokenReview",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
    "VolumeAttributesClass",
];

fn check(object: &KubeObject<'_>, _: &Params) -> Vec<Violation> {
    let namespace = object
        .metadata()
        .and_then(|m| m.get("namespace"))
        .and_then(Node::as_str);
    if namespace != Some("default") || CLUSTER_SCOPED.contains(&object.kind()) {
        return Vec::new();
    }
    vec![Violation {
        container: None,
        path: FieldPath::root().keys(&["metadata", "namespace"]),
        message: format!(
            "{} is in the \"default\" namespace; give it a namespace of its own",
            object.kind()
        ),
    }]
}

#[cfg(test)]
mod tests {
    use super::{CONTROL, check};
    use crate::Params;
    use palisade_load::{Limits, objects, parse_documents};

    fn messages(text: &str) -> Vec<String> {
        let parsed = parse_documents("t.yaml".into(), text, &Limits::default());
        let params = Params::defaults(&CONTROL);
        parsed
            .documents
            .iter()
            .flat_map(|d| objects(&d.root))
            .flat_map(|o| check(&o, &params))
            .map(|v| format!("{}: {}", v.path, v.message))
            .collect()
    }

    #[test]
    fn flags_namespaced_objects_in_default_only() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: web}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: d, namespace: default}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n";
        assert_eq!(
            messages(text),
            [
                r#"metadata.namespace: ConfigMap is in the "default" namespace; give it a namespace of its own"#
            ]
        );
    }
}
