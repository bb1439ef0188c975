//! Containers whose root filesystem is writable.

use palisade_load::{ContainerKind, PodSpec};
use palisade_model::{ControlMeta, Severity};

use super::{container_violation, describe};
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "writable-root-filesystem",
        title: "Container root filesystem is writable",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Workload(check),
};

const DOCS: &str = r#"## What it does
Flags regular and init containers whose `securityContext.readOnlyRootFilesystem` is not `true` (missing, `null` or `false`). The field exists only on the container: a `readOnlyRootFilesystem` in the pod's `securityContext` is not part of the Kubernetes API and does not count. Not flagged: ephemeral (debugging) containers, which are added to running pods by `kubectl debug` and usually need to write; and Windows pods (`spec.os.name: windows`), where Kubernetes forbids the field.

## Why is this bad?
With a writable root filesystem, an attacker who gets code execution in the container can drop tools, replace binaries or configuration and persist changes for the life of the container. A read-only root filesystem keeps the running container identical to the reviewed image and makes such changes fail.

## How to fix
Set `securityContext.readOnlyRootFilesystem: true` on each container, and give the application the writable paths it really needs as `emptyDir` volumes (for example `/tmp`).

## Example
```yaml
containers:
- name: app
  image: registry.example.com/app:1.4.2
```
Use instead:
```yaml
containers:
- name: app
  image: registry.example.com/app:1.4.2
  securityContext:
    readOnlyRootFilesystem: true
  volumeMounts:
  - name: tmp
    mountPath: /tmp
volumes:
- name: tmp
  emptyDir: {}
```

## References
- Kubernetes docs, "Configure a Security Context for a Pod or Container"
"#;

fn check(pod: &PodSpec<'_>, _: &Params) -> Vec<Violation> {
    if pod.is_windows() {
        return Vec::new();
    }
    let mut violations = Vec::new();
    for container in &pod.containers {
        if container.kind == ContainerKind::Ephemeral {
            continue;
        }
        let setting = container
            .security_context
            .read_only_root_filesystem
            .as_ref();
        let message = match setting.map(|s| s.node.as_bool()) {
            Some(Some(true)) => continue,
            Some(_) => format!(
                "{} sets securityContext.readOnlyRootFilesystem to {}; set it to true",
                describe(container),
                setting.map_or_else(String::new, |s| s.node.scalar_text())
            ),
            None => format!(
                "{} does not set securityContext.readOnlyRootFilesystem=true",
                describe(container)
            ),
        };
        violations.push(container_violation(
            container,
            &["securityContext", "readOnlyRootFilesystem"],
            message,
        ));
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn flags_containers_without_a_read_only_root() {
        let spec = "  securityContext: {readOnlyRootFilesystem: true}\n  initContainers:\n  - {name: setup}\n  containers:\n  - {name: a, securityContext: {readOnlyRootFilesystem: true}}\n  - {name: b, securityContext: {readOnlyRootFilesystem: false}}\n  - {name: c, securityContext: {readOnlyRootFilesystem: null}}\n  ephemeralContainers:\n  - {name: debug}\n";
        assert_eq!(
            messages(&CONTROL, spec),
            [
                r#"spec.initContainers[0].securityContext.readOnlyRootFilesystem: init container "setup" does not set securityContext.readOnlyRootFilesystem=true"#,
                r#"spec.containers[1].securityContext.readOnlyRootFilesystem: container "b" sets securityContext.readOnlyRootFilesystem to false; set it to true"#,
                r#"spec.containers[2].securityContext.readOnlyRootFilesystem: container "c" does not set securityContext.readOnlyRootFilesystem=true"#,
            ]
        );
    }

    #[test]
    fn windows_pods_are_exempt() {
        let spec = "  os: {name: windows}\n  containers:\n  - {name: a}\n";
        assert!(messages(&CONTROL, spec).is_empty());
    }
}
