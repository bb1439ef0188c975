//! Containers without a CPU limit.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, Severity};

use super::resources::{Bound, missing};
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "cpu-limits-missing",
        title: "Container has no CPU limit",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Workload(check),
};

const DOCS: &str = r#"## What it does
Flags regular and init containers (native sidecars included) that set no `resources.limits.cpu`, or set it to an empty string. Not flagged: a pod whose pod-level `spec.resources.limits.cpu` caps all its containers together (Kubernetes 1.34+), and ephemeral containers, which cannot set resources. A LimitRange in the namespace may add a default limit at admission; Palisade cannot see it and still flags the container.

## Why is this bad?
Without a limit a container may use every idle CPU of its node. A busy loop, a compromised container mining cryptocurrency or a traffic spike then slows every neighbour that relies on spare capacity, and capacity planning based on requests no longer holds. (Some teams deliberately run without CPU limits to avoid throttling; they should disable this control rather than ignore its findings one by one.)

## How to fix
Set `resources.limits.cpu`, or a LimitRange default for the namespace. A limit equal to the request, for every resource and container, gives the pod the Guaranteed QoS class.

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
    limits:
      cpu: "1"
```

## References
- Kubernetes docs, "Resource Management for Pods and Containers"
- Kubernetes docs, "Configure Default CPU Requests and Limits for a Namespace"
"#;

fn check(pod: &PodSpec<'_>, _: &Params) -> Vec<Violation> {
    missing(pod, Bound::Limits, "cpu")
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn flags_containers_without_a_cpu_limit() {
        let spec = "  initContainers:\n  - {name: setup, image: busybox, resources: {limits: {cpu: 500m}}}\n  containers:\n  - {name: a, resources: {limits: {memory: 1Gi}}}\n  - {name: b, resources: {requests: {cpu: 100m}}}\n  - {name: c, resources: {limits: {cpu: '1'}}}\n  - {name: d, resources: {limits: {cpu: ''}}}\n";
        assert_eq!(
            messages(&CONTROL, spec),
            [
                r#"spec.containers[0].resources.limits.cpu: container "a" has no resources.limits.cpu"#,
                r#"spec.containers[1].resources.limits.cpu: container "b" has no resources.limits.cpu"#,
                r#"spec.containers[3].resources.limits.cpu: container "d" sets resources.limits.cpu to """#,
            ]
        );
    }

    #[test]
    fn pod_level_limits_cover_every_container() {
        let spec = "  resources: {limits: {cpu: '2'}}\n  containers:\n  - {name: a}\n";
        assert!(messages(&CONTROL, spec).is_empty());
    }
}
