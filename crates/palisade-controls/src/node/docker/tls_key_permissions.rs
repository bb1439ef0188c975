//! The Docker server key file allows more than 400.

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::mode;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-tls-key-permissions",
        title: "The Docker server key file allows more than 400",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags the file the daemon's `tlskey` names when its permissions allow more than 400, as a mask (setuid, setgid and sticky included); links are judged by what they lead to. A host without it is not applicable.

## Why is this bad?
Whoever can write it changes how dockerd runs or whom it trusts; a key readable by others is a stolen identity.

## How to fix
Restrict it:
```sh
chmod 400 /etc/docker/server-key.pem
```

## Example
```console
$ stat -c '%a' /etc/docker/server-key.pem
644
```
Use instead:
```console
$ stat -c '%a' /etc/docker/server-key.pem
400
```

## References
- dockerd reference: https://docs.docker.com/reference/cli/dockerd/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    mode(
        daemon,
        "tlskey",
        0o400,
        "Docker server certificate key file",
    )
}
