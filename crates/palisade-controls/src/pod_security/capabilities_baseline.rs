//! `capabilities_baseline`: capabilities added beyond the container runtime's defaults.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, PssLevel, Severity};

use super::forbidden_added_capabilities;
use super::format::{containers_phrase, quote_list, sorted_set};
use crate::{Check, CheckResult, Control, PssCheck, PssVersion};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "non-default-capabilities",
        title: "Container adds capabilities beyond the runtime's defaults",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: Some(PssCheck {
        upstream_id: "capabilities_baseline",
        level: PssLevel::Baseline,
        since: 0,
        overrides: None,
    }),
    params: &[],
    check: Check::Pod(check),
};

/// The capabilities container runtimes grant by default; adding them again is harmless.
const DEFAULT_CAPABILITIES: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

const DOCS: &str = r#"## What it does
Flags containers whose `securityContext.capabilities.add` lists a capability outside the container runtime's default set (`AUDIT_WRITE`, `CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `FSETID`, `KILL`, `MKNOD`, `NET_BIND_SERVICE`, `SETFCAP`, `SETGID`, `SETPCAP`, `SETUID`, `SYS_CHROOT`). Names are compared exactly, as Kubernetes does: `CAP_CHOWN`, `chown` and `ALL` are all forbidden.

## Why is this bad?
Capabilities such as `SYS_ADMIN`, `NET_ADMIN`, `SYS_PTRACE` or `NET_RAW` give a process powers over the node's kernel: mounting file systems, rewriting routes, tracing other processes, spoofing packets. Several container escapes need exactly one of them.

## How to fix
Remove the capability from `capabilities.add`. If the workload truly needs it, isolate it in its own namespace with an exception that records why.

## Example
```yaml
securityContext:
  capabilities:
    add: ["NET_ADMIN", "SYS_TIME"]
```
Use instead:
```yaml
securityContext:
  capabilities:
    drop: ["ALL"]
    add: ["NET_BIND_SERVICE"]
```

## References
- CWE-250: Execution with Unnecessary Privileges
"#;

fn check(pod: &PodSpec<'_>, _version: PssVersion) -> Option<CheckResult> {
    const REASON: &str = "non-default capabilities";
    let mut names = Vec::new();
    let mut all_caps = Vec::new();
    let mut violations = Vec::new();
    for c in &pod.containers {
        let forbidden =
            forbidden_added_capabilities(c, REASON, |cap| DEFAULT_CAPABILITIES.contains(&cap));
        if forbidden.is_empty() {
            continue;
        }
        names.push(c.name);
        for (cap, violation) in forbidden {
            all_caps.push(cap);
            violations.push(violation);
        }
    }
    CheckResult::from_violations(REASON, violations, || {
        format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&names),
            quote_list(&sorted_set(&all_caps))
        )
    })
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::verdict;

    #[test]
    fn matches_upstream() {
        let body = "spec:\n  containers:\n  - {name: a, securityContext: {capabilities: {add: [SYS_TIME, CHOWN]}}}\n  - {name: b, securityContext: {capabilities: {add: [NET_ADMIN, SYS_TIME], drop: [ALL]}}}\n  - {name: c, securityContext: {capabilities: {add: [KILL]}}}\n";
        assert_eq!(
            verdict(&CONTROL, body, "latest"),
            r#"non-default capabilities (containers "a", "b" must not include "NET_ADMIN", "SYS_TIME" in securityContext.capabilities.add)"#
        );
        assert_eq!(
            verdict(
                &CONTROL,
                "spec:\n  containers: [{name: a, securityContext: {capabilities: {add: [CAP_CHOWN]}}}]\n",
                "latest"
            ),
            r#"non-default capabilities (container "a" must not include "CAP_CHOWN" in securityContext.capabilities.add)"#
        );
    }
}
