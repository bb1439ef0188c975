//! The kubelet overrides its node name (--hostname-override).

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::judge;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "kubelet-hostname-override",
        title: "The kubelet overrides its node name (--hostname-override)",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Kubelet(check),
};

const DOCS: &str = r#"## What it does
Flags a kubelet started with `--hostname-override`, which the configuration file cannot set. Some cloud providers need it to match the node's name to the instance; there, waive the finding with that reason.

## Why is this bad?
A node name that is not the host's breaks the link between the kubelet's serving certificate and its host name, so TLS verification between the API server and the kubelet fails or is turned off to make it work.

## How to fix
Remove `--hostname-override` from the kubelet's unit (kubeadm: `/etc/default/kubelet` or `KUBELET_EXTRA_ARGS`), then restart it.

## Example
```ini
ExecStart=/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml --hostname-override=node-a
```
Use instead:
```ini
ExecStart=/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml
```

## References
- kubelet command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/
"#;

fn check(kubelet: &Kubelet, _: &Params) -> Vec<NodeJudgement> {
    judge(
        kubelet,
        "--hostname-override",
        |name| {
            Some(format!(
                "the kubelet registers under another name than the host's: --hostname-override={name}"
            ))
        },
        || None,
    )
}
