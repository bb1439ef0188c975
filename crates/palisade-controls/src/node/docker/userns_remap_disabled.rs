//! The Docker daemon does not remap container users (userns-remap).

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::judge;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-userns-remap-disabled",
        title: "The Docker daemon does not remap container users (userns-remap)",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags a Docker daemon without `userns-remap` (`--userns-remap`). The value judged is the one dockerd runs with: a flag of its command line (a running `dockerd`'s argv, else its systemd unit's `ExecStart=`), else its configuration file (`--config-file`, else `/etc/docker/daemon.json`), else dockerd's default; a setting given both ways makes dockerd refuse to start, which the scan reports as an error.

## Why is this bad?
Without user-namespace remapping, UID 0 in a container is UID 0 on the host: an escape lands as root.

## How to fix
Set it in `/etc/docker/daemon.json` (or with the flag, not both), then restart dockerd:
```json
{"userns-remap": "default"}
```

## Example
```json
{}
```
Use instead:
```json
{"userns-remap": "default"}
```

## References
- dockerd reference: https://docs.docker.com/reference/cli/dockerd/
- Isolate containers with a user namespace: https://docs.docker.com/engine/security/userns-remap/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    judge(
        daemon,
        "userns-remap",
        |value| {
            (value.is_empty()).then(|| {
                "root in a container is root on the host: userns-remap is not set".to_owned()
            })
        },
        || Some("root in a container is root on the host: userns-remap is not set".to_owned()),
    )
}
