//! A container's memory is not limited.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::host_value;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-memory-unlimited",
        title: "A container's memory is not limited",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Flags a container without a memory limit (`--memory`, `Memory` 0). Each running container of the host is judged on the state dockerd keeps of it under its data root (`containers/<id>/hostconfig.json` and `config.v2.json`), and the finding points at the value in that file.

## Why is this bad?
A container without a limit can take the host's memory until the kernel's OOM killer ends processes of other containers or of the host itself.

## How to fix
Start it with a limit:
```
docker run --memory 256m ...
```

## Example
```
docker run nginx
```
Use instead:
```
docker run --memory 256m nginx
```

## References
- Docker run reference: https://docs.docker.com/reference/cli/docker/container/run/
"#;

fn check(container: &DockerContainer, _: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    host_value(
        container,
        "Memory",
        |v| {
            (v.as_i64().unwrap_or(0) <= 0)
                .then(|| "the container's memory is not limited (Memory 0)".to_owned())
        },
        || Some("the container's memory is not limited (no Memory)".to_owned()),
    )
}
