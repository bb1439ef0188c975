//! Containers that listen on a privileged port (below 1024).

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, Node, Severity};

use super::{container_violation, describe};
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "privileged-port",
        title: "Container port is a privileged port (below 1024)",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Workload(check),
};

const DOCS: &str = r#"## What it does
Flags `ports[].containerPort` values from 1 to 1023 in init and regular containers (ephemeral containers cannot declare ports). Not flagged: ports the pod makes unprivileged with the safe sysctl `net.ipv4.ip_unprivileged_port_start` in `spec.securityContext.sysctls` (a port at or above its value), and Windows pods (`spec.os.name: windows`), which have no privileged ports. A container runtime may also lower that sysctl by default (containerd 2.0 does); a manifest cannot show it, so set the sysctl explicitly if you rely on it.

## Why is this bad?
On Linux, binding a port below 1024 needs root or the `NET_BIND_SERVICE` capability. A container that listens there must therefore run as root or be granted `NET_BIND_SERVICE`, and either widens what an attacker gets from a compromise of the process. Nothing is lost by listening on a high port: a Service maps any port to it.

## How to fix
Listen on a port of 1024 or above inside the container and expose the well-known port through the Service (`port: 80`, `targetPort: 8080`). If the application cannot change its port, set the sysctl `net.ipv4.ip_unprivileged_port_start` in the pod's security context rather than running as root.

## Example
```yaml
containers:
- name: web
  image: registry.example.com/web:2.1.0
  ports:
  - containerPort: 80
```
Use instead:
```yaml
containers:
- name: web
  image: registry.example.com/web:2.1.0
  ports:
  - containerPort: 8080
```

## References
- DISA Container Platform SRG, SRG-APP-000142-CTR-000330 "The container platform runtime must enforce the use of ports that are non-privileged"
- Kubernetes docs, "Using sysctls in a Kubernetes Cluster", safe sysctls
"#;

fn check(pod: &PodSpec<'_>, _: &Params) -> Vec<Violation> {
    if pod.is_windows() {
        return Vec::new();
    }
    let unprivileged_from = unprivileged_port_start(pod).unwrap_or(1024);
    let mut violations = Vec::new();
    for container in &pod.containers {
        let ports = container.node.get("ports").map_or(&[][..], Node::items);
        for (index, port) in ports.iter().enumerate() {
            let Some(number) = port.get("containerPort").and_then(Node::as_i64) else {
                continue;
            };
            if !(1..unprivileged_from.min(1024)).contains(&number) {
                continue;
            }
            let mut violation = container_violation(
                container,
                &["ports"],
                format!(
                    "{} listens on privileged port {number} (below 1024), which needs root or NET_BIND_SERVICE",
                    describe(container)
                ),
            );
            violation.path = violation.path.index(index).key("containerPort");
            violations.push(violation);
        }
    }
    violations
}

/// The pod's `net.ipv4.ip_unprivileged_port_start` sysctl, when set.
fn unprivileged_port_start(pod: &PodSpec<'_>) -> Option<i64> {
    pod.security_context?
        .get("sysctls")?
        .items()
        .iter()
        .rev()
        .find(|s| {
            s.get("name").and_then(Node::as_str) == Some("net.ipv4.ip_unprivileged_port_start")
        })?
        .get("value")?
        .scalar_text()
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    const SPEC: &str = "  initContainers:\n  - name: proxy\n    ports: [{containerPort: 443}]\n  containers:\n  - name: web\n    ports:\n    - {containerPort: 8080}\n    - {containerPort: 80, protocol: TCP}\n    - {containerPort: 1023}\n    - {containerPort: 1024}\n";

    #[test]
    fn flags_ports_below_1024() {
        assert_eq!(
            messages(&CONTROL, SPEC),
            [
                r#"spec.initContainers[0].ports[0].containerPort: init container "proxy" listens on privileged port 443 (below 1024), which needs root or NET_BIND_SERVICE"#,
                r#"spec.containers[0].ports[1].containerPort: container "web" listens on privileged port 80 (below 1024), which needs root or NET_BIND_SERVICE"#,
                r#"spec.containers[0].ports[2].containerPort: container "web" listens on privileged port 1023 (below 1024), which needs root or NET_BIND_SERVICE"#,
            ]
        );
    }

    #[test]
    fn the_unprivileged_port_sysctl_and_windows_exempt() {
        let sysctl = format!(
            "  securityContext:\n    sysctls: [{{name: net.ipv4.ip_unprivileged_port_start, value: '443'}}]\n{SPEC}"
        );
        assert_eq!(messages(&CONTROL, &sysctl).len(), 1);
        let windows = format!("  os: {{name: windows}}\n{SPEC}");
        assert!(messages(&CONTROL, &windows).is_empty());
    }
}
