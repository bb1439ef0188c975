//! Pods and containers that run in the root group: `runAsGroup: 0`,
//! `fsGroup: 0` or GID 0 in `supplementalGroups`.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, Node, Severity};

use super::describe;
use crate::pod_security::{own, own_path, pod_field, pod_path};
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "run-as-root-group",
        title: "Pod or container runs with the root group (GID 0)",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Workload(check),
};

const DOCS: &str = r#"## What it does
Flags the settings that put a pod's processes in the root group: `runAsGroup: 0` in the pod's or a container's `securityContext`, `fsGroup: 0` and a `0` in `supplementalGroups` of the pod's `securityContext`. Each setting is reported where it is written; a container's own non-zero `runAsGroup` does not cancel a pod-level `fsGroup` or supplemental group 0, which apply to every container. Not flagged: a `runAsGroup` left unset, where the process keeps the primary group of the image's `USER` (which may itself be 0, as in `USER 1000:0`; the image controls cover the image's user).

## Why is this bad?
`runAsNonRoot` and a non-zero `runAsUser` keep the process from being UID 0, but not from being in group 0. Files and devices owned by the root group with group read or write permission (often `/etc` configuration, sockets and host paths mounted in) stay open to a process in that group, and `fsGroup: 0` hands every mounted volume to the root group. Non-root group membership is part of running as non-root in the NSA/CISA hardening guide.

## How to fix
Set `runAsGroup`, `fsGroup` and any `supplementalGroups` to non-zero group IDs (for example 10001), or leave `runAsGroup` unset and give the image a non-root `USER uid:gid`.

## Example
```yaml
spec:
  securityContext:
    runAsUser: 10001
    runAsGroup: 0
    fsGroup: 0
    supplementalGroups: [0]
```
Use instead:
```yaml
spec:
  securityContext:
    runAsUser: 10001
    runAsGroup: 10001
    fsGroup: 10001
```

## References
- Kubernetes docs, "Configure a Security Context for a Pod or Container": https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
- Trivy KSV116 "Runs with a root primary or supplementary GID"
- CWE-250: Execution with Unnecessary Privileges
"#;

fn is_root(node: Option<&Node>) -> bool {
    node.and_then(Node::as_i64) == Some(0)
}

fn check(pod: &PodSpec<'_>, _: &Params) -> Vec<Violation> {
    let mut violations = Vec::new();
    let mut pod_violation = |keys: &[&str], message: &str| {
        violations.push(Violation {
            container: None,
            path: pod_path(pod, keys),
            message: message.to_owned(),
        });
    };
    if is_root(pod_field(pod, &["runAsGroup"])) {
        pod_violation(
            &["runAsGroup"],
            "pod sets runAsGroup 0: its containers run with the root group as their primary group",
        );
    }
    if is_root(pod_field(pod, &["fsGroup"])) {
        pod_violation(
            &["fsGroup"],
            "pod sets fsGroup 0: every container joins the root group and its volumes are owned by it",
        );
    }
    let supplemental = pod_field(pod, &["supplementalGroups"]).map_or(&[][..], Node::items);
    for (index, group) in supplemental.iter().enumerate() {
        if is_root(Some(group)) {
            violations.push(Violation {
                container: None,
                path: pod_path(pod, &["supplementalGroups"]).index(index),
                message: "pod adds the root group (0) to supplementalGroups of every container"
                    .to_owned(),
            });
        }
    }
    for container in &pod.containers {
        if is_root(own(container, &["runAsGroup"])) {
            violations.push(Violation {
                container: Some(container.name.to_owned()),
                path: own_path(container, &["runAsGroup"]),
                message: format!(
                    "{} sets runAsGroup 0: it runs with the root group as its primary group",
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
    use crate::testing::messages;

    #[test]
    fn flags_each_root_group_setting_where_it_is_written() {
        let spec = "  securityContext: {runAsGroup: 0, fsGroup: 0, supplementalGroups: [10001, 0]}\n  initContainers: [{name: setup, securityContext: {runAsGroup: 000}}]\n  containers: [{name: app, securityContext: {runAsGroup: 10001}}]\n";
        assert_eq!(
            messages(&CONTROL, spec),
            [
                "spec.securityContext.runAsGroup: pod sets runAsGroup 0: its containers run with the root group as their primary group",
                "spec.securityContext.fsGroup: pod sets fsGroup 0: every container joins the root group and its volumes are owned by it",
                "spec.securityContext.supplementalGroups[1]: pod adds the root group (0) to supplementalGroups of every container",
                r#"spec.initContainers[0].securityContext.runAsGroup: init container "setup" sets runAsGroup 0: it runs with the root group as its primary group"#,
            ]
        );
    }

    #[test]
    fn non_zero_unset_and_quoted_groups_pass() {
        let spec = "  securityContext: {runAsGroup: 10001, fsGroup: 2000, supplementalGroups: [3000]}\n  containers:\n  - {name: a}\n  - {name: b, securityContext: {runAsGroup: '0'}}\n";
        assert!(messages(&CONTROL, spec).is_empty());
    }
}
