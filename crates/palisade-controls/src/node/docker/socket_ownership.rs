//! The Docker socket is not owned by root:docker.

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::owned_by_root_and_docker;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-socket-ownership",
        title: "The Docker socket is not owned by root:docker",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags `/var/run/docker.sock` (else `/run/docker.sock`) when it is not owned by root:docker (user 0, and the group the host's `/etc/group` names `docker`), names from the host's own account files. A host without it is not applicable.

## Why is this bad?
Its owner can change its mode and its content: the socket's group decides who may use the Docker API, which is root on the host.

## How to fix
Give it to root:docker:
```sh
chown root:docker /var/run/docker.sock
```

## Example
```console
$ stat -c '%U:%G' /var/run/docker.sock
alice:alice
```
Use instead:
```console
$ stat -c '%U:%G' /var/run/docker.sock
root:docker
```

## References
- Protect the Docker daemon socket: https://docs.docker.com/engine/security/protect-access/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    owned_by_root_and_docker(daemon, "docker.sock", "Docker socket")
}
