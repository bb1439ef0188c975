//! Base images pulled from a registry outside the configured allow-list.

use palisade_load::dockerfile::Dockerfile;
use palisade_model::{ControlMeta, Severity};

use super::at;
use super::base_image::base_images;
use crate::workload::image_registry_not_allowed::{ALLOWED_REGISTRIES, is_allowed};
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "dockerfile-base-image-registry-not-allowed",
        title: "Base image comes from a registry outside the allowed list",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[ALLOWED_REGISTRIES],
    check: Check::Dockerfile(check),
};

const DOCS: &str = r#"## What it does
Flags `FROM` instructions (in every stage: a build stage's tools end up in the image's binaries) whose base image is not pulled from one of the registries in the `allowed-registries` parameter, with the same matching as `image-registry-not-allowed`: names are normalised as Docker does (`debian` is `docker.io/library/debian`) and must equal an allowed prefix or continue it after a `/`. Global `ARG`s are substituted first. A malformed reference is reported too, since nobody can tell where it comes from. The control does nothing until the parameter is set in `palisade.yaml`.

Not flagged: `FROM scratch`; `FROM <earlier stage>`; and a base image whose registry or repository depends on a build argument without a value (`FROM ${REGISTRY}/app:1.0`), which is only known at build time (enforce the registry where the build runs, or give the argument an allowed default).

## Why is this bad?
A base image is code that runs in every container built on it. An organisation can only vouch for base images that went through its own scanning and approval and sit in registries it controls; one pulled from a public registry can be replaced upstream, typo-squatted or withdrawn, and bypasses the supply-chain checks.

## How to fix
Mirror or rebuild the base image into an approved registry and build `FROM` there; or, if the registry is trusted, add it to `allowed-registries`.

## Example
```dockerfile
# palisade.yaml: controls: {dockerfile-base-image-registry-not-allowed: {params: {allowed-registries: [registry.example.com]}}}
FROM python:3.12-slim
```
Use instead:
```dockerfile
FROM registry.example.com/mirror/python:3.12-slim
```

## References
- Dockerfile reference, FROM: https://docs.docker.com/reference/dockerfile/#from
"#;

fn check(dockerfile: &Dockerfile, params: &Params) -> Vec<Violation> {
    let allowed = params.list(ALLOWED_REGISTRIES.name);
    if allowed.is_empty() {
        return Vec::new();
    }
    let mut violations = Vec::new();
    for base in base_images(dockerfile) {
        if !base.name_known() {
            continue;
        }
        let message = match base.image().name() {
            Some(name) if is_allowed(&name, allowed) => continue,
            Some(name) => format!(
                "FROM {} pulls from {name}, outside the allowed registries ({})",
                base.describe(),
                allowed.join(", ")
            ),
            None if base.resolved() => {
                format!("FROM {} is not a valid image reference", base.describe())
            }
            None => continue,
        };
        violations.push(at(base.index, message));
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::CONTROL;
    use crate::Params;
    use crate::testing::{messages, messages_with};

    const TEXT: &str = "ARG MIRROR=ghcr.io/acme\nARG REGISTRY\nFROM debian:12 AS a\nFROM ${MIRROR}/python:3.12\nFROM ghcr.io/acmecorp/app:1\nFROM ${REGISTRY}/app:1.0\nFROM ghcr.io/acme/app:${TAG}\nFROM Not/Valid\nFROM a\n";

    #[test]
    fn allows_everything_until_configured() {
        assert!(messages(&CONTROL, TEXT).is_empty());
    }

    #[test]
    fn flags_base_images_outside_the_prefixes() {
        let mut params = Params::defaults(&CONTROL);
        params
            .set(&CONTROL, "allowed-registries", vec!["ghcr.io/acme".into()])
            .unwrap();
        assert_eq!(
            messages_with(&CONTROL, &params, TEXT),
            [
                r#"3: FROM "debian:12" pulls from docker.io/library/debian, outside the allowed registries (ghcr.io/acme)"#,
                r#"5: FROM "ghcr.io/acmecorp/app:1" pulls from ghcr.io/acmecorp/app, outside the allowed registries (ghcr.io/acme)"#,
                r#"8: FROM "Not/Valid" is not a valid image reference"#,
            ]
        );
    }
}
