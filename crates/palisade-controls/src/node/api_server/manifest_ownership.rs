//! The kube-apiserver static-pod manifest is not owned by root:root.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::manifest_owner;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-manifest-ownership",
        title: "The kube-apiserver static-pod manifest is not owned by root:root",
        severity: Severity::Medium,
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
Flags the kube-apiserver static-pod manifest when it is owned by another user or group than root (0:0), named as the host's own `/etc/passwd` and `/etc/group` name them. Judged on hosts; a component that runs from no manifest is not applicable.

## Why is this bad?
Its owner can change its mode and rewrite the API server's command line.

## How to fix
Give the manifest to root:
```sh
chown root:root /etc/kubernetes/manifests/kube-apiserver.yaml
```

## Example
```console
$ stat -c '%a %U:%G' /etc/kubernetes/manifests/kube-apiserver.yaml
600 alice:alice
```
Use instead:
```console
$ stat -c '%a %U:%G' /etc/kubernetes/manifests/kube-apiserver.yaml
600 root:root
```

## References
- Static pods: https://kubernetes.io/docs/tasks/configure-pod-container/static-pod/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    manifest_owner(component)
}
