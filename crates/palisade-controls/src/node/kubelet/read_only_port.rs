//! The kubelet serves its unauthenticated read-only port.

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::judge;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "kubelet-read-only-port",
        title: "The kubelet serves its unauthenticated read-only port",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Kubelet(check),
};

const DOCS: &str = r#"## What it does
Flags a kubelet whose `readOnlyPort` (`--read-only-port`) is not 0. Without `--config` its legacy default is 10255; with `--config` it is 0. The value judged is the one the kubelet runs with: its default (which differs with and without `--config`), then the `--config` file, its `--config-dir` drop-ins in name order, then the command line, which wins; the finding points where the value came from.

## Why is this bad?
The read-only port answers without authentication or authorization: the pods of the node with their specs (environment variables included), and the node's metrics, to anyone who can reach it.

## How to fix
Turn the read-only port off in the kubelet configuration file:
```yaml
readOnlyPort: 0
```
or pass `--read-only-port=0`.

## Example
```yaml
readOnlyPort: 10255
```
Use instead:
```yaml
readOnlyPort: 0
```

## References
- Kubelet configuration (v1beta1): https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
"#;

fn check(kubelet: &Kubelet, _: &Params) -> Vec<NodeJudgement> {
    judge(
        kubelet,
        "readOnlyPort",
        |port| {
            (port.trim() != "0").then(|| {
                format!(
                    "the kubelet serves its read-only API without authentication on port {port}"
                )
            })
        },
        || None,
    )
}
