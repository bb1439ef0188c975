//! Roles holding the verbs that bypass RBAC's own escalation checks.

use palisade_load::KubeObject;
use palisade_model::{ControlMeta, Severity};

use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "rbac-escalate-bind-impersonate",
        title: "Role holds the escalate, bind or impersonate verb",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Object(check),
};

const DOCS: &str = r#"## What it does
Flags Role and ClusterRole rules whose `verbs` list `escalate`, `bind` or `impersonate` (a `*` verb is reported by `rbac-wildcard`).

## Why is this bad?
Kubernetes stops users from granting permissions they do not hold, except to those with `escalate` (edit a role beyond one's own rights) or `bind` (bind any role). `impersonate` lets a subject act as any user, group or service account it names. Each one is a direct path to cluster-admin.

## How to fix
Remove these verbs from roles bound to people or workloads; keep them for the few controllers that manage RBAC, with narrow `resourceNames`.

## Example
```yaml
rules:
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["clusterroles"]
  verbs: ["bind", "escalate"]
```
Use instead:
```yaml
rules:
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["clusterroles"]
  verbs: ["get", "list"]
```

## References
- Kubernetes docs, "Using RBAC Authorization", privilege escalation prevention
- CWE-269: Improper Privilege Management
"#;

fn check(object: &KubeObject<'_>, _: &Params) -> Vec<Violation> {
    let mut violations = Vec::new();
    for rule in super::rules(object) {
        for (i, verb) in rule.list("verbs") {
            if matches!(verb, "escalate" | "bind" | "impersonate") {
                violations.push(Violation {
                    container: None,
                    path: rule.path.key("verbs").index(i),
                    message: format!("{} grants \"{verb}\"", rule.path),
                });
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
    fn flags_each_verb() {
        let role = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules:\n- {apiGroups: [''], resources: [users, groups], verbs: [impersonate]}\n- {apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [get, bind, escalate]}\n";
        assert_eq!(
            messages(&CONTROL, role),
            [
                r#"rules[0].verbs[0]: rules[0] grants "impersonate""#,
                r#"rules[1].verbs[1]: rules[1] grants "bind""#,
                r#"rules[1].verbs[2]: rules[1] grants "escalate""#
            ]
        );
    }
}
