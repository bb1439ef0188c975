//! `sysctls`: kernel parameters outside the namespaced, safe set.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, PssLevel, Severity};

use super::version::{V1_27_SYSCTLS, V1_29_SYSCTLS, V1_32_SYSCTLS, V1_37_SYSCTLS};
use super::{pod_violation, text};
use crate::{Check, CheckResult, Control, PssCheck, PssVersion};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "unsafe-sysctls",
        title: "Pod sets a sysctl outside the safe set",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: Some(PssCheck {
        upstream_id: "sysctls",
        level: PssLevel::Baseline,
        since: 0,
        overrides: None,
    }),
    params: &[],
    check: Check::Pod(check),
};

/// Safe sysctls and the policy version that made each one safe.
const SAFE: [(&str, u32); 14] = [
    ("kernel.shm_rmid_forced", 0),
    ("net.ipv4.ip_local_port_range", 0),
    ("net.ipv4.tcp_syncookies", 0),
    ("net.ipv4.ping_group_range", 0),
    ("net.ipv4.ip_unprivileged_port_start", 0),
    ("net.ipv4.ip_local_reserved_ports", V1_27_SYSCTLS),
    ("net.ipv4.tcp_keepalive_time", V1_29_SYSCTLS),
    ("net.ipv4.tcp_fin_timeout", V1_29_SYSCTLS),
    ("net.ipv4.tcp_keepalive_intvl", V1_29_SYSCTLS),
    ("net.ipv4.tcp_keepalive_probes", V1_29_SYSCTLS),
    ("net.ipv4.tcp_rmem", V1_32_SYSCTLS),
    ("net.ipv4.tcp_wmem", V1_32_SYSCTLS),
    ("net.ipv4.tcp_slow_start_after_idle", V1_37_SYSCTLS),
    ("net.ipv4.tcp_notsent_lowat", V1_37_SYSCTLS),
];

const DOCS: &str = r#"## What it does
Flags `spec.securityContext.sysctls` entries whose name is not in the safe set for the policy version: `kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`, `net.ipv4.tcp_syncookies`, `net.ipv4.ping_group_range`, `net.ipv4.ip_unprivileged_port_start`; from v1.27 `net.ipv4.ip_local_reserved_ports`; from v1.29 `net.ipv4.tcp_keepalive_time`, `tcp_fin_timeout`, `tcp_keepalive_intvl`, `tcp_keepalive_probes`; from v1.32 `net.ipv4.tcp_rmem`, `tcp_wmem`; from v1.37 `net.ipv4.tcp_slow_start_after_idle`, `tcp_notsent_lowat`. Names are compared exactly (`net/ipv4/...` spellings are not converted).

## Why is this bad?
Unsafe sysctls are not isolated per pod: they change the kernel of the whole node, for every other workload on it, and can disable security features or starve the node.

## How to fix
Remove the sysctl, or run the workload on dedicated nodes that allow it explicitly through the kubelet's `--allowed-unsafe-sysctls`, with an exception.

## Example
```yaml
spec:
  securityContext:
    sysctls:
    - name: kernel.msgmax
      value: "65536"
```
Use instead:
```yaml
spec:
  securityContext:
    sysctls:
    - name: net.ipv4.ip_local_port_range
      value: "32768 60999"
```

## References
- Kubernetes docs, "Using sysctls in a Kubernetes Cluster"
"#;

fn check(pod: &PodSpec<'_>, version: PssVersion) -> Option<CheckResult> {
    const REASON: &str = "forbidden sysctls";
    let list = super::pod_field(pod, &["sysctls"])?;
    let path = super::pod_path(pod, &["sysctls"]);
    let mut names = Vec::new();
    let mut violations = Vec::new();
    for (i, sysctl) in list.items().iter().enumerate() {
        let name = sysctl.get("name").map(text).unwrap_or_default();
        let safe = SAFE
            .iter()
            .any(|(safe, since)| *safe == name && version.at_least(*since));
        if !safe {
            violations.push(pod_violation(path.index(i).key("name"), REASON, &name));
            names.push(name);
        }
    }
    CheckResult::from_violations(REASON, violations, || names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::verdict;

    #[test]
    fn matches_upstream() {
        let body = "spec:\n  securityContext:\n    sysctls:\n    - {name: kernel.msgmax, value: '1'}\n    - {name: net.ipv4.tcp_rmem, value: '1'}\n    - {name: kernel.msgmax, value: '2'}\n    - {name: net.ipv4.tcp_syncookies, value: '1'}\n  containers: [{name: a}]\n";
        assert_eq!(
            verdict(&CONTROL, body, "v1.31"),
            "forbidden sysctls (kernel.msgmax, net.ipv4.tcp_rmem, kernel.msgmax)"
        );
        assert_eq!(
            verdict(&CONTROL, body, "v1.32"),
            "forbidden sysctls (kernel.msgmax, kernel.msgmax)"
        );
        let newest = "spec:\n  securityContext: {sysctls: [{name: net.ipv4.tcp_notsent_lowat}]}\n  containers: [{name: a}]\n";
        assert_eq!(
            verdict(&CONTROL, newest, "v1.36"),
            "forbidden sysctls (net.ipv4.tcp_notsent_lowat)"
        );
        assert_eq!(verdict(&CONTROL, newest, "latest"), "allowed");
    }
}
