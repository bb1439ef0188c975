//! The kube-controller-manager kubeconfig (controller-manager.conf) is not owned by root:root.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::named_file_owner;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "controller-manager-kubeconfig-ownership",
        title: "The kube-controller-manager kubeconfig (controller-manager.conf) is not owned by root:root",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::ControlPlane {
        component: Component::ControllerManager,
        check,
    },
};

const DOCS: &str = r#"## What it does
Flags the file kube-controller-manager's `--kubeconfig` names when it is owned by another user or group than root (0:0). Judged on hosts.

## Why is this bad?
Its owner can read kube-controller-manager's credentials.

## How to fix
Give it to root:
```sh
chown root:root /etc/kubernetes/controller-manager.conf
```

## Example
```console
$ stat -c '%a %U:%G' /etc/kubernetes/controller-manager.conf
600 alice:alice
```
Use instead:
```console
$ stat -c '%a %U:%G' /etc/kubernetes/controller-manager.conf
600 root:root
```

## References
- kubeadm implementation details, constants and well-known paths: https://kubernetes.io/docs/reference/setup-tools/kubeadm/implementation-details/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    named_file_owner(
        component,
        "kubeconfig",
        "kube-controller-manager kubeconfig",
    )
}
