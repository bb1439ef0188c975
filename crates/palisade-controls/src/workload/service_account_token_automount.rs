//! Pods that get a service account token mounted automatically.

use palisade_model::{ControlMeta, Severity};

use crate::inventory::{Inventory, InventoryViolation, Workload};
use crate::{Check, Control};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "service-account-token-automount",
        title: "Pod gets a service account token mounted automatically",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Inventory(check),
};

const DOCS: &str = r#"## What it does
Flags Pods and workload templates whose pods get their service account's API token mounted automatically, as Kubernetes decides it: the pod spec's `automountServiceAccountToken` wins when it is set; when it is not, the ServiceAccount's own `automountServiceAccountToken` decides, and only `false` turns the mount off. So a pod is flagged when it sets `automountServiceAccountToken: true`, or sets nothing and its ServiceAccount (`serviceAccountName`, else `default`) does not set `automountServiceAccountToken: false`. The ServiceAccount is looked up among the scanned objects, by name, in the same namespace (`metadata.namespace` equal, or unset on both); one that is not scanned counts as not turning the mount off, as the `default` account created with each namespace does not. A token requested explicitly through a projected `serviceAccountToken` volume is a deliberate choice and is not looked at.

## Why is this bad?
The token lets anyone who reaches the container's filesystem (a path traversal, a remote code execution, a debugging session) call the Kubernetes API as the service account. Most applications never talk to the API, so for them the mounted token is only attack surface; for the others it should be a deliberate, reviewed choice.

## How to fix
Set `automountServiceAccountToken: false` in the pod spec of workloads that do not call the Kubernetes API, or on their ServiceAccount. Workloads that do need the API run as a dedicated, least-privileged ServiceAccount and either keep automounting off and mount a projected `serviceAccountToken` volume (short-lived, with an audience) only in the containers that call the API, or take an exception for this finding.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      serviceAccountName: web
      containers:
      - name: web
        image: registry.example.com/web:2.1.0
```
Use instead:
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      serviceAccountName: web
      automountServiceAccountToken: false
      containers:
      - name: web
        image: registry.example.com/web:2.1.0
```

## References
- Kubernetes docs, "Configure Service Accounts for Pods", opt out of API credential automounting
"#;

fn check(inventory: &Inventory) -> Vec<InventoryViolation> {
    inventory
        .workloads
        .iter()
        .filter_map(|workload| {
            let account = &workload.service_account;
            let message = match workload.automount_token {
                Some(false) => return None,
                Some(true) => format!(
                    "automountServiceAccountToken is true, so the pods get a token of service account \"{account}\""
                ),
                None => match account_automount(inventory, workload) {
                    Some(Some(false)) => return None,
                    Some(_) => format!(
                        "automountServiceAccountToken is not set and ServiceAccount \"{account}\" does not set it to false, so the pods get its token"
                    ),
                    None => format!(
                        "automountServiceAccountToken is not set and no scanned ServiceAccount \"{account}\" in the same namespace sets it to false, so the pods get its token"
                    ),
                },
            };
            Some(InventoryViolation {
                resource: workload.resource.clone(),
                field: workload.automount_token_path.clone(),
                location: workload.automount_token_location.clone(),
                message,
            })
        })
        .collect()
}

/// `None` when the workload's ServiceAccount was not scanned; otherwise its
/// setting (`Some(false)` if any scanned copy turns automounting off).
fn account_automount(inventory: &Inventory, workload: &Workload) -> Option<Option<bool>> {
    let mut found = None;
    for account in inventory.service_accounts.iter().filter(|a| {
        a.resource.namespace == workload.resource.namespace
            && a.resource.name.as_deref() == Some(workload.service_account.as_str())
    }) {
        if account.automount_token == Some(false) {
            return Some(Some(false));
        }
        found = Some(account.automount_token);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::check;
    use crate::Inventory;
    use palisade_load::{Limits, objects, parse_documents};

    fn messages(text: &str) -> Vec<String> {
        let parsed = parse_documents("t.yaml".into(), text, &Limits::default());
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let mut inventory = Inventory::default();
        for document in &parsed.documents {
            for object in objects(&document.root) {
                inventory.add(&object, &document.file);
            }
        }
        check(&inventory)
            .into_iter()
            .map(|v| {
                format!(
                    "{} {}:{} {}: {}",
                    v.resource.display_name(),
                    v.location.line,
                    v.location.column,
                    v.field,
                    v.message
                )
            })
            .collect()
    }

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: prod}\nspec:\n  containers: [{name: a}]\n";

    #[test]
    fn the_pod_setting_wins_over_the_service_account() {
        let sa = "---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default, namespace: prod}\nautomountServiceAccountToken: false\n";
        assert!(messages(&format!("{POD}{sa}")).is_empty());
        let pod_true = POD.replace("spec:\n", "spec:\n  automountServiceAccountToken: true\n");
        assert_eq!(
            messages(&format!("{pod_true}{sa}")),
            [
                r#"Pod/prod/p 5:3 spec.automountServiceAccountToken: automountServiceAccountToken is true, so the pods get a token of service account "default""#
            ]
        );
        let pod_false = POD.replace("spec:\n", "spec:\n  automountServiceAccountToken: false\n");
        assert!(messages(&pod_false).is_empty());
    }

    #[test]
    fn the_service_account_must_turn_it_off() {
        assert_eq!(
            messages(POD),
            [
                r#"Pod/prod/p 4:1 spec.automountServiceAccountToken: automountServiceAccountToken is not set and no scanned ServiceAccount "default" in the same namespace sets it to false, so the pods get its token"#
            ]
        );
        let other_namespace = "---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default, namespace: dev}\nautomountServiceAccountToken: false\n";
        assert_eq!(messages(&format!("{POD}{other_namespace}")).len(), 1);
        let named = POD.replace("spec:\n", "spec:\n  serviceAccountName: web\n");
        let sa = "---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web, namespace: prod}\nautomountServiceAccountToken: true\n";
        assert_eq!(
            messages(&format!("{named}{sa}")),
            [
                r#"Pod/prod/p 4:1 spec.automountServiceAccountToken: automountServiceAccountToken is not set and ServiceAccount "web" does not set it to false, so the pods get its token"#
            ]
        );
        let sa_off = sa.replace(": true", ": false");
        assert!(messages(&format!("{named}{sa_off}")).is_empty());
    }
}
