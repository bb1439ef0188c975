//! The kubelet serves with a self-signed certificate.

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::{is_true, unset, value};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "kubelet-serving-certificate-not-set",
        title: "The kubelet serves with a self-signed certificate",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Kubelet(check),
};

const DOCS: &str = r#"## What it does
Flags a kubelet that serves its API with a certificate it signed itself: neither `tlsCertFile` and `tlsPrivateKeyFile` (`--tls-cert-file`, `--tls-private-key-file`) are set, nor `serverTLSBootstrap` (which has the kubelet request its serving certificate from the cluster's CA). One of the pair without the other fails too. The value judged is the one the kubelet runs with: its default (which differs with and without `--config`), then the `--config` file, its `--config-dir` drop-ins in name order, then the command line, which wins; the finding points where the value came from.

## Why is this bad?
Nobody can verify a self-signed serving certificate, so the API server's connections to the kubelet (exec, logs, port-forward) are open to a man in the middle on the node's network.

## How to fix
Have the kubelet request its serving certificate from the cluster CA:
```yaml
serverTLSBootstrap: true
rotateCertificates: true
```
(and approve the kubelets' serving CSRs), or set `tlsCertFile` and `tlsPrivateKeyFile` to a certificate issued by the cluster's CA.

## Example
```yaml
# neither tlsCertFile and tlsPrivateKeyFile nor serverTLSBootstrap
```
Use instead:
```yaml
serverTLSBootstrap: true
```

## References
- Kubelet TLS bootstrapping: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstrapping/
- Kubelet configuration (v1beta1): https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
"#;

fn check(kubelet: &Kubelet, _: &Params) -> Vec<NodeJudgement> {
    let cert = value(kubelet, "tlsCertFile");
    let key = value(kubelet, "tlsPrivateKeyFile");
    let bootstrap = value(kubelet, "serverTLSBootstrap").is_some_and(|s| is_true(&s.value));
    match (cert, key) {
        (Some(_), Some(_)) => Vec::new(),
        _ if bootstrap => Vec::new(),
        (Some(_), None) => vec![unset(
            kubelet,
            "tlsPrivateKeyFile",
            "the kubelet names a serving certificate (tlsCertFile) but no key (tlsPrivateKeyFile)".to_owned(),
        )],
        (None, Some(_)) => vec![unset(
            kubelet,
            "tlsCertFile",
            "the kubelet names a serving key (tlsPrivateKeyFile) but no certificate (tlsCertFile)".to_owned(),
        )],
        (None, None) => vec![unset(
            kubelet,
            "tlsCertFile",
            "the kubelet serves its API with a self-signed certificate: neither tlsCertFile and tlsPrivateKeyFile nor serverTLSBootstrap is set".to_owned(),
        )],
    }
}
