//! etcd members replicate without TLS.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::all_given;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "etcd-peer-tls-certificate",
        title: "etcd members replicate without TLS",
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
Flags etcd when `--peer-cert-file` or `--peer-key-file` is not given (on a single-member etcd the peer port carries no traffic; waive it there). The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
Replication carries every object between members: without TLS it is readable and writable on the network.

## How to fix
Give each member a peer certificate:
```yaml
command:
- etcd
- --peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt
- --peer-key-file=/etc/kubernetes/pki/etcd/peer.key
```

## Example
```yaml
command:
- etcd
```
Use instead:
```yaml
command:
- etcd
- --peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt
- --peer-key-file=/etc/kubernetes/pki/etcd/peer.key
```

## References
- etcd configuration flags: https://etcd.io/docs/v3.5/op-guide/configuration/
- etcd transport security: https://etcd.io/docs/v3.5/op-guide/security/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    all_given(
        component,
        &["peer-cert-file", "peer-key-file"],
        "etcd members replicate every object in plain text",
    )
}
