//! kube-apiserver does not encrypt Secrets at rest.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::all_given;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-encryption-provider-config",
        title: "kube-apiserver does not encrypt Secrets at rest",
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
Flags kube-apiserver when `--encryption-provider-config` is not given. What the configuration encrypts, and with which provider, is for a person to review (the benchmark's next recommendation). The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
Without encryption at rest, anyone who reads etcd's data directory or a backup reads every Secret.

## How to fix
Give the API server an EncryptionConfiguration:
```yaml
command:
- kube-apiserver
- --encryption-provider-config=/etc/kubernetes/encryption.yaml
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
- --encryption-provider-config=/etc/kubernetes/encryption.yaml
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
- Encrypting data at rest: https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    all_given(
        component,
        &["encryption-provider-config"],
        "Secrets are stored in etcd in plain text",
    )
}
