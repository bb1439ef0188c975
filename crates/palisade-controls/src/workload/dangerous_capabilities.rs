//! Containers that add dangerous Linux capabilities.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, Severity};

use super::capability::{entries, normalize};
use super::describe;
use crate::{Check, Control, Param, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "dangerous-capabilities",
        title: "Container adds a dangerous capability",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[Param {
        name: "dangerous-capabilities",
        doc: "Capabilities a container must not add (case-insensitive, `CAP_` prefix optional); `ALL` flags adding every capability.",
        default: &[
            "ALL",
            "SYS_ADMIN",
            "NET_ADMIN",
            "SYS_MODULE",
            "SYS_PTRACE",
            "SYS_RAWIO",
            "SYS_BOOT",
            "SYS_TIME",
            "BPF",
            "PERFMON",
            "DAC_READ_SEARCH",
            "MAC_ADMIN",
            "MAC_OVERRIDE",
            "SYSLOG",
        ],
    }],
    check: Check::Workload(check),
};

const DOCS: &str = r#"## What it does
Flags each entry of `securityContext.capabilities.add` (init, regular and ephemeral containers) that names a capability of the `dangerous-capabilities` parameter. Names are compared as the container runtime reads them: case-insensitively, with or without the `CAP_` prefix (`sys_admin`, `CAP_SYS_ADMIN`).

The default list holds the capabilities that give a container power over the node or other containers: `ALL`, `SYS_ADMIN` (mounts, namespaces, most of root), `NET_ADMIN` (routing, firewall and interface configuration), `SYS_MODULE` (kernel modules), `SYS_PTRACE` (tracing other processes), `SYS_RAWIO` (raw device and I/O port access), `SYS_BOOT` (reboot, kexec), `SYS_TIME` (the node's clock), `BPF` and `PERFMON` (kernel tracing and eBPF programs), `DAC_READ_SEARCH` (reading any file through `open_by_handle_at`, the "shocker" escape), `MAC_ADMIN` and `MAC_OVERRIDE` (AppArmor/SELinux policy) and `SYSLOG` (kernel log and addresses). `NET_RAW` has its own control, `net-raw-not-dropped`, and `SETFCAP` is in the runtimes' default set: neither is in the list. Privileged containers, which hold every capability without adding any, are reported by `privileged-container`. Windows pods are not checked.

## Why is this bad?
Each of these capabilities hands a container part of root's power over the shared kernel. Most known container escapes need one of them: `SYS_ADMIN` alone allows mounting the host's cgroup file system and running code on the node, `SYS_MODULE` loads kernel code, `SYS_PTRACE` with a shared PID namespace reads other processes' memory.

## How to fix
Drop `ALL` capabilities and add back only the narrow ones the application needs. Workloads that really need one of these (CNI plugins, node agents) belong in a dedicated namespace, reviewed and accepted as exceptions.

## Example
```yaml
containers:
- name: app
  image: registry.example.com/app:2.1.0
  securityContext:
    capabilities:
      add: ["SYS_ADMIN"]
```
Use instead:
```yaml
containers:
- name: app
  image: registry.example.com/app:2.1.0
  securityContext:
    capabilities:
      drop: ["ALL"]
      add: ["NET_BIND_SERVICE"]
```

## References
- capabilities(7): https://man7.org/linux/man-pages/man7/capabilities.7.html
- CWE-250: Execution with Unnecessary Privileges
"#;

fn check(pod: &PodSpec<'_>, params: &Params) -> Vec<Violation> {
    if pod.is_windows() {
        return Vec::new();
    }
    let dangerous: Vec<String> = params
        .list("dangerous-capabilities")
        .iter()
        .map(|c| normalize(c))
        .collect();
    if dangerous.is_empty() {
        return Vec::new();
    }
    let mut violations = Vec::new();
    for container in &pod.containers {
        for added in entries(container, "add") {
            if !dangerous.contains(&added.name) {
                continue;
            }
            let written = if added.text == added.name {
                String::new()
            } else {
                format!(" (written \"{}\")", added.text)
            };
            let what = if added.name == "ALL" {
                format!("adds ALL capabilities{written}")
            } else {
                format!("adds the dangerous capability {}{written}", added.name)
            };
            violations.push(Violation {
                container: Some(container.name.to_owned()),
                path: added.path,
                message: format!(
                    "{} {what} in securityContext.capabilities.add",
                    describe(container)
                ),
            });
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::Params;
    use crate::testing::{messages, messages_with};

    const SPEC: &str = r#"  initContainers:
  - {name: init, securityContext: {capabilities: {add: [CAP_SYS_ADMIN]}}}
  containers:
  - {name: a, securityContext: {capabilities: {add: ["all"]}}}
  - {name: b, securityContext: {capabilities: {add: [nEt_aDmIn, NET_BIND_SERVICE, NET_RAW, SETFCAP, CHOWN]}}}
  - {name: c, securityContext: {capabilities: {add: null}}}
  - {name: d, securityContext: {privileged: true}}
  - {name: e, securityContext: {capabilities: {drop: [SYS_ADMIN]}}}
"#;

    #[test]
    fn flags_dangerous_capabilities_in_any_spelling() {
        assert_eq!(
            messages(&CONTROL, SPEC),
            [
                r#"spec.initContainers[0].securityContext.capabilities.add[0]: init container "init" adds the dangerous capability SYS_ADMIN (written "CAP_SYS_ADMIN") in securityContext.capabilities.add"#,
                r#"spec.containers[0].securityContext.capabilities.add[0]: container "a" adds ALL capabilities (written "all") in securityContext.capabilities.add"#,
                r#"spec.containers[1].securityContext.capabilities.add[0]: container "b" adds the dangerous capability NET_ADMIN (written "nEt_aDmIn") in securityContext.capabilities.add"#,
            ]
        );
    }

    #[test]
    fn the_list_is_a_parameter() {
        let mut params = Params::defaults(&CONTROL);
        params
            .set(&CONTROL, "dangerous-capabilities", vec!["cap_chown".into()])
            .unwrap();
        assert_eq!(
            messages_with(&CONTROL, &params, SPEC),
            [
                r#"spec.containers[1].securityContext.capabilities.add[4]: container "b" adds the dangerous capability CHOWN in securityContext.capabilities.add"#
            ]
        );
        params
            .set(&CONTROL, "dangerous-capabilities", vec![])
            .unwrap();
        assert!(messages_with(&CONTROL, &params, SPEC).is_empty());
        assert!(messages(&CONTROL, &format!("{SPEC}  os: {{name: windows}}\n")).is_empty());
    }
}
