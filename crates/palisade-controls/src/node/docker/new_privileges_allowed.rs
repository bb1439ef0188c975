//! Containers may gain new privileges (no-new-privileges is off).

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::{is_true, judge};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-new-privileges-allowed",
        title: "Containers may gain new privileges (no-new-privileges is off)",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags a Docker daemon whose `no-new-privileges` (`--no-new-privileges`) is not true; the default is false. The value judged is the one dockerd runs with: a flag of its command line (a running `dockerd`'s argv, else its systemd unit's `ExecStart=`), else its configuration file (`--config-file`, else `/etc/docker/daemon.json`), else dockerd's default; a setting given both ways makes dockerd refuse to start, which the scan reports as an error.

## Why is this bad?
Without it, a setuid binary inside a container raises its process's privileges; with it, no container process can gain more than it started with.

## How to fix
Set it in `/etc/docker/daemon.json` (or with the flag, not both), then restart dockerd:
```json
{"no-new-privileges": true}
```

## Example
```json
{"no-new-privileges": false}
```
Use instead:
```json
{"no-new-privileges": true}
```

## References
- dockerd reference: https://docs.docker.com/reference/cli/dockerd/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    judge(
        daemon,
        "no-new-privileges",
        |value| {
            (!is_true(value)).then(|| format!("processes in containers can gain privileges through setuid binaries: no-new-privileges is {value}"))
        },
        || None,
    )
}
