//! The Docker daemon forwards ports through its userland proxy.

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::{is_true, judge};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-userland-proxy-enabled",
        title: "The Docker daemon forwards ports through its userland proxy",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags a Docker daemon whose `userland-proxy` (`--userland-proxy`) is true, its default. The value judged is the one dockerd runs with: a flag of its command line (a running `dockerd`'s argv, else its systemd unit's `ExecStart=`), else its configuration file (`--config-file`, else `/etc/docker/daemon.json`), else dockerd's default; a setting given both ways makes dockerd refuse to start, which the scan reports as an error.

## Why is this bad?
The userland proxy is an extra process per published port, with its own attack surface, where iptables rules do the same job.

## How to fix
Set it in `/etc/docker/daemon.json` (or with the flag, not both), then restart dockerd:
```json
{"userland-proxy": false}
```

## Example
```json
{"userland-proxy": true}
```
Use instead:
```json
{"userland-proxy": false}
```

## References
- dockerd reference: https://docs.docker.com/reference/cli/dockerd/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    judge(
        daemon,
        "userland-proxy",
        |value| {
            (is_true(value)).then(|| {
                format!(
                    "published ports go through docker-proxy processes: userland-proxy is {value}"
                )
            })
        },
        || None,
    )
}
