//! The /etc/sysconfig/docker file allows more than 644.

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::mode;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-sysconfig-file-permissions",
        title: "The /etc/sysconfig/docker file allows more than 644",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags `/etc/sysconfig/docker` (Red Hat's environment file for dockerd) when its permissions allow more than 644, as a mask (setuid, setgid and sticky included); links are judged by what they lead to. A host without it is not applicable.

## Why is this bad?
Whoever can write it changes how dockerd runs or whom it trusts; a key readable by others is a stolen identity.

## How to fix
Restrict it:
```sh
chmod 644 /etc/sysconfig/docker
```

## Example
```console
$ stat -c '%a' /etc/sysconfig/docker
777
```
Use instead:
```console
$ stat -c '%a' /etc/sysconfig/docker
644
```

## References
- dockerd reference: https://docs.docker.com/reference/cli/dockerd/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    mode(
        daemon,
        "/etc/sysconfig/docker",
        0o644,
        "/etc/sysconfig/docker file",
    )
}
