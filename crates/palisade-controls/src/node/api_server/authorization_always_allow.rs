//! kube-apiserver authorizes every request (AlwaysAllow).

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::list_holds;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-authorization-always-allow",
        title: "kube-apiserver authorizes every request (AlwaysAllow)",
        severity: Severity::Critical,
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
Flags kube-apiserver when `--authorization-mode` holds `AlwaysAllow`, which is also its default when the flag is not given. The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
With AlwaysAllow, RBAC is decoration: every authenticated user, service account and (with anonymous authentication) anonymous request can do anything.

## How to fix
Authorize with Node and RBAC:
```yaml
command:
- kube-apiserver
- --authorization-mode=Node,RBAC
```

## Example
```yaml
command:
- kube-apiserver
- --authorization-mode=AlwaysAllow
```
Use instead:
```yaml
command:
- kube-apiserver
- --authorization-mode=Node,RBAC
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
- Authorization modes: https://kubernetes.io/docs/reference/access-authn-authz/authorization/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    list_holds(
        component,
        "authorization-mode",
        "AlwaysAllow",
        false,
        "every authenticated request is allowed",
    )
}
