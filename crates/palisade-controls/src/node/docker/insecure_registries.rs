//! The Docker daemon trusts insecure registries.

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::judge;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-insecure-registries",
        title: "The Docker daemon trusts insecure registries",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags a Docker daemon with any `insecure-registries` (`--insecure-registry`). The value judged is the one dockerd runs with: a flag of its command line (a running `dockerd`'s argv, else its systemd unit's `ExecStart=`), else its configuration file (`--config-file`, else `/etc/docker/daemon.json`), else dockerd's default; a setting given both ways makes dockerd refuse to start, which the scan reports as an error.

## Why is this bad?
Images pulled over plain HTTP or unverified TLS can be replaced in transit: the host then runs whatever a man in the middle serves.

## How to fix
Set it in `/etc/docker/daemon.json` (or with the flag, not both), then restart dockerd:
```json
{"insecure-registries": []}
```

## Example
```json
{"insecure-registries": ["10.0.0.5:5000"]}
```
Use instead:
```json
{"insecure-registries": []}
```

## References
- dockerd reference: https://docs.docker.com/reference/cli/dockerd/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    judge(
        daemon,
        "insecure-registries",
        |value| {
            (!value.is_empty()).then(|| format!("dockerd pulls from registries without verified TLS: insecure-registries is {value}"))
        },
        || None,
    )
}
