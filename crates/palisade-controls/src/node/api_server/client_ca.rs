//! kube-apiserver verifies no client certificates (no --client-ca-file).

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::all_given;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-client-ca",
        title: "kube-apiserver verifies no client certificates (no --client-ca-file)",
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
Flags kube-apiserver when `--client-ca-file` is not given. The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
Without a client CA, components and kubelets cannot authenticate with certificates, and clusters fall back on tokens or anonymous access.

## How to fix
Name the cluster CA:
```yaml
command:
- kube-apiserver
- --client-ca-file=/etc/kubernetes/pki/ca.crt
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
- --client-ca-file=/etc/kubernetes/pki/ca.crt
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    all_given(
        component,
        &["client-ca-file"],
        "client certificates cannot authenticate to kube-apiserver",
    )
}
