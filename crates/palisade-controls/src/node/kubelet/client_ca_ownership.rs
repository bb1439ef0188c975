//! The kubelet client CA file is not owned by root:root.

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::files_owner;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "kubelet-client-ca-ownership",
        title: "The kubelet client CA file is not owned by root:root",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Kubelet(check),
};

const DOCS: &str = r#"## What it does
The client CA file the kubelet verifies client certificates against (`authentication.x509.clientCAFile`, or `--client-ca-file`, as merged), owned by another user or group than root (0:0).

## Why is this bad?
Its owner can make it writable and add a CA of their own.

## How to fix
Give the CA file to root:
```sh
chown root:root /etc/kubernetes/pki/ca.crt
```

## Example
```console
$ stat -c '%a %U:%G' /etc/kubernetes/pki/ca.crt
644 alice:alice
```
Use instead:
```console
$ stat -c '%a %U:%G' /etc/kubernetes/pki/ca.crt
644 root:root
```

## References
- kubeadm implementation details, constants and well-known paths: https://kubernetes.io/docs/reference/setup-tools/kubeadm/implementation-details/
"#;

fn check(kubelet: &Kubelet, _: &Params) -> Vec<NodeJudgement> {
    let files: Vec<_> = kubelet.files.client_ca.iter().collect();
    files_owner(
        &files,
        "kubelet client CA file",
        "the kubelet names no client CA file (see kubelet-client-ca-not-set)",
    )
}
