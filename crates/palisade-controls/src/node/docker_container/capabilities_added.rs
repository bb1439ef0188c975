//! A container is given capabilities beyond Docker's default set.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_model::{ControlMeta, Severity};

use super::fail;
use crate::node::NodeJudgement;
use crate::{Check, Control, Param, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-capabilities-added",
        title: "A container is given capabilities beyond Docker's default set",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[Param {
        name: "allowed-capabilities",
        doc: "Capabilities containers may be given beyond Docker's default set (without `CAP_`).",
        default: &[],
    }],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Flags each capability in a container's `CapAdd` (`--cap-add`) that is not in Docker's default set (which `docker run` grants anyway) nor in the parameter `allowed-capabilities`; `ALL` is always flagged. Names are compared without the `CAP_` prefix, in any case. Each running container of the host is judged on the state dockerd keeps of it under its data root (`containers/<id>/hostconfig.json` and `config.v2.json`), and the finding points at the value in that file.

## Why is this bad?
Capabilities such as `SYS_ADMIN`, `NET_ADMIN` or `SYS_PTRACE` are most of root's power over the host kernel: each one added widens what an attacker in the container can reach.

## How to fix
Drop what is not needed and add back only what the process uses:
```
docker run --cap-drop=ALL --cap-add=NET_BIND_SERVICE ...
```

## Example
```
docker run --cap-add=SYS_ADMIN nginx
```
Use instead:
```
docker run --cap-drop=ALL --cap-add=NET_BIND_SERVICE nginx
```

## References
- Docker run reference: https://docs.docker.com/reference/cli/docker/container/run/
"#;

/// The capabilities `docker run` grants by default (moby's
/// `oci/caps/defaults.go`).
const DEFAULT: &[&str] = &[
    "CHOWN",
    "DAC_OVERRIDE",
    "FSETID",
    "FOWNER",
    "MKNOD",
    "NET_RAW",
    "SETGID",
    "SETUID",
    "SETFCAP",
    "SETPCAP",
    "NET_BIND_SERVICE",
    "SYS_CHROOT",
    "KILL",
    "AUDIT_WRITE",
];

fn check(container: &DockerContainer, _: &DockerDaemon, params: &Params) -> Vec<NodeJudgement> {
    let Some(field) = container.host("CapAdd") else {
        return Vec::new();
    };
    let allowed = params.list("allowed-capabilities");
    let plain = |name: &str| {
        name.trim()
            .to_ascii_uppercase()
            .trim_start_matches("CAP_")
            .to_owned()
    };
    field
        .node
        .items()
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let name = plain(item.as_str()?);
            let fine = name != "ALL"
                && (DEFAULT.contains(&name.as_str()) || allowed.iter().any(|a| plain(a) == name));
            (!fine).then(|| {
                fail(
                    "CapAdd",
                    format!("the container is given the capability {name}, beyond Docker's default set and allowed-capabilities"),
                    field.origin_of(item, &format!("CapAdd[{i}]")),
                )
            })
        })
        .collect()
}
