//! The kubelet sets no limit on the processes of a pod.

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::judge;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "kubelet-pod-pids-unlimited",
        title: "The kubelet sets no limit on the processes of a pod",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Kubelet(check),
};

const DOCS: &str = r#"## What it does
Flags a kubelet whose `podPidsLimit` (`--pod-max-pids`) is 0 or negative, which the kubelet reads as no limit. The default is -1. The value judged is the one the kubelet runs with: its default (which differs with and without `--config`), then the `--config` file, its `--config-dir` drop-ins in name order, then the command line, which wins; the finding points where the value came from.

## Why is this bad?
A fork bomb in one pod exhausts the node's process IDs, and every other pod on the node (and the kubelet) can no longer start processes.

## How to fix
Set a limit that fits the node's workloads in the kubelet configuration file:
```yaml
podPidsLimit: 4096
```
(a level that fits the node's workloads), or pass `--pod-max-pids=4096`.

## Example
```yaml
podPidsLimit: -1
```
Use instead:
```yaml
podPidsLimit: 4096
```

## References
- Process ID limits and reservations: https://kubernetes.io/docs/concepts/policy/pid-limiting/
"#;

fn check(kubelet: &Kubelet, _: &Params) -> Vec<NodeJudgement> {
    judge(
        kubelet,
        "podPidsLimit",
        |limit| match limit.trim().parse::<i64>() {
            Ok(limit) if limit > 0 => None,
            Ok(limit) => Some(format!(
                "a pod may start processes until the node runs out: podPidsLimit is {limit}, no limit"
            )),
            Err(_) => Some(format!("podPidsLimit is {limit:?}, which is no number")),
        },
        || None,
    )
}
