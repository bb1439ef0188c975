//! The cluster-admin kubeconfig (admin.conf) is not owned by root:root.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::{named_file_owner, without_missing};
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "admin-kubeconfig-ownership",
        title: "The cluster-admin kubeconfig (admin.conf) is not owned by root:root",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::ControlPlane {
        component: Component::ApiServer,
        check,
    },
};

const DOCS: &str = r#"## What it does
Flags `/etc/kubernetes/admin.conf` (and `super-admin.conf`) when it is owned by another user or group than root (0:0). Judged on hosts that run kube-apiserver.

## Why is this bad?
Its owner can read the cluster-admin credentials it holds.

## How to fix
Give it to root:
```sh
chown root:root /etc/kubernetes/admin.conf
```

## Example
```console
$ stat -c '%a %U:%G' /etc/kubernetes/admin.conf
600 alice:alice
```
Use instead:
```console
$ stat -c '%a %U:%G' /etc/kubernetes/admin.conf
600 root:root
```

## References
- kubeadm implementation details, constants and well-known paths: https://kubernetes.io/docs/reference/setup-tools/kubeadm/implementation-details/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    without_missing(
        ["admin.conf", "super-admin.conf"]
            .into_iter()
            .map(|file| named_file_owner(component, file, "cluster-admin kubeconfig"))
            .collect(),
    )
}
