//! A container has no health check.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::fail;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-healthcheck-missing",
        title: "A container has no health check",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Flags a container without a health check: no `Healthcheck` in its configuration (its image's `HEALTHCHECK`, or `--health-cmd`), or one turned off (`NONE`, `--no-healthcheck`). Each running container of the host is judged on the state dockerd keeps of it under its data root (`containers/<id>/hostconfig.json` and `config.v2.json`), and the finding points at the value in that file.

## Why is this bad?
Without a health check, dockerd and whatever watches it cannot tell a hung or compromised service from a working one.

## How to fix
Add a `HEALTHCHECK` to the image, or give one at run time:
```
docker run --health-cmd "curl -fs http://localhost/healthz" ...
```

## Example
```
docker run --no-healthcheck nginx
```
Use instead:
```
docker run --health-cmd "curl -fs http://localhost/" nginx
```

## References
- Docker run reference: https://docs.docker.com/reference/cli/docker/container/run/
"#;

fn check(container: &DockerContainer, _: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    let health = container.state(&["Config", "Healthcheck"], "Config.Healthcheck");
    let test = health.and_then(|f| f.node.get("Test"));
    let first = test
        .and_then(|t| t.items().first())
        .and_then(|t| t.as_str());
    match (health, first) {
        (Some(_), Some(kind)) if kind != "NONE" => Vec::new(),
        (Some(field), Some(_)) => vec![fail(
            "Config.Healthcheck",
            "the container's health check is turned off (NONE)".to_owned(),
            field.origin(),
        )],
        (Some(field), None) => vec![fail(
            "Config.Healthcheck",
            "the container's health check has no test".to_owned(),
            field.origin(),
        )],
        (None, _) => {
            let origin = container
                .state(&["Config"], "Config")
                .map_or_else(|| container.config_origin("Config"), |f| f.origin());
            vec![fail(
                "Config.Healthcheck",
                "the container has no health check".to_owned(),
                origin,
            )]
        }
    }
}
