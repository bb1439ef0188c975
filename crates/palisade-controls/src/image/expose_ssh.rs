//! The image exposes the SSH port.

use palisade_load::image::Image;
use palisade_model::{ControlMeta, Severity};

use super::config_field;
use crate::{Check, Control, Params, Violation};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "image-expose-ssh",
        title: "Image exposes the SSH port (22/tcp)",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Image(check),
};

const DOCS: &str = r#"## What it does
Flags a container image whose config exposes port 22/tcp (`ExposedPorts`, set by `EXPOSE 22` in the Dockerfile or inherited from the base image): the image is meant to run an SSH server.

## Why is this bad?
An SSH daemon in a container is one more service to patch, one more set of credentials (often baked into the image) and a way around the platform's access control and audit: `kubectl exec` and `docker exec` already give an audited shell when one is needed. It also usually means the container runs several processes under a supervisor, as root.

## How to fix
Remove the SSH server and the `EXPOSE 22` from the image, and use `kubectl exec` or `docker exec` (or an ephemeral debug container) to get a shell.

## Example
```json
{"config": {"ExposedPorts": {"22/tcp": {}, "8080/tcp": {}}}}
```
Use instead:
```json
{"config": {"ExposedPorts": {"8080/tcp": {}}}}
```

## References
- OCI image spec, config `ExposedPorts`: https://github.com/opencontainers/image-spec/blob/main/config.md
"#;

fn check(image: &Image, _: &Params) -> Vec<Violation> {
    image
        .config
        .exposed_ports
        .iter()
        .filter(|p| p.as_str() == "22/tcp")
        .map(|port| Violation {
            container: None,
            path: config_field("ExposedPorts").key(port),
            message: "the image exposes port 22/tcp (SSH); do not run an SSH server in a container"
                .to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use palisade_load::image::ImageConfig;

    use super::CONTROL;
    use crate::testing::{image, messages};

    fn ports(ports: &[&str]) -> Vec<String> {
        messages(
            &CONTROL,
            &image(ImageConfig {
                exposed_ports: ports.iter().map(|p| (*p).to_owned()).collect(),
                ..ImageConfig::default()
            }),
        )
    }

    #[test]
    fn flags_port_22_over_tcp() {
        assert_eq!(
            ports(&["22/tcp", "8080/tcp"]),
            [
                r#"config.ExposedPorts["22/tcp"]: the image exposes port 22/tcp (SSH); do not run an SSH server in a container"#
            ]
        );
        assert!(ports(&["22/udp", "2222/tcp", "8080/tcp"]).is_empty());
        assert!(ports(&[]).is_empty());
    }
}
