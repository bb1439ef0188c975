//! A container is on Docker's default bridge network.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::host_value;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-default-bridge",
        title: "A container is on Docker's default bridge network",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Flags a container on the default bridge network `docker0` (`NetworkMode` `default` or `bridge`). Each running container of the host is judged on the state dockerd keeps of it under its data root (`containers/<id>/hostconfig.json` and `config.v2.json`), and the finding points at the value in that file.

## Why is this bad?
On the default bridge every container can reach every other (unless `icc` is off), with no name resolution between them: a user-defined network isolates each application's containers.

## How to fix
Create a network per application and attach its containers:
```
docker network create web
docker run --network web ...
```

## Example
```
docker run nginx
```
Use instead:
```
docker run --network web nginx
```

## References
- Docker run reference: https://docs.docker.com/reference/cli/docker/container/run/
"#;

fn check(container: &DockerContainer, _: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    host_value(
        container,
        "NetworkMode",
        |v| {
            v.as_str()
                .filter(|m| matches!(*m, "default" | "bridge" | ""))
                .map(|m| {
                    format!(
                        "the container is on Docker's default bridge network (NetworkMode {m:?})"
                    )
                })
        },
        || Some("the container is on Docker's default bridge network (no NetworkMode)".to_owned()),
    )
}
