//! `privileged`: containers running privileged.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, PssLevel, Severity};

use super::format::containers_phrase;
use super::{container_violation, own, own_path};
use crate::{Check, CheckResult, Control, PssCheck, PssVersion};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "privileged-container",
        title: "Container runs privileged",
        severity: Severity::Critical,
        docs: DOCS,
    },
    pss: Some(PssCheck {
        upstream_id: "privileged",
        level: PssLevel::Baseline,
        since: 0,
        overrides: None,
    }),
    params: &[],
    check: Check::Pod(check),
};

const DOCS: &str = r#"## What it does
Flags containers (init and ephemeral included) that set `securityContext.privileged: true`.

## Why is this bad?
A privileged container has every capability, sees every device of the node and is not confined by seccomp, AppArmor or SELinux. Whoever controls its process controls the node, and every other workload on it.

## How to fix
Remove `privileged: true` (or set it to `false`). Grant the one capability the workload needs with `capabilities.add` instead, or move node-level work to a dedicated, audited DaemonSet outside the application namespaces.

## Example
```yaml
spec:
  containers:
  - name: app
    image: registry.example.com/app:1.4.2
    securityContext:
      privileged: true
```
Use instead:
```yaml
spec:
  containers:
  - name: app
    image: registry.example.com/app:1.4.2
    securityContext:
      privileged: false
```

## References
- CWE-250: Execution with Unnecessary Privileges
"#;

fn check(pod: &PodSpec<'_>, _version: PssVersion) -> Option<CheckResult> {
    const REASON: &str = "privileged";
    let mut names = Vec::new();
    let mut violations = Vec::new();
    for c in &pod.containers {
        if own(c, &["privileged"]).and_then(|n| n.as_bool()) == Some(true) {
            names.push(c.name);
            let detail = format!(
                "{} must not set securityContext.privileged=true",
                containers_phrase(&[c.name])
            );
            violations.push(container_violation(
                c,
                own_path(c, &["privileged"]),
                REASON,
                &detail,
            ));
        }
    }
    CheckResult::from_violations(REASON, violations, || {
        format!(
            "{} must not set securityContext.privileged=true",
            containers_phrase(&names)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::verdict;

    #[test]
    fn matches_upstream() {
        let body = "spec:\n  initContainers: [{name: i, securityContext: {privileged: true}}]\n  containers:\n  - {name: a, securityContext: {privileged: yes}}\n  - {name: b, securityContext: {privileged: false}}\n  - {name: c}\n";
        assert_eq!(
            verdict(&CONTROL, body, "latest"),
            r#"privileged (containers "i", "a" must not set securityContext.privileged=true)"#
        );
        assert_eq!(
            verdict(
                &CONTROL,
                "spec:\n  containers: [{name: a, securityContext: {privileged: 'true'}}]\n",
                "v1.0"
            ),
            "allowed"
        );
    }
}
