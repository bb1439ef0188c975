//! The kubelet kubeconfig is not owned by root:root.

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::{files_owner};
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
Owned by `1000:0` it fails; by `0:0` it passes.

## References
- CIS Kubernetes Benchmark v1.12, section 4.1 (Worker Node Configuration Files), 4.1.6
"#;

fn check(kubelet: &Kubelet, _: &Params) -> Vec<NodeJudgement> {
    let files: Vec<_> = kubelet.files.kubeconfig.iter().collect();
    files_owner(&files, "kubelet kubeconfig", "the kubelet is given no --kubeconfig")
}
