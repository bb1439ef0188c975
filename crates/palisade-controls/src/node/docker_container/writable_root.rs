//! A container's root file system is writable.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::host_value;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-writable-root",
        title: "A container's root file system is writable",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Flags a container started without `--read-only` (`ReadonlyRootfs` false). Each running container of the host is judged on the state dockerd keeps of it under its data root (`containers/<id>/hostconfig.json` and `config.v2.json`), and the finding points at the value in that file.

## Why is this bad?
A writable root file system lets an intruder change the container's binaries and configuration and keep tools there; a read-only one forces writes to declared volumes, which are easier to watch.

## How to fix
Start it read-only, with volumes or `--tmpfs` where it must write:
```
docker run --read-only --tmpfs /tmp ...
```

## Example
```
docker run nginx
```
Use instead:
```
docker run --read-only --tmpfs /var/cache/nginx nginx
```

## References
- Docker run reference: https://docs.docker.com/reference/cli/docker/container/run/
"#;

fn check(container: &DockerContainer, _: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    host_value(
        container,
        "ReadonlyRootfs",
        |v| {
            (v.as_bool() != Some(true)).then(|| {
                "the container's root file system is writable (ReadonlyRootfs false)".to_owned()
            })
        },
        || Some("the container's root file system is writable (no ReadonlyRootfs)".to_owned()),
    )
}
