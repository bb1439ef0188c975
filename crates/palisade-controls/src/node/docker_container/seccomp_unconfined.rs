//! A container runs without a seccomp profile.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::{fail, security_opts};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-seccomp-unconfined",
        title: "A container runs without a seccomp profile",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Flags a container started with `--security-opt seccomp=unconfined` (or `seccomp:unconfined`). Each running container of the host is judged on the state dockerd keeps of it under its data root (`containers/<id>/hostconfig.json` and `config.v2.json`), and the finding points at the value in that file.

## Why is this bad?
Docker's default seccomp profile blocks about 50 system calls (`mount`, `kexec_load`, `bpf`, `ptrace` on old kernels) that are the usual way from a container into the host kernel.

## How to fix
Remove `seccomp=unconfined`, or give a profile that allows what the process needs:
```
docker run --security-opt seccomp=/etc/docker/seccomp/app.json ...
```

## Example
```
docker run --security-opt seccomp=unconfined nginx
```
Use instead:
```
docker run nginx
```

## References
- Docker run reference: https://docs.docker.com/reference/cli/docker/container/run/
"#;

fn check(container: &DockerContainer, _: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    security_opts(container)
        .into_iter()
        .filter(|o| o.split() == ("seccomp", Some("unconfined")))
        .map(|o| {
            fail(
                "SecurityOpt",
                format!("the container runs without a seccomp profile ({})", o.text),
                o.origin,
            )
        })
        .collect()
}
