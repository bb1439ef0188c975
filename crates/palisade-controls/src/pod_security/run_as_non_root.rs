//! `runAsNonRoot`: pods and containers that may run as root.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, PssLevel, Severity};

use super::format::{containers_phrase, setters};
use super::version::V1_35_USER_NAMESPACES;
use super::{container_violation, own, own_path, pod_field, pod_path, pod_violation};
use crate::{Check, CheckResult, Control, PssCheck, PssVersion};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "missing-run-as-non-root",
        title: "Container may run as root (runAsNonRoot is not true)",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: Some(PssCheck {
        upstream_id: "runAsNonRoot",
        level: PssLevel::Restricted,
        since: 0,
        overrides: None,
    }),
    params: &[],
    check: Check::Pod(check),
};

const DOCS: &str = r#"## What it does
Flags pods where `runAsNonRoot` is `false` (pod or container), and containers for which it is not `true` either on the container or inherited from the pod's `securityContext`. A non-zero `runAsUser` does not count: Kubernetes requires the explicit guarantee. From policy version v1.35, pods in a user namespace (`hostUsers: false`) are allowed.

## Why is this bad?
Root in a container is root on the node's kernel: one kernel bug or misconfigured mount away from the node. `runAsNonRoot: true` makes the kubelet refuse to start a container whose image would run as UID 0.

## How to fix
Set `runAsNonRoot: true` in the pod's `securityContext` (it applies to every container), and build images with a non-root `USER`.

## Example
```yaml
spec:
  containers:
  - name: app
    image: registry.example.com/app:1.4.2
```
Use instead:
```yaml
spec:
  securityContext:
    runAsNonRoot: true
  containers:
  - name: app
    image: registry.example.com/app:1.4.2
```

## References
- CWE-250: Execution with Unnecessary Privileges
"#;

fn check(pod: &PodSpec<'_>, version: PssVersion) -> Option<CheckResult> {
    const REASON: &str = "runAsNonRoot != true";
    if version.at_least(V1_35_USER_NAMESPACES) && pod.host_users_false() {
        return None;
    }
    let pod_value = pod_field(pod, &["runAsNonRoot"]).and_then(|n| n.as_bool());
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    let mut explicit_violations = Vec::new();
    let mut implicit_violations = Vec::new();
    if pod_value == Some(false) {
        explicit_violations.push(pod_violation(
            pod_path(pod, &["runAsNonRoot"]),
            REASON,
            "pod must not set securityContext.runAsNonRoot=false",
        ));
    }
    for c in &pod.containers {
        match own(c, &["runAsNonRoot"]).and_then(|n| n.as_bool()) {
            Some(true) => {}
            Some(false) => {
                let detail = format!(
                    "{} must not set securityContext.runAsNonRoot=false",
                    containers_phrase(&[c.name])
                );
                explicit_violations.push(container_violation(
                    c,
                    own_path(c, &["runAsNonRoot"]),
                    REASON,
                    &detail,
                ));
                explicit.push(c.name);
            }
            None if pod_value == Some(true) => {}
            None => {
                let detail = format!(
                    "pod or {} must set securityContext.runAsNonRoot=true",
                    containers_phrase(&[c.name])
                );
                implicit_violations.push(container_violation(
                    c,
                    own_path(c, &["runAsNonRoot"]),
                    REASON,
                    &detail,
                ));
                implicit.push(c.name);
            }
        }
    }
    // An explicit `false` takes precedence over a missing `true`, as upstream.
    CheckResult::from_violations(REASON, explicit_violations, || {
        format!(
            "{} must not set securityContext.runAsNonRoot=false",
            setters(pod_value == Some(false), &explicit)
        )
    })
    .or_else(|| {
        CheckResult::from_violations(REASON, implicit_violations, || {
            format!(
                "pod or {} must set securityContext.runAsNonRoot=true",
                containers_phrase(&implicit)
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::verdict;

    #[test]
    fn matches_upstream() {
        let none = "spec:\n  containers: [{name: app, securityContext: {runAsUser: 1000}}]\n";
        assert_eq!(
            verdict(&CONTROL, none, "latest"),
            r#"runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true)"#
        );
        let inherited = "spec:\n  securityContext: {runAsNonRoot: true}\n  containers: [{name: a}, {name: b, securityContext: {runAsNonRoot: false}}]\n";
        assert_eq!(
            verdict(&CONTROL, inherited, "latest"),
            r#"runAsNonRoot != true (container "b" must not set securityContext.runAsNonRoot=false)"#
        );
        let pod_false = "spec:\n  securityContext: {runAsNonRoot: false}\n  containers: [{name: a, securityContext: {runAsNonRoot: true}}]\n";
        assert_eq!(
            verdict(&CONTROL, pod_false, "latest"),
            r#"runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)"#
        );
        let userns = "spec:\n  hostUsers: false\n  containers: [{name: a}]\n";
        assert_eq!(verdict(&CONTROL, userns, "v1.35"), "allowed");
        assert_ne!(verdict(&CONTROL, userns, "v1.34"), "allowed");
        assert_eq!(
            verdict(&CONTROL, "spec:\n  containers: []\n", "latest"),
            "allowed"
        );
    }
}
