//! `hostNamespaces`: pods sharing the node's network, PID or IPC namespace.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, PssLevel, Severity};

use super::pod_violation;
use crate::{Check, CheckResult, Control, PssCheck, PssVersion};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "host-namespaces",
        title: "Pod shares the node's network, PID or IPC namespace",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: Some(PssCheck {
        upstream_id: "hostNamespaces",
        level: PssLevel::Baseline,
        since: 0,
        overrides: None,
    }),
    params: &[],
    check: Check::Pod(check),
};

const DOCS: &str = r#"## What it does
Flags pods that set `hostNetwork`, `hostPID` or `hostIPC` to `true`.

## Why is this bad?
Sharing the node's namespaces removes the isolation between the workload and the node: with `hostNetwork` it can sniff and bind node traffic and reach services bound to localhost; with `hostPID` it can see and signal every process on the node (and read their environment); with `hostIPC` it can read shared memory of other processes.

## How to fix
Remove the fields or set them to `false`. Expose the workload through a Service instead of the host network.

## Example
```yaml
spec:
  hostNetwork: true
  containers:
  - name: app
    image: registry.example.com/app:1.4.2
```
Use instead:
```yaml
spec:
  containers:
  - name: app
    image: registry.example.com/app:1.4.2
```

## References
- CWE-653: Improper Isolation or Compartmentalization
"#;

fn check(pod: &PodSpec<'_>, _version: PssVersion) -> Option<CheckResult> {
    const REASON: &str = "host namespaces";
    let mut items = Vec::new();
    let mut violations = Vec::new();
    for field in ["hostNetwork", "hostPID", "hostIPC"] {
        if pod.spec.get(field).and_then(|n| n.as_bool()) == Some(true) {
            let item = format!("{field}=true");
            violations.push(pod_violation(pod.path.key(field), REASON, &item));
            items.push(item);
        }
    }
    CheckResult::from_violations(REASON, violations, || items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::verdict;

    #[test]
    fn matches_upstream() {
        assert_eq!(
            verdict(
                &CONTROL,
                "spec:\n  hostIPC: true\n  hostNetwork: true\n  hostPID: false\n  containers: [{name: a}]\n",
                "latest"
            ),
            "host namespaces (hostNetwork=true, hostIPC=true)"
        );
        assert_eq!(
            verdict(
                &CONTROL,
                "spec:\n  hostUsers: true\n  containers: [{name: a}]\n",
                "latest"
            ),
            "allowed"
        );
    }
}
