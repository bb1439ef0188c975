//! The Docker daemon changes the base device size (dm.basesize).

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::judge;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-base-device-size-changed",
        title: "The Docker daemon changes the base device size (dm.basesize)",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags a Docker daemon whose `storage-opts` (`--storage-opt`) set `dm.basesize`. The value judged is the one dockerd runs with: a flag of its command line (a running `dockerd`'s argv, else its systemd unit's `ExecStart=`), else its configuration file (`--config-file`, else `/etc/docker/daemon.json`), else dockerd's default; a setting given both ways makes dockerd refuse to start, which the scan reports as an error.

## Why is this bad?
A larger base device lets each container grow its root filesystem further, so one container can fill the host's disk.

## How to fix
Set it in `/etc/docker/daemon.json` (or with the flag, not both), then restart dockerd:
```json
{}
```

## Example
```json
{"storage-opts": ["dm.basesize=50G"]}
```
Use instead:
```json
{}
```

## References
- dockerd reference: https://docs.docker.com/reference/cli/dockerd/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    judge(
        daemon,
        "storage-opts",
        |value| {
            (value.contains("dm.basesize")).then(|| format!("the storage driver's base device size is changed ({value}), which lets containers fill the host's disk"))
        },
        || None,
    )
}
