//! The kubelet configuration file is writable or readable beyond its owner.

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::{MAX_MODE_600, config_files, files_mode};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "kubelet-config-file-permissions",
        title: "The kubelet configuration file is writable or readable beyond its owner",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: MAX_MODE_600,
    check: Check::Kubelet(check),
};

const DOCS: &str = r#"## What it does
The kubelet's configuration file (`--config`, kubeadm: `/var/lib/kubelet/config.yaml`) and every drop-in of its `--config-dir`, whose permissions allow more than `max-mode` (600) as a mask. A kubelet started without `--config` is not applicable.

## Why is this bad?
The file sets the kubelet's authentication, authorization, TLS and port settings: whoever writes it controls them at the next restart.

## How to fix
Restrict the configuration file and its drop-ins to their owner:
```sh
chmod 600 /var/lib/kubelet/config.yaml
```

## Example
```console
$ stat -c '%a %U:%G' /var/lib/kubelet/config.yaml
644 root:root
```
Use instead:
```console
$ stat -c '%a %U:%G' /var/lib/kubelet/config.yaml
600 root:root
```

## References
- kubeadm implementation details, constants and well-known paths: https://kubernetes.io/docs/reference/setup-tools/kubeadm/implementation-details/
"#;

fn check(kubelet: &Kubelet, params: &Params) -> Vec<NodeJudgement> {
    let files: Vec<_> = config_files(kubelet);
    files_mode(
        &files,
        params,
        "kubelet configuration file",
        "the kubelet reads no --config file",
    )
}
