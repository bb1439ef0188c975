//! A container runs as root.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::fail;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-root-user",
        title: "A container runs as root",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Flags a container whose user (`Config.User`: `--user`, else its image's `USER`) is empty, `root` or `0` (with any group). A user named otherwise is taken as not root: the name is resolved in the container's own `/etc/passwd`, which the host's state does not show. Each running container of the host is judged on the state dockerd keeps of it under its data root (`containers/<id>/hostconfig.json` and `config.v2.json`), and the finding points at the value in that file.

## Why is this bad?
Root in a container is root on the host's kernel, limited only by capabilities and confinement: one escape or mounted host path away from the host.

## How to fix
Create a user in the image and run as it:
```dockerfile
USER 10001
```
or `docker run --user 10001 ...`.

## Example
```
docker run nginx
```
Use instead:
```
docker run --user 10001 nginx
```

## References
- Docker run reference: https://docs.docker.com/reference/cli/docker/container/run/
"#;

fn check(container: &DockerContainer, _: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    let user = container.state(&["Config", "User"], "Config.User");
    let value = user.and_then(|f| f.node.as_str()).unwrap_or_default();
    let name = value.split(':').next().unwrap_or_default();
    if !matches!(name, "" | "root" | "0") {
        return Vec::new();
    }
    let origin = user
        .map(|f| f.origin())
        .or_else(|| container.state(&["Config"], "Config").map(|f| f.origin()))
        .unwrap_or_else(|| container.config_origin("Config.User"));
    let shown = if value.is_empty() {
        "no user, so root".to_owned()
    } else {
        format!("the user {value}")
    };
    vec![fail(
        "Config.User",
        format!("the container runs as root ({shown})"),
        origin,
    )]
}
