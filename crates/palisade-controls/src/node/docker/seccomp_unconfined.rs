//! The Docker daemon runs containers without seccomp by default.

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::judge;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-seccomp-unconfined",
        title: "The Docker daemon runs containers without seccomp by default",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags a Docker daemon whose `seccomp-profile` (`--seccomp-profile`) is `unconfined`. A custom profile is for a person to review (the benchmark asks for one "if appropriate"); the built-in default passes. The value judged is the one dockerd runs with: a flag of its command line (a running `dockerd`'s argv, else its systemd unit's `ExecStart=`), else its configuration file (`--config-file`, else `/etc/docker/daemon.json`), else dockerd's default; a setting given both ways makes dockerd refuse to start, which the scan reports as an error.

## Why is this bad?
Unconfined containers can make every system call, including those behind most container escapes.

## How to fix
Set it in `/etc/docker/daemon.json` (or with the flag, not both), then restart dockerd:
```json
{"seccomp-profile": "builtin"}
```

## Example
```json
{"seccomp-profile": "unconfined"}
```
Use instead:
```json
{"seccomp-profile": "builtin"}
```

## References
- dockerd reference: https://docs.docker.com/reference/cli/dockerd/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    judge(
        daemon,
        "seccomp-profile",
        |value| {
            (value == "unconfined").then(|| "containers run without a seccomp profile unless they ask for one: seccomp-profile is unconfined".to_owned())
        },
        || None,
    )
}
