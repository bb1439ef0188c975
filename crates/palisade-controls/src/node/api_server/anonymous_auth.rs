//! kube-apiserver accepts anonymous requests.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::boolean_is;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-anonymous-auth",
        title: "kube-apiserver accepts anonymous requests",
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
Flags kube-apiserver when `--anonymous-auth` is true, its default. The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
Anonymous requests are authorized as `system:anonymous` in `system:unauthenticated`: every role bound to them, by mistake or by an installer, is open to the network. Health checks do not need it (`/livez`, `/readyz` and `/healthz` can be reached by anonymous requests through `AuthenticationConfiguration`'s anonymous conditions).

## How to fix
Pass `--anonymous-auth=false` to kube-apiserver (kubeadm: in `/etc/kubernetes/manifests/kube-apiserver.yaml`; the kubelet restarts the static pod):
```yaml
command:
- kube-apiserver
- --anonymous-auth=false
```

## Example
```yaml
command:
- kube-apiserver
- --anonymous-auth=true
```
Use instead:
```yaml
command:
- kube-apiserver
- --anonymous-auth=false
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
- Anonymous requests: https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    boolean_is(
        component,
        "anonymous-auth",
        false,
        "requests without credentials reach the API server as system:anonymous",
    )
}
