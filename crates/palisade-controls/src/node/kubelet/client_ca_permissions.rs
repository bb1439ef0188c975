//! The kubelet client CA file is writable beyond its owner.

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::{MAX_MODE_644, files_mode};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "kubelet-client-ca-permissions",
        title: "The kubelet client CA file is writable beyond its owner",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: MAX_MODE_644,
    check: Check::Kubelet(check),
};

const DOCS: &str = r#"## What it does
The client CA file the kubelet verifies client certificates against (`authentication.x509.clientCAFile`, or `--client-ca-file`, as merged), whose permissions allow more than `max-mode` (644) as a mask: a CA certificate is public, writing it is not.

## Why is this bad?
Whoever can write the CA file can add their own CA and then authenticate to the kubelet's API (exec, logs, port-forward into every pod of the node) with a certificate they issue.

## How to fix
Make the CA file writable by its owner only:
```sh
chmod 644 /etc/kubernetes/pki/ca.crt
```

## Example
```console
$ stat -c '%a %U:%G' /etc/kubernetes/pki/ca.crt
666 root:root
```
Use instead:
```console
$ stat -c '%a %U:%G' /etc/kubernetes/pki/ca.crt
644 root:root
```

## References
- kubeadm implementation details, constants and well-known paths: https://kubernetes.io/docs/reference/setup-tools/kubeadm/implementation-details/
"#;

fn check(kubelet: &Kubelet, params: &Params) -> Vec<NodeJudgement> {
    let files: Vec<_> = kubelet.files.client_ca.iter().collect();
    files_mode(
        &files,
        params,
        "kubelet client CA file",
        "the kubelet names no client CA file (see kubelet-client-ca-not-set)",
    )
}
