//! Long-running containers without a liveness probe.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, Severity};

use super::probes::missing;
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "liveness-probe-missing",
        title: "Container has no liveness probe",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Workload(check),
};

const DOCS: &str = r#"## What it does
Flags regular containers without a `livenessProbe` in pods that are meant to keep running (`restartPolicy` `Always`, the default). Not flagged: pods that run to completion (`restartPolicy: Never` or `OnFailure`, which every Job and CronJob template must set), init containers (native sidecars, init containers with `restartPolicy: Always`, may have probes but are not checked), and ephemeral containers, which cannot have probes.

## Why is this bad?
Without a liveness probe, the kubelet only restarts a container whose process exits. A process that deadlocks, leaks itself into an unresponsive state or loses a critical connection keeps running and keeps its place, and the outage lasts until someone notices.

## How to fix
Add a `livenessProbe` that checks the process itself is healthy (an HTTP endpoint, a TCP socket, gRPC health or a command), cheap and independent of downstream services, with a `startupProbe` or an `initialDelaySeconds` long enough for a slow start.

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
  livenessProbe:
    httpGet:
      path: /healthz
      port: 8080
    periodSeconds: 10
```

## References
- Kubernetes docs, "Configure Liveness, Readiness and Startup Probes"
- Kubernetes docs, "Pod Lifecycle", container probes
"#;

fn check(pod: &PodSpec<'_>, _: &Params) -> Vec<Violation> {
    missing(pod, "livenessProbe")
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    const SPEC: &str = "  initContainers:\n  - {name: setup}\n  containers:\n  - {name: a}\n  - {name: b, livenessProbe: {tcpSocket: {port: 80}}}\n  - {name: c, livenessProbe: null, readinessProbe: {tcpSocket: {port: 80}}}\n  ephemeralContainers:\n  - {name: debug}\n";

    #[test]
    fn flags_regular_containers_without_a_liveness_probe() {
        assert_eq!(
            messages(&CONTROL, SPEC),
            [
                r#"spec.containers[0].livenessProbe: container "a" has no livenessProbe"#,
                r#"spec.containers[2].livenessProbe: container "c" has no livenessProbe"#,
            ]
        );
        assert_eq!(
            messages(&CONTROL, &format!("  restartPolicy: Always\n{SPEC}")).len(),
            2
        );
    }

    #[test]
    fn pods_that_run_to_completion_are_exempt() {
        for policy in ["Never", "OnFailure"] {
            let spec = format!("  restartPolicy: {policy}\n{SPEC}");
            assert!(messages(&CONTROL, &spec).is_empty());
        }
    }
}
