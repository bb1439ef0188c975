//! Images referenced by a tag instead of an immutable digest.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, Severity};

use super::image::Image;
use super::{container_violation, describe};
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "image-not-pinned-by-digest",
        title: "Image is not pinned by digest",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Workload(check),
};

const DOCS: &str = r#"## What it does
Flags containers (init, regular and ephemeral) whose image reference carries no digest (`@sha256:...`, or any other `@algorithm:hex` digest). A reference with both a tag and a digest (`app:1.4.2@sha256:...`) is pinned: the runtime pulls by digest. Not flagged: a container without `image` (controllers and admission webhooks may fill it in) and a malformed reference (`image-registry-not-allowed` reports those when it is configured).

## Why is this bad?
Tags are mutable: whoever can push to the repository can move `1.4.2` to different content, so the same manifest can run different code on different nodes or after a reschedule, and a compromised registry account silently changes what runs. A digest names exactly the reviewed, scanned and signed content.

## How to fix
Resolve the tag to its digest at release time (`crane digest`, `docker buildx imagetools inspect`, or your CI's image build output) and reference `name@sha256:...`, optionally keeping the tag for readability (`name:tag@sha256:...`). Let a bot such as Renovate update the digest.

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
  image: registry.example.com/app:1.4.2@sha256:2c2a3f9e0f3a0c4e1d5b8a7f6e9d0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d
```

## References
- Kubernetes docs, "Images", image names and digests
"#;

fn check(pod: &PodSpec<'_>, _: &Params) -> Vec<Violation> {
    let mut violations = Vec::new();
    for container in &pod.containers {
        let Some(image) = Image::of(container) else {
            continue;
        };
        if image
            .reference
            .as_ref()
            .is_none_or(|r| r.digest().is_some())
        {
            continue;
        }
        violations.push(container_violation(
            container,
            &["image"],
            format!(
                "{} uses image \"{}\", which is not pinned by digest (@sha256:...)",
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
    fn flags_images_without_a_digest() {
        let spec = "  initContainers:\n  - {name: i, image: 'busybox:1.36'}\n  containers:\n  - {name: a, image: 'nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'}\n  - {name: b, image: 'nginx:1.27@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'}\n  - {name: c, image: 'localhost:5000/app'}\n  - {name: d}\n  - {name: e, image: 'NOT VALID'}\n  ephemeralContainers:\n  - {name: debug, image: 'busybox:1.36'}\n";
        assert_eq!(
            messages(&CONTROL, spec),
            [
                r#"spec.initContainers[0].image: init container "i" uses image "busybox:1.36", which is not pinned by digest (@sha256:...)"#,
                r#"spec.containers[2].image: container "c" uses image "localhost:5000/app", which is not pinned by digest (@sha256:...)"#,
                r#"spec.ephemeralContainers[0].image: ephemeral container "debug" uses image "busybox:1.36", which is not pinned by digest (@sha256:...)"#,
            ]
        );
    }
}
