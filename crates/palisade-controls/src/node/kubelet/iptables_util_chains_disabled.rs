//! The kubelet does not manage its iptables chains.

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::{is_false, judge};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "kubelet-iptables-util-chains-disabled",
        title: "The kubelet does not manage its iptables chains",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Kubelet(check),
};

const DOCS: &str = r#"## What it does
Flags a kubelet whose `makeIPTablesUtilChains` (`--make-iptables-util-chains`) is false. The default is true. The value judged is the one the kubelet runs with: its default (which differs with and without `--config`), then the `--config` file, its `--config-dir` drop-ins in name order, then the command line, which wins; the finding points where the value came from.

## Why is this bad?
The kubelet keeps the iptables rules it needs (dropping marked packets, masquerading) in line with how pods are networked. Managing them by hand lets them drift from what the pods' network configuration expects.

## How to fix
Remove `makeIPTablesUtilChains: false` (or set it to true), and remove `--make-iptables-util-chains=false`.

## Example
```yaml
makeIPTablesUtilChains: false
```
Use instead:
```yaml
makeIPTablesUtilChains: true
```

## References
- Kubelet configuration (v1beta1): https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
"#;

fn check(kubelet: &Kubelet, _: &Params) -> Vec<NodeJudgement> {
    judge(
        kubelet,
        "makeIPTablesUtilChains",
        |value| {
            is_false(value).then(|| {
                "the kubelet leaves the node's iptables utility chains to someone else: makeIPTablesUtilChains is false".to_owned()
            })
        },
        || None,
    )
}
