//! Containers without a memory request.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, Severity};

use super::resources::{Bound, missing};
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "memory-requests-missing",
        title: "Container has no memory request",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Workload(check),
};

const DOCS: &str = r#"## What it does
Flags regular and init containers (native sidecars included) that set no `resources.requests.memory`, or set it to an empty string. Not flagged: a container that sets `resources.limits.memory` (Kubernetes then copies the limit into the request), a pod whose pod-level `spec.resources` sets a memory request or limit (Kubernetes 1.34+), and ephemeral containers, which cannot set resources. A LimitRange in the namespace may add a default request at admission; Palisade cannot see it and still flags the container.

## Why is this bad?
The scheduler places pods by their requests. A container without a memory request counts as needing none, so nodes are overcommitted; when a node runs short of memory, the kubelet evicts pods that use more than they requested first, and a pod with no request at all (BestEffort) is the first to go.

## How to fix
Set `resources.requests.memory` to the container's working set under normal load, measured rather than guessed.

## Example
```yaml
containers:
- name: app
  image: registry.example.com/app:1.4.2
  resources:
    requests:
      cpu: 250m
```
Use instead:
```yaml
containers:
- name: app
  image: registry.example.com/app:1.4.2
  resources:
    requests:
      cpu: 250m
      memory: 256Mi
```

## References
- Kubernetes docs, "Resource Management for Pods and Containers"
- Kubernetes docs, "Node-pressure Eviction"
"#;

fn check(pod: &PodSpec<'_>, _: &Params) -> Vec<Violation> {
    missing(pod, Bound::Requests, "memory")
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn flags_containers_without_a_memory_request_or_limit() {
        let spec = "  initContainers:\n  - {name: setup, image: busybox, resources: {requests: {memory: 64Mi}}}\n  containers:\n  - {name: a, resources: {requests: null}}\n  - {name: b, resources: {limits: {memory: 1Gi}}}\n  - {name: c, resources: {requests: {cpu: 1}, limits: {cpu: 1}}}\n";
        assert_eq!(
            messages(&CONTROL, spec),
            [
                r#"spec.containers[0].resources.requests.memory: container "a" has no resources.requests.memory"#,
                r#"spec.containers[2].resources.requests.memory: container "c" has no resources.requests.memory"#,
            ]
        );
    }
}
