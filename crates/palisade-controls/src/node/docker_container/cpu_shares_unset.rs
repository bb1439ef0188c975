//! A container's CPU priority is not set.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::fail;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-cpu-shares-unset",
        title: "A container's CPU priority is not set",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Flags a container with neither CPU shares (`--cpu-shares`, `CpuShares`) nor a CPU limit (`--cpus`, `NanoCpus`; `--cpu-quota`, `CpuQuota`). docker-bench flags the same, except that it does not count `CpuQuota`. Each running container of the host is judged on the state dockerd keeps of it under its data root (`containers/<id>/hostconfig.json` and `config.v2.json`), and the finding points at the value in that file.

## Why is this bad?
Without shares or a limit, a busy container competes for CPU on equal terms with the host's own services and more important containers.

## How to fix
Set a priority or a limit:
```
docker run --cpu-shares 512 ...
docker run --cpus 1.5 ...
```

## Example
```
docker run nginx
```
Use instead:
```
docker run --cpu-shares 512 nginx
```

## References
- Docker run reference: https://docs.docker.com/reference/cli/docker/container/run/
"#;

fn check(container: &DockerContainer, _: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    let set = |key: &str| {
        container
            .host(key)
            .and_then(|f| f.node.as_i64())
            .is_some_and(|v| v > 0)
    };
    if set("CpuShares") || set("NanoCpus") || set("CpuQuota") {
        return Vec::new();
    }
    let origin = container
        .host("CpuShares")
        .map_or_else(|| container.host_config_origin("CpuShares"), |f| f.origin());
    vec![fail(
        "CpuShares",
        "the container has neither CPU shares nor a CPU limit (CpuShares, NanoCpus and CpuQuota 0)"
            .to_owned(),
        origin,
    )]
}
