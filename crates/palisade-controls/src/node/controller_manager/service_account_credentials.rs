//! kube-controller-manager runs every controller with its own credentials.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::boolean_is;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "controller-manager-service-account-credentials",
        title: "kube-controller-manager runs every controller with its own credentials",
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
Flags kube-controller-manager when `--use-service-account-credentials` is false, its default. The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
With it, each controller runs as its own service account with only the roles it needs (`system:controller:*`); without it a flaw in any controller has the whole controller manager's access.

## How to fix
Pass `--use-service-account-credentials=true` to kube-controller-manager (kubeadm: in `/etc/kubernetes/manifests/kube-controller-manager.yaml`; the kubelet restarts the static pod):
```yaml
command:
- kube-controller-manager
- --use-service-account-credentials=true
```

## Example
```yaml
command:
- kube-controller-manager
- --use-service-account-credentials=false
```
Use instead:
```yaml
command:
- kube-controller-manager
- --use-service-account-credentials=true
```

## References
- kube-controller-manager command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
- Controller roles: https://kubernetes.io/docs/reference/access-authn-authz/rbac/#controller-roles
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    boolean_is(
        component,
        "use-service-account-credentials",
        true,
        "every controller acts with the controller manager's own, broad credentials",
    )
}
