//! `restrictedVolumes`: volume types outside the restricted set.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, PssLevel, Severity};

use super::format::{plural, quote_list, sorted_set};
use super::{pod_violation, text};
use crate::{Check, CheckResult, Control, PssCheck, PssVersion};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "restricted-volume-types",
        title: "Pod uses a volume type outside the restricted set",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: Some(PssCheck {
        upstream_id: "restrictedVolumes",
        level: PssLevel::Restricted,
        since: 0,
        overrides: Some("hostPathVolumes"),
    }),
    params: &[],
    check: Check::Pod(check),
};

/// Volume sources the restricted level allows.
const ALLOWED: [&str; 9] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// Other sources, in the order upstream names the first one found.
const RESTRICTED: [&str; 21] = [
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
];

const DOCS: &str = r#"## What it does
Flags volumes that use none of the sources the restricted level allows: `configMap`, `csi`, `downwardAPI`, `emptyDir`, `ephemeral`, `image`, `persistentVolumeClaim`, `projected`, `secret`. The message names the volume's type (`hostPath`, `nfs`, `gitRepo`...), or `unknown` for a source Palisade does not know. A volume with only a `name` is allowed: the API server defaults it to `emptyDir` before admission.

## Why is this bad?
Other volume types mount node paths or talk to storage back ends directly from the node with the node's credentials (`hostPath`, `nfs`, `iscsi`, `rbd`...), or run code on the node (`gitRepo`, `flexVolume`). Persistent storage belongs behind a PersistentVolumeClaim, where the cluster administrator controls it.

## How to fix
Use a PersistentVolumeClaim (or a CSI ephemeral volume) instead of the in-line volume source.

## Example
```yaml
volumes:
- name: data
  nfs:
    server: nfs.example.com
    path: /exports/data
```
Use instead:
```yaml
volumes:
- name: data
  persistentVolumeClaim:
    claimName: data
```

## References
- CWE-668: Exposure of Resource to Wrong Sphere
"#;

fn check(pod: &PodSpec<'_>, _version: PssVersion) -> Option<CheckResult> {
    const REASON: &str = "restricted volume types";
    let volumes = pod.spec.get("volumes")?;
    let path = pod.path.key("volumes");
    let mut names = Vec::new();
    let mut labels = Vec::new();
    let mut violations = Vec::new();
    for (i, volume) in volumes.items().iter().enumerate() {
        if ALLOWED.iter().any(|source| volume.get(source).is_some()) {
            continue;
        }
        // The API server defaults a volume with no source at all to
        // `emptyDir: {}` (`SetDefaults_Volume`) before admission, so Pod
        // Security Admission never sees it sourceless: allowed. A source
        // Palisade does not know is still `unknown`.
        if volume.entries().iter().all(|e| e.key == "name") {
            continue;
        }
        let label = RESTRICTED
            .iter()
            .find(|source| volume.get(source).is_some())
            .copied()
            .unwrap_or("unknown");
        let name = volume.get("name").map(text).unwrap_or_default();
        let field = if label == "unknown" {
            path.index(i)
        } else {
            path.index(i).key(label)
        };
        let detail = format!(
            "volume {} uses restricted volume type {}",
            quote_list(&[&name]),
            quote_list(&[label])
        );
        violations.push(pod_violation(field, REASON, &detail));
        names.push(name);
        labels.push(label);
    }
    CheckResult::from_violations(REASON, violations, || {
        let labels = sorted_set(&labels);
        format!(
            "{} {} {} {} {}",
            plural("volume", "volumes", names.len()),
            quote_list(&names),
            plural("uses", "use", names.len()),
            plural(
                "restricted volume type",
                "restricted volume types",
                labels.len()
            ),
            quote_list(&labels)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::verdict;

    #[test]
    fn matches_upstream() {
        let body = "spec:\n  containers: [{name: a}]\n  volumes:\n  - {name: h, hostPath: {path: /}}\n  - {name: ok, emptyDir: {}}\n  - {name: nf, nfs: {server: x, path: /}}\n  - {name: u, someFutureSource: {}}\n  - {name: defaulted}\n  - {name: img, image: {reference: x}}\n";
        assert_eq!(
            verdict(&CONTROL, body, "latest"),
            r#"restricted volume types (volumes "h", "nf", "u" use restricted volume types "hostPath", "nfs", "unknown")"#
        );
        assert_eq!(
            verdict(
                &CONTROL,
                "spec:\n  volumes: [{name: h, hostPath: {path: /}}]\n",
                "v1.0"
            ),
            r#"restricted volume types (volume "h" uses restricted volume type "hostPath")"#
        );
    }
}
