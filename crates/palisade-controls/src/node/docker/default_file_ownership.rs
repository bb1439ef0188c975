//! The /etc/default/docker file is not owned by root:root.

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::owner;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-default-file-ownership",
        title: "The /etc/default/docker file is not owned by root:root",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags `/etc/default/docker` (Debian's environment file for dockerd) when it is not owned by root:root (user 0, group 0), names from the host's own account files. A host without it is not applicable.

## Why is this bad?
Its owner can change its mode and its content, and with it how dockerd runs or whom it trusts.

## How to fix
Give it to root:root:
```sh
chown root:root /etc/default/docker
```

## Example
```console
$ stat -c '%U:%G' /etc/default/docker
alice:alice
```
Use instead:
```console
$ stat -c '%U:%G' /etc/default/docker
root:root
```

## References
- dockerd reference: https://docs.docker.com/reference/cli/dockerd/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    owner(daemon, "/etc/default/docker", "/etc/default/docker file")
}
