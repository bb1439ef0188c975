//! kube-apiserver accepts TLS cipher suites outside the strong list.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::Param;
use crate::node::NodeJudgement;
use crate::node::control_plane::{ALLOWED_CIPHER_SUITES, strong_ciphers};
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-weak-tls-ciphers",
        title: "kube-apiserver accepts TLS cipher suites outside the strong list",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[Param {
        name: ALLOWED_CIPHER_SUITES,
        doc: "The TLS cipher suites kube-apiserver may accept.",
        default: &[
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        ],
    }],
    check: Check::ControlPlane {
        component: Component::ApiServer,
        check,
    },
};

const DOCS: &str = r#"## What it does
Flags kube-apiserver when `--tls-cipher-suites` names a suite outside the parameter `allowed-cipher-suites` (the TLS 1.3 suites and the ECDHE AES-GCM and ChaCha20-Poly1305 suites the benchmark lists), or is not given: then Go's defaults apply, CBC-mode suites included. The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
Suites without forward secrecy let recorded traffic be decrypted once the key leaks, and CBC-mode suites have a history of padding-oracle attacks.

## How to fix
List only strong suites:
```yaml
command:
- kube-apiserver
- --tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
```

## Example
```yaml
command:
- kube-apiserver
- --tls-cipher-suites=TLS_RSA_WITH_AES_128_CBC_SHA
```
Use instead:
```yaml
command:
- kube-apiserver
- --tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
- Go crypto/tls cipher suites: https://pkg.go.dev/crypto/tls#pkg-constants
"#;

fn check(component: &ControlPlaneComponent, params: &Params) -> Vec<NodeJudgement> {
    strong_ciphers(component, params, "tls-cipher-suites")
}
