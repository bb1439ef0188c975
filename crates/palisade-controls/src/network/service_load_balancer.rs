//! Services of type LoadBalancer.

use palisade_load::KubeObject;
use palisade_model::{ControlMeta, FieldPath, Node, Severity};

use super::{port_label, service_spec, service_type};
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "service-load-balancer",
        title: "Service is of type LoadBalancer",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Object(check),
};

const DOCS: &str = r#"## What it does
Flags Services with `spec.type: LoadBalancer`, so that every entry point from outside the cluster is reviewed. The message lists the ports and says whether `loadBalancerSourceRanges` limits the clients.

Every LoadBalancer Service is flagged, including those that cloud annotations make internal (`service.beta.kubernetes.io/aws-load-balancer-internal`, `networking.gke.io/load-balancer-type: Internal`, `service.beta.kubernetes.io/azure-load-balancer-internal`): an annotation decides the exposure only on the cloud it belongs to. Accept a reviewed Service with an exception rather than by changing the control. A LoadBalancer Service also opens node ports; `service-node-port` does not report them again.

## Why is this bad?
A LoadBalancer Service asks the cloud provider for an address reachable from outside the cluster, by default from the whole internet, in front of a workload that may have been written for in-cluster callers only. It skips the Ingress or Gateway where TLS, authentication, rate limits and web application firewalls are normally applied, and it is easy to create by accident (a Helm value, a copied manifest).

## How to fix
Expose HTTP services through an Ingress or Gateway. When a LoadBalancer is needed, make it internal where possible, set `loadBalancerSourceRanges` to the networks that need it, and record an exception for the reviewed Service.

## Example
```yaml
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  type: LoadBalancer
  selector: {app: api}
  ports:
  - port: 443
    targetPort: 8443
```
Use instead:
```yaml
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  type: ClusterIP
  selector: {app: api}
  ports:
  - port: 443
    targetPort: 8443
```

## References
- Kubernetes docs, "Service", type LoadBalancer: https://kubernetes.io/docs/concepts/services-networking/service/#loadbalancer
- Kubernetes docs, "Configure a firewall with loadBalancerSourceRanges": https://kubernetes.io/docs/tasks/access-application-cluster/configure-cloud-provider-firewall/
"#;

fn check(object: &KubeObject<'_>, _: &Params) -> Vec<Violation> {
    let Some(spec) = service_spec(object) else {
        return Vec::new();
    };
    if service_type(spec) != "LoadBalancer" {
        return Vec::new();
    }
    let ports: Vec<String> = spec
        .get("ports")
        .map_or(&[][..], Node::items)
        .iter()
        .map(port_label)
        .collect();
    let ports = match ports.len() {
        0 => "its ports".to_owned(),
        1 => format!("port {}", ports.join("")),
        _ => format!("ports {}", ports.join(", ")),
    };
    let sources = match spec.get("loadBalancerSourceRanges").map(Node::items) {
        Some(ranges) if !ranges.is_empty() => format!(
            "to {}",
            ranges
                .iter()
                .map(Node::scalar_text)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => "to any address (no loadBalancerSourceRanges)".to_owned(),
    };
    vec![Violation {
        container: None,
        path: FieldPath::root().keys(&["spec", "type"]),
        message: format!(
            "spec.type is LoadBalancer: {ports} exposed outside the cluster {sources}; review it and record an exception"
        ),
    }]
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    fn service(spec: &str) -> String {
        format!("apiVersion: v1\nkind: Service\nmetadata: {{name: api}}\nspec:\n{spec}")
    }

    #[test]
    fn flags_load_balancers() {
        assert_eq!(
            messages(
                &CONTROL,
                &service(
                    "  type: LoadBalancer\n  ports: [{port: 443}, {name: dns, port: 53, protocol: UDP}]\n"
                )
            ),
            [
                "spec.type: spec.type is LoadBalancer: ports 443, 53/UDP exposed outside the cluster to any address (no loadBalancerSourceRanges); review it and record an exception"
            ]
        );
        assert_eq!(
            messages(
                &CONTROL,
                &service(
                    "  type: LoadBalancer\n  loadBalancerSourceRanges: [10.0.0.0/8]\n  ports: [{port: 443}]\n"
                )
            ),
            [
                "spec.type: spec.type is LoadBalancer: port 443 exposed outside the cluster to 10.0.0.0/8; review it and record an exception"
            ]
        );
        for spec in ["  type: NodePort\n", "  type: ClusterIP\n", "  ports: []\n"] {
            assert!(messages(&CONTROL, &service(spec)).is_empty(), "{spec}");
        }
    }
}
