//! kube-apiserver does not use the Node authorizer.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::list_holds;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-authorization-node",
        title: "kube-apiserver does not use the Node authorizer",
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
Flags kube-apiserver when `--authorization-mode` does not hold `Node`. The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
The Node authorizer limits each kubelet to the Secrets, ConfigMaps and volumes of the pods bound to its node; without it a compromised node reads what every node may read.

## How to fix
Add Node before RBAC:
```yaml
command:
- kube-apiserver
- --authorization-mode=Node,RBAC
```

## Example
```yaml
command:
- kube-apiserver
- --authorization-mode=RBAC
```
Use instead:
```yaml
command:
- kube-apiserver
- --authorization-mode=Node,RBAC
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
- Node authorization: https://kubernetes.io/docs/reference/access-authn-authz/node/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    list_holds(
        component,
        "authorization-mode",
        "Node",
        true,
        "kubelets are not limited to their own node's objects",
    )
}
