//! A container runs privileged.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::host_value;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-privileged",
        title: "A container runs privileged",
        severity: Severity::Critical,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Flags a container started with `--privileged` (`Privileged` true). Each running container of the host is judged on the state dockerd keeps of it under its data root (`containers/<id>/hostconfig.json` and `config.v2.json`), and the finding points at the value in that file.

## Why is this bad?
A privileged container has every capability, every host device and no seccomp, AppArmor or SELinux confinement: it is root on the host.

## How to fix
Run it without `--privileged`, adding only the capabilities and devices it needs.

## Example
```
docker run --privileged nginx
```
Use instead:
```
docker run nginx
```

## References
- Docker run reference: https://docs.docker.com/reference/cli/docker/container/run/
"#;

fn check(container: &DockerContainer, _: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    host_value(
        container,
        "Privileged",
        |v| {
            (v.as_bool() == Some(true)).then(|| "the container runs privileged: every capability and device of the host, no confinement".to_owned())
        },
        || None,
    )
}
