//! `hostPorts`: containers binding ports on the node.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, PssLevel, Severity};

use super::container_violation;
use super::format::{containers_phrase, plural, sorted_set};
use crate::{Check, CheckResult, Control, PssCheck, PssVersion};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "host-ports",
        title: "Container binds a port on the node (hostPort)",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: Some(PssCheck {
        upstream_id: "hostPorts",
        level: PssLevel::Baseline,
        since: 0,
        overrides: None,
    }),
    params: &[],
    check: Check::Pod(check),
};

const DOCS: &str = r#"## What it does
Flags container ports with a non-zero `hostPort`.

## Why is this bad?
A hostPort opens the port on the node's own address, bypassing Services and NetworkPolicies, and ties the pod to nodes where the port is free. It is a common way to expose a debug or admin port to the whole network by accident.

## How to fix
Remove `hostPort` and expose the port through a Service (ClusterIP, or a LoadBalancer/Ingress for external traffic).

## Example
```yaml
ports:
- containerPort: 8080
  hostPort: 8080
```
Use instead:
```yaml
ports:
- containerPort: 8080
```

## References
- CWE-668: Exposure of Resource to Wrong Sphere
"#;

fn check(pod: &PodSpec<'_>, _version: PssVersion) -> Option<CheckResult> {
    const REASON: &str = "hostPort";
    let mut names = Vec::new();
    let mut ports = Vec::new();
    let mut violations = Vec::new();
    for c in &pod.containers {
        let mut uses = false;
        let Some(list) = c.node.get("ports") else {
            continue;
        };
        for (i, port) in list.items().iter().enumerate() {
            let Some(host_port) = port.get("hostPort") else {
                continue;
            };
            if host_port.as_i64() == Some(0) {
                continue;
            }
            let value = super::text(host_port);
            uses = true;
            let detail = format!("{} uses hostPort {value}", containers_phrase(&[c.name]));
            violations.push(container_violation(
                c,
                c.path.key("ports").index(i).key("hostPort"),
                REASON,
                &detail,
            ));
            ports.push(value);
        }
        if uses {
            names.push(c.name);
        }
    }
    CheckResult::from_violations(REASON, violations, || {
        let ports = sorted_set(&ports);
        format!(
            "{} {} {} {}",
            containers_phrase(&names),
            plural("uses", "use", names.len()),
            plural("hostPort", "hostPorts", ports.len()),
            ports.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::verdict;

    #[test]
    fn matches_upstream() {
        let body = "spec:\n  containers:\n  - {name: a, ports: [{containerPort: 1, hostPort: 8080}, {hostPort: 0}]}\n  - {name: b, ports: [{hostPort: 10000}, {hostPort: 8080}]}\n";
        assert_eq!(
            verdict(&CONTROL, body, "latest"),
            r#"hostPort (containers "a", "b" use hostPorts 10000, 8080)"#
        );
        assert_eq!(
            verdict(
                &CONTROL,
                "spec:\n  containers: [{name: a, ports: [{hostPort: 0x50}]}]\n",
                "latest"
            ),
            r#"hostPort (container "a" uses hostPort 80)"#
        );
    }
}
