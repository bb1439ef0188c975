//! Kubelet streaming connections never time out.

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::judge;
use crate::node::NodeJudgement;
use crate::node::go_duration_seconds;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "kubelet-streaming-timeout-disabled",
        title: "Kubelet streaming connections never time out",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Kubelet(check),
};

const DOCS: &str = r#"## What it does
Flags a kubelet whose `streamingConnectionIdleTimeout` (`--streaming-connection-idle-timeout`) is zero (`0`, `0s`, `0h0m0s`: any Go duration of zero), which disables the idle timeout. The default is 4h. The value judged is the one the kubelet runs with: its default (which differs with and without `--config`), then the `--config` file, its `--config-dir` drop-ins in name order, then the command line, which wins; the finding points where the value came from.

## Why is this bad?
Streams that never time out pile up (a denial of service of the node), and a forgotten `kubectl exec` session stays open for whoever gets hold of the terminal.

## How to fix
Set an idle timeout in the kubelet configuration file:
```yaml
streamingConnectionIdleTimeout: 5m
```
or pass `--streaming-connection-idle-timeout=5m`.

## Example
```yaml
streamingConnectionIdleTimeout: 0s
```
Use instead:
```yaml
streamingConnectionIdleTimeout: 5m
```

## References
- Kubelet configuration (v1beta1): https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
"#;

fn check(kubelet: &Kubelet, _: &Params) -> Vec<NodeJudgement> {
    judge(
        kubelet,
        "streamingConnectionIdleTimeout",
        |timeout| {
            (go_duration_seconds(timeout) == Some(0.0)).then(|| {
                format!("idle exec, attach and port-forward connections are never closed: streamingConnectionIdleTimeout is {timeout}")
            })
        },
        || None,
    )
}
