//! kube-controller-manager gives pods no root CA (--root-ca-file).

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::all_given;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "controller-manager-root-ca",
        title: "kube-controller-manager gives pods no root CA (--root-ca-file)",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::ControlPlane {
        component: Component::ControllerManager,
        check,
    },
};

const DOCS: &str = r#"## What it does
Flags kube-controller-manager when `--root-ca-file` is not given. The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
The root CA is written into every service-account token volume as `ca.crt`: without it pods must skip verifying the API server, and a man in the middle reads their tokens.

## How to fix
Name the cluster CA:
```yaml
command:
- kube-controller-manager
- --root-ca-file=/etc/kubernetes/pki/ca.crt
```

## Example
```yaml
command:
- kube-controller-manager
```
Use instead:
```yaml
command:
- kube-controller-manager
- --root-ca-file=/etc/kubernetes/pki/ca.crt
```

## References
- kube-controller-manager command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    all_given(
        component,
        &["root-ca-file"],
        "pods cannot verify the API server's certificate",
    )
}
