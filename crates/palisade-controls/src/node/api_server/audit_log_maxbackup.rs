//! kube-apiserver keeps too few rotated audit log files.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::Param;
use crate::node::NodeJudgement;
use crate::node::control_plane::{MINIMUM, at_least};
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-audit-log-maxbackup",
        title: "kube-apiserver keeps too few rotated audit log files",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[Param {
        name: MINIMUM,
        doc: "The lowest value allowed.",
        default: &["10"],
    }],
    check: Check::ControlPlane {
        component: Component::ApiServer,
        check,
    },
};

const DOCS: &str = r#"## What it does
Flags kube-apiserver when `--audit-log-maxbackup` is below the parameter `minimum` (10) or not given (its default, 0, keeps everything only for `maxage` and `maxbackup`; the benchmark asks for the value to be set). The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
With few rotated files kept, a burst of requests rotates the evidence away.

## How to fix
Set it to 10 or more:
```yaml
command:
- kube-apiserver
- --audit-log-maxbackup=10
```

## Example
```yaml
command:
- kube-apiserver
- --audit-log-maxbackup=7
```
Use instead:
```yaml
command:
- kube-apiserver
- --audit-log-maxbackup=10
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
- Auditing, log backend: https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/#log-backend
"#;

fn check(component: &ControlPlaneComponent, params: &Params) -> Vec<NodeJudgement> {
    at_least(
        component,
        params,
        "audit-log-maxbackup",
        "too few rotated audit logs are kept",
    )
}
