//! A running container wrote an executable into its writable layer.

use palisade_load::host::containers::DockerContainer;
use palisade_load::host::docker::DockerDaemon;
use palisade_load::host::writable_layer::WritableLayer;
use palisade_model::{ControlMeta, Severity};

use crate::node::{NodeJudgement, written_executables};
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "docker-container-executable-written",
        title: "A running container wrote an executable into its filesystem",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::DockerContainer(check),
};

const DOCS: &str = r#"## What it does
Reads the writable layer of each running container of a Docker host (overlay2: `<data-root>/overlay2/<mount-id>/diff`, the mount named in `image/overlay2/layerdb/mounts/<container-id>/mount-id`), which holds every file the container created or changed since it started, and flags each executable there: a regular file with an execute bit, or one that starts with an ELF header whatever its mode. The finding names the path inside the container and the file on the host. Links and whiteouts are not executables; the walk stops after 100,000 entries and says so. Containers of other storage drivers are not judged.

## Why is this bad?
An image is built, scanned and approved as a whole; a binary downloaded or compiled into a running container (a miner, a reverse shell, a package installed by hand) runs with none of those checks. Immutable containers never write executables at run time.

## How to fix
Find out what wrote it (the container's logs, `docker diff CONTAINER`), and replace the container with one from its image. Run containers with a read-only root filesystem (`--read-only`, `readOnlyRootFilesystem: true`) and writable volumes mounted `noexec` where they must write.

## Example
```text
$ docker diff web
A /tmp/.x/kdevtmpfsi
```
Use instead:
```sh
docker run -d --read-only --tmpfs /tmp:rw,noexec,nosuid registry.example.com/web@sha256:...
```

## References
- Docker docs, `docker diff`; the overlay2 storage driver
"#;

fn check(container: &DockerContainer, _: &DockerDaemon, _: &Params) -> Vec<NodeJudgement> {
    match &container.writable_layer {
        None => Vec::new(),
        Some(WritableLayer::Unknown { reason }) => {
            vec![NodeJudgement::NotApplicable(reason.clone())]
        }
        Some(WritableLayer::Read {
            executables,
            truncated,
            upper,
            unreadable,
        }) => written_executables(
            &format!("container \"{}\"", container.name),
            upper,
            executables,
            *unreadable,
            *truncated,
        ),
    }
}
