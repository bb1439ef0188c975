//! The Kubernetes PKI folder or a file in it is not owned by root:root.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::control_plane::pki;
use crate::node::{NodeJudgement, owned_by_root};
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "pki-ownership",
        title: "The Kubernetes PKI folder or a file in it is not owned by root:root",
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
Flags `/etc/kubernetes/pki`, every folder under it and every file in them (certificates, keys, `sa.key`, the etcd CA), on a host that runs kube-apiserver, when one is owned by another user or group than root (0:0), named as the host's own account files name them. Links are listed, not followed into. At most four levels and 1,000 entries are read.

## Why is this bad?
The folder holds the cluster's CA keys: whoever owns one of them can issue any identity in the cluster, cluster-admin included, or replace the CA.

## How to fix
Give the whole folder to root:
```sh
chown -R root:root /etc/kubernetes/pki/
```

## Example
```console
$ stat -c '%U:%G %n' /etc/kubernetes/pki/ca.key
alice:alice /etc/kubernetes/pki/ca.key
```
Use instead:
```console
$ stat -c '%U:%G %n' /etc/kubernetes/pki/ca.key
root:root /etc/kubernetes/pki/ca.key
```

## References
- PKI certificates and requirements: https://kubernetes.io/docs/setup/best-practices/certificates/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    match pki(component, "") {
        Ok(files) => files
            .into_iter()
            .filter_map(|f| owned_by_root(f, "Kubernetes PKI entry", || None))
            .collect(),
        Err(not_applicable) => vec![not_applicable],
    }
}
