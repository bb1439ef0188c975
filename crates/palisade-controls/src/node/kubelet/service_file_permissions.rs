//! Kubelet systemd unit files are writable or readable beyond their owner.

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::{MAX_MODE_600, files_mode};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "kubelet-service-file-permissions",
        title: "Kubelet systemd unit files are writable or readable beyond their owner",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: MAX_MODE_600,
    check: Check::Kubelet(check),
};

const DOCS: &str = r#"## What it does
The kubelet's systemd unit file and every drop-in applied to it (`/etc/systemd/system/kubelet.service.d/*.conf` and the other folders systemd searches), found as systemd finds them, whose permissions allow more than the parameter `max-mode` (600): any bit outside the mask fails, setuid, setgid and sticky included, so `640` fails under 600 and `400` passes. A link is judged by the file it leads to and reported as a link. A kubelet that runs without a unit is not applicable; an unreadable file is an error of the scan.

## Why is this bad?
The unit decides the kubelet's command line: whoever can write it can turn off authentication, authorization or certificate checks at the next restart. Read access shows where its credentials are.

## How to fix
Restrict each file the finding names to its owner:
```sh
chmod 600 /etc/systemd/system/kubelet.service.d/10-kubeadm.conf
```

## Example
```console
$ stat -c '%a %U:%G' /etc/systemd/system/kubelet.service.d/10-kubeadm.conf
644 root:root
```
Use instead:
```console
$ stat -c '%a %U:%G' /etc/systemd/system/kubelet.service.d/10-kubeadm.conf
600 root:root
```

## References
- kubeadm implementation details, constants and well-known paths: https://kubernetes.io/docs/reference/setup-tools/kubeadm/implementation-details/
- systemd.unit(5), unit file load path and drop-ins
"#;

fn check(kubelet: &Kubelet, params: &Params) -> Vec<NodeJudgement> {
    let files: Vec<_> = kubelet.files.service.iter().collect();
    files_mode(
        &files,
        params,
        "kubelet unit file",
        "the kubelet has no systemd unit on this host",
    )
}
