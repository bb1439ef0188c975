//! Roles that can exec into or attach to pods.

use palisade_load::KubeObject;
use palisade_model::{ControlMeta, Severity};

use crate::pod_security::format::quote_list;
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "rbac-pod-exec-attach",
        title: "Role can exec into or attach to pods",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Object(check),
};

const DOCS: &str = r#"## What it does
Flags Role and ClusterRole rules that grant `create` or `get` on `pods/exec` or `pods/attach` in the core API group (directly, through `pods/*`, or through `*`). `get` counts because older API servers accept exec over a WebSocket `GET`.

## Why is this bad?
Exec runs any command inside a running container, with its service account token, its mounted Secrets and its network position. It bypasses every admission control on the pod's spec and is rarely audited at the command level.

## How to fix
Grant exec only to break-glass roles, bound to people through short-lived bindings; give CI and operators logs and port-forward instead where they suffice.

## Example
```yaml
rules:
- apiGroups: [""]
  resources: ["pods/exec"]
  verbs: ["create"]
```
Use instead:
```yaml
rules:
- apiGroups: [""]
  resources: ["pods/log"]
  verbs: ["get"]
```

## References
- Kubernetes docs, "RBAC Good Practices", exec
- CWE-269: Improper Privilege Management
"#;

fn check(object: &KubeObject<'_>, _: &Params) -> Vec<Violation> {
    let mut violations = Vec::new();
    for rule in super::rules(object) {
        if !rule.covers_group("") {
            continue;
        }
        let verbs = rule.granted_verbs(&["create", "get"]);
        if verbs.is_empty() {
            continue;
        }
        for subresource in ["pods/exec", "pods/attach"] {
            if let Some(index) = rule.covering_resource(subresource) {
                let message = format!(
                    "{} grants {} on {subresource}",
                    rule.path,
                    quote_list(&verbs)
                );
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
    fn flags_exec_and_attach() {
        let role = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules:\n- {apiGroups: [''], resources: [pods, pods/exec], verbs: [create]}\n- {apiGroups: [''], resources: ['pods/*'], verbs: [get]}\n- {apiGroups: [''], resources: [pods/log], verbs: [get]}\n- {apiGroups: [''], resources: [pods/exec], verbs: [list]}\n";
        assert_eq!(
            messages(&CONTROL, role),
            [
                r#"rules[0].resources[1]: rules[0] grants "create" on pods/exec"#,
                r#"rules[1].resources[0]: rules[1] grants "get" on pods/exec"#,
                r#"rules[1].resources[0]: rules[1] grants "get" on pods/attach"#
            ]
        );
    }
}
