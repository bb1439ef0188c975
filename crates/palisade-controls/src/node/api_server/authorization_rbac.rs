//! kube-apiserver does not use RBAC.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::list_holds;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-authorization-rbac",
        title: "kube-apiserver does not use RBAC",
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
Flags kube-apiserver when `--authorization-mode` does not hold `RBAC`. The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
Without RBAC, roles and bindings are ignored and access is whatever the other modes allow.

## How to fix
Add RBAC:
```yaml
command:
- kube-apiserver
- --authorization-mode=Node,RBAC
```

## Example
```yaml
command:
- kube-apiserver
- --authorization-mode=Node
```
Use instead:
```yaml
command:
- kube-apiserver
- --authorization-mode=Node,RBAC
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
- RBAC: https://kubernetes.io/docs/reference/access-authn-authz/rbac/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    list_holds(
        component,
        "authorization-mode",
        "RBAC",
        true,
        "Roles and RoleBindings decide nothing",
    )
}
