//! Containers without a memory limit.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, Severity};

use super::resources::{Bound, missing};
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "memory-limits-missing",
        title: "Container has no memory limit",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Workload(check),
};

const DOCS: &str = r#"## What it does
Flags regular and init containers (native sidecars included) that set no `resources.limits.memory`, or set it to an empty string. Not flagged: a pod whose pod-level `spec.resources.limits.memory` caps all its containers together (Kubernetes 1.34+), and ephemeral containers, which cannot set resources. A LimitRange in the namespace may add a default limit at admission; Palisade cannot see it and still flags the container.

## Why is this bad?
Without a limit a container can take all of its node's memory: a leak, a large request or a deliberate denial of service then pushes the node into memory pressure, and the kernel's OOM killer or the kubelet's eviction hits other workloads, including ones that stayed within their requests.

## How to fix
Set `resources.limits.memory` (or a LimitRange default for the namespace) with headroom above the container's working set. Unlike CPU, memory cannot be throttled: a container above its limit is killed, so measure before choosing.

## Example
```yaml
containers:
- name: app
  image: registry.example.com/app:1.4.2
  resources:
    requests:
      memory: 256Mi
```
Use instead:
```yaml
containers:
- name: app
  image: registry.example.com/app:1.4.2
  resources:
    requests:
      memory: 256Mi
    limits:
      memory: 512Mi
```

## References
- Kubernetes docs, "Resource Management for Pods and Containers"
- Kubernetes docs, "Configure Default Memory Requests and Limits for a Namespace"
"#;

fn check(pod: &PodSpec<'_>, _: &Params) -> Vec<Violation> {
    missing(pod, Bound::Limits, "memory")
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn flags_containers_without_a_memory_limit() {
        let spec = "  initContainers:\n  - {name: setup, image: busybox}\n  containers:\n  - {name: a, resources: {limits: {cpu: 100m}}}\n  - {name: b, resources: {requests: {memory: 1Gi}, limits: {memory: 1Gi}}}\n  ephemeralContainers:\n  - {name: debug}\n";
        assert_eq!(
            messages(&CONTROL, spec),
            [
                r#"spec.initContainers[0].resources.limits.memory: init container "setup" has no resources.limits.memory"#,
                r#"spec.containers[0].resources.limits.memory: container "a" has no resources.limits.memory"#,
            ]
        );
    }
}
