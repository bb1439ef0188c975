//! A container is published on a privileged host port.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::{fail, ports};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-privileged-port",
        title: "A container is published on a privileged host port",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Flags each published port (`-p`, `PortBindings`) whose host port is below 1024. Each running container of the host is judged on the state dockerd keeps of it under its data root (`containers/<id>/hostconfig.json` and `config.v2.json`), and the finding points at the value in that file.

## Why is this bad?
Ports below 1024 are where a host's own services (SSH, DNS, HTTP) listen and clients trust that only root could bind them.

## How to fix
Publish the container on a high host port, and put a proxy or load balancer in front:
```
docker run -p 8080:80 nginx
```

## Example
```
docker run -p 80:80 nginx
```
Use instead:
```
docker run -p 8080:80 nginx
```

## References
- Docker run reference: https://docs.docker.com/reference/cli/docker/container/run/
"#;

fn check(container: &DockerContainer, _: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    ports(container)
        .into_iter()
        .filter_map(|p| {
            let port: u32 = p.host_port.parse().ok()?;
            (port < 1024).then(|| {
                fail(
                    "PortBindings",
                    format!(
                        "the container's port {} is published on the privileged host port {port}",
                        p.container_port
                    ),
                    p.origin,
                )
            })
        })
        .collect()
}
