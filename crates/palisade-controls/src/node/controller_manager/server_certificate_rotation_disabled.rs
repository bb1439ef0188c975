//! kube-controller-manager turns off kubelet serving-certificate rotation.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::gate_not_off;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "controller-manager-server-certificate-rotation-disabled",
        title: "kube-controller-manager turns off kubelet serving-certificate rotation",
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
Flags kube-controller-manager when `--feature-gates` turns `RotateKubeletServerCertificate` off (it is on by default). The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
The controller manager approves and signs kubelets' serving-certificate requests; with the gate off, serving certificates live until they expire.

## How to fix
Remove `RotateKubeletServerCertificate=false` from `--feature-gates`:
```yaml
command:
- kube-controller-manager
- --feature-gates=RotateKubeletServerCertificate=true
```

## Example
```yaml
command:
- kube-controller-manager
- --feature-gates=RotateKubeletServerCertificate=false
```
Use instead:
```yaml
command:
- kube-controller-manager
- --feature-gates=RotateKubeletServerCertificate=true
```

## References
- kube-controller-manager command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    gate_not_off(
        component,
        "RotateKubeletServerCertificate",
        "kubelets' serving certificates are not rotated",
    )
}
