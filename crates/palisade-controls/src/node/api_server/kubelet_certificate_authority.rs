//! kube-apiserver does not verify kubelets' serving certificates.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::all_given;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-kubelet-certificate-authority",
        title: "kube-apiserver does not verify kubelets' serving certificates",
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
Flags kube-apiserver when `--kubelet-certificate-authority` is not given. The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
Without it the API server connects to kubelets without checking who answers: a man in the middle on the node network sees exec sessions and logs.

## How to fix
Name the CA that issues the kubelets' serving certificates (with `serverTLSBootstrap`, the cluster CA):
```yaml
command:
- kube-apiserver
- --kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt
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
- --kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    all_given(
        component,
        &["kubelet-certificate-authority"],
        "kube-apiserver cannot verify the kubelets it connects to",
    )
}
