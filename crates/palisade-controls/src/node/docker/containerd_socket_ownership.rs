//! The containerd socket is not owned by root:root.

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::owner;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-containerd-socket-ownership",
        title: "The containerd socket is not owned by root:root",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags `/run/containerd/containerd.sock` when it is not owned by root:root (user 0, group 0), names from the host's own account files. A host without it is not applicable.

## Why is this bad?
Its owner can change its mode and its content, and with it how dockerd runs or whom it trusts.

## How to fix
Give it to root:root:
```sh
chown root:root /run/containerd/containerd.sock
```

## Example
```console
$ stat -c '%U:%G' /run/containerd/containerd.sock
alice:alice
```
Use instead:
```console
$ stat -c '%U:%G' /run/containerd/containerd.sock
root:root
```

## References
- Protect the Docker daemon socket: https://docs.docker.com/engine/security/protect-access/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    owner(daemon, "containerd.sock", "containerd socket")
}
