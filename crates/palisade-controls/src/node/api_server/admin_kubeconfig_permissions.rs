//! The cluster-admin kubeconfig (admin.conf) is readable beyond its owner.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::{MAX_MODE_600, named_file_mode, without_missing};
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "admin-kubeconfig-permissions",
        title: "The cluster-admin kubeconfig (admin.conf) is readable beyond its owner",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: MAX_MODE_600,
    check: Check::ControlPlane {
        component: Component::ApiServer,
        check,
    },
};

const DOCS: &str = r#"## What it does
Flags `/etc/kubernetes/admin.conf` (and `super-admin.conf` on kubeadm 1.29 and later), the kubeconfigs kubeadm writes on control-plane nodes, when their permissions allow more than `max-mode` (600) as a mask. Judged on hosts that run kube-apiserver; a file that is not there is not applicable.

## Why is this bad?
admin.conf holds a client certificate in the kubeadm:cluster-admins group (super-admin.conf: system:masters): whoever reads it is cluster-admin.

## How to fix
Restrict the kubeconfigs to root:
```sh
chmod 600 /etc/kubernetes/admin.conf /etc/kubernetes/super-admin.conf
```

## Example
```console
$ stat -c '%a %U:%G' /etc/kubernetes/admin.conf
644 root:root
```
Use instead:
```console
$ stat -c '%a %U:%G' /etc/kubernetes/admin.conf
600 root:root
```

## References
- kubeadm implementation details, constants and well-known paths: https://kubernetes.io/docs/reference/setup-tools/kubeadm/implementation-details/
"#;

fn check(component: &ControlPlaneComponent, params: &Params) -> Vec<NodeJudgement> {
    without_missing(
        ["admin.conf", "super-admin.conf"]
            .into_iter()
            .map(|file| named_file_mode(component, params, file, "cluster-admin kubeconfig"))
            .collect(),
    )
}
