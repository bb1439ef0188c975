//! Network controls: how Services and Ingresses expose workloads, and
//! whether NetworkPolicies isolate them.
//!
//! Service and Ingress controls check one object at a time; the
//! NetworkPolicy controls are cross-resource and read the
//! [`Inventory`](crate::Inventory), where a policy's selector and isolation
//! (per direction: none, rules, deny-all) are already worked out.

pub(crate) mod ingress_without_tls;
pub(crate) mod namespace_without_default_deny;
pub(crate) mod service_external_ips;
pub(crate) mod service_load_balancer;
pub(crate) mod service_node_port;
pub(crate) mod workload_without_network_policy;

use palisade_load::KubeObject;
use palisade_model::Node;

/// `spec` of a core `v1` Service; `None` for other objects.
pub(crate) fn service_spec<'a>(object: &KubeObject<'a>) -> Option<&'a Node> {
    if object.kind() == "Service" && object.api_version() == "v1" {
        object.node.get("spec")
    } else {
        None
    }
}

/// `spec.type` of a Service (`ClusterIP` when unset).
pub(crate) fn service_type(spec: &Node) -> &str {
    spec.get("type")
        .and_then(Node::as_str)
        .unwrap_or("ClusterIP")
}

/// `80`, `80/UDP`, or the port's name when it has no number, for messages.
pub(crate) fn port_label(port: &Node) -> String {
    let number = port.get("port").map(Node::scalar_text);
    let protocol = port
        .get("protocol")
        .and_then(Node::as_str)
        .filter(|p| *p != "TCP");
    match (number, protocol) {
        (Some(n), Some(p)) => format!("{n}/{p}"),
        (Some(n), None) => n,
        (None, _) => port
            .get("name")
            .map_or_else(|| "?".to_owned(), Node::scalar_text),
    }
}
