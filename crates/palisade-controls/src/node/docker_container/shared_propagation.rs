//! A container mount propagates to the host.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::{fail, mounts};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-shared-propagation",
        title: "A container mount propagates to the host",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Flags each mount of a container whose propagation is `shared` or `rshared` (`-v src:dst:shared`, `--mount bind-propagation=shared`), from dockerd's resolved `MountPoints`. Each running container of the host is judged on the state dockerd keeps of it under its data root (`containers/<id>/hostconfig.json` and `config.v2.json`), and the finding points at the value in that file.

## Why is this bad?
With shared propagation, mounts made inside the container appear on the host and the other way round: a container can mount over host paths.

## How to fix
Leave propagation at its default (`rprivate`), or `slave` where the container must see the host's later mounts:
```
docker run -v /srv/data:/data:rslave ...
```

## Example
```
docker run -v /srv/data:/data:shared nginx
```
Use instead:
```
docker run -v /srv/data:/data nginx
```

## References
- Docker run reference: https://docs.docker.com/reference/cli/docker/container/run/
"#;

fn check(container: &DockerContainer, _: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    mounts(container)
        .into_iter()
        .filter(|m| matches!(m.propagation.as_str(), "shared" | "rshared"))
        .map(|m| {
            fail(
                "MountPoints",
                format!(
                    "the container's mount of {} at {} propagates {}",
                    m.source, m.destination, m.propagation
                ),
                m.origin,
            )
        })
        .collect()
}
