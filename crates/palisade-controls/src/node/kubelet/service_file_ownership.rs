//! Kubelet systemd unit files are not owned by root:root.

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::files_owner;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "kubelet-service-file-ownership",
        title: "Kubelet systemd unit files are not owned by root:root",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Kubelet(check),
};

const DOCS: &str = r#"## What it does
The kubelet's systemd unit file and every drop-in applied to it (`/etc/systemd/system/kubelet.service.d/*.conf` and the other folders systemd searches), found as systemd finds them, owned by another user or group than root (user 0, group 0). Names are shown as the host's own `/etc/passwd` and `/etc/group` give them, never the scanner's. A kubelet that runs without a unit is not applicable.

## Why is this bad?
The owner of the unit can change its mode and its content: a non-root owner can rewrite the kubelet's command line without any other privilege.

## How to fix
Give each file the finding names to root:
```sh
chown root:root /etc/systemd/system/kubelet.service.d/10-kubeadm.conf
```

## Example
```console
$ stat -c '%a %U:%G' /etc/systemd/system/kubelet.service.d/10-kubeadm.conf
600 alice:alice
```
Use instead:
```console
$ stat -c '%a %U:%G' /etc/systemd/system/kubelet.service.d/10-kubeadm.conf
600 root:root
```

## References
- kubeadm implementation details, constants and well-known paths: https://kubernetes.io/docs/reference/setup-tools/kubeadm/implementation-details/
"#;

fn check(kubelet: &Kubelet, _: &Params) -> Vec<NodeJudgement> {
    let files: Vec<_> = kubelet.files.service.iter().collect();
    files_owner(
        &files,
        "kubelet unit file",
        "the kubelet has no systemd unit on this host",
    )
}
