//! Roles that can read Secrets.

use palisade_load::KubeObject;
use palisade_model::{ControlMeta, Severity};

use crate::pod_security::format::quote_list;
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "rbac-secret-read",
        title: "Role can read Secrets",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Object(check),
};

const DOCS: &str = r#"## What it does
Flags Role and ClusterRole rules that grant `get`, `list` or `watch` on `secrets` in the core API group (directly or through `*`).

## Why is this bad?
Secrets hold credentials: service account tokens, registry passwords, TLS keys, database passwords. `list` and `watch` return every Secret's content, not only names. Whoever can read them can usually act as the workloads that own them.

## How to fix
Mount the Secrets a workload needs instead of reading them through the API. If an operator must read Secrets, restrict the rule with `resourceNames` and keep it out of broadly bound roles; this control still reports it so the grant stays visible.

## Example
```yaml
rules:
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch"]
```
Use instead:
```yaml
rules:
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch"]
```

## References
- Kubernetes docs, "RBAC Good Practices", listing Secrets
- CWE-522: Insufficiently Protected Credentials
"#;

fn check(object: &KubeObject<'_>, _: &Params) -> Vec<Violation> {
    let mut violations = Vec::new();
    for rule in super::rules(object) {
        if !rule.covers_group("") {
            continue;
        }
        let Some(index) = rule.covering_resource("secrets") else {
            continue;
        };
        let verbs = rule.granted_verbs(&["get", "list", "watch"]);
        if !verbs.is_empty() {
            let message = format!("{} grants {} on secrets", rule.path, quote_list(&verbs));
            violations.push(rule.resource_violation(index, message));
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn flags_reads_of_secrets() {
        let role = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules:\n- {apiGroups: [''], resources: [configmaps, secrets], verbs: [get, list]}\n- {apiGroups: [''], resources: [secrets], verbs: [create]}\n- {apiGroups: ['*'], resources: ['*'], verbs: ['*']}\n- {apiGroups: [apps], resources: [secrets], verbs: [get]}\n";
        assert_eq!(
            messages(&CONTROL, role),
            [
                r#"rules[0].resources[1]: rules[0] grants "get", "list" on secrets"#,
                r#"rules[2].resources[0]: rules[2] grants "get", "list", "watch" on secrets"#
            ]
        );
    }
}
