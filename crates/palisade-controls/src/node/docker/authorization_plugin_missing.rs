//! The Docker daemon authorizes every API client fully (no authorization plugin).

use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::judge;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-authorization-plugin-missing",
        title: "The Docker daemon authorizes every API client fully (no authorization plugin)",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Docker(check),
};

const DOCS: &str = r#"## What it does
Flags a Docker daemon without `authorization-plugins` (`--authorization-plugin`). The value judged is the one dockerd runs with: a flag of its command line (a running `dockerd`'s argv, else its systemd unit's `ExecStart=`), else its configuration file (`--config-file`, else `/etc/docker/daemon.json`), else dockerd's default; a setting given both ways makes dockerd refuse to start, which the scan reports as an error.

## Why is this bad?
Access to the Docker socket is all or nothing: without an authorization plugin, anyone in the docker group can start privileged containers.

## How to fix
Set it in `/etc/docker/daemon.json` (or with the flag, not both), then restart dockerd:
```json
{"authorization-plugins": ["opa-docker-authz"]}
```

## Example
```json
{}
```
Use instead:
```json
{"authorization-plugins": ["opa-docker-authz"]}
```

## References
- dockerd reference: https://docs.docker.com/reference/cli/dockerd/
- Access authorization plugin: https://docs.docker.com/engine/extend/plugins_authorization/
"#;

fn check(daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    judge(
        daemon,
        "authorization-plugins",
        |value| {
            (value.is_empty()).then(|| {
                "every client of the Docker socket may do everything: no authorization plugin"
                    .to_owned()
            })
        },
        || {
            Some("every client of the Docker socket may do everything: no authorization plugin is configured".to_owned())
        },
    )
}
