//! A container restarts without a limit.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::fail;
use crate::node::NodeJudgement;
use crate::{Check, Control, Param, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-restart-policy",
        title: "A container restarts without a limit",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[Param {
        name: "max-retries",
        doc: "The most restarts on failure a container may have.",
        default: &["5"],
    }],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Flags a container whose restart policy (`--restart`, `RestartPolicy`) is `always` or `unless-stopped`, or `on-failure` with more retries than the parameter `max-retries` (5) or none given (`MaximumRetryCount` 0 retries for ever). `no` passes. docker-bench looks only at the retry count, so it passes `always`. Each running container of the host is judged on the state dockerd keeps of it under its data root (`containers/<id>/hostconfig.json` and `config.v2.json`), and the finding points at the value in that file.

## Why is this bad?
A container that fails for ever restarts for ever: it hides the failure, and a container crashed on purpose gets unlimited attempts.

## How to fix
Restart on failure, a few times:
```
docker run --restart on-failure:5 ...
```

## Example
```
docker run --restart always nginx
```
Use instead:
```
docker run --restart on-failure:5 nginx
```

## References
- Docker run reference: https://docs.docker.com/reference/cli/docker/container/run/
"#;

fn check(container: &DockerContainer, _: &DockerDaemon, params: &Params) -> Vec<NodeJudgement> {
    let Some(field) = container.host("RestartPolicy") else {
        return Vec::new();
    };
    let max: i64 = params
        .list("max-retries")
        .first()
        .and_then(|m| m.parse().ok())
        .unwrap_or(5);
    let name = field
        .node
        .get("Name")
        .and_then(|n| n.as_str())
        .unwrap_or_default();
    let retries = field
        .node
        .get("MaximumRetryCount")
        .and_then(|n| n.as_i64())
        .unwrap_or(0);
    let message = match name {
        "always" | "unless-stopped" => Some(format!(
            "the container restarts for ever (restart policy {name})"
        )),
        "on-failure" if retries <= 0 => Some(
            "the container restarts on failure for ever (on-failure without a retry count)"
                .to_owned(),
        ),
        "on-failure" if retries > max => Some(format!(
            "the container restarts on failure {retries} times, more than {max}"
        )),
        _ => None,
    };
    message
        .map(|m| fail("RestartPolicy", m, field.origin()))
        .into_iter()
        .collect()
}
