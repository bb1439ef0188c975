//! A container's number of processes is not limited.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::host_value;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-pids-unlimited",
        title: "A container's number of processes is not limited",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Flags a container without a PIDs limit (`--pids-limit`, `PidsLimit` absent, 0 or -1). Each running container of the host is judged on the state dockerd keeps of it under its data root (`containers/<id>/hostconfig.json` and `config.v2.json`), and the finding points at the value in that file.

## Why is this bad?
A fork bomb in a container without a PIDs limit exhausts the host's process table and stops everything else on it.

## How to fix
Start it with a limit:
```
docker run --pids-limit 200 ...
```

## Example
```
docker run nginx
```
Use instead:
```
docker run --pids-limit 200 nginx
```

## References
- Docker run reference: https://docs.docker.com/reference/cli/docker/container/run/
"#;

fn check(container: &DockerContainer, _: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    host_value(
        container,
        "PidsLimit",
        |v| {
            (v.as_i64().unwrap_or(0) <= 0).then(|| {
                format!(
                    "the container's number of processes is not limited (PidsLimit {})",
                    v.scalar_text()
                )
            })
        },
        || Some("the container's number of processes is not limited (no PidsLimit)".to_owned()),
    )
}
