//! The etcd data directory is accessible beyond its owner.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::{MAX_MODE_700, named_file_mode};
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "etcd-data-dir-permissions",
        title: "The etcd data directory is accessible beyond its owner",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: MAX_MODE_700,
    check: Check::ControlPlane {
        component: Component::Etcd,
        check,
    },
};

const DOCS: &str = r#"## What it does
Flags the directory etcd's `--data-dir` names (kubeadm's `/var/lib/etcd`) when its permissions allow more than `max-mode` (700), as a mask. Judged on hosts.

## Why is this bad?
The data directory holds every object of the cluster, Secrets included, unencrypted unless encryption at rest is configured.

## How to fix
Restrict it to its owner:
```sh
chmod 700 /var/lib/etcd
```

## Example
```console
$ stat -c '%a %U:%G' /var/lib/etcd
755 etcd:etcd
```
Use instead:
```console
$ stat -c '%a %U:%G' /var/lib/etcd
700 etcd:etcd
```

## References
- etcd configuration flags: https://etcd.io/docs/v3.5/op-guide/configuration/
- etcd transport security: https://etcd.io/docs/v3.5/op-guide/security/
"#;

fn check(component: &ControlPlaneComponent, params: &Params) -> Vec<NodeJudgement> {
    named_file_mode(component, params, "data-dir", "etcd data directory")
}
