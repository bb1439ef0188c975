//! kube-apiserver names no key to verify service-account tokens.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::all_given;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-service-account-key-file",
        title: "kube-apiserver names no key to verify service-account tokens",
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
Flags kube-apiserver when `--service-account-key-file` is not given. The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
Without its own key pair, tokens are verified with the TLS serving key: rotating one rotates the other, and old keys cannot be kept for verification during a rotation.

## How to fix
Name the public key that matches the controller manager's `--service-account-private-key-file`:
```yaml
command:
- kube-apiserver
- --service-account-key-file=/etc/kubernetes/pki/sa.pub
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
- --service-account-key-file=/etc/kubernetes/pki/sa.pub
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    all_given(
        component,
        &["service-account-key-file"],
        "service-account tokens are verified with the serving key, which cannot be rotated apart from it",
    )
}
