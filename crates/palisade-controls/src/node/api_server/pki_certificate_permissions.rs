//! A Kubernetes PKI certificate is writable beyond its owner.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::pki_mode;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "pki-certificate-permissions",
        title: "A Kubernetes PKI certificate is writable beyond its owner",
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
Flags every `*.crt` under `/etc/kubernetes/pki` (four levels, 1,000 entries at most), on a host that runs kube-apiserver, whose permissions allow more than 644 as a mask (setuid, setgid and sticky included).

## Why is this bad?
Certificates are public, replacing one is not: whoever can write the CA certificate makes the cluster trust a CA of their own.

## How to fix
Make the certificates writable by their owner only:
```sh
find /etc/kubernetes/pki/ -name '*.crt' -exec chmod 644 {} +
```

## Example
```console
$ stat -c '%a %n' /etc/kubernetes/pki/ca.crt
666 /etc/kubernetes/pki/ca.crt
```
Use instead:
```console
$ stat -c '%a %n' /etc/kubernetes/pki/ca.crt
644 /etc/kubernetes/pki/ca.crt
```

## References
- PKI certificates and requirements: https://kubernetes.io/docs/setup/best-practices/certificates/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    pki_mode(component, ".crt", 0o644, "Kubernetes PKI certificate")
}
