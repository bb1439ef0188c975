//! etcd serves clients without TLS.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::all_given;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "etcd-tls-certificate",
        title: "etcd serves clients without TLS",
        severity: Severity::Critical,
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
Flags etcd when `--cert-file` or `--key-file` is not given. The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
Without TLS, every object the API server stores, Secrets included, crosses the network in plain text.

## How to fix
Serve clients with a certificate:
```yaml
command:
- etcd
- --cert-file=/etc/kubernetes/pki/etcd/server.crt
- --key-file=/etc/kubernetes/pki/etcd/server.key
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
- --cert-file=/etc/kubernetes/pki/etcd/server.crt
- --key-file=/etc/kubernetes/pki/etcd/server.key
```

## References
- etcd configuration flags: https://etcd.io/docs/v3.5/op-guide/configuration/
- etcd transport security: https://etcd.io/docs/v3.5/op-guide/security/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    all_given(
        component,
        &["cert-file", "key-file"],
        "etcd's clients talk to it in plain text",
    )
}
