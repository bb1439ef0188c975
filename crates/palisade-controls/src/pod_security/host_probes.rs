//! `hostProbesAndHostLifecycle`: probes and lifecycle hooks aimed at another host.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, PssLevel, Severity};

use super::container_violation;
use super::format::{containers_phrase, plural, quote_list, sorted_set};
use super::version::V1_34_PROBE_HOSTS;
use crate::{Check, CheckResult, Control, PssCheck, PssVersion};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "probe-or-lifecycle-host",
        title: "Probe or lifecycle hook sets a host",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: Some(PssCheck {
        upstream_id: "hostProbesAndHostLifecycle",
        level: PssLevel::Baseline,
        since: V1_34_PROBE_HOSTS,
        overrides: None,
    }),
    params: &[],
    check: Check::Pod(check),
};

/// Every handler whose `host` the kubelet would connect to.
const HANDLERS: [(&str, Option<&str>, &str); 10] = [
    ("livenessProbe", None, "httpGet"),
    ("livenessProbe", None, "tcpSocket"),
    ("readinessProbe", None, "httpGet"),
    ("readinessProbe", None, "tcpSocket"),
    ("startupProbe", None, "httpGet"),
    ("startupProbe", None, "tcpSocket"),
    ("lifecycle", Some("postStart"), "httpGet"),
    ("lifecycle", Some("postStart"), "tcpSocket"),
    ("lifecycle", Some("preStop"), "httpGet"),
    ("lifecycle", Some("preStop"), "tcpSocket"),
];

const DOCS: &str = r#"## What it does
Flags containers whose liveness, readiness or startup probe, or `postStart`/`preStop` hook, sets `httpGet.host` or `tcpSocket.host` (policy version v1.34 and later).

## Why is this bad?
The kubelet makes these requests from the node, with the node's network identity. A `host` pointing elsewhere turns the kubelet into a proxy that reaches addresses the pod itself could not (node-local services, cloud metadata endpoints): a server-side request forgery by manifest.

## How to fix
Remove `host`; the kubelet then probes the pod's own IP.

## Example
```yaml
livenessProbe:
  httpGet:
    host: 169.254.169.254
    path: /latest/meta-data/
    port: 80
```
Use instead:
```yaml
livenessProbe:
  httpGet:
    path: /healthz
    port: 8080
```

## References
- CWE-918: Server-Side Request Forgery
"#;

fn check(pod: &PodSpec<'_>, version: PssVersion) -> Option<CheckResult> {
    const REASON: &str = "probe or lifecycle host";
    if !version.at_least(V1_34_PROBE_HOSTS) {
        return None;
    }
    let mut names = Vec::new();
    let mut hosts = Vec::new();
    let mut violations = Vec::new();
    for c in &pod.containers {
        for (field, hook, handler) in HANDLERS {
            let keys: Vec<&str> = std::iter::once(field)
                .chain(hook)
                .chain([handler, "host"])
                .collect();
            let Some(host) = c.node.get_path(&keys) else {
                continue;
            };
            let host = super::text(host);
            if host.is_empty() {
                continue;
            }
            let detail = format!(
                "{} uses probe or lifecycle host {}",
                containers_phrase(&[c.name]),
                quote_list(&[&host])
            );
            violations.push(container_violation(c, c.path.keys(&keys), REASON, &detail));
            names.push(c.name.to_owned());
            hosts.push(host);
        }
    }
    if names.is_empty() {
        return None;
    }
    // Upstream sorts and de-duplicates the container names here, unlike elsewhere.
    let names = sorted_set(&names);
    let hosts = sorted_set(&hosts);
    Some(CheckResult {
        reason: REASON.to_owned(),
        detail: format!(
            "{} {} {} {}",
            containers_phrase(&names),
            plural("uses", "use", names.len()),
            plural(
                "probe or lifecycle host",
                "probe or lifecycle hosts",
                hosts.len()
            ),
            quote_list(&hosts)
        ),
        violations,
    })
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::verdict;

    #[test]
    fn matches_upstream() {
        let body = "spec:\n  containers:\n  - {name: b, livenessProbe: {httpGet: {host: 10.0.0.1, port: 80}}, lifecycle: {preStop: {tcpSocket: {host: localhost, port: 1}}}}\n  - {name: a, readinessProbe: {tcpSocket: {host: 10.0.0.1, port: 80}}, startupProbe: {httpGet: {host: '', port: 1}}}\n";
        assert_eq!(
            verdict(&CONTROL, body, "v1.34"),
            r#"probe or lifecycle host (containers "a", "b" use probe or lifecycle hosts "10.0.0.1", "localhost")"#
        );
        assert_eq!(verdict(&CONTROL, body, "v1.33"), "allowed");
    }
}
