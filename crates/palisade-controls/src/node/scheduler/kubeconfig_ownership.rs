//! The kube-scheduler kubeconfig (scheduler.conf) is not owned by root:root.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::named_file_owner;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "scheduler-kubeconfig-ownership",
        title: "The kube-scheduler kubeconfig (scheduler.conf) is not owned by root:root",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::ControlPlane {
        component: Component::Scheduler,
        check,
    },
};

const DOCS: &str = r#"## What it does
Flags the file kube-scheduler's `--kubeconfig` names when it is owned by another user or group than root (0:0). Judged on hosts.

## Why is this bad?
Its owner can read kube-scheduler's credentials.

## How to fix
Give it to root:
```sh
chown root:root /etc/kubernetes/scheduler.conf
```

## Example
```console
$ stat -c '%a %U:%G' /etc/kubernetes/scheduler.conf
600 alice:alice
```
Use instead:
```console
$ stat -c '%a %U:%G' /etc/kubernetes/scheduler.conf
600 root:root
```

## References
- kubeadm implementation details, constants and well-known paths: https://kubernetes.io/docs/reference/setup-tools/kubeadm/implementation-details/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    named_file_owner(component, "kubeconfig", "kube-scheduler kubeconfig")
}
