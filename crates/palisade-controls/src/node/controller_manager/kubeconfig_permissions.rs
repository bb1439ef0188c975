//! The kube-controller-manager kubeconfig (controller-manager.conf) is readable beyond its owner.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::{MAX_MODE_600, named_file_mode};
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "controller-manager-kubeconfig-permissions",
        title: "The kube-controller-manager kubeconfig (controller-manager.conf) is readable beyond its owner",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: MAX_MODE_600,
    check: Check::ControlPlane {
        component: Component::ControllerManager,
        check,
    },
};

const DOCS: &str = r#"## What it does
Flags the file kube-controller-manager's `--kubeconfig` names (kubeadm's `/etc/kubernetes/controller-manager.conf`) when its permissions allow more than `max-mode` (600), as a mask. Judged on hosts; the path is the one on the component's own command line.

## Why is this bad?
It holds kube-controller-manager's credentials, which are powerful: whoever reads it acts as kube-controller-manager towards the API server.

## How to fix
Restrict it to its owner:
```sh
chmod 600 /etc/kubernetes/controller-manager.conf
```

## Example
```console
$ stat -c '%a %U:%G' /etc/kubernetes/controller-manager.conf
644 root:root
```
Use instead:
```console
$ stat -c '%a %U:%G' /etc/kubernetes/controller-manager.conf
600 root:root
```

## References
- kubeadm implementation details, constants and well-known paths: https://kubernetes.io/docs/reference/setup-tools/kubeadm/implementation-details/
"#;

fn check(component: &ControlPlaneComponent, params: &Params) -> Vec<NodeJudgement> {
    named_file_mode(
        component,
        params,
        "kubeconfig",
        "kube-controller-manager kubeconfig",
    )
}
