//! A container mounts a sensitive host directory.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::{fail, mounts, normalized};
use crate::node::NodeJudgement;
use crate::{Check, Control, Param, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-sensitive-mount",
        title: "A container mounts a sensitive host directory",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[Param {
        name: "sensitive-paths",
        doc: "Host directories no container may mount.",
        default: &[
            "/", "/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr",
        ],
    }],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Flags a container that mounts one of the host directories in the parameter `sensitive-paths` (by default `/`, `/boot`, `/dev`, `/etc`, `/lib`, `/proc`, `/sys` and `/usr`, docker-bench's list) as a bind mount, read-only or not: the source must be the directory itself (trailing slashes aside). The mounts judged are dockerd's resolved `MountPoints`, so `-v`, `--mount` and `--volume` forms are all seen. Each running container of the host is judged on the state dockerd keeps of it under its data root (`containers/<id>/hostconfig.json` and `config.v2.json`), and the finding points at the value in that file.

## Why is this bad?
Read-write, these directories let a container change the host's binaries, configuration and kernel settings; read-only, they still expose credentials (`/etc/shadow`, `/etc/kubernetes`) and the host's devices.

## How to fix
Mount only the files the container needs, from a folder of their own, read-only:
```
docker run -v /srv/app/config:/config:ro ...
```

## Example
```
docker run -v /etc:/host-etc nginx
```
Use instead:
```
docker run -v /srv/app/config:/config:ro nginx
```

## References
- Docker run reference: https://docs.docker.com/reference/cli/docker/container/run/
"#;

fn check(container: &DockerContainer, _: &DockerDaemon, params: &Params) -> Vec<NodeJudgement> {
    let sensitive = params.list("sensitive-paths");
    mounts(container)
        .into_iter()
        .filter(|m| m.kind == "bind" || m.kind.is_empty())
        .filter(|m| {
            sensitive
                .iter()
                .any(|s| normalized(s) == normalized(&m.source))
        })
        .map(|m| {
            let how = if m.writable {
                "read-write"
            } else {
                "read-only"
            };
            fail(
                "MountPoints",
                format!(
                    "the container mounts the host's {} at {} ({how})",
                    m.source, m.destination
                ),
                m.origin,
            )
        })
        .collect()
}
