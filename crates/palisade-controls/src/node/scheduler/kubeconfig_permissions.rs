//! The kube-scheduler kubeconfig (scheduler.conf) is readable beyond its owner.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::{MAX_MODE_600, named_file_mode};
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "scheduler-kubeconfig-permissions",
        title: "The kube-scheduler kubeconfig (scheduler.conf) is readable beyond its owner",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: MAX_MODE_600,
    check: Check::ControlPlane {
        component: Component::Scheduler,
        check,
    },
};

const DOCS: &str = r#"## What it does
Flags the file kube-scheduler's `--kubeconfig` names (kubeadm's `/etc/kubernetes/scheduler.conf`) when its permissions allow more than `max-mode` (600), as a mask. Judged on hosts; the path is the one on the component's own command line.

## Why is this bad?
It holds kube-scheduler's credentials, which are powerful: whoever reads it acts as kube-scheduler towards the API server.

## How to fix
Restrict it to its owner:
```sh
chmod 600 /etc/kubernetes/scheduler.conf
```

## Example
```console
$ stat -c '%a %U:%G' /etc/kubernetes/scheduler.conf
644 root:root
```
Use instead:
```console
$ stat -c '%a %U:%G' /etc/kubernetes/scheduler.conf
600 root:root
```

## References
- kubeadm implementation details, constants and well-known paths: https://kubernetes.io/docs/reference/setup-tools/kubeadm/implementation-details/
"#;

fn check(component: &ControlPlaneComponent, params: &Params) -> Vec<NodeJudgement> {
    named_file_mode(component, params, "kubeconfig", "kube-scheduler kubeconfig")
}
