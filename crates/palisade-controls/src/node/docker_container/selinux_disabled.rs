//! A container runs without SELinux labels on an SELinux host.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::{fail, security_opts};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-selinux-disabled",
        title: "A container runs without SELinux labels on an SELinux host",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Flags, when dockerd runs with `selinux-enabled`, a container started with `--security-opt label=disable` (or `label:disable`) or without a process label (`ProcessLabel`). On a host where dockerd does not enable SELinux it does not apply. Each running container of the host is judged on the state dockerd keeps of it under its data root (`containers/<id>/hostconfig.json` and `config.v2.json`), and the finding points at the value in that file.

## Why is this bad?
SELinux labels keep a container's processes from the host's files and other containers' even when they run as root; a container without a label is confined by nothing but its namespaces.

## How to fix
Leave labelling on (remove `label=disable`), or give the container a type:
```
docker run --security-opt label=type:svirt_apache_t ...
```

## Example
```
docker run --security-opt label=disable nginx
```
Use instead:
```
docker run nginx
```

## References
- Docker run reference: https://docs.docker.com/reference/cli/docker/container/run/
"#;

fn check(container: &DockerContainer, daemon: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    let enabled = daemon
        .get("selinux-enabled")
        .is_some_and(|s| crate::node::docker::is_true(&s.value));
    if !enabled {
        return vec![NodeJudgement::NotApplicable(
            "dockerd does not enable SELinux on this host".to_owned(),
        )];
    }
    let mut out: Vec<NodeJudgement> = security_opts(container)
        .into_iter()
        .filter(|o| o.split() == ("label", Some("disable")))
        .map(|o| {
            fail(
                "SecurityOpt",
                format!(
                    "the container's SELinux labelling is turned off ({})",
                    o.text
                ),
                o.origin,
            )
        })
        .collect();
    let label = container.state(&["ProcessLabel"], "ProcessLabel");
    if out.is_empty()
        && label
            .and_then(|f| f.node.as_str())
            .unwrap_or_default()
            .is_empty()
    {
        let origin = label.map_or_else(|| container.config_origin("ProcessLabel"), |f| f.origin());
        out.push(fail(
            "ProcessLabel",
            "the container has no SELinux process label on a host where dockerd enables SELinux"
                .to_owned(),
            origin,
        ));
    }
    out
}
