//! The docker.socket unit file is not owned by root:root.

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::owner;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-socket-file-ownership",
        title: "The docker.socket unit file is not owned by root:root",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags the docker.socket unit on systemd's search path when it is not owned by root:root (user 0, group 0), names from the host's own account files. A host without it is not applicable.

## Why is this bad?
Its owner can change its mode and its content, and with it how dockerd runs or whom it trusts.

## How to fix
Give it to root:root:
```sh
chown root:root /lib/systemd/system/docker.socket
```

## Example
```console
$ stat -c '%U:%G' /lib/systemd/system/docker.socket
alice:alice
```
Use instead:
```console
$ stat -c '%U:%G' /lib/systemd/system/docker.socket
root:root
```

## References
- Protect the Docker daemon socket: https://docs.docker.com/engine/security/protect-access/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    owner(daemon, "docker.socket", "docker.socket unit file")
}
