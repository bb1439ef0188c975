//! The Docker daemon places containers under a non-default cgroup.

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::judge;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-cgroup-parent-changed",
        title: "The Docker daemon places containers under a non-default cgroup",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags a Docker daemon whose `cgroup-parent` (`--cgroup-parent`) is set: the benchmark asks that a non-default cgroup be confirmed, which is for a person to do (waive the finding once confirmed). The value judged is the one dockerd runs with: a flag of its command line (a running `dockerd`'s argv, else its systemd unit's `ExecStart=`), else its configuration file (`--config-file`, else `/etc/docker/daemon.json`), else dockerd's default; a setting given both ways makes dockerd refuse to start, which the scan reports as an error.

## Why is this bad?
Containers' resource limits come from the cgroup they run under; a parent configured by mistake can lift them.

## How to fix
Set it in `/etc/docker/daemon.json` (or with the flag, not both), then restart dockerd:
```json
{}
```

## Example
```json
{"cgroup-parent": "/custom"}
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
        "cgroup-parent",
        |value| {
            (!value.is_empty()).then(|| format!("containers run under cgroup parent {value}, which someone must confirm limits them as intended"))
        },
        || None,
    )
}
