//! Bindings that grant a role to anonymous or unauthenticated users.

use palisade_load::KubeObject;
use palisade_model::{ControlMeta, FieldPath, Node, Severity};

use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "rbac-anonymous-binding",
        title: "Binding grants a role to anonymous or unauthenticated users",
        severity: Severity::Critical,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Object(check),
};

const DOCS: &str = r#"## What it does
Flags RoleBindings and ClusterRoleBindings with the subject User `system:anonymous` or Group `system:unauthenticated`.

## Why is this bad?
Every request without credentials is `system:anonymous` in the group `system:unauthenticated`. Binding a role to them grants it to anyone who can reach the API server, from anywhere.

## How to fix
Remove the subject and bind the role to authenticated users, groups or service accounts. Consider `--anonymous-auth=false` on the API server.

## Example
```yaml
subjects:
- kind: Group
  apiGroup: rbac.authorization.k8s.io
  name: system:unauthenticated
```
Use instead:
```yaml
subjects:
- kind: Group
  apiGroup: rbac.authorization.k8s.io
  name: platform-readers
```

## References
- Kubernetes docs, "Authenticating", anonymous requests
- CWE-306: Missing Authentication for Critical Function
"#;

fn check(object: &KubeObject<'_>, _: &Params) -> Vec<Violation> {
    if !super::is_binding(object) {
        return Vec::new();
    }
    let path = FieldPath::root().key("subjects");
    object
        .node
        .get("subjects")
        .map_or(&[][..], Node::items)
        .iter()
        .enumerate()
        .filter_map(|(i, subject)| {
            let kind = subject.get("kind").and_then(Node::as_str)?;
            let name = subject.get("name").and_then(Node::as_str)?;
            let anonymous = matches!(
                (kind, name),
                ("User", "system:anonymous") | ("Group", "system:unauthenticated")
            );
            anonymous.then(|| Violation {
                container: None,
                path: path.index(i).key("name"),
                message: format!(
                    "grants its role to {kind} \"{name}\": anyone who can reach the API server"
                ),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn flags_anonymous_subjects() {
        let binding = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {kind: ClusterRole, name: view}\nsubjects:\n- {kind: User, name: alice}\n- {kind: Group, name: system:unauthenticated}\n- {kind: User, name: system:anonymous}\n- {kind: Group, name: system:anonymous}\n";
        assert_eq!(
            messages(&CONTROL, binding),
            [
                r#"subjects[1].name: grants its role to Group "system:unauthenticated": anyone who can reach the API server"#,
                r#"subjects[2].name: grants its role to User "system:anonymous": anyone who can reach the API server"#
            ]
        );
    }
}
