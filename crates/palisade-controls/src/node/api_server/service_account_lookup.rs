//! kube-apiserver accepts tokens of deleted service accounts.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::boolean_is;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-service-account-lookup",
        title: "kube-apiserver accepts tokens of deleted service accounts",
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
Flags kube-apiserver when `--service-account-lookup` is false (its default is true). The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
Without the lookup, a token is checked only by its signature: deleting a service account does not revoke the tokens issued to it.

## How to fix
Pass `--service-account-lookup=true` to kube-apiserver (kubeadm: in `/etc/kubernetes/manifests/kube-apiserver.yaml`; the kubelet restarts the static pod):
```yaml
command:
- kube-apiserver
- --service-account-lookup=true
```

## Example
```yaml
command:
- kube-apiserver
- --service-account-lookup=false
```
Use instead:
```yaml
command:
- kube-apiserver
- --service-account-lookup=true
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    boolean_is(
        component,
        "service-account-lookup",
        true,
        "tokens stay valid after their service account is deleted",
    )
}
