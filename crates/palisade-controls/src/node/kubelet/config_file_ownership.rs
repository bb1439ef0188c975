//! The kubelet configuration file is not owned by root:root.

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::{config_files, files_owner};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "kubelet-config-file-ownership",
        title: "The kubelet configuration file is not owned by root:root",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Kubelet(check),
};

const DOCS: &str = r#"## What it does
The kubelet's configuration file (`--config`, kubeadm: `/var/lib/kubelet/config.yaml`) and every drop-in of its `--config-dir`, owned by another user or group than root (0:0).

## Why is this bad?
Its owner can rewrite the kubelet's security settings.

## How to fix
Give the configuration file and its drop-ins to root:
```sh
chown root:root /var/lib/kubelet/config.yaml
```

## Example
```console
$ stat -c '%a %U:%G' /var/lib/kubelet/config.yaml
600 alice:alice
```
Use instead:
```console
$ stat -c '%a %U:%G' /var/lib/kubelet/config.yaml
600 root:root
```

## References
- kubeadm implementation details, constants and well-known paths: https://kubernetes.io/docs/reference/setup-tools/kubeadm/implementation-details/
"#;

fn check(kubelet: &Kubelet, _: &Params) -> Vec<NodeJudgement> {
    let files: Vec<_> = config_files(kubelet);
    files_owner(
        &files,
        "kubelet configuration file",
        "the kubelet reads no --config file",
    )
}
