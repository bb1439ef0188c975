//! A Kubernetes PKI private key is readable beyond its owner.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::pki_mode;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "pki-key-permissions",
        title: "A Kubernetes PKI private key is readable beyond its owner",
        severity: Severity::Critical,
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
Flags every `*.key` under `/etc/kubernetes/pki` (four levels, 1,000 entries at most), on a host that runs kube-apiserver, whose permissions allow more than 600 as a mask.

## Why is this bad?
Whoever reads the CA key (`ca.key`), the service-account signing key (`sa.key`) or etcd's CA key can mint any identity in the cluster or any service-account token.

## How to fix
Make the keys readable by their owner only:
```sh
find /etc/kubernetes/pki/ -name '*.key' -exec chmod 600 {} +
```

## Example
```console
$ stat -c '%a %n' /etc/kubernetes/pki/ca.key
644 /etc/kubernetes/pki/ca.key
```
Use instead:
```console
$ stat -c '%a %n' /etc/kubernetes/pki/ca.key
600 /etc/kubernetes/pki/ca.key
```

## References
- PKI certificates and requirements: https://kubernetes.io/docs/setup/best-practices/certificates/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    pki_mode(component, ".key", 0o600, "Kubernetes PKI private key")
}
