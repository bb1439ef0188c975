//! kube-controller-manager never garbage-collects terminated pods.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::judge;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "controller-manager-terminated-pod-gc-disabled",
        title: "kube-controller-manager never garbage-collects terminated pods",
        severity: Severity::Low,
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
Flags kube-controller-manager when `--terminated-pod-gc-threshold` is 0 or negative, which turns the terminated-pod garbage collector off. The default, 12500, passes; the level that fits a cluster is for a person to decide. The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
Terminated pods pile up in etcd and in every list of pods: the API server and controllers slow down until the cluster degrades.

## How to fix
Set a threshold above 0:
```yaml
command:
- kube-controller-manager
- --terminated-pod-gc-threshold=10
```

## Example
```yaml
command:
- kube-controller-manager
- --terminated-pod-gc-threshold=0
```
Use instead:
```yaml
command:
- kube-controller-manager
- --terminated-pod-gc-threshold=10
```

## References
- kube-controller-manager command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    judge(
        component,
        "terminated-pod-gc-threshold",
        |value| match value.trim().parse::<i64>() {
            Ok(n) if n > 0 => None,
            Ok(n) => Some(format!(
                "terminated pods are never garbage-collected: --terminated-pod-gc-threshold is {n}"
            )),
            Err(_) => Some(format!(
                "--terminated-pod-gc-threshold is {value:?}, which is no whole number"
            )),
        },
        || None,
    )
}
