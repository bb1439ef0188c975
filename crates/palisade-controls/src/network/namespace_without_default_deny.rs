//! Namespaces with workloads but no default-deny NetworkPolicy.

use std::collections::BTreeMap;

use palisade_model::{ControlMeta, FieldPath, Severity};

use crate::inventory::{Inventory, InventoryViolation, Isolation, Workload};
use crate::{Check, Control};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "namespace-without-default-deny",
        title: "Namespace with workloads has no default-deny NetworkPolicy",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Inventory(check),
};

const DOCS: &str = r#"## What it does
Looks at every namespace that holds workloads (Pods and the kinds that template them) among the scanned manifests, and flags it when no NetworkPolicy in the same namespace denies all ingress by default, or none denies all egress by default. A default-deny policy selects every pod (`podSelector: {}`) and governs the direction with no rules: `policyTypes: [Ingress]` without `ingress`, `policyTypes: [Egress]` without `egress` (one policy with both types may cover both). A policy without `policyTypes` governs ingress only.

One finding per namespace, on its first workload (by file and line), at that workload's `metadata.namespace`, naming the missing directions. Objects without `metadata.namespace` form one group, the namespace they will be applied to, and only policies without a namespace count for them. Namespaces whose workloads are not in the scan, and policies applied to the cluster from elsewhere, are not seen: scan the whole set of manifests deployed together.

## Why is this bad?
Kubernetes lets every pod talk to every other pod, in every namespace, and to the outside world, until a NetworkPolicy selects it. Without a default deny, each new workload starts wide open, and a compromised pod can reach databases, internal APIs and the cloud metadata service. A default deny per namespace turns allowed traffic into a decision written down in a policy.

## How to fix
Add a default-deny policy to the namespace, then allow the traffic each workload needs (including DNS egress to the cluster resolver) with more specific policies.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: registry.example.com/api:1.4.2
```
Use instead:
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
```

## References
- Kubernetes docs, "Network Policies", Default policies: https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies
"#;

fn check(inventory: &Inventory) -> Vec<InventoryViolation> {
    let position = |w: &Workload| {
        let at = &w.namespace_location;
        (at.file.clone(), at.line, at.column)
    };
    let mut first: BTreeMap<Option<&str>, &Workload> = BTreeMap::new();
    for workload in &inventory.workloads {
        first
            .entry(workload.resource.namespace.as_deref())
            .and_modify(|f| {
                if position(workload) < position(f) {
                    *f = workload;
                }
            })
            .or_insert(workload);
    }
    let mut firsts: Vec<&Workload> = first.into_values().collect();
    firsts.sort_by_key(|w| position(w));
    let mut violations = Vec::new();
    for workload in firsts {
        let namespace = &workload.resource.namespace;
        let defaults: Vec<_> = inventory
            .network_policies
            .iter()
            .filter(|p| p.resource.namespace == *namespace && p.selects_all())
            .collect();
        let ingress = defaults.iter().any(|p| p.ingress == Isolation::DenyAll);
        let egress = defaults.iter().any(|p| p.egress == Isolation::DenyAll);
        let (missing, types) = match (ingress, egress) {
            (true, true) => continue,
            (false, false) => ("ingress and egress", "[Ingress, Egress]"),
            (false, true) => ("ingress", "[Ingress]"),
            (true, false) => ("egress", "[Egress]"),
        };
        let subject = match namespace {
            Some(name) => format!("namespace \"{name}\""),
            None => {
                "the namespace these manifests are applied to (no metadata.namespace)".to_owned()
            }
        };
        violations.push(InventoryViolation {
            resource: workload.resource.clone(),
            field: FieldPath::root().keys(&["metadata", "namespace"]),
            location: workload.namespace_location.clone(),
            message: format!(
                "{subject} has no default-deny NetworkPolicy for {missing}; add one with podSelector: {{}} and policyTypes: {types} and no rules"
            ),
        });
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n  template:\n    metadata: {labels: {app: api}}\n    spec: {containers: [{name: api}]}\n";
    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec: {containers: [{name: web}]}\n";
    const LOOSE_POD: &str =
        "apiVersion: v1\nkind: Pod\nmetadata: {name: loose}\nspec: {containers: [{name: c}]}\n";

    fn policy(namespace: &str, spec: &str) -> String {
        let namespace = if namespace.is_empty() {
            String::new()
        } else {
            format!(", namespace: {namespace}")
        };
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p{namespace}}}\nspec:\n{spec}"
        )
    }

    fn run(docs: &[&str]) -> Vec<String> {
        messages(&CONTROL, &docs.join("---\n"))
    }

    #[test]
    fn one_finding_per_namespace_on_its_first_workload() {
        assert_eq!(
            run(&[DEPLOYMENT, POD, LOOSE_POD]),
            [
                r#"Deployment/shop/api metadata.namespace @3: namespace "shop" has no default-deny NetworkPolicy for ingress and egress; add one with podSelector: {} and policyTypes: [Ingress, Egress] and no rules"#,
                "Pod/loose metadata.namespace @18: the namespace these manifests are applied to (no metadata.namespace) has no default-deny NetworkPolicy for ingress and egress; add one with podSelector: {} and policyTypes: [Ingress, Egress] and no rules",
            ]
        );
    }

    #[test]
    fn names_the_missing_direction() {
        let ingress_only = policy("shop", "  podSelector: {}\n");
        assert_eq!(
            run(&[POD, &ingress_only]),
            [
                r#"Pod/shop/web metadata.namespace @5: namespace "shop" has no default-deny NetworkPolicy for egress; add one with podSelector: {} and policyTypes: [Egress] and no rules"#
            ]
        );
        let egress_only = policy("shop", "  podSelector: {}\n  policyTypes: [Egress]\n");
        assert_eq!(
            run(&[POD, &egress_only]),
            [
                r#"Pod/shop/web metadata.namespace @5: namespace "shop" has no default-deny NetworkPolicy for ingress; add one with podSelector: {} and policyTypes: [Ingress] and no rules"#
            ]
        );
    }

    #[test]
    fn accepts_default_deny_in_one_or_two_policies() {
        let both = policy(
            "shop",
            "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
        );
        assert!(run(&[POD, &both]).is_empty());
        let ingress = policy("shop", "  podSelector: {}\n  policyTypes: [Ingress]\n");
        let egress = policy(
            "shop",
            "  podSelector: {}\n  policyTypes: [Egress]\n  egress: []\n",
        );
        assert!(run(&[&ingress, POD, &egress]).is_empty());
        let loose = policy("", "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n");
        assert!(run(&[LOOSE_POD, &loose]).is_empty());
    }

    #[test]
    fn rejects_policies_that_are_not_default_deny() {
        for spec in [
            // Selects some pods only.
            "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress, Egress]\n",
            // Allows traffic in both directions.
            "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  ingress: [{}]\n  egress: [{}]\n",
        ] {
            let p = policy("shop", spec);
            assert_eq!(run(&[POD, &p]).len(), 1, "{spec}");
        }
        let elsewhere = policy(
            "other",
            "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
        );
        assert_eq!(run(&[POD, &elsewhere]).len(), 1);
        let unnamespaced = policy("", "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n");
        assert_eq!(run(&[POD, &unnamespaced]).len(), 1);
    }

    #[test]
    fn nothing_without_workloads() {
        assert!(run(&[&policy("shop", "  podSelector: {}\n")]).is_empty());
    }
}
