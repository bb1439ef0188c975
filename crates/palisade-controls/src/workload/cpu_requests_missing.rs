//! Containers without a CPU request.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, Severity};

use super::resources::{Bound, missing};
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "cpu-requests-missing",
        title: "Container has no CPU request",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Workload(check),
};

const DOCS: &str = r#"## What it does
Flags regular and init containers (native sidecars included) that set no `resources.requests.cpu`, or set it to an empty string. Not flagged: a container that sets `resources.limits.cpu` (Kubernetes then copies the limit into the request), a pod whose pod-level `spec.resources` sets a CPU request or limit (Kubernetes 1.34+), and ephemeral containers, which cannot set resources. A LimitRange in the namespace may add a default request at admission; Palisade cannot see it and still flags the container.

## Why is this bad?
The scheduler places pods by their requests. A container without a CPU request counts as needing no CPU, so nodes are overcommitted, a pod none of whose containers request CPU gets the minimum CPU share when the node is busy, and horizontal autoscaling on CPU utilisation cannot work.

## How to fix
Set `resources.requests.cpu` to what the container needs under normal load, measured rather than guessed.

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
      cpu: 250m
      memory: 256Mi
```

## References
- Kubernetes docs, "Resource Management for Pods and Containers"
- Kubernetes docs, "Pod Quality of Service Classes"
"#;

fn check(pod: &PodSpec<'_>, _: &Params) -> Vec<Violation> {
    missing(pod, Bound::Requests, "cpu")
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn flags_containers_without_a_cpu_request_or_limit() {
        let spec = "  initContainers:\n  - {name: setup, image: busybox}\n  containers:\n  - {name: a, resources: {requests: {memory: 1Gi}}}\n  - {name: b, resources: {requests: {cpu: 100m}}}\n  - {name: c, resources: {limits: {cpu: 1}}}\n  - {name: d, resources: null}\n  ephemeralContainers:\n  - {name: debug}\n";
        assert_eq!(
            messages(&CONTROL, spec),
            [
                r#"spec.initContainers[0].resources.requests.cpu: init container "setup" has no resources.requests.cpu"#,
                r#"spec.containers[0].resources.requests.cpu: container "a" has no resources.requests.cpu"#,
                r#"spec.containers[3].resources.requests.cpu: container "d" has no resources.requests.cpu"#,
            ]
        );
    }
}
