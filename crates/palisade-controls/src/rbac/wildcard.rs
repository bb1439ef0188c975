//! Roles that grant every verb or every resource (`*`).

use palisade_load::KubeObject;
use palisade_model::{ControlMeta, Severity};

use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "rbac-wildcard",
        title: "Role grants every verb or every resource (*)",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Object(check),
};

const DOCS: &str = r#"## What it does
Flags Role and ClusterRole rules whose `verbs` or `resources` contain `*`.

## Why is this bad?
A wildcard grants everything that exists now and everything added later: new resource types from CRDs, new verbs, subresources such as `pods/exec`. Least privilege cannot be reviewed when the grant has no edges.

## How to fix
List the verbs and resources the subject needs, e.g. `verbs: ["get", "list", "watch"]` on `resources: ["pods", "services"]`.

## Example
```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: deployer
rules:
- apiGroups: ["apps"]
  resources: ["*"]
  verbs: ["*"]
```
Use instead:
```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: deployer
rules:
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "update", "patch"]
```

## References
- Kubernetes docs, "RBAC Good Practices": https://kubernetes.io/docs/concepts/security/rbac-good-practices/
- CWE-269: Improper Privilege Management
"#;

fn check(object: &KubeObject<'_>, _: &Params) -> Vec<Violation> {
    let mut violations = Vec::new();
    for rule in super::rules(object) {
        for (field, what) in [("verbs", "every verb"), ("resources", "every resource")] {
            for (i, value) in rule.list(field) {
                if value == "*" {
                    violations.push(Violation {
                        container: None,
                        path: rule.path.key(field).index(i),
                        message: format!("{} grants {what} (\"*\" in {field})", rule.path),
                    });
                }
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
    fn flags_each_wildcard() {
        let role = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules:\n- {apiGroups: [''], resources: ['*'], verbs: [get, '*']}\n- {apiGroups: [''], resources: [pods], verbs: [get]}\n";
        assert_eq!(
            messages(&CONTROL, role),
            [
                r#"rules[0].verbs[1]: rules[0] grants every verb ("*" in verbs)"#,
                r#"rules[0].resources[0]: rules[0] grants every resource ("*" in resources)"#
            ]
        );
        assert!(
            messages(
                &CONTROL,
                &role.replace("kind: ClusterRole", "kind: ConfigMap")
            )
            .is_empty()
        );
    }
}
