//! The kubelet accepts TLS cipher suites outside the strong list.

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::judge;
use crate::node::NodeJudgement;
use crate::{Check, Control, Param, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "kubelet-weak-tls-ciphers",
        title: "The kubelet accepts TLS cipher suites outside the strong list",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[Param {
        name: "allowed-cipher-suites",
        doc: "The TLS cipher suites the kubelet may accept.",
        default: &[
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        ],
    }],
    check: Check::Kubelet(check),
};

const DOCS: &str = r#"## What it does
Flags a kubelet whose `tlsCipherSuites` (`--tls-cipher-suites`) names a suite outside the parameter `allowed-cipher-suites` (by default the six ECDHE AES-GCM and ChaCha20-Poly1305 suites CIS lists), or is not set at all: then Go's default suites apply, which include CBC-mode suites without forward secrecy. A file's list replaces the default; the first `--tls-cipher-suites` replaces the file's, later ones add to it. The value judged is the one the kubelet runs with: its default (which differs with and without `--config`), then the `--config` file, its `--config-dir` drop-ins in name order, then the command line, which wins; the finding points where the value came from.

## Why is this bad?
Suites without forward secrecy let a recorded session be decrypted once the key leaks, and CBC-mode suites have a history of padding-oracle attacks.

## How to fix
List only strong suites in the kubelet configuration file:
```yaml
tlsCipherSuites:
- TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
- TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
- TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305
- TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
- TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305
- TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
```

## Example
```yaml
tlsCipherSuites: [TLS_RSA_WITH_AES_128_CBC_SHA]
```
Use instead:
```yaml
tlsCipherSuites:
- TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
- TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
```

## References
- Go crypto/tls cipher suites: https://pkg.go.dev/crypto/tls#pkg-constants
- Kubelet configuration (v1beta1): https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
"#;

/// The parameter: the cipher suites allowed.
const ALLOWED: &str = "allowed-cipher-suites";

fn check(kubelet: &Kubelet, params: &Params) -> Vec<NodeJudgement> {
    let allowed = params.list(ALLOWED);
    judge(
        kubelet,
        "tlsCipherSuites",
        |suites| {
            let weak: Vec<&str> = suites
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty() && !allowed.iter().any(|a| a == s))
                .collect();
            (!weak.is_empty()).then(|| {
                format!(
                    "the kubelet accepts cipher suites outside the allowed list: {}",
                    weak.join(", ")
                )
            })
        },
        || {
            Some("the kubelet accepts Go's default cipher suites, which include CBC-mode and RSA key-exchange suites: tlsCipherSuites is not set".to_owned())
        },
    )
}
