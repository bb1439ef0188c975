//! The image has no health check.

use palisade_load::image::Image;
use palisade_model::{ControlMeta, Severity};

use super::config_field;
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "image-healthcheck-missing",
        title: "Image has no health check",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Image(check),
};

const DOCS: &str = r#"## What it does
Flags a container image whose config has no `Healthcheck` (no `HEALTHCHECK` in its Dockerfile nor in its base image's), or one that disables it (`HEALTHCHECK NONE`, stored as `Test: ["NONE"]`).

Kubernetes ignores an image's health check and uses the pod's probes instead (see `liveness-probe-missing` and `readiness-probe-missing`): take an exception for images that only run on Kubernetes.

## Why is this bad?
Without a health check, Docker, Swarm and Compose consider a container healthy as long as its process runs, so a hung server keeps receiving traffic and is never restarted.

## How to fix
Add a `HEALTHCHECK` to the Dockerfile that exercises the service (an HTTP request to a health endpoint, a client command) and rebuild.

## Example
```json
{"config": {"Cmd": ["/app"]}}
```
Use instead:
```json
{"config": {"Cmd": ["/app"], "Healthcheck": {"Test": ["CMD", "/app", "healthcheck"], "Interval": 30000000000}}}
```

## References
- Docker docs, Dockerfile reference, HEALTHCHECK: https://docs.docker.com/reference/dockerfile/#healthcheck
"#;

fn check(image: &Image, _: &Params) -> Vec<Violation> {
    let message = match &image.config.healthcheck {
        None => "the image has no HEALTHCHECK",
        Some(h) if h.is_disabled() => "the image disables its health check (HEALTHCHECK NONE)",
        Some(_) => return Vec::new(),
    };
    vec![Violation {
        container: None,
        path: config_field("Healthcheck"),
        message: message.to_owned(),
    }]
}

#[cfg(test)]
mod tests {
    use palisade_load::image::{Healthcheck, ImageConfig};

    use super::CONTROL;
    use crate::testing::{image, messages};

    fn with(healthcheck: Option<&[&str]>) -> Vec<String> {
        messages(
            &CONTROL,
            &image(ImageConfig {
                healthcheck: healthcheck.map(|test| Healthcheck {
                    test: test.iter().map(|t| (*t).to_owned()).collect(),
                }),
                ..ImageConfig::default()
            }),
        )
    }

    #[test]
    fn missing_or_disabled() {
        assert_eq!(
            with(None),
            ["config.Healthcheck: the image has no HEALTHCHECK"]
        );
        assert_eq!(
            with(Some(&["NONE"])),
            ["config.Healthcheck: the image disables its health check (HEALTHCHECK NONE)"]
        );
        assert!(with(Some(&["CMD-SHELL", "curl -f http://localhost/ || exit 1"])).is_empty());
    }
}
