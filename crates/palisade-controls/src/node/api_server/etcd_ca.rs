//! kube-apiserver does not verify etcd's certificate (no --etcd-cafile).

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::all_given;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-etcd-ca",
        title: "kube-apiserver does not verify etcd's certificate (no --etcd-cafile)",
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
Flags kube-apiserver when `--etcd-cafile` is not given. The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
Without it the API server trusts whoever answers on etcd's address with every object it writes, Secrets included.

## How to fix
Name etcd's CA:
```yaml
command:
- kube-apiserver
- --etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt
```

## Example
```yaml
command:
- kube-apiserver
```
Use instead:
```yaml
command:
- kube-apiserver
- --etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
- etcd configuration flags: https://etcd.io/docs/v3.5/op-guide/configuration/
- etcd transport security: https://etcd.io/docs/v3.5/op-guide/security/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    all_given(
        component,
        &["etcd-cafile"],
        "kube-apiserver cannot verify the etcd it stores everything in",
    )
}
