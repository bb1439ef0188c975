//! The Docker daemon uses the aufs storage driver.

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::judge;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-aufs-storage-driver",
        title: "The Docker daemon uses the aufs storage driver",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags a Docker daemon whose `storage-driver` (`--storage-driver`) is `aufs`. When no driver is given dockerd picks one (overlay2 on current kernels), which passes. The value judged is the one dockerd runs with: a flag of its command line (a running `dockerd`'s argv, else its systemd unit's `ExecStart=`), else its configuration file (`--config-file`, else `/etc/docker/daemon.json`), else dockerd's default; a setting given both ways makes dockerd refuse to start, which the scan reports as an error.

## Why is this bad?
aufs is unmaintained, outside the mainline kernel and was removed from Docker 24; it has known privilege-escalation bugs.

## How to fix
Set it in `/etc/docker/daemon.json` (or with the flag, not both), then restart dockerd:
```json
{"storage-driver": "overlay2"}
```

## Example
```json
{"storage-driver": "aufs"}
```
Use instead:
```json
{"storage-driver": "overlay2"}
```

## References
- dockerd reference: https://docs.docker.com/reference/cli/dockerd/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    judge(
        daemon,
        "storage-driver",
        |value| {
            (value == "aufs").then(|| format!("dockerd stores layers with aufs, which is unmaintained: storage-driver is {value}"))
        },
        || None,
    )
}
