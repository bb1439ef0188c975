//! Containers whose image pull policy is not `Always`.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, Node, Severity};

use super::image::Image;
use super::{container_violation, describe};
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "image-pull-policy-not-always",
        title: "Image pull policy is not Always",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Workload(check),
};

const DOCS: &str = r#"## What it does
Flags containers (init, regular and ephemeral) whose `imagePullPolicy` is not `Always`: `IfNotPresent`, `Never`, or missing. A missing policy is flagged even when Kubernetes would default it to `Always`, which it does only for an image with the `latest` tag or with neither tag nor digest: the default then depends on the tag, and the next edit that pins a version silently turns it into `IfNotPresent`.

## Why is this bad?
With `IfNotPresent` or `Never`, the kubelet starts whatever image is cached on the node under that name. Any pod scheduled there can then run a private image without having credentials to pull it (the reason for the `AlwaysPullImages` admission plugin), and a mutable tag keeps running the content it had when it was first pulled. `Always` makes the kubelet resolve the reference against the registry, with the pod's own pull credentials, on every container start; layers already on the node are not downloaded again.

## How to fix
Set `imagePullPolicy: Always` on every container. Pulling then needs the registry to be reachable when containers start; mirror critical images to a highly available registry.

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
  imagePullPolicy: Always
```

## References
- Kubernetes docs, "Images", image pull policy and its defaulting
- Kubernetes docs, "Admission Control in Kubernetes", AlwaysPullImages
"#;

fn check(pod: &PodSpec<'_>, _: &Params) -> Vec<Violation> {
    let mut violations = Vec::new();
    for container in &pod.containers {
        let who = describe(container);
        let message = match container.node.get("imagePullPolicy").map(Node::scalar_text) {
            Some(policy) if policy == "Always" => continue,
            Some(policy) => format!("{who} sets imagePullPolicy to {policy}; set it to Always"),
            None => match Image::of(container) {
                Some(image) if defaults_to_always(&image) => format!(
                    "{who} does not set imagePullPolicy; it defaults to Always only while image \"{}\" has the latest tag or none, so set it to Always",
                    image.text
                ),
                Some(image) => format!(
                    "{who} does not set imagePullPolicy, so image \"{}\" is pulled only when not cached on the node (IfNotPresent); set it to Always",
                    image.text
                ),
                None => format!("{who} does not set imagePullPolicy; set it to Always"),
            },
        };
        violations.push(container_violation(
            container,
            &["imagePullPolicy"],
            message,
        ));
    }
    violations
}

/// Kubernetes' defaulting: `Always` when the tag is `latest`, which is also
/// the tag of a reference with neither tag nor digest.
fn defaults_to_always(image: &Image<'_>) -> bool {
    image.reference.as_ref().is_some_and(|r| {
        if image.explicit_tag {
            r.tag() == Some("latest")
        } else {
            r.digest().is_none()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn flags_every_policy_but_always() {
        let spec = "  initContainers:\n  - {name: i, image: 'busybox:1.36', imagePullPolicy: IfNotPresent}\n  containers:\n  - {name: a, image: 'nginx:1.27', imagePullPolicy: Always}\n  - {name: b, image: 'nginx:1.27'}\n  - {name: c, image: nginx}\n  - {name: d, image: 'nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'}\n  - {name: e, image: 'nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'}\n  - {name: f, imagePullPolicy: Never}\n  - {name: g}\n";
        assert_eq!(
            messages(&CONTROL, spec),
            [
                r#"spec.initContainers[0].imagePullPolicy: init container "i" sets imagePullPolicy to IfNotPresent; set it to Always"#,
                r#"spec.containers[1].imagePullPolicy: container "b" does not set imagePullPolicy, so image "nginx:1.27" is pulled only when not cached on the node (IfNotPresent); set it to Always"#,
                r#"spec.containers[2].imagePullPolicy: container "c" does not set imagePullPolicy; it defaults to Always only while image "nginx" has the latest tag or none, so set it to Always"#,
                r#"spec.containers[3].imagePullPolicy: container "d" does not set imagePullPolicy; it defaults to Always only while image "nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" has the latest tag or none, so set it to Always"#,
                r#"spec.containers[4].imagePullPolicy: container "e" does not set imagePullPolicy, so image "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" is pulled only when not cached on the node (IfNotPresent); set it to Always"#,
                r#"spec.containers[5].imagePullPolicy: container "f" sets imagePullPolicy to Never; set it to Always"#,
                r#"spec.containers[6].imagePullPolicy: container "g" does not set imagePullPolicy; set it to Always"#,
            ]
        );
    }
}
