//! kube-scheduler serves profiling data (--profiling).

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::boolean_is;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "scheduler-profiling",
        title: "kube-scheduler serves profiling data (--profiling)",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::ControlPlane {
        component: Component::Scheduler,
        check,
    },
};

const DOCS: &str = r#"## What it does
Flags kube-scheduler when `--profiling` is true, its default. The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
Profiling endpoints reveal the program's internals and let a caller trigger expensive CPU profiles.

## How to fix
Pass `--profiling=false` to kube-scheduler (kubeadm: in `/etc/kubernetes/manifests/kube-scheduler.yaml`; the kubelet restarts the static pod):
```yaml
command:
- kube-scheduler
- --profiling=false
```

## Example
```yaml
command:
- kube-scheduler
- --profiling=true
```
Use instead:
```yaml
command:
- kube-scheduler
- --profiling=false
```

## References
- kube-scheduler command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-scheduler/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    boolean_is(
        component,
        "profiling",
        false,
        "kube-scheduler serves its profiling endpoints (/debug/pprof)",
    )
}
