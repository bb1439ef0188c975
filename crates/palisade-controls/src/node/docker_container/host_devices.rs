//! A container is given host devices.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::fail;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-host-devices",
        title: "A container is given host devices",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Flags each host device passed to a container (`--device`, `Devices`), with the permissions it was given. Each running container of the host is judged on the state dockerd keeps of it under its data root (`containers/<id>/hostconfig.json` and `config.v2.json`), and the finding points at the value in that file.

## Why is this bad?
A device node gives the container the kernel driver behind it: a disk can be read and written below every file permission, and some drivers are a way into the kernel.

## How to fix
Pass only the devices the container needs, with the least permissions (`r` rather than `rwm`):
```
docker run --device /dev/video0:/dev/video0:r ...
```

## Example
```
docker run --device /dev/sda nginx
```
Use instead:
```
docker run nginx
```

## References
- Docker run reference: https://docs.docker.com/reference/cli/docker/container/run/
"#;

fn check(container: &DockerContainer, _: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    let Some(field) = container.host("Devices") else {
        return Vec::new();
    };
    field
        .node
        .items()
        .iter()
        .enumerate()
        .map(|(i, device)| {
            let text = |key: &str| {
                device
                    .get(key)
                    .and_then(|n| n.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            fail(
                "Devices",
                format!(
                    "the container is given the host device {} as {} ({})",
                    text("PathOnHost"),
                    text("PathInContainer"),
                    text("CgroupPermissions")
                ),
                field.origin_of(device, &format!("Devices[{i}]")),
            )
        })
        .collect()
}
