//! The Docker daemon does not log at level info.

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::judge;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-log-level",
        title: "The Docker daemon does not log at level info",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags a Docker daemon whose `log-level` (`--log-level`, `-l`) is not `info`, its default. The value judged is the one dockerd runs with: a flag of its command line (a running `dockerd`'s argv, else its systemd unit's `ExecStart=`), else its configuration file (`--config-file`, else `/etc/docker/daemon.json`), else dockerd's default; a setting given both ways makes dockerd refuse to start, which the scan reports as an error.

## Why is this bad?
`info` records the daemon's actions (container starts, image pulls) without the request bodies `debug` writes; a higher level loses the trail.

## How to fix
Set it in `/etc/docker/daemon.json` (or with the flag, not both), then restart dockerd:
```json
{"log-level": "info"}
```

## Example
```json
{"log-level": "debug"}
```
Use instead:
```json
{"log-level": "info"}
```

## References
- dockerd reference: https://docs.docker.com/reference/cli/dockerd/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    judge(
        daemon,
        "log-level",
        |value| {
            (value != "info").then(|| format!("dockerd logs at {value}, not info: debug leaks request details, warn and above drop events worth keeping"))
        },
        || None,
    )
}
