//! The kubelet verifies no client certificates (no client CA).

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::judge;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "kubelet-client-ca-not-set",
        title: "The kubelet verifies no client certificates (no client CA)",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Kubelet(check),
};

const DOCS: &str = r#"## What it does
Flags a kubelet with no `authentication.x509.clientCAFile` (`--client-ca-file`): it then cannot authenticate clients by certificate, the API server included. The value judged is the one the kubelet runs with: its default (which differs with and without `--config`), then the `--config` file, its `--config-dir` drop-ins in name order, then the command line, which wins; the finding points where the value came from.

## Why is this bad?
Without a client CA the API server's requests to the kubelet (exec, logs, port-forward) cannot be authenticated by certificate, and clusters fall back on anonymous access or tokens.

## How to fix
Name the cluster CA in the kubelet configuration file:
```yaml
authentication:
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
```
or pass `--client-ca-file=/etc/kubernetes/pki/ca.crt`.

## Example
```yaml
authentication:
  x509: {}
```
Use instead:
```yaml
authentication:
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
```

## References
- Kubelet authentication and authorization: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
- Kubelet configuration (v1beta1): https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
"#;

fn check(kubelet: &Kubelet, _: &Params) -> Vec<NodeJudgement> {
    judge(
        kubelet,
        "authentication.x509.clientCAFile",
        |_| None,
        || {
            Some("the kubelet has no client CA file, so it cannot verify the API server's client certificate".to_owned())
        },
    )
}
