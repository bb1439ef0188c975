//! `procMount`: containers that unmask `/proc` (baseline, relaxed for user namespaces from v1.35).

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, PssLevel, Severity};

use super::format::{containers_phrase, quote_list, sorted_set};
use super::version::V1_35_USER_NAMESPACES;
use super::{container_violation, own, own_path, text};
use crate::{Check, CheckResult, Control, PssCheck, PssVersion};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "unmasked-proc-mount",
        title: "Container unmasks /proc",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: Some(PssCheck {
        upstream_id: "procMount",
        level: PssLevel::Baseline,
        since: 0,
        overrides: None,
    }),
    params: &[],
    check: Check::Pod(check),
};

const DOCS: &str = r#"## What it does
Flags containers that set `securityContext.procMount` to anything but `Default` (usually `Unmasked`). From policy version v1.35, pods that run in a user namespace (`hostUsers: false`) are allowed, since there an unmasked `/proc` exposes nothing of the node.

## Why is this bad?
The default proc mount masks paths such as `/proc/sys`, `/proc/kcore` and `/proc/sysrq-trigger`. Unmasking them lets a process read kernel memory or reconfigure the node's kernel.

## How to fix
Remove `procMount` or set it to `Default`. Workloads that need an unmasked `/proc` (nested containers) should run with `hostUsers: false`.

## Example
```yaml
securityContext:
  procMount: Unmasked
```
Use instead:
```yaml
securityContext:
  procMount: Default
```

## References
- CWE-200: Exposure of Sensitive Information to an Unauthorized Actor
"#;

fn check(pod: &PodSpec<'_>, version: PssVersion) -> Option<CheckResult> {
    if version.at_least(V1_35_USER_NAMESPACES) && pod.host_users_false() {
        return None;
    }
    unmasked(pod)
}

/// Upstream's v1.0 logic, shared with `proc_mount_restricted`: any value but
/// exactly `Default` (even `""`) is forbidden.
pub(crate) fn unmasked(pod: &PodSpec<'_>) -> Option<CheckResult> {
    const REASON: &str = "procMount";
    let mut names = Vec::new();
    let mut values = Vec::new();
    let mut violations = Vec::new();
    for c in &pod.containers {
        let Some(mount) = own(c, &["procMount"]) else {
            continue;
        };
        let value = text(mount);
        if value == "Default" {
            continue;
        }
        let detail = format!(
            "{} must not set securityContext.procMount to {}",
            containers_phrase(&[c.name]),
            quote_list(&[&value])
        );
        violations.push(container_violation(
            c,
            own_path(c, &["procMount"]),
            REASON,
            &detail,
        ));
        names.push(c.name);
        values.push(value);
    }
    CheckResult::from_violations(REASON, violations, || {
        format!(
            "{} must not set securityContext.procMount to {}",
            containers_phrase(&names),
            quote_list(&sorted_set(&values))
        )
    })
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::verdict;

    #[test]
    fn matches_upstream() {
        let body = "spec:\n  hostUsers: false\n  containers:\n  - {name: a, securityContext: {procMount: Unmasked}}\n  - {name: b, securityContext: {procMount: ''}}\n  - {name: c, securityContext: {procMount: Default}}\n";
        let denied = r#"procMount (containers "a", "b" must not set securityContext.procMount to "", "Unmasked")"#;
        assert_eq!(verdict(&CONTROL, body, "v1.34"), denied);
        assert_eq!(verdict(&CONTROL, body, "v1.35"), "allowed");
        assert_eq!(
            verdict(
                &CONTROL,
                &body.replace("hostUsers: false", "hostUsers: true"),
                "latest"
            ),
            denied
        );
    }
}
