//! kube-apiserver writes no audit log.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::all_given;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-audit-log-path",
        title: "kube-apiserver writes no audit log",
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
Flags kube-apiserver when `--audit-log-path` is not given (a webhook backend, `--audit-webhook-config-file`, does not count for this recommendation). The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
Without an audit log nobody can tell who read a Secret, created a binding or exec'd into a pod.

## How to fix
Write the audit log to a file, with a policy:
```yaml
command:
- kube-apiserver
- --audit-log-path=/var/log/kubernetes/audit/audit.log
- --audit-policy-file=/etc/kubernetes/audit-policy.yaml
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
- --audit-log-path=/var/log/kubernetes/audit/audit.log
- --audit-policy-file=/etc/kubernetes/audit-policy.yaml
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
- Auditing: https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    all_given(
        component,
        &["audit-log-path"],
        "requests to the API server leave no audit trail",
    )
}
