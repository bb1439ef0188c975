//! Images pulled from a registry outside the configured allow-list.

use palisade_load::PodSpec;
use palisade_model::{ControlMeta, Severity};

use super::image::Image;
use super::{container_violation, describe};
use crate::{Check, Control, Param, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "image-registry-not-allowed",
        title: "Image comes from a registry outside the allowed list",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[ALLOWED_REGISTRIES],
    check: Check::Workload(check),
};

/// The allow-list, shared with `dockerfile-base-image-registry-not-allowed`.
pub(crate) const ALLOWED_REGISTRIES: Param = Param {
    name: "allowed-registries",
    doc: "Registry prefixes images may come from (`ghcr.io/acme`, `registry.example.com`); an image is allowed when its normalised name (`docker.io/library/nginx` for `nginx`) equals a prefix or continues it after a `/`. Empty allows every registry.",
    default: &[],
};

const DOCS: &str = r#"## What it does
Flags containers whose image is not pulled from one of the registries in the `allowed-registries` parameter. Image names are normalised first, as the container runtime does: `nginx` is `docker.io/library/nginx`, `bitnami/redis` is `docker.io/bitnami/redis`. A malformed image reference is reported too, since nobody can tell where it comes from. The control does nothing until the parameter is set in `palisade.yaml`.

## Why is this bad?
An organisation can only vouch for images that went through its own build, scanning and signing pipeline and sit in registries it controls. An image from a public registry can be replaced upstream, typo-squatted or withdrawn, and bypasses the checks the supply chain is meant to enforce.

## How to fix
Mirror or rebuild the image into an approved registry and reference it from there; or, if the registry is trusted, add it to `allowed-registries`.

## Example
```yaml
# palisade.yaml
controls:
  image-registry-not-allowed:
    params:
      allowed-registries: [registry.example.com, ghcr.io/acme]
---
containers:
- name: app
  image: nginx:1.27
```
Use instead:
```yaml
containers:
- name: app
  image: registry.example.com/mirror/nginx:1.27
```

## References
- Kubernetes docs, "Images", image names: https://kubernetes.io/docs/concepts/containers/images/#image-names
"#;

fn check(pod: &PodSpec<'_>, params: &Params) -> Vec<Violation> {
    let allowed = params.list("allowed-registries");
    if allowed.is_empty() {
        return Vec::new();
    }
    let mut violations = Vec::new();
    for container in &pod.containers {
        let Some(image) = Image::of(container) else {
            continue;
        };
        let message = match image.name() {
            Some(name) if is_allowed(&name, allowed) => continue,
            Some(name) => format!(
                "{} uses image \"{}\" from {name}, outside the allowed registries ({})",
                describe(container),
                image.text,
                allowed.join(", ")
            ),
            None => format!(
                "{} uses image \"{}\", which is not a valid image reference",
                describe(container),
                image.text
            ),
        };
        violations.push(container_violation(container, &["image"], message));
    }
    violations
}

/// `docker.io/library/nginx` is allowed by `docker.io`, `docker.io/library`
/// and `docker.io/library/nginx`, not by `docker.io/lib`.
pub(crate) fn is_allowed(name: &str, allowed: &[String]) -> bool {
    allowed.iter().any(|prefix| {
        let prefix = prefix.trim_end_matches('/');
        name == prefix
            || name
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::Params;
    use crate::testing::{messages, messages_with};

    const SPEC: &str = "  containers:\n  - {name: a, image: nginx}\n  - {name: b, image: 'ghcr.io/acme/app:1'}\n  - {name: c, image: 'ghcr.io/acmecorp/app:1'}\n  - {name: d, image: 'NOT VALID'}\n";

    #[test]
    fn allows_everything_until_configured() {
        assert!(messages(&CONTROL, SPEC).is_empty());
    }

    #[test]
    fn flags_images_outside_the_prefixes() {
        let mut params = Params::defaults(&CONTROL);
        params
            .set(&CONTROL, "allowed-registries", vec!["ghcr.io/acme/".into()])
            .unwrap();
        assert_eq!(
            messages_with(&CONTROL, &params, SPEC),
            [
                r#"spec.containers[0].image: container "a" uses image "nginx" from docker.io/library/nginx, outside the allowed registries (ghcr.io/acme/)"#,
                r#"spec.containers[2].image: container "c" uses image "ghcr.io/acmecorp/app:1" from ghcr.io/acmecorp/app, outside the allowed registries (ghcr.io/acme/)"#,
                r#"spec.containers[3].image: container "d" uses image "NOT VALID", which is not a valid image reference"#,
            ]
        );
    }
}
