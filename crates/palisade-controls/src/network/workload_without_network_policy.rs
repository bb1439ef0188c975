//! Workloads whose pods no NetworkPolicy isolates.

use palisade_model::{ControlMeta, Severity};

use crate::inventory::{Inventory, InventoryViolation, Isolation};
use crate::pod_security::format::quote_list;
use crate::{Check, Control};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "workload-without-network-policy",
        title: "Workload's pods are not isolated by a NetworkPolicy",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Inventory(check),
};

const DOCS: &str = r#"## What it does
Flags each workload (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate) whose pods are not isolated for ingress, or for egress, by the NetworkPolicies among the scanned manifests. A direction is covered when some NetworkPolicy in the workload's namespace selects the pods' labels (`matchLabels` and `matchExpressions`, or `podSelector: {}` for every pod) and governs that direction, either with rules or with none at all (a deny-all). Without `policyTypes`, a policy governs ingress, and egress only when it has `egress` rules, as Kubernetes defaults them. The finding points at the pod template's labels and names the missing direction. Objects without `metadata.namespace` are matched with policies without one.

A policy that governs a direction with no rules is a deny-all, the most isolated setting, and counts as covering it. Policies applied to the cluster from elsewhere are not seen: scan the manifests deployed together.

## Why is this bad?
A pod that no NetworkPolicy selects accepts connections from every pod in the cluster and can connect anywhere, including other namespaces, the node network and the cloud metadata service. A compromised workload then becomes a foothold for lateral movement and data exfiltration. Policies that select the pod and govern both directions limit the blast radius to the traffic the application needs.

## How to fix
Add a default-deny policy for the namespace (see `namespace-without-default-deny`) and policies that allow each workload's expected ingress and egress, selecting its pods by label.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api
spec:
  podSelector:
    matchLabels: {app: api}
  ingress:
  - from:
    - podSelector: {matchLabels: {app: web}}
```
Use instead:
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api
spec:
  podSelector:
    matchLabels: {app: api}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - podSelector: {matchLabels: {app: web}}
  egress:
  - to:
    - podSelector: {matchLabels: {app: db}}
```

## References
- Kubernetes docs, "Network Policies": https://kubernetes.io/docs/concepts/services-networking/network-policies/
"#;

fn check(inventory: &Inventory) -> Vec<InventoryViolation> {
    let mut violations = Vec::new();
    for workload in &inventory.workloads {
        let mut selecting = Vec::new();
        let (mut ingress, mut egress) = (false, false);
        for policy in inventory.policies_selecting(workload) {
            ingress |= policy.ingress != Isolation::None;
            egress |= policy.egress != Isolation::None;
            selecting.push(policy.resource.name.clone().unwrap_or_default());
        }
        let (missing, verb) = match (ingress, egress) {
            (true, true) => continue,
            (false, false) => ("ingress and egress", "are"),
            (false, true) => ("ingress", "is"),
            (true, false) => ("egress", "is"),
        };
        let pods = if workload.labels.is_empty() {
            "its pods (no labels)".to_owned()
        } else {
            let labels: Vec<String> = workload
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            format!("its pods ({})", labels.join(", "))
        };
        let namespace = workload.resource.namespace.as_ref().map_or_else(
            || "its namespace".to_owned(),
            |n| format!("namespace \"{n}\""),
        );
        let message = if selecting.is_empty() {
            format!(
                "no NetworkPolicy in {namespace} selects {pods}, so their {missing} {verb} unrestricted"
            )
        } else {
            format!(
                "NetworkPolicy {} selects {pods} but none governs {missing}, so their {missing} {verb} unrestricted",
                quote_list(&selecting)
            )
        };
        violations.push(InventoryViolation {
            resource: workload.resource.clone(),
            field: workload.labels_path.clone(),
            location: workload.location.clone(),
            message,
        });
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels: {security: medium}\nspec: {containers: [{name: nginx}]}\n";

    fn run(policy_spec: &str) -> Vec<String> {
        let policy = format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: test}}\nspec:\n{policy_spec}"
        );
        messages(&CONTROL, &format!("{POD}---\n{policy}"))
    }

    const RULES: &str = "  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}]}]\n  egress: [{to: [{podSelector: {matchLabels: {security: medium}}}]}]\n";

    #[test]
    fn covered_with_rules_or_deny_all_in_both_directions() {
        for types in ["  policyTypes: [Egress, Ingress]\n", ""] {
            assert!(
                run(&format!(
                    "  podSelector: {{matchLabels: {{security: medium}}}}\n{types}{RULES}"
                ))
                .is_empty(),
                "{types}"
            );
        }
        // Deny-all in one or both directions is the most isolated setting.
        assert!(run("  podSelector: {matchLabels: {security: medium}}\n  policyTypes: [Egress, Ingress]\n  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}]}]\n").is_empty());
        assert!(run("  podSelector: {}\n  policyTypes: [Ingress, Egress]\n").is_empty());
        assert!(run("  podSelector: {matchExpressions: [{key: security, operator: In, values: [medium, high]}]}\n  policyTypes: [Ingress, Egress]\n").is_empty());
    }

    #[test]
    fn names_the_direction_no_policy_governs() {
        assert_eq!(
            run(&format!(
                "  podSelector: {{matchLabels: {{security: medium}}}}\n  policyTypes: [Ingress]\n{RULES}"
            )),
            [
                r#"Pod/web metadata.labels @5: NetworkPolicy "test" selects its pods (security=medium) but none governs egress, so their egress is unrestricted"#
            ]
        );
        assert_eq!(
            run(&format!(
                "  podSelector: {{matchLabels: {{security: medium}}}}\n  policyTypes: [Egress]\n{RULES}"
            )),
            [
                r#"Pod/web metadata.labels @5: NetworkPolicy "test" selects its pods (security=medium) but none governs ingress, so their ingress is unrestricted"#
            ]
        );
    }

    #[test]
    fn flags_pods_no_policy_selects() {
        assert_eq!(
            run(&format!(
                "  podSelector: {{matchLabels: {{security: high}}}}\n  policyTypes: [Egress, Ingress]\n{RULES}"
            )),
            [
                "Pod/web metadata.labels @5: no NetworkPolicy in its namespace selects its pods (security=medium), so their ingress and egress are unrestricted"
            ]
        );
        let text = "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: report, namespace: jobs}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec: {containers: [{name: r}]}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: all}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n";
        assert_eq!(
            messages(&CONTROL, text),
            [
                r#"CronJob/jobs/report spec.jobTemplate.spec.template.metadata.labels @7: no NetworkPolicy in namespace "jobs" selects its pods (no labels), so their ingress and egress are unrestricted"#
            ]
        );
    }
}
