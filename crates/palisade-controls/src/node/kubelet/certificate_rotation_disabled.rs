//! The kubelet does not rotate its client certificate.

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::{is_true, judge};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "kubelet-certificate-rotation-disabled",
        title: "The kubelet does not rotate its client certificate",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Kubelet(check),
};

const DOCS: &str = r#"## What it does
Flags a kubelet whose `rotateCertificates` (`--rotate-certificates`) is not true. Unset, the kubelet's default is false, so an unset value fails here, while kube-bench's test ("not set to false") passes it: the kubelet does not rotate unless asked to (kubeadm's generated configuration sets it to true). The value judged is the one the kubelet runs with: its default (which differs with and without `--config`), then the `--config` file, its `--config-dir` drop-ins in name order, then the command line, which wins; the finding points where the value came from.

## Why is this bad?
A client certificate that is never rotated either expires, taking the node out of the cluster, or is issued with a long life, leaving a stolen certificate valid for as long.

## How to fix
Turn rotation on in the kubelet configuration file:
```yaml
rotateCertificates: true
```
or pass `--rotate-certificates`.

## Example
```yaml
rotateCertificates: false
```
Use instead:
```yaml
rotateCertificates: true
```

## References
- Kubelet certificate rotation: https://kubernetes.io/docs/tasks/tls/certificate-rotation/
- Kubelet configuration (v1beta1): https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
"#;

fn check(kubelet: &Kubelet, _: &Params) -> Vec<NodeJudgement> {
    judge(
        kubelet,
        "rotateCertificates",
        |value| {
            (!is_true(value)).then(|| {
                format!("the kubelet does not renew its client certificate before it expires: rotateCertificates is {value}")
            })
        },
        || None,
    )
}
