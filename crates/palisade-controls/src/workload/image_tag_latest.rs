//! Images referenced by the `latest` tag or by no tag at all.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, Severity};

use super::image::Image;
use super::{container_violation, describe};
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "image-tag-latest",
        title: "Image uses the latest tag or no tag",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Workload(check),
};

const DOCS: &str = r#"## What it does
Flags containers whose image is referenced by the `latest` tag, or by no tag (which the runtime reads as `latest`), unless a digest pins it. Init and ephemeral containers are checked too. A container without `image` is not flagged: controllers and admission webhooks may fill it in.

## Why is this bad?
`latest` is a moving pointer: two nodes can run different code under the same manifest, a rollback returns to whatever `latest` is today, and nobody can tell from the manifest which build, with which vulnerabilities, is running. Change control and vulnerability management both need to know exactly what was deployed.

## How to fix
Reference a specific, immutable version tag, or better a digest (`image: registry.example.com/app@sha256:...`), and bump it through the normal review process.

## Example
```yaml
containers:
- name: app
  image: nginx
```
Use instead:
```yaml
containers:
- name: app
  image: nginx:1.27.3
```

## References
- Kubernetes docs, "Configuration Best Practices", container images
"#;

fn check(pod: &PodSpec<'_>, _: &Params) -> Vec<Violation> {
    let mut violations = Vec::new();
    for container in &pod.containers {
        let Some(image) = Image::of(container) else {
            continue;
        };
        let Some(reference) = &image.reference else {
            continue;
        };
        if reference.digest().is_some() {
            continue;
        }
        let problem = if !image.explicit_tag {
            "no tag (so \"latest\")"
        } else if reference.tag() == Some("latest") {
            "the \"latest\" tag"
        } else {
            continue;
        };
        violations.push(container_violation(
            container,
            &["image"],
            format!(
                "{} uses image \"{}\" with {problem}; pin a version or a digest",
                describe(container),
                image.text
            ),
        ));
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::testing::messages;

    #[test]
    fn flags_latest_and_missing_tags_unless_pinned() {
        let spec = "  initContainers:\n  - {name: i, image: busybox}\n  containers:\n  - {name: a, image: 'nginx:latest'}\n  - {name: b, image: 'nginx:1.27'}\n  - {name: c, image: 'localhost:5000/app'}\n  - {name: d, image: 'nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'}\n  - {name: e}\n";
        assert_eq!(
            messages(&CONTROL, spec),
            [
                r#"spec.initContainers[0].image: init container "i" uses image "busybox" with no tag (so "latest"); pin a version or a digest"#,
                r#"spec.containers[0].image: container "a" uses image "nginx:latest" with the "latest" tag; pin a version or a digest"#,
                r#"spec.containers[2].image: container "c" uses image "localhost:5000/app" with no tag (so "latest"); pin a version or a digest"#,
            ]
        );
    }
}
