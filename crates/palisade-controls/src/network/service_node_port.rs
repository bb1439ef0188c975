//! Services of type NodePort.

use palisade_load::KubeObject;
use palisade_model::{ControlMeta, FieldPath, Node, Severity};

use super::{port_label, service_spec, service_type};
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "service-node-port",
        title: "Service is of type NodePort",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Object(check),
};

const DOCS: &str = r#"## What it does
Flags Services with `spec.type: NodePort`, naming each port and its `nodePort` (or noting that the cluster picks one).

LoadBalancer Services also open node ports (unless `allocateLoadBalancerNodePorts: false`), whether or not `nodePort` is written: they are reported by `service-load-balancer` instead, so that one exposure gives one finding, and a `nodePort` set on a LoadBalancer port is not flagged here. ClusterIP, headless and ExternalName Services are not flagged.

## Why is this bad?
A NodePort Service listens on a port of every node's addresses (all of them, unless kube-proxy's `nodePortAddresses` restricts it), so anything that can reach any node reaches the workload, bypassing the Ingress or load balancer where TLS, authentication and rate limits usually live. Node ports are often forgotten in firewall reviews, and the node's address space becomes part of the application's attack surface.

## How to fix
Use a `ClusterIP` Service behind an Ingress or Gateway, or a `LoadBalancer` Service when an external entry point is needed. If a NodePort is required (bare-metal clusters, an external load balancer that targets node ports), restrict the source addresses at the node firewall and record an exception.

## Example
```yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
    nodePort: 30080
```
Use instead:
```yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: ClusterIP
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
```

## References
- Kubernetes docs, "Service", type NodePort: https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport
"#;

fn check(object: &KubeObject<'_>, _: &Params) -> Vec<Violation> {
    let Some(spec) = service_spec(object) else {
        return Vec::new();
    };
    if service_type(spec) != "NodePort" {
        return Vec::new();
    }
    let ports: Vec<String> = spec
        .get("ports")
        .map_or(&[][..], Node::items)
        .iter()
        .map(|port| {
            let node_port = port.get("nodePort").map_or_else(
                || "a node port the cluster picks".to_owned(),
                |n| format!("node port {}", n.scalar_text()),
            );
            format!("port {} on {node_port}", port_label(port))
        })
        .collect();
    let what = if ports.is_empty() {
        "its ports".to_owned()
    } else {
        ports.join(", ")
    };
    vec![Violation {
        container: None,
        path: FieldPath::root().keys(&["spec", "type"]),
        message: format!(
            "spec.type is NodePort: every node exposes {what}; use ClusterIP behind an Ingress or a LoadBalancer"
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
    fn flags_node_port_services_only() {
        assert_eq!(
            messages(
                &CONTROL,
                &service(
                    "  type: NodePort\n  ports:\n  - {port: 80, nodePort: 30080}\n  - {port: 53, protocol: UDP}\n"
                )
            ),
            [
                "spec.type: spec.type is NodePort: every node exposes port 80 on node port 30080, port 53/UDP on a node port the cluster picks; use ClusterIP behind an Ingress or a LoadBalancer"
            ]
        );
        for spec in [
            "  ports: [{port: 80}]\n",
            "  type: ClusterIP\n",
            "  type: LoadBalancer\n  ports: [{port: 80, nodePort: 30080}]\n",
            "  type: ExternalName\n  externalName: db.example.com\n",
        ] {
            assert!(messages(&CONTROL, &service(spec)).is_empty(), "{spec}");
        }
        let not_core = "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: k}\nspec: {type: NodePort}\n";
        assert!(messages(&CONTROL, not_core).is_empty());
    }
}
