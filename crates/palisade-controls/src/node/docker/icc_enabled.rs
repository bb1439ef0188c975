//! Containers on the default bridge talk to each other freely (icc).

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::judge;
use crate::node::NodeJudgement;
use crate::node::kubelet::is_false;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-icc-enabled",
        title: "Containers on the default bridge talk to each other freely (icc)",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags a Docker daemon whose `icc` (`--icc`) is not false; the default is true. The value judged is the one dockerd runs with: a flag of its command line (a running `dockerd`'s argv, else its systemd unit's `ExecStart=`), else its configuration file (`--config-file`, else `/etc/docker/daemon.json`), else dockerd's default; a setting given both ways makes dockerd refuse to start, which the scan reports as an error.

## Why is this bad?
With inter-container communication on, any container on the default bridge reaches every other one on every port: one compromised container can probe and attack the rest.

## How to fix
Set it in `/etc/docker/daemon.json` (or with the flag, not both), then restart dockerd:
```json
{"icc": false}
```

## Example
```json
{"icc": true}
```
Use instead:
```json
{"icc": false}
```

## References
- dockerd reference: https://docs.docker.com/reference/cli/dockerd/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    judge(
        daemon,
        "icc",
        |value| {
            (!is_false(value)).then(|| format!("containers on the default bridge can reach each other on every port: icc is {value}"))
        },
        || None,
    )
}
