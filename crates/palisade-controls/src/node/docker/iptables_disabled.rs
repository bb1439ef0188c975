//! The Docker daemon is not allowed to manage iptables.

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::judge;
use crate::node::NodeJudgement;
use crate::node::kubelet::is_false;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-iptables-disabled",
        title: "The Docker daemon is not allowed to manage iptables",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags a Docker daemon whose `iptables` (`--iptables`) is false; the default is true. The value judged is the one dockerd runs with: a flag of its command line (a running `dockerd`'s argv, else its systemd unit's `ExecStart=`), else its configuration file (`--config-file`, else `/etc/docker/daemon.json`), else dockerd's default; a setting given both ways makes dockerd refuse to start, which the scan reports as an error.

## Why is this bad?
dockerd keeps the NAT and isolation rules its networks need; with it off, published ports and network isolation depend on rules written by hand, which drift.

## How to fix
Set it in `/etc/docker/daemon.json` (or with the flag, not both), then restart dockerd:
```json
{"iptables": true}
```

## Example
```json
{"iptables": false}
```
Use instead:
```json
{"iptables": true}
```

## References
- dockerd reference: https://docs.docker.com/reference/cli/dockerd/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    judge(
        daemon,
        "iptables",
        |value| {
            (is_false(value)).then(|| format!("dockerd leaves the host's firewall rules for containers to someone else: iptables is {value}"))
        },
        || None,
    )
}
