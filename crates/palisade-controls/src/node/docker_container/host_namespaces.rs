//! A container shares a namespace with the host.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::{host_value, is_host};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-host-namespaces",
        title: "A container shares a namespace with the host",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Flags a container that shares the host's network (`--network host`, `NetworkMode`), process (`--pid host`, `PidMode`), IPC (`--ipc host`, `IpcMode`), UTS (`--uts host`, `UTSMode`) or user namespace (`--userns host`, `UsernsMode`), each as a finding of its own. Each running container of the host is judged on the state dockerd keeps of it under its data root (`containers/<id>/hostconfig.json` and `config.v2.json`), and the finding points at the value in that file.

## Why is this bad?
A shared namespace removes that part of the isolation: the host's network interfaces and local services, its processes (to signal or trace), its shared memory, its hostname, or (with user namespaces remapped) root in the container being root on the host.

## How to fix
Run the container in its own namespaces: remove `--network host`, `--pid host`, `--ipc host`, `--uts host` and `--userns host`.

## Example
```
docker run --network host --pid host nginx
```
Use instead:
```
docker run --network web nginx
```

## References
- Docker run reference: https://docs.docker.com/reference/cli/docker/container/run/
"#;

fn check(container: &DockerContainer, _: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    let mut out = Vec::new();
    for (key, what) in [
        ("NetworkMode", "network"),
        ("PidMode", "process"),
        ("IpcMode", "IPC"),
        ("UTSMode", "UTS"),
        ("UsernsMode", "user"),
    ] {
        out.extend(host_value(
            container,
            key,
            |v| {
                v.as_str().filter(|m| is_host(m)).map(|_| {
                    format!("the container shares the host's {what} namespace ({key} host)")
                })
            },
            || None,
        ));
    }
    out
}
