//! The kubelet kubeconfig is writable or readable beyond its owner.

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::{MAX_MODE_600, files_mode};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "kubelet-kubeconfig-permissions",
        title: "The kubelet kubeconfig is writable or readable beyond its owner",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: MAX_MODE_600,
    check: Check::Kubelet(check),
};

const DOCS: &str = r#"## What it does
The file the kubelet's `--kubeconfig` flag names (kubeadm: `/etc/kubernetes/kubelet.conf`), the credentials it uses to reach the API server, whose permissions allow more than `max-mode` (600) as a mask. The path is the one on the kubelet's own command line, not a guessed one. No `--kubeconfig`, or a path where nothing is, is not applicable.

## Why is this bad?
It holds or points at the node's client credentials: whoever reads it acts as the node (`system:node:<name>`) towards the API server, whoever writes it can point the kubelet at another server.

## How to fix
Restrict the kubeconfig to its owner:
```sh
chmod 600 /etc/kubernetes/kubelet.conf
```

## Example
```console
$ stat -c '%a %U:%G' /etc/kubernetes/kubelet.conf
644 root:root
```
Use instead:
```console
$ stat -c '%a %U:%G' /etc/kubernetes/kubelet.conf
600 root:root
```

## References
- kubeadm implementation details, constants and well-known paths: https://kubernetes.io/docs/reference/setup-tools/kubeadm/implementation-details/
"#;

fn check(kubelet: &Kubelet, params: &Params) -> Vec<NodeJudgement> {
    let files: Vec<_> = kubelet.files.kubeconfig.iter().collect();
    files_mode(
        &files,
        params,
        "kubelet kubeconfig",
        "the kubelet is given no --kubeconfig",
    )
}
