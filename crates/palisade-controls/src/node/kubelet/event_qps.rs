//! The kubelet limits the events it records too tightly.

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::judge;
use crate::node::NodeJudgement;
use crate::{Check, Control, Param, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "kubelet-event-qps",
        title: "The kubelet limits the events it records too tightly",
        severity: Severity::Low,
        docs: DOCS,
    },
    pss: None,
    params: &[Param {
        name: "minimum",
        doc: "The lowest eventRecordQPS allowed above 0 (0, no limit, always passes).",
        default: &["5"],
    }],
    check: Check::Kubelet(check),
};

const DOCS: &str = r#"## What it does
Flags a kubelet whose `eventRecordQPS` (`--event-qps`) is above 0 but below the parameter `minimum` (5, the kubelet's own earlier default), or negative (which the kubelet refuses). 0 means no limit and passes. The default is 50. The value judged is the one the kubelet runs with: its default (which differs with and without `--config`), then the `--config` file, its `--config-dir` drop-ins in name order, then the command line, which wins; the finding points where the value came from. What level captures the events a cluster needs is for a person to decide: set `minimum` to it.

## Why is this bad?
Events past the limit are dropped. Events record pulls, kills, probe failures and evictions: investigations and monitoring rely on them.

## How to fix
Raise the limit (or lift it with 0) in the kubelet configuration file:
```yaml
eventRecordQPS: 50
```
(or 0 for no limit), or pass `--event-qps=50`.

## Example
```yaml
eventRecordQPS: 1
```
Use instead:
```yaml
eventRecordQPS: 50
```

## References
- Kubelet configuration (v1beta1): https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
"#;

/// The parameter: the lowest limit allowed above 0 (0 is no limit).
const MINIMUM: &str = "minimum";

fn check(kubelet: &Kubelet, params: &Params) -> Vec<NodeJudgement> {
    let minimum: f64 = match params.list(MINIMUM).first().map(|m| m.trim().parse()) {
        Some(Ok(minimum)) => minimum,
        _ => {
            return vec![NodeJudgement::Unknown {
                subject: format!("parameter {MINIMUM}"),
                reason: format!("{:?} is no number", params.list(MINIMUM)),
            }];
        }
    };
    judge(
        kubelet,
        "eventRecordQPS",
        |qps| match qps.trim().parse::<f64>() {
            Ok(qps) if qps < 0.0 => Some(format!(
                "eventRecordQPS is {qps}, which the kubelet refuses (it must not be negative)"
            )),
            Ok(qps) if qps > 0.0 && qps < minimum => Some(format!(
                "the kubelet records at most {qps} events a second (eventRecordQPS), below the minimum of {minimum}: events past the limit are dropped"
            )),
            Ok(_) => None,
            Err(_) => Some(format!("eventRecordQPS is {qps:?}, which is no number")),
        },
        || None,
    )
}
