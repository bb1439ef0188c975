//! Container logs stay on the Docker host (no remote log driver).

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::judge;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-local-logging",
        title: "Container logs stay on the Docker host (no remote log driver)",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags a Docker daemon whose `log-driver` (`--log-driver`) keeps logs on the host: `json-file` (the default), `local` or `none`. The value judged is the one dockerd runs with: a flag of its command line (a running `dockerd`'s argv, else its systemd unit's `ExecStart=`), else its configuration file (`--config-file`, else `/etc/docker/daemon.json`), else dockerd's default; a setting given both ways makes dockerd refuse to start, which the scan reports as an error.

## Why is this bad?
Logs kept on the host are lost with it and can be rewritten by whoever compromises it; a remote driver (syslog, journald forwarded, fluentd, gelf, awslogs...) keeps evidence elsewhere.

## How to fix
Set it in `/etc/docker/daemon.json` (or with the flag, not both), then restart dockerd:
```json
{"log-driver": "syslog", "log-opts": {"syslog-address": "tcp://logs.example.com:514"}}
```

## Example
```json
{"log-driver": "json-file"}
```
Use instead:
```json
{"log-driver": "syslog", "log-opts": {"syslog-address": "tcp://logs.example.com:514"}}
```

## References
- dockerd reference: https://docs.docker.com/reference/cli/dockerd/
- Logging drivers: https://docs.docker.com/engine/logging/configure/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    judge(
        daemon,
        "log-driver",
        |value| {
            (matches!(value, "json-file" | "local" | "none")).then(|| {
                format!("container logs are kept only on this host: log-driver is {value}")
            })
        },
        || None,
    )
}
