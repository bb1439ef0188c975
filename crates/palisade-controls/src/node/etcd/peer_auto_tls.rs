//! etcd members use self-signed peer certificates (--peer-auto-tls).

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::boolean_is;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "etcd-peer-auto-tls",
        title: "etcd members use self-signed peer certificates (--peer-auto-tls)",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::ControlPlane {
        component: Component::Etcd,
        check,
    },
};

const DOCS: &str = r#"## What it does
Flags etcd when `--peer-auto-tls` is true (its default is false). The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
Self-signed peer certificates cannot be verified: any host can present one.

## How to fix
Pass `--peer-auto-tls=false` to etcd (kubeadm: in `/etc/kubernetes/manifests/etcd.yaml`; the kubelet restarts the static pod):
```yaml
command:
- etcd
- --peer-auto-tls=false
```

## Example
```yaml
command:
- etcd
- --peer-auto-tls=true
```
Use instead:
```yaml
command:
- etcd
- --peer-auto-tls=false
```

## References
- etcd configuration flags: https://etcd.io/docs/v3.5/op-guide/configuration/
- etcd transport security: https://etcd.io/docs/v3.5/op-guide/security/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    boolean_is(
        component,
        "peer-auto-tls",
        false,
        "etcd members accept peer certificates nobody can verify",
    )
}
