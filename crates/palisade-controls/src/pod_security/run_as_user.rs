//! `runAsUser`: pods and containers that set UID 0.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, PssLevel, Severity};

use super::format::{containers_phrase, setters};
use super::version::{V1_23_RUN_AS_USER, V1_35_USER_NAMESPACES};
use super::{container_violation, own, own_path, pod_field, pod_path, pod_violation};
use crate::{Check, CheckResult, Control, PssCheck, PssVersion};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "run-as-root-user",
        title: "Pod or container sets runAsUser: 0",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: Some(PssCheck {
        upstream_id: "runAsUser",
        level: PssLevel::Restricted,
        since: V1_23_RUN_AS_USER,
        overrides: None,
    }),
    params: &[],
    check: Check::Pod(check),
};

const DOCS: &str = r#"## What it does
Flags `runAsUser: 0` on the pod or any container (policy version v1.23 and later). A container's own non-zero value does not cancel a pod-level 0. From policy version v1.35, pods in a user namespace (`hostUsers: false`) are allowed.

## Why is this bad?
UID 0 is root. Setting it explicitly defeats `runAsNonRoot` and the image's `USER`, and gives the process root's access to anything mounted into the container.

## How to fix
Set a non-zero `runAsUser` (for example 10001) or remove the field and rely on the image's non-root `USER`.

## Example
```yaml
securityContext:
  runAsUser: 0
```
Use instead:
```yaml
securityContext:
  runAsUser: 10001
  runAsNonRoot: true
```

## References
- CWE-250: Execution with Unnecessary Privileges
"#;

fn check(pod: &PodSpec<'_>, version: PssVersion) -> Option<CheckResult> {
    const REASON: &str = "runAsUser=0";
    if !version.at_least(V1_23_RUN_AS_USER)
        || (version.at_least(V1_35_USER_NAMESPACES) && pod.host_users_false())
    {
        return None;
    }
    let mut violations = Vec::new();
    let pod_root = pod_field(pod, &["runAsUser"]).and_then(|n| n.as_i64()) == Some(0);
    if pod_root {
        violations.push(pod_violation(
            pod_path(pod, &["runAsUser"]),
            REASON,
            "pod must not set runAsUser=0",
        ));
    }
    let mut names = Vec::new();
    for c in &pod.containers {
        if own(c, &["runAsUser"]).and_then(|n| n.as_i64()) == Some(0) {
            let detail = format!("{} must not set runAsUser=0", containers_phrase(&[c.name]));
            violations.push(container_violation(
                c,
                own_path(c, &["runAsUser"]),
                REASON,
                &detail,
            ));
            names.push(c.name);
        }
    }
    CheckResult::from_violations(REASON, violations, || {
        format!("{} must not set runAsUser=0", setters(pod_root, &names))
    })
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::verdict;

    #[test]
    fn matches_upstream() {
        let body = "spec:\n  securityContext: {runAsUser: 0}\n  containers: [{name: a, securityContext: {runAsUser: 1000}}, {name: b, securityContext: {runAsUser: 00}}]\n";
        assert_eq!(
            verdict(&CONTROL, body, "v1.23"),
            r#"runAsUser=0 (pod and container "b" must not set runAsUser=0)"#
        );
        assert_eq!(verdict(&CONTROL, body, "v1.22"), "allowed");
        assert_eq!(
            verdict(&CONTROL, &format!("{body}  hostUsers: false\n"), "latest"),
            "allowed"
        );
    }
}
