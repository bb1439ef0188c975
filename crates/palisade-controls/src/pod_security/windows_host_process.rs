//! `windowsHostProcess`: Windows HostProcess containers.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, PssLevel, Severity};

use super::format::setters;
use super::{container_violation, own, own_path, pod_field, pod_path, pod_violation};
use crate::{Check, CheckResult, Control, PssCheck, PssVersion};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "windows-host-process",
        title: "Windows HostProcess container",
        severity: Severity::Critical,
        docs: DOCS,
    },
    pss: Some(PssCheck {
        upstream_id: "windowsHostProcess",
        level: PssLevel::Baseline,
        since: 0,
        overrides: None,
    }),
    params: &[],
    check: Check::Pod(check),
};

const DOCS: &str = r#"## What it does
Flags pods and containers that set `securityContext.windowsOptions.hostProcess: true`.

## Why is this bad?
A Windows HostProcess container runs directly on the Windows node, with the node's network and file system and the privileges of a node administrator: it is the Windows equivalent of a privileged container.

## How to fix
Remove `windowsOptions.hostProcess` or set it to `false`. Node management belongs in a dedicated, audited DaemonSet in a system namespace.

## Example
```yaml
spec:
  securityContext:
    windowsOptions:
      hostProcess: true
  containers:
  - name: agent
    image: registry.example.com/agent:2.0
```
Use instead:
```yaml
spec:
  containers:
  - name: agent
    image: registry.example.com/agent:2.0
```

## References
- Kubernetes docs, "Create a Windows HostProcess Pod"
- CWE-250: Execution with Unnecessary Privileges
"#;

fn check(pod: &PodSpec<'_>, _version: PssVersion) -> Option<CheckResult> {
    const REASON: &str = "hostProcess";
    const KEYS: [&str; 2] = ["windowsOptions", "hostProcess"];
    let is_true = |n: Option<&palisade_model::Node>| n.and_then(|n| n.as_bool()) == Some(true);
    let mut violations = Vec::new();
    let pod_set = is_true(pod_field(pod, &KEYS));
    if pod_set {
        violations.push(pod_violation(
            pod_path(pod, &KEYS),
            REASON,
            "pod must not set securityContext.windowsOptions.hostProcess=true",
        ));
    }
    let mut names = Vec::new();
    for c in &pod.containers {
        if is_true(own(c, &KEYS)) {
            names.push(c.name);
            let detail = format!(
                "{} must not set securityContext.windowsOptions.hostProcess=true",
                setters(false, &[c.name])
            );
            violations.push(container_violation(c, own_path(c, &KEYS), REASON, &detail));
        }
    }
    CheckResult::from_violations(REASON, violations, || {
        format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters(pod_set, &names)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::verdict;

    #[test]
    fn matches_upstream() {
        let body = "spec:\n  securityContext: {windowsOptions: {hostProcess: true}}\n  containers:\n  - {name: a, securityContext: {windowsOptions: {hostProcess: true}}}\n  - {name: b, securityContext: {windowsOptions: {hostProcess: true}}}\n  - {name: c, securityContext: {windowsOptions: {hostProcess: false}}}\n";
        assert_eq!(
            verdict(&CONTROL, body, "v1.0"),
            r#"hostProcess (pod and containers "a", "b" must not set securityContext.windowsOptions.hostProcess=true)"#
        );
        assert_eq!(
            verdict(
                &CONTROL,
                "spec:\n  containers: [{name: c, securityContext: {windowsOptions: {}}}]\n",
                "latest"
            ),
            "allowed"
        );
    }
}
