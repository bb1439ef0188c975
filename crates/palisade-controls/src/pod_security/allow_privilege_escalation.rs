//! `allowPrivilegeEscalation`: containers that do not forbid privilege escalation.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, PssLevel, Severity};

use super::format::containers_phrase;
use super::version::{V1_8_PRIVILEGE_ESCALATION, V1_25_WINDOWS_EXEMPT};
use super::{container_violation, own, own_path};
use crate::{Check, CheckResult, Control, PssCheck, PssVersion};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "privilege-escalation-allowed",
        title: "Container does not set allowPrivilegeEscalation: false",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: Some(PssCheck {
        upstream_id: "allowPrivilegeEscalation",
        level: PssLevel::Restricted,
        since: V1_8_PRIVILEGE_ESCALATION,
        overrides: None,
    }),
    params: &[],
    check: Check::Pod(check),
};

const DOCS: &str = r#"## What it does
Flags containers that do not set `securityContext.allowPrivilegeEscalation: false` explicitly (unset counts as allowed, as it is at run time). From policy version v1.25, Windows pods (`spec.os.name: windows`) are exempt.

## Why is this bad?
Unless `no_new_privs` is set, a process can gain privileges through setuid binaries or file capabilities, so a compromised non-root process can become root inside the container.

## How to fix
Set `allowPrivilegeEscalation: false` in every container's `securityContext`.

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
  securityContext:
    allowPrivilegeEscalation: false
```

## References
- CWE-269: Improper Privilege Management
"#;

fn check(pod: &PodSpec<'_>, version: PssVersion) -> Option<CheckResult> {
    const REASON: &str = "allowPrivilegeEscalation != false";
    if !version.at_least(V1_8_PRIVILEGE_ESCALATION)
        || (version.at_least(V1_25_WINDOWS_EXEMPT) && pod.is_windows())
    {
        return None;
    }
    let mut names = Vec::new();
    let mut violations = Vec::new();
    for c in &pod.containers {
        if own(c, &["allowPrivilegeEscalation"]).and_then(|n| n.as_bool()) == Some(false) {
            continue;
        }
        let detail = format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            containers_phrase(&[c.name])
        );
        violations.push(container_violation(
            c,
            own_path(c, &["allowPrivilegeEscalation"]),
            REASON,
            &detail,
        ));
        names.push(c.name);
    }
    CheckResult::from_violations(REASON, violations, || {
        format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
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
        let body = "spec:\n  os: {name: windows}\n  containers:\n  - {name: a}\n  - {name: b, securityContext: {allowPrivilegeEscalation: true}}\n  - {name: c, securityContext: {allowPrivilegeEscalation: false}}\n";
        let denied = r#"allowPrivilegeEscalation != false (containers "a", "b" must set securityContext.allowPrivilegeEscalation=false)"#;
        assert_eq!(verdict(&CONTROL, body, "v1.24"), denied);
        assert_eq!(verdict(&CONTROL, body, "v1.25"), "allowed");
        assert_eq!(verdict(&CONTROL, body, "v1.7"), "allowed");
        assert_eq!(
            verdict(&CONTROL, &body.replace("windows", "linux"), "latest"),
            denied
        );
    }
}
