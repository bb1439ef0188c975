//! A container's published port listens on every host interface.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::{fail, ports};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-port-all-interfaces",
        title: "A container's published port listens on every host interface",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Flags each published port (`-p`, `PortBindings`) bound to every host address: no `HostIp`, `0.0.0.0` or `::`. docker-bench flags `0.0.0.0` only. Each running container of the host is judged on the state dockerd keeps of it under its data root (`containers/<id>/hostconfig.json` and `config.v2.json`), and the finding points at the value in that file.

## Why is this bad?
A port bound to every interface is reachable from every network the host is on, including ones it was never meant for; a specific address limits it to one.

## How to fix
Bind the port to the interface that should reach it:
```
docker run -p 10.0.0.5:8080:80 nginx
```

## Example
```
docker run -p 8080:80 nginx
```
Use instead:
```
docker run -p 10.0.0.5:8080:80 nginx
```

## References
- Docker run reference: https://docs.docker.com/reference/cli/docker/container/run/
"#;

fn check(container: &DockerContainer, _: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    ports(container)
        .into_iter()
        .filter(|p| matches!(p.host_ip.as_str(), "" | "0.0.0.0" | "::" | "[::]"))
        .map(|p| {
            let ip = if p.host_ip.is_empty() {
                "every address".to_owned()
            } else {
                p.host_ip.clone()
            };
            fail(
                "PortBindings",
                format!(
                    "the container's port {} listens on {ip} of the host",
                    p.container_port
                ),
                p.origin,
            )
        })
        .collect()
}
