//! Registry certificate files allows more than 444.

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::mode;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-registry-certs-permissions",
        title: "Registry certificate files allows more than 444",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags every certificate and key under `/etc/docker/certs.d/<registry>/` when its permissions allow more than 444, as a mask (setuid, setgid and sticky included); links are judged by what they lead to. A host without it is not applicable.

## Why is this bad?
Whoever can write it changes how dockerd runs or whom it trusts; a key readable by others is a stolen identity.

## How to fix
Restrict it:
```sh
chmod 444 /etc/docker/certs.d/registry.example.com/ca.crt
```

## Example
```console
$ stat -c '%a' /etc/docker/certs.d/registry.example.com/ca.crt
644
```
Use instead:
```console
$ stat -c '%a' /etc/docker/certs.d/registry.example.com/ca.crt
444
```

## References
- dockerd reference: https://docs.docker.com/reference/cli/dockerd/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    mode(daemon, "registry-cert", 0o444, "registry certificate file")
}
