//! Services with external IPs (CVE-2020-8554).

use palisade_load::KubeObject;
use palisade_model::{ControlMeta, FieldPath, Node, Severity};

use super::service_spec;
use crate::pod_security::format::quote_list;
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "service-external-ips",
        title: "Service sets spec.externalIPs",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Object(check),
};

const DOCS: &str = r#"## What it does
Flags Services, of any type, whose `spec.externalIPs` lists at least one address. An empty list is not flagged. `spec.externalName` and `status.loadBalancer` are not checked.

## Why is this bad?
kube-proxy captures traffic to every address in `externalIPs` on every node and sends it to the Service's pods, without checking who owns the address. Anyone allowed to create or update a Service can therefore intercept traffic meant for another address, inside or outside the cluster (CVE-2020-8554, a design flaw with no patch). The Kubernetes project recommends refusing `externalIPs` with the `DenyServiceExternalIPs` admission plugin unless a cluster really needs them.

## How to fix
Remove `spec.externalIPs` and expose the Service through a LoadBalancer, an Ingress or a Gateway. If a cluster relies on external IPs, restrict the allowed addresses with an admission policy and record an exception for the reviewed Service.

## Example
```yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
  externalIPs:
  - 203.0.113.10
```
Use instead:
```yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
  - port: 80
```

## References
- CVE-2020-8554, "Man in the middle using LoadBalancer or ExternalIPs": https://github.com/kubernetes/kubernetes/issues/97076
- Kubernetes docs, "Service", External IPs: https://kubernetes.io/docs/concepts/services-networking/service/#external-ips
- Kubernetes docs, admission controller `DenyServiceExternalIPs`: https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#denyserviceexternalips
"#;

fn check(object: &KubeObject<'_>, _: &Params) -> Vec<Violation> {
    let Some(ips) = service_spec(object).and_then(|s| s.get("externalIPs")) else {
        return Vec::new();
    };
    let ips: Vec<String> = ips.items().iter().map(Node::scalar_text).collect();
    if ips.is_empty() {
        return Vec::new();
    }
    vec![Violation {
        container: None,
        path: FieldPath::root().keys(&["spec", "externalIPs"]),
        message: format!(
            "spec.externalIPs lists {}: every node captures traffic to {} for this Service (CVE-2020-8554)",
            quote_list(&ips),
            if ips.len() == 1 {
                "that address"
            } else {
                "those addresses"
            }
        ),
    }]
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    fn service(spec: &str) -> String {
        format!("apiVersion: v1\nkind: Service\nmetadata: {{name: web}}\nspec:\n{spec}")
    }

    #[test]
    fn flags_external_ips() {
        assert_eq!(
            messages(
                &CONTROL,
                &service("  type: NodePort\n  externalIPs: [203.0.113.10, 203.0.113.11]\n")
            ),
            [
                r#"spec.externalIPs: spec.externalIPs lists "203.0.113.10", "203.0.113.11": every node captures traffic to those addresses for this Service (CVE-2020-8554)"#
            ]
        );
        for spec in [
            "  externalIPs: []\n",
            "  externalIPs: null\n",
            "  type: ExternalName\n  externalName: db.example.com\n",
        ] {
            assert!(messages(&CONTROL, &service(spec)).is_empty(), "{spec}");
        }
    }
}
