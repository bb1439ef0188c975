//! Pods whose containers run an image whose digest is not on the approved
//! list: drift between what was approved and what runs.

use palisade_load::KubeObject;
use palisade_model::{ControlMeta, FieldPath, Node, Severity};

use super::digest_not_allowed::{ALLOWED_DIGESTS, allowed};
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "running-image-digest-not-allowed",
        title: "A running container's image digest is not on the approved list",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[ALLOWED_DIGESTS],
    check: Check::Object(check),
};

const DOCS: &str = r#"## What it does
Reads what the kubelet reports a Pod's containers run, `status.containerStatuses[].imageID` (and those of init and ephemeral containers), in Pods as the API returns them (`kubectl get pods -A -o yaml | palisade scan -`, a dump of the cluster), and compares each digest with the approved list of `--allowed-digests FILE` or `allowed-digests:` in `palisade.yaml`, the same list `image-digest-not-allowed` checks images and manifests against. It does nothing until a list is given, or for Pods without a status (manifests).

Every form the container runtimes write is read: containerd and CRI-O give `registry/repo@sha256:<digest>`, cri-dockerd gives `docker-pullable://repo@sha256:<digest>`, and `docker://sha256:<id>` for an image that was never pulled from a registry (built on the node, loaded from a tar), which has no registry digest and is reported as such. A runtime reports the digest the image was pulled by: the image index's for a multi-platform tag, the platform manifest's for a reference pinned to it; approve the one your deployments pull by.

## Why is this bad?
What is declared is not always what runs: a tag moved between the admission and the pull, an image pulled by a node from a mirror, a Pod created before the policy existed, or an image loaded onto a node by hand. The digest the kubelet reports is the one that runs.

## How to fix
Find out where the image came from, and redeploy the workload pinned by an approved digest (`image: repo@sha256:...`). If the image is legitimate, add its digest to the list through the release process.

## Example
```yaml
status:
  containerStatuses:
  - name: app
    image: registry.example.com/app:1.4.2
    imageID: registry.example.com/app@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
```
Use instead: the digest on the approved list
```yaml
    imageID: registry.example.com/app@sha256:2c2a3f9e0f3a0c4e1d5b8a7f6e9d0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d
```

## References
- Kubernetes API, ContainerStatus `imageID`
- cri-dockerd and containerd CRI `ImageRef` (the value the kubelet reports)
"#;

/// The statuses of each kind of container, with how messages name them.
const STATUSES: &[(&str, &str)] = &[
    ("initContainerStatuses", "init container"),
    ("containerStatuses", "container"),
    ("ephemeralContainerStatuses", "ephemeral container"),
];

/// The registry digest in an `imageID`, if it has one: `sha256:<hex>`.
pub(crate) fn image_id_digest(image_id: &str) -> Option<String> {
    let id = image_id.trim();
    let (_, rest) = id.rsplit_once('@')?;
    let digest = rest.to_ascii_lowercase();
    digest.starts_with("sha256:").then_some(digest)
}

fn check(object: &KubeObject<'_>, params: &Params) -> Vec<Violation> {
    if object.kind() != "Pod" {
        return Vec::new();
    }
    let allowed = allowed(params);
    let Some(status) = object.node.get("status") else {
        return Vec::new();
    };
    if allowed.is_empty() {
        return Vec::new();
    }
    let mut violations = Vec::new();
    for (key, what) in STATUSES {
        for (i, container) in status
            .get(key)
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let Some(image_id) = container.get("imageID").and_then(Node::as_str) else {
                continue;
            };
            if image_id.is_empty() {
                // Not pulled yet (ContainerCreating): nothing runs.
                continue;
            }
            let name = container.get("name").and_then(Node::as_str).unwrap_or("?");
            let problem = match image_id_digest(image_id) {
                Some(digest) if allowed.contains(&digest) => continue,
                Some(_) => "whose digest is not on the allowed digests list",
                None => {
                    "an image with no registry digest (built or loaded on the node), which cannot be verified against the allowed digests"
                }
            };
            violations.push(Violation {
                container: Some(name.to_owned()),
                path: FieldPath::root()
                    .keys(&["status", key])
                    .index(i)
                    .key("imageID"),
                message: format!("{what} \"{name}\" runs {image_id}, {problem}"),
            });
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Sample;

    const ALLOWED: &str = "sha256:2c2a3f9e0f3a0c4e1d5b8a7f6e9d0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d";

    fn pod(statuses: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers: [{{name: app, image: app}}]\nstatus:\n{statuses}"
        )
    }

    fn violations(text: &str) -> Vec<String> {
        let mut params = Params::defaults(&CONTROL);
        params
            .set(&CONTROL, ALLOWED_DIGESTS.name, vec![ALLOWED.to_owned()])
            .unwrap();
        text.violations(&CONTROL, &params)
    }

    #[test]
    fn each_runtime_s_form_is_read() {
        let text = pod(&format!(
            "  containerStatuses:\n  - {{name: containerd, imageID: 'docker.io/library/app@{ALLOWED}'}}\n  - {{name: cri-o, imageID: 'quay.io/app@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'}}\n  - {{name: cri-dockerd, imageID: 'docker-pullable://app@SHA256:{}'}}\n  - {{name: local, imageID: 'docker://sha256:1111111111111111111111111111111111111111111111111111111111111111'}}\n  - {{name: creating, imageID: ''}}\n  initContainerStatuses:\n  - {{name: setup, imageID: 'registry.example.com/setup@sha256:abab'}}\n",
            &ALLOWED[7..].to_ascii_uppercase()
        ));
        assert_eq!(
            violations(&text),
            [
                "status.initContainerStatuses[0].imageID: init container \"setup\" runs registry.example.com/setup@sha256:abab, whose digest is not on the allowed digests list",
                "status.containerStatuses[1].imageID: container \"cri-o\" runs quay.io/app@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, whose digest is not on the allowed digests list",
                "status.containerStatuses[3].imageID: container \"local\" runs docker://sha256:1111111111111111111111111111111111111111111111111111111111111111, an image with no registry digest (built or loaded on the node), which cannot be verified against the allowed digests",
            ]
        );
    }

    #[test]
    fn nothing_without_a_list_or_a_status() {
        let text = pod("  containerStatuses:\n  - {name: app, imageID: 'app@sha256:abab'}\n");
        assert!(
            text.as_str()
                .violations(&CONTROL, &Params::defaults(&CONTROL))
                .is_empty()
        );
        let manifest = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: app, image: app}]\n";
        assert!(violations(manifest).is_empty());
    }
}
