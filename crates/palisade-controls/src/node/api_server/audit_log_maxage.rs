//! kube-apiserver keeps audit logs for too few days.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::Param;
use crate::node::NodeJudgement;
use crate::node::control_plane::{MINIMUM, at_least};
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-audit-log-maxage",
        title: "kube-apiserver keeps audit logs for too few days",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[Param {
        name: MINIMUM,
        doc: "The lowest value allowed.",
        default: &["30"],
    }],
    check: Check::ControlPlane {
        component: Component::ApiServer,
        check,
    },
};

const DOCS: &str = r#"## What it does
Flags kube-apiserver when `--audit-log-maxage` is below the parameter `minimum` (30) or not given (its default, 0, keeps everything only for `maxage` and `maxbackup`; the benchmark asks for the value to be set). The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
Audit logs deleted after a few days cannot answer questions asked a month later (PCI DSS asks for a year, three months of it at hand).

## How to fix
Set it to 30 or more:
```yaml
command:
- kube-apiserver
- --audit-log-maxage=30
```

## Example
```yaml
command:
- kube-apiserver
- --audit-log-maxage=7
```
Use instead:
```yaml
command:
- kube-apiserver
- --audit-log-maxage=30
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
- Auditing, log backend: https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/#log-backend
"#;

fn check(component: &ControlPlaneComponent, params: &Params) -> Vec<NodeJudgement> {
    at_least(
        component,
        params,
        "audit-log-maxage",
        "audit logs are deleted too soon",
    )
}
