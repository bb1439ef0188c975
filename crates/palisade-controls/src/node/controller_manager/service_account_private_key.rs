//! kube-controller-manager names no key to sign service-account tokens.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::all_given;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "controller-manager-service-account-private-key",
        title: "kube-controller-manager names no key to sign service-account tokens",
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
Flags kube-controller-manager when `--service-account-private-key-file` is not given. The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
A key pair of their own lets service-account signing keys be rotated without touching the serving certificates.

## How to fix
Name the private key whose public half the API server's `--service-account-key-file` holds:
```yaml
command:
- kube-controller-manager
- --service-account-private-key-file=/etc/kubernetes/pki/sa.key
```

## Example
```yaml
command:
- kube-controller-manager
```
Use instead:
```yaml
command:
- kube-controller-manager
- --service-account-private-key-file=/etc/kubernetes/pki/sa.key
```

## References
- kube-controller-manager command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    all_given(
        component,
        &["service-account-private-key-file"],
        "service-account tokens cannot be signed with a key of their own",
    )
}
