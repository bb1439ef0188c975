//! Roles that can create pods, directly or through a workload.

use palisade_load::KubeObject;
use palisade_model::{ControlMeta, Severity};

use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "rbac-pod-create",
        title: "Role can create pods or workloads",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Object(check),
};

/// Resources whose creation runs a pod: `(API group, resource)`.
const POD_CREATORS: [(&str, &str); 8] = [
    ("", "pods"),
    ("", "replicationcontrollers"),
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
];

const DOCS: &str = r#"## What it does
Flags Role and ClusterRole rules that grant `create` on pods or on a workload that creates pods (ReplicationControllers, Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs), directly or through `*`.

## Why is this bad?
Whoever creates a pod chooses what it runs and what it mounts: any Secret and any service account of the namespace, and, where admission allows it, host paths and privileges. Pod creation is a privilege escalation path unless admission control is strict.

## How to fix
Grant pod and workload creation only to deployment pipelines and controllers, and enforce the restricted Pod Security Standard (or Palisade's admission webhook) in the namespaces they deploy to.

## Example
```yaml
rules:
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["create", "delete"]
```
Use instead:
```yaml
rules:
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "delete"]
```

## References
- Kubernetes docs, "RBAC Good Practices", workload creation
- CWE-269: Improper Privilege Management
"#;

fn check(object: &KubeObject<'_>, _: &Params) -> Vec<Violation> {
    let mut violations = Vec::new();
    for rule in super::rules(object) {
        if rule.granted_verbs(&["create"]).is_empty() {
            continue;
        }
        for (group, resource) in POD_CREATORS {
            if !rule.covers_group(group) {
                continue;
            }
            if let Some(index) = rule.covering_resource(resource) {
                let message = format!("{} grants \"create\" on {resource}", rule.path);
                violations.push(rule.resource_violation(index, message));
            }
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn flags_pod_and_workload_creation() {
        let role = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules:\n- {apiGroups: [''], resources: [pods], verbs: [create]}\n- {apiGroups: [apps], resources: [deployments], verbs: ['*']}\n- {apiGroups: [''], resources: [pods], verbs: [get]}\n- {apiGroups: [apps], resources: [pods], verbs: [create]}\n";
        assert_eq!(
            messages(&CONTROL, role),
            [
                r#"rules[0].resources[0]: rules[0] grants "create" on pods"#,
                r#"rules[1].resources[0]: rules[1] grants "create" on deployments"#
            ]
        );
    }
}
