//! Bindings to the `cluster-admin` ClusterRole.

use palisade_load::KubeObject;
use palisade_model::{ControlMeta, FieldPath, Node, Severity};

use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "rbac-cluster-admin-binding",
        title: "Binding grants the cluster-admin role",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Object(check),
};

const DOCS: &str = r#"## What it does
Flags RoleBindings and ClusterRoleBindings whose `roleRef` is the `cluster-admin` ClusterRole.

## Why is this bad?
`cluster-admin` can do anything to any resource. Bound cluster-wide, its subjects own the cluster; bound in a namespace through a RoleBinding, they own that namespace, including its Secrets and the right to run any pod there.

## How to fix
Bind a role that grants what the subject needs (the built-in `admin`, `edit` or `view`, or a custom role). Keep `cluster-admin` for break-glass accounts managed outside manifests.

## Example
```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ci-admin
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
- kind: ServiceAccount
  name: ci
  namespace: ci
```
Use instead:
```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: ci-edit
  namespace: apps
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: edit
subjects:
- kind: ServiceAccount
  name: ci
  namespace: ci
```

## References
- Kubernetes docs, "Using RBAC Authorization", user-facing roles
- CWE-250: Execution with Unnecessary Privileges
"#;

fn check(object: &KubeObject<'_>, _: &Params) -> Vec<Violation> {
    if !super::is_binding(object) {
        return Vec::new();
    }
    let role_ref = object.node.get("roleRef");
    let text = |key: &str| role_ref.and_then(|r| r.get(key)).and_then(Node::as_str);
    if text("kind") != Some("ClusterRole") || text("name") != Some("cluster-admin") {
        return Vec::new();
    }
    vec![Violation {
        container: None,
        path: FieldPath::root().keys(&["roleRef", "name"]),
        message: format!("grants cluster-admin to {}", super::subjects(object)),
    }]
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn flags_cluster_admin_only() {
        let binding = "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\nroleRef: {kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: User, name: alice}, {kind: Group, name: ops}]\n";
        assert_eq!(
            messages(&CONTROL, binding),
            [r#"roleRef.name: grants cluster-admin to User "alice", Group "ops""#]
        );
        assert!(messages(&CONTROL, &binding.replace("cluster-admin", "edit")).is_empty());
        assert!(
            messages(
                &CONTROL,
                &binding.replace("kind: ClusterRole,", "kind: Role,")
            )
            .is_empty()
        );
    }
}
