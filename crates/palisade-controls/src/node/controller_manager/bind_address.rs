//! kube-controller-manager listens on every interface.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::loopback;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "controller-manager-bind-address",
        title: "kube-controller-manager listens on every interface",
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
Flags kube-controller-manager when `--bind-address` is not a loopback address. Not given, it is 0.0.0.0 (every interface), so an unset flag fails here, while kube-bench's test passes it. The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
Its secure port serves health and metrics (and profiling when it is on) to the node's network; nothing outside the node needs them.

## How to fix
Bind it to the loopback interface:
```yaml
command:
- kube-controller-manager
- --bind-address=127.0.0.1
```

## Example
```yaml
command:
- kube-controller-manager
- --bind-address=0.0.0.0
```
Use instead:
```yaml
command:
- kube-controller-manager
- --bind-address=127.0.0.1
```

## References
- kube-controller-manager command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    loopback(component, "bind-address", "kube-controller-manager")
}
