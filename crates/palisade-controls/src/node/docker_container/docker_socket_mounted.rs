//! A container mounts the Docker socket.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::{fail, mounts};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-docker-socket-mounted",
        title: "A container mounts the Docker socket",
        severity: Severity::Critical,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Flags a container with a mount whose host source is a Docker socket (a path ending in `docker.sock`), from dockerd's resolved `MountPoints`, read-only or not (a read-only mount of a socket still connects). Each running container of the host is judged on the state dockerd keeps of it under its data root (`containers/<id>/hostconfig.json` and `config.v2.json`), and the finding points at the value in that file.

## Why is this bad?
Whoever reaches the Docker socket can start a privileged container with the host's `/` mounted: it is root on the host.

## How to fix
Do not mount the socket; give tools that need Docker a narrower API (a socket proxy that allows only what they use) or run them on the host.

## Example
```
docker run -v /var/run/docker.sock:/var/run/docker.sock portainer
```
Use instead:
```
docker run portainer
```

## References
- Docker run reference: https://docs.docker.com/reference/cli/docker/container/run/
"#;

fn check(container: &DockerContainer, _: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    mounts(container)
        .into_iter()
        .filter(|m| m.source.ends_with("docker.sock"))
        .map(|m| {
            fail(
                "MountPoints",
                format!(
                    "the container mounts the Docker socket {} at {}",
                    m.source, m.destination
                ),
                m.origin,
            )
        })
        .collect()
}
