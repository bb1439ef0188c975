//! A container runs without an AppArmor profile.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::fail;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-apparmor-unconfined",
        title: "A container runs without an AppArmor profile",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Flags a container whose `AppArmorProfile` is `unconfined` or empty. dockerd gives every container `docker-default` on a host that runs AppArmor; an empty profile means the host has no AppArmor (waive it on SELinux hosts, where `docker-container-selinux-disabled` applies). Each running container of the host is judged on the state dockerd keeps of it under its data root (`containers/<id>/hostconfig.json` and `config.v2.json`), and the finding points at the value in that file.

## Why is this bad?
AppArmor confines what a container's processes may do beyond their capabilities: without it, a process that escapes its namespaces meets no mandatory access control.

## How to fix
Run the container with the default or a custom profile:
```
docker run --security-opt apparmor=docker-default ...
```

## Example
```
docker run --security-opt apparmor=unconfined nginx
```
Use instead:
```
docker run nginx
```

## References
- Docker run reference: https://docs.docker.com/reference/cli/docker/container/run/
"#;

fn check(container: &DockerContainer, _: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    let profile = container.state(&["AppArmorProfile"], "AppArmorProfile");
    let value = profile.and_then(|f| f.node.as_str()).unwrap_or_default();
    if !value.is_empty() && value != "unconfined" {
        return Vec::new();
    }
    let origin = profile.map_or_else(
        || container.config_origin("AppArmorProfile"),
        |f| f.origin(),
    );
    let shown = if value.is_empty() {
        "no AppArmor profile".to_owned()
    } else {
        "the AppArmor profile unconfined".to_owned()
    };
    vec![fail(
        "AppArmorProfile",
        format!("the container runs with {shown}: nothing confines it beyond its capabilities"),
        origin,
    )]
}
