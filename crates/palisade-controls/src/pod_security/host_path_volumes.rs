//! `hostPathVolumes`: volumes that mount the node's file system.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, PssLevel, Severity};

use super::format::{plural, quote_list};
use super::pod_violation;
use crate::{Check, CheckResult, Control, PssCheck, PssVersion};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "host-path-volumes",
        title: "Pod mounts a hostPath volume",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: Some(PssCheck {
        upstream_id: "hostPathVolumes",
        level: PssLevel::Baseline,
        since: 0,
        overrides: None,
    }),
    params: &[],
    check: Check::Pod(check),
};

const DOCS: &str = r#"## What it does
Flags pods with a volume of type `hostPath`.

## Why is this bad?
A hostPath volume exposes the node's file system to the container. Mounting `/`, `/etc`, `/var/lib/kubelet` or the container runtime's socket hands over the node; even read-only mounts leak credentials of other workloads.

## How to fix
Use an `emptyDir`, a `configMap`/`secret`, or a PersistentVolumeClaim. Node agents that truly need host files belong in a system namespace with an exception.

## Example
```yaml
volumes:
- name: docker
  hostPath:
    path: /var/run/docker.sock
```
Use instead:
```yaml
volumes:
- name: scratch
  emptyDir: {}
```

## References
- CWE-668: Exposure of Resource to Wrong Sphere
"#;

fn check(pod: &PodSpec<'_>, _version: PssVersion) -> Option<CheckResult> {
    const REASON: &str = "hostPath volumes";
    let mut names = Vec::new();
    let mut violations = Vec::new();
    let volumes_path = pod.path.key("volumes");
    for (i, volume) in pod
        .spec
        .get("volumes")
        .map_or(&[][..], |v| v.items())
        .iter()
        .enumerate()
    {
        if volume.get("hostPath").is_some() {
            let name = volume.get("name").map(super::text).unwrap_or_default();
            let detail = format!("volume {}", quote_list(&[&name]));
            violations.push(pod_violation(
                volumes_path.index(i).key("hostPath"),
                REASON,
                &detail,
            ));
            names.push(name);
        }
    }
    CheckResult::from_violations(REASON, violations, || {
        format!(
            "{} {}",
            plural("volume", "volumes", names.len()),
            quote_list(&names)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::verdict;

    #[test]
    fn matches_upstream() {
        let body = "spec:\n  containers: [{name: a}]\n  volumes:\n  - {name: b, hostPath: {path: /}}\n  - {name: e, emptyDir: {}}\n  - {name: a, hostPath: {}}\n";
        assert_eq!(
            verdict(&CONTROL, body, "latest"),
            r#"hostPath volumes (volumes "b", "a")"#
        );
        assert_eq!(
            verdict(
                &CONTROL,
                "spec:\n  volumes: [{name: h, hostPath: null}]\n",
                "latest"
            ),
            "allowed"
        );
    }
}
