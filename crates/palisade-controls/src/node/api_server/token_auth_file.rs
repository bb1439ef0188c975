//! kube-apiserver authenticates static tokens (--token-auth-file).

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::not_given;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-token-auth-file",
        title: "kube-apiserver authenticates static tokens (--token-auth-file)",
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
Flags kube-apiserver started with `--token-auth-file`. The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
Static tokens live in a plain-text file, never expire and cannot be revoked without restarting the API server.

## How to fix
Remove `--token-auth-file` and authenticate users with client certificates, OIDC or a webhook:
```yaml
command:
- kube-apiserver
- --oidc-issuer-url=https://issuer.example.com
```

## Example
```yaml
command:
- kube-apiserver
- --token-auth-file=/etc/kubernetes/tokens.csv
```
Use instead:
```yaml
command:
- kube-apiserver
- --oidc-issuer-url=https://issuer.example.com
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
- Static token file: https://kubernetes.io/docs/reference/access-authn-authz/authentication/#static-token-file
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    not_given(
        component,
        "token-auth-file",
        "kube-apiserver accepts the never-expiring tokens of a static file",
    )
}
