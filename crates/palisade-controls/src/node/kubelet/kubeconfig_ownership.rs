//! The kubelet kubeconfig is not owned by root:root.

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::files_owner;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "kubelet-kubeconfig-ownership",
        title: "The kubelet kubeconfig is not owned by root:root",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Kubelet(check),
};

const DOCS: &str = r#"## What it does
The file the kubelet's `--kubeconfig` flag names (kubeadm: `/etc/kubernetes/kubelet.conf`), the credentials it uses to reach the API server, owned by another user or group than root (0:0).

## Why is this bad?
A non-root owner can read the node's credentials and rewrite them.

## How to fix
Give the kubeconfig to root:
```sh
chown root:root /etc/kubernetes/kubelet.conf
```

## Example
```console
$ stat -c '%a %U:%G' /etc/kubernetes/kubelet.conf
600 alice:root
```
Use instead:
```console
$ stat -c '%a %U:%G' /etc/kubernetes/kubelet.conf
600 root:root
```

## References
- kubeadm implementation details, constants and well-known paths: https://kubernetes.io/docs/reference/setup-tools/kubeadm/implementation-details/
"#;

fn check(kubelet: &Kubelet, _: &Params) -> Vec<NodeJudgement> {
    let files: Vec<_> = kubelet.files.kubeconfig.iter().collect();
    files_owner(
        &files,
        "kubelet kubeconfig",
        "the kubelet is given no --kubeconfig",
    )
}
