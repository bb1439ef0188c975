//! Registry certificate files is not owned by root:root.

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::owner;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-registry-certs-ownership",
        title: "Registry certificate files is not owned by root:root",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags every certificate and key under `/etc/docker/certs.d/<registry>/` when it is not owned by root:root (user 0, group 0), names from the host's own account files. A host without it is not applicable.

## Why is this bad?
Its owner can change its mode and its content, and with it how dockerd runs or whom it trusts.

## How to fix
Give it to root:root:
```sh
chown root:root /etc/docker/certs.d/registry.example.com/ca.crt
```

## Example
```console
$ stat -c '%U:%G' /etc/docker/certs.d/registry.example.com/ca.crt
alice:alice
```
Use instead:
```console
$ stat -c '%U:%G' /etc/docker/certs.d/registry.example.com/ca.crt
root:root
```

## References
- dockerd reference: https://docs.docker.com/reference/cli/dockerd/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    owner(daemon, "registry-cert", "registry certificate file")
}
