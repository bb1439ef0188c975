//! `capabilities_restricted`: containers that keep capabilities they do not need.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, PssLevel, Severity};

use super::format::{containers_phrase, quote_list, sorted_set};
use super::version::{V1_22_CAPABILITIES_DROP_ALL, V1_25_WINDOWS_EXEMPT};
use super::{container_violation, forbidden_added_capabilities, own, own_path};
use crate::{Check, CheckResult, Control, PssCheck, PssVersion};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "capabilities-not-restricted",
        title: "Container does not drop ALL capabilities, or adds one beyond NET_BIND_SERVICE",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: Some(PssCheck {
        upstream_id: "capabilities_restricted",
        level: PssLevel::Restricted,
        since: V1_22_CAPABILITIES_DROP_ALL,
        overrides: Some("capabilities_baseline"),
    }),
    params: &[],
    check: Check::Pod(check),
};

const DOCS: &str = r#"## What it does
Flags containers whose `securityContext.capabilities.drop` does not contain `ALL` (exactly; `all` does not count), and containers that add any capability other than `NET_BIND_SERVICE`. From policy version v1.25, Windows pods (`spec.os.name: windows`) are exempt.

## Why is this bad?
Container runtimes grant a dozen capabilities by default (`CHOWN`, `DAC_OVERRIDE`, `SETUID`, `NET_RAW`...). Few applications need any; each one left in place is a tool for an attacker who gets code execution.

## How to fix
Drop `ALL` and add back only `NET_BIND_SERVICE` if the process binds a port below 1024.

## Example
```yaml
securityContext:
  capabilities:
    add: ["CHOWN"]
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

fn check(pod: &PodSpec<'_>, version: PssVersion) -> Option<CheckResult> {
    const REASON: &str = "unrestricted capabilities";
    if !version.at_least(V1_22_CAPABILITIES_DROP_ALL)
        || (version.at_least(V1_25_WINDOWS_EXEMPT) && pod.is_windows())
    {
        return None;
    }
    let mut missing_drop = Vec::new();
    let mut adding = Vec::new();
    let mut added = Vec::new();
    let mut violations = Vec::new();
    for c in &pod.containers {
        let drops_all = own(c, &["capabilities", "drop"])
            .is_some_and(|d| d.items().iter().any(|cap| cap.as_str() == Some("ALL")));
        if !drops_all {
            let detail = format!(
                "{} must set securityContext.capabilities.drop=[\"ALL\"]",
                containers_phrase(&[c.name])
            );
            violations.push(container_violation(
                c,
                own_path(c, &["capabilities", "drop"]),
                REASON,
                &detail,
            ));
            missing_drop.push(c.name);
        }
        let forbidden = forbidden_added_capabilities(c, REASON, |cap| cap == "NET_BIND_SERVICE");
        if forbidden.is_empty() {
            continue;
        }
        adding.push(c.name);
        for (cap, violation) in forbidden {
            added.push(cap);
            violations.push(violation);
        }
    }
    CheckResult::from_violations(REASON, violations, || {
        let mut parts = Vec::new();
        if !missing_drop.is_empty() {
            parts.push(format!(
                "{} must set securityContext.capabilities.drop=[\"ALL\"]",
                containers_phrase(&missing_drop)
            ));
        }
        if !adding.is_empty() {
            parts.push(format!(
                "{} must not include {} in securityContext.capabilities.add",
                containers_phrase(&adding),
                quote_list(&sorted_set(&added))
            ));
        }
        parts.join("; ")
    })
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::verdict;

    #[test]
    fn matches_upstream() {
        let body = "spec:\n  containers:\n  - {name: a}\n  - {name: b, securityContext: {capabilities: {drop: [all], add: [CHOWN]}}}\n  - {name: c, securityContext: {capabilities: {drop: [ALL], add: [NET_BIND_SERVICE, CAP_NET_BIND_SERVICE]}}}\n";
        assert_eq!(
            verdict(&CONTROL, body, "latest"),
            r#"unrestricted capabilities (containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; containers "b", "c" must not include "CAP_NET_BIND_SERVICE", "CHOWN" in securityContext.capabilities.add)"#
        );
        assert_eq!(verdict(&CONTROL, body, "v1.21"), "allowed");
        assert_eq!(
            verdict(
                &CONTROL,
                &format!("{body}  os: {{name: windows}}\n"),
                "v1.25"
            ),
            "allowed"
        );
    }
}
