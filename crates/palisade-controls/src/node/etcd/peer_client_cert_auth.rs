//! etcd does not require peer certificates.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::boolean_is;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "etcd-peer-client-cert-auth",
        title: "etcd does not require peer certificates",
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
Flags etcd when `--peer-client-cert-auth` is false, its default. The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
Without peer-certificate authentication, a host that reaches the peer port can take part in replication and read or change every object.

## How to fix
Pass `--peer-client-cert-auth=true` to etcd (kubeadm: in `/etc/kubernetes/manifests/etcd.yaml`; the kubelet restarts the static pod):
```yaml
command:
- etcd
- --peer-client-cert-auth=true
```

## Example
```yaml
command:
- etcd
- --peer-client-cert-auth=false
```
Use instead:
```yaml
command:
- etcd
- --peer-client-cert-auth=true
```

## References
- etcd configuration flags: https://etcd.io/docs/v3.5/op-guide/configuration/
- etcd transport security: https://etcd.io/docs/v3.5/op-guide/security/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    boolean_is(
        component,
        "peer-client-cert-auth",
        true,
        "anyone who reaches the peer port can join the replication",
    )
}
