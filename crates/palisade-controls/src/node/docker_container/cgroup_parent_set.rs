//! A container runs under a cgroup parent of its own.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::host_value;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-cgroup-parent-set",
        title: "A container runs under a cgroup parent of its own",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Flags a container started with `--cgroup-parent` (`CgroupParent` set), for a person to confirm that the cgroup's limits are meant. Each running container of the host is judged on the state dockerd keeps of it under its data root (`containers/<id>/hostconfig.json` and `config.v2.json`), and the finding points at the value in that file.

## Why is this bad?
Under its own cgroup parent a container escapes the limits and accounting dockerd sets for containers, and may share them with whatever else runs there.

## How to fix
Remove `--cgroup-parent` unless the cgroup is meant (then waive this with the reason):
```
docker run nginx
```

## Example
```
docker run --cgroup-parent /system.slice nginx
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
        "CgroupParent",
        |v| {
            v.as_str()
                .filter(|p| !p.is_empty())
                .map(|p| format!("the container runs under the cgroup parent {p}"))
        },
        || None,
    )
}
