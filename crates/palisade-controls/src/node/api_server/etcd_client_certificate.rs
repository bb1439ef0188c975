//! kube-apiserver presents no client certificate to etcd.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::all_given;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-etcd-client-certificate",
        title: "kube-apiserver presents no client certificate to etcd",
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
Flags kube-apiserver when `--etcd-certfile` or `--etcd-keyfile` is not given. The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
etcd holds every object, Secrets included: without client certificates it cannot tell the API server from anyone else on its network.

## How to fix
Give the API server its etcd client certificate:
```yaml
command:
- kube-apiserver
- --etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt
- --etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key
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
- --etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt
- --etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
- etcd configuration flags: https://etcd.io/docs/v3.5/op-guide/configuration/
- etcd transport security: https://etcd.io/docs/v3.5/op-guide/security/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    all_given(
        component,
        &["etcd-certfile", "etcd-keyfile"],
        "etcd cannot authenticate kube-apiserver",
    )
}
