//! The Docker socket allows more than 660.

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::mode;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-socket-permissions",
        title: "The Docker socket allows more than 660",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags `/var/run/docker.sock` (else `/run/docker.sock`) when its permissions allow more than 660, as a mask (setuid, setgid and sticky included); links are judged by what they lead to. A host without it is not applicable.

## Why is this bad?
Whoever can write to the socket controls the container runtime, which is root on the host.

## How to fix
Restrict it:
```sh
chmod 660 /var/run/docker.sock
```

## Example
```console
$ stat -c '%a' /var/run/docker.sock
666
```
Use instead:
```console
$ stat -c '%a' /var/run/docker.sock
660
```

## References
- Protect the Docker daemon socket: https://docs.docker.com/engine/security/protect-access/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    mode(daemon, "docker.sock", 0o660, "Docker socket")
}
