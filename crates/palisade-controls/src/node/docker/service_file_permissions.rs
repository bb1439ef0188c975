//! The docker.service unit file allows more than 644.

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::mode;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-service-file-permissions",
        title: "The docker.service unit file allows more than 644",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags the unit systemd loads for docker.service (its first file on systemd's search path) when its permissions allow more than 644, as a mask (setuid, setgid and sticky included); links are judged by what they lead to. A host without it is not applicable.

## Why is this bad?
Whoever can write it changes how dockerd runs or whom it trusts; a key readable by others is a stolen identity.

## How to fix
Restrict it:
```sh
chmod 644 /lib/systemd/system/docker.service
```

## Example
```console
$ stat -c '%a' /lib/systemd/system/docker.service
777
```
Use instead:
```console
$ stat -c '%a' /lib/systemd/system/docker.service
644
```

## References
- dockerd reference: https://docs.docker.com/reference/cli/dockerd/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    mode(daemon, "docker.service", 0o644, "docker.service unit file")
}
