//! A container of a Kubernetes node wrote an executable into its
//! filesystem.

use palisade_load::host::container_layers::ContainerLayer;
use palisade_model::{ControlMeta, Severity};

use crate::node::{NodeJudgement, written_executables};
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "container-executable-written",
        title: "A running container wrote an executable into its filesystem",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::ContainerLayer(check),
};

const DOCS: &str = r#"## What it does
Reads the writable layer of each container that containerd or CRI-O runs on a node (`palisade node scan --proc /proc`, or the node agent): the host's overlay mounts (`/proc/1/mountinfo`) give each container's root file system and its `upperdir`, the folder holding every file the container created or changed since it started; containerd's task configuration names the pod and container (pause containers are left out). Each executable there is flagged: a regular file with an execute bit, or one that starts with an ELF header whatever its mode. The finding names the path inside the container and the folder on the host. Docker's containers are judged by `docker-container-executable-written` from dockerd's own state.

## Why is this bad?
An image is built, scanned and approved as a whole; a binary downloaded or compiled into a running container (a miner, a reverse shell, a tool installed by hand) runs with none of those checks. Immutable containers never write executables at run time.

## How to fix
Find out what wrote it (the pod's logs and events, the node's audit log), and delete the pod so that its controller recreates it from the image. Run containers with `readOnlyRootFilesystem: true` and mount the volumes they must write `noexec` where the platform allows.

## Example
```text
Container/node-1/shop/web-7d4b9/web: wrote an ELF binary at /tmp/.x/kdevtmpfsi (mode 0600)
```
Use instead:
```yaml
securityContext:
  readOnlyRootFilesystem: true
```

## References
- Linux `proc(5)` (`/proc/PID/mountinfo`), overlayfs (`upperdir`)
"#;

fn check(layer: &ContainerLayer, _: &Params) -> Vec<NodeJudgement> {
    if let Some(problem) = &layer.problem {
        return vec![NodeJudgement::Unknown {
            subject: layer.upper.clone(),
            reason: problem.clone(),
        }];
    }
    written_executables(
        &format!("{} container {}", layer.runtime, layer.name),
        &layer.upper,
        &layer.executables,
        layer.unreadable,
        layer.truncated,
    )
}
