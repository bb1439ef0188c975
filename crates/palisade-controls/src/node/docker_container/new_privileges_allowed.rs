//! A container's processes can gain privileges.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::{fail, security_opts};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-new-privileges-allowed",
        title: "A container's processes can gain privileges",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Flags a container whose processes may gain privileges through setuid and setgid binaries or file capabilities: its `NoNewPrivileges` (the effective value dockerd stored: `--security-opt no-new-privileges`, else the daemon's `no-new-privileges` default) is false. For state written by a dockerd that does not store it, the security options and the daemon's setting decide. Each running container of the host is judged on the state dockerd keeps of it under its data root (`containers/<id>/hostconfig.json` and `config.v2.json`), and the finding points at the value in that file.

## Why is this bad?
Without `no_new_privs` a process in the container that runs a setuid-root binary becomes root in it, which is where most escapes start.

## How to fix
Start it with `--security-opt no-new-privileges`, or set the daemon default:
```json
{"no-new-privileges": true}
```

## Example
```
docker run nginx
```
Use instead:
```
docker run --security-opt no-new-privileges nginx
```

## References
- Docker run reference: https://docs.docker.com/reference/cli/docker/container/run/
"#;

fn check(container: &DockerContainer, daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    let stored = container.state(&["NoNewPrivileges"], "NoNewPrivileges");
    let allowed = match stored.and_then(|f| f.node.as_bool()) {
        Some(set) => !set,
        None => {
            let by_option = security_opts(container)
                .iter()
                .find_map(|o| match o.split() {
                    ("no-new-privileges", None) => Some(true),
                    ("no-new-privileges", Some(v)) => Some(crate::node::docker::is_true(v)),
                    _ => None,
                });
            let by_daemon = daemon
                .get("no-new-privileges")
                .is_some_and(|s| crate::node::docker::is_true(&s.value));
            !by_option.unwrap_or(by_daemon)
        }
    };
    if !allowed {
        return Vec::new();
    }
    let origin = stored.map_or_else(
        || container.host_config_origin("SecurityOpt"),
        |f| f.origin(),
    );
    vec![fail(
        "NoNewPrivileges",
        "the container's processes can gain privileges (no-new-privileges is off)".to_owned(),
        origin,
    )]
}
