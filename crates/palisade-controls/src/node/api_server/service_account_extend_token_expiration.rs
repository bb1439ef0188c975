//! kube-apiserver extends the life of projected service-account tokens.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::boolean_is;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-service-account-extend-token-expiration",
        title: "kube-apiserver extends the life of projected service-account tokens",
        severity: Severity::Medium,
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
Flags kube-apiserver when `--service-account-extend-token-expiration` is true, its default. The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
The extension makes tokens requested for an hour valid for a year (to spare clients that do not reload them): a stolen token is then useful for that long.

## How to fix
Pass `--service-account-extend-token-expiration=false` to kube-apiserver (kubeadm: in `/etc/kubernetes/manifests/kube-apiserver.yaml`; the kubelet restarts the static pod):
```yaml
command:
- kube-apiserver
- --service-account-extend-token-expiration=false
```

## Example
```yaml
command:
- kube-apiserver
- --service-account-extend-token-expiration=true
```
Use instead:
```yaml
command:
- kube-apiserver
- --service-account-extend-token-expiration=false
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
- Bound service account tokens: https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/#bound-service-account-token-volume
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    boolean_is(
        component,
        "service-account-extend-token-expiration",
        false,
        "projected tokens stay valid for a year instead of their requested life",
    )
}
