//! Containers stop when the Docker daemon stops (live-restore is off).

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::{is_true, judge};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-live-restore-disabled",
        title: "Containers stop when the Docker daemon stops (live-restore is off)",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags a Docker daemon whose `live-restore` (`--live-restore`) is not true; the default is false. The value judged is the one dockerd runs with: a flag of its command line (a running `dockerd`'s argv, else its systemd unit's `ExecStart=`), else its configuration file (`--config-file`, else `/etc/docker/daemon.json`), else dockerd's default; a setting given both ways makes dockerd refuse to start, which the scan reports as an error.

## Why is this bad?
Without live restore, upgrading or restarting the daemon stops every container, which discourages timely patching of dockerd.

## How to fix
Set it in `/etc/docker/daemon.json` (or with the flag, not both), then restart dockerd:
```json
{"live-restore": true}
```

## Example
```json
{"live-restore": false}
```
Use instead:
```json
{"live-restore": true}
```

## References
- dockerd reference: https://docs.docker.com/reference/cli/dockerd/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    judge(
        daemon,
        "live-restore",
        |value| {
            (!is_true(value)).then(|| {
                format!("containers stop whenever dockerd restarts: live-restore is {value}")
            })
        },
        || None,
    )
}
