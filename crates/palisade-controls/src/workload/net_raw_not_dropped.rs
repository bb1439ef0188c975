//! Containers that keep the NET_RAW capability.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, Severity};

use super::capability::{entries, list_path};
use super::describe;
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "net-raw-not-dropped",
        title: "Container keeps the NET_RAW capability",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Workload(check),
};

const DOCS: &str = r#"## What it does
Flags containers (init, regular and ephemeral) that keep `NET_RAW`:
- `securityContext.capabilities.drop` contains neither `NET_RAW` nor `ALL`;
- or `securityContext.capabilities.add` adds it back, by name or with `ALL`;
- or the container is privileged (`securityContext.privileged: true`), which grants every capability whatever `drop` says.

Capability names are read as the container runtime reads them: case-insensitively and with or without the `CAP_` prefix (`net_raw`, `CAP_NET_RAW`). Capabilities are container settings: the pod's `securityContext` has none. Windows pods (`spec.os.name: windows`) are not checked, since Linux capabilities do not apply to them.

## Why is this bad?
Container runtimes grant `NET_RAW` by default. It lets a process open raw and packet sockets: craft arbitrary packets, spoof addresses, and run ARP or DNS spoofing attacks against other pods on the same node network, and it has been the entry point of several kernel privilege-escalation bugs. Almost no application needs it (`ping` works without it on current kernels through unprivileged ICMP sockets).

## How to fix
Drop `ALL` capabilities (or at least `NET_RAW`) and add back only what the application needs.

## Example
```yaml
containers:
- name: app
  image: registry.example.com/app:2.1.0
  securityContext:
    capabilities:
      drop: ["CHOWN"]
```
Use instead:
```yaml
containers:
- name: app
  image: registry.example.com/app:2.1.0
  securityContext:
    capabilities:
      drop: ["ALL"]
```

## References
- Kubernetes docs, "Configure a Security Context for a Pod or Container", capabilities: https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-capabilities-for-a-container
- CWE-250: Execution with Unnecessary Privileges
"#;

fn is_net_raw(name: &str) -> bool {
    name == "NET_RAW" || name == "ALL"
}

fn check(pod: &PodSpec<'_>, _: &Params) -> Vec<Violation> {
    if pod.is_windows() {
        return Vec::new();
    }
    let mut violations = Vec::new();
    for container in &pod.containers {
        let mut push = |path, message| {
            violations.push(Violation {
                container: Some(container.name.to_owned()),
                path,
                message,
            });
        };
        if let Some(privileged) = &container.security_context.privileged
            && privileged.node.as_bool() == Some(true)
        {
            push(
                privileged.path.clone(),
                format!(
                    "{} is privileged, which grants NET_RAW whatever capabilities.drop says",
                    describe(container)
                ),
            );
            continue;
        }
        if !entries(container, "drop")
            .iter()
            .any(|e| is_net_raw(&e.name))
        {
            push(
                list_path(container, "drop"),
                format!(
                    "{} does not drop NET_RAW: securityContext.capabilities.drop contains neither \"NET_RAW\" nor \"ALL\"",
                    describe(container)
                ),
            );
        }
        for added in entries(container, "add") {
            if !is_net_raw(&added.name) {
                continue;
            }
            let what = if added.name == "ALL" {
                format!("\"{}\", which includes NET_RAW", added.text)
            } else {
                format!("\"{}\"", added.text)
            };
            push(
                added.path,
                format!(
                    "{} adds NET_RAW back: securityContext.capabilities.add contains {what}",
                    describe(container)
                ),
            );
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn flags_containers_that_keep_net_raw() {
        let spec = r#"  initContainers:
  - name: init
  containers:
  - {name: drops-all, securityContext: {capabilities: {drop: [ALL]}}}
  - {name: drops-lowercase, securityContext: {capabilities: {drop: [cap_net_raw]}}}
  - {name: drops-other, securityContext: {capabilities: {drop: [CHOWN]}}}
  - {name: adds-back, securityContext: {capabilities: {drop: [all], add: [NET_BIND_SERVICE, net_raw]}}}
  - {name: adds-all, securityContext: {capabilities: {drop: [NET_RAW], add: [ALL]}}}
  - {name: privileged, securityContext: {privileged: true, capabilities: {drop: [ALL]}}}
  - {name: unprivileged, securityContext: {privileged: false, capabilities: {drop: [ALL]}}}
  securityContext: {runAsNonRoot: true}
"#;
        assert_eq!(
            messages(&CONTROL, spec),
            [
                r#"spec.initContainers[0].securityContext.capabilities.drop: init container "init" does not drop NET_RAW: securityContext.capabilities.drop contains neither "NET_RAW" nor "ALL""#,
                r#"spec.containers[2].securityContext.capabilities.drop: container "drops-other" does not drop NET_RAW: securityContext.capabilities.drop contains neither "NET_RAW" nor "ALL""#,
                r#"spec.containers[3].securityContext.capabilities.add[1]: container "adds-back" adds NET_RAW back: securityContext.capabilities.add contains "net_raw""#,
                r#"spec.containers[4].securityContext.capabilities.add[0]: container "adds-all" adds NET_RAW back: securityContext.capabilities.add contains "ALL", which includes NET_RAW"#,
                r#"spec.containers[5].securityContext.privileged: container "privileged" is privileged, which grants NET_RAW whatever capabilities.drop says"#,
            ]
        );
    }

    #[test]
    fn windows_pods_are_not_checked() {
        assert!(
            messages(
                &CONTROL,
                "  os: {name: windows}\n  containers: [{name: app}]\n"
            )
            .is_empty()
        );
    }
}
