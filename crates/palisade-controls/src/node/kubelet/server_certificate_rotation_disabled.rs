//! The kubelet turns off serving-certificate rotation (RotateKubeletServerCertificate=false).

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::{is_false, judge};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "kubelet-server-certificate-rotation-disabled",
        title: "The kubelet turns off serving-certificate rotation (RotateKubeletServerCertificate=false)",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Kubelet(check),
};

const DOCS: &str = r#"## What it does
Flags a kubelet whose feature gate `RotateKubeletServerCertificate` is false, in `featureGates` or `--feature-gates`. Gates merge per gate: a gate the command line sets wins, the others keep the file's value. Unset, the gate is on (beta, default true, since Kubernetes 1.12). The value judged is the one the kubelet runs with: its default (which differs with and without `--config`), then the `--config` file, its `--config-dir` drop-ins in name order, then the command line, which wins; the finding points where the value came from.

## Why is this bad?
Without it the kubelet keeps its serving certificate until it expires: it cannot take part in short-lived certificates, and a leaked key stays useful.

## How to fix
Remove `RotateKubeletServerCertificate: false` from `featureGates` and from `--feature-gates`.

## Example
```yaml
featureGates:
  RotateKubeletServerCertificate: false
```
Use instead:
```yaml
featureGates:
  RotateKubeletServerCertificate: true
```

## References
- Kubernetes feature gates: https://kubernetes.io/docs/reference/command-line-tools-reference/feature-gates/
"#;

fn check(kubelet: &Kubelet, _: &Params) -> Vec<NodeJudgement> {
    judge(
        kubelet,
        "featureGates.RotateKubeletServerCertificate",
        |value| {
            is_false(value).then(|| {
                "the kubelet never renews its serving certificate: the RotateKubeletServerCertificate feature gate is false".to_owned()
            })
        },
        || None,
    )
}
