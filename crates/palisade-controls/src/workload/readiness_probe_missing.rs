//! Long-running containers without a readiness probe.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, Severity};

use super::probes::missing;
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "readiness-probe-missing",
        title: "Container has no readiness probe",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Workload(check),
};

const DOCS: &str = r#"## What it does
Flags regular containers without a `readinessProbe` in pods that are meant to keep running (`restartPolicy` `Always`, the default). Not flagged: pods that run to completion (`restartPolicy: Never` or `OnFailure`, which every Job and CronJob template must set), init containers (native sidecars, init containers with `restartPolicy: Always`, may have probes but are not checked), and ephemeral containers, which cannot have probes.

## Why is this bad?
Without a readiness probe, a pod counts as ready as soon as its containers start. Services then send it traffic before the application listens or has warmed up, keep sending traffic while it is overloaded or cut off from a dependency, and rolling updates proceed past replicas that never became able to serve.

## How to fix
Add a `readinessProbe` that checks the container can serve requests now (an HTTP endpoint, a TCP socket, gRPC health or a command).

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
  readinessProbe:
    httpGet:
      path: /ready
      port: 8080
    periodSeconds: 5
```

## References
- Kubernetes docs, "Configure Liveness, Readiness and Startup Probes"
- Kubernetes docs, "Pod Lifecycle", container probes
"#;

fn check(pod: &PodSpec<'_>, _: &Params) -> Vec<Violation> {
    missing(pod, "readinessProbe")
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn flags_regular_containers_without_a_readiness_probe() {
        let spec = "  initContainers:\n  - {name: proxy, restartPolicy: Always}\n  containers:\n  - {name: a, livenessProbe: {tcpSocket: {port: 80}}}\n  - {name: b, readinessProbe: {exec: {command: [true]}}}\n";
        assert_eq!(
            messages(&CONTROL, spec),
            [r#"spec.containers[0].readinessProbe: container "a" has no readinessProbe"#]
        );
        let job = format!("  restartPolicy: OnFailure\n{spec}");
        assert!(messages(&CONTROL, &job).is_empty());
    }
}
