//! The kubelet authorizes every request (AlwaysAllow).

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::judge;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "kubelet-authorization-always-allow",
        title: "The kubelet authorizes every request (AlwaysAllow)",
        severity: Severity::Critical,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Kubelet(check),
};

const DOCS: &str = r#"## What it does
Flags a kubelet whose `authorization.mode` (`--authorization-mode`) is `AlwaysAllow`, the legacy default of a kubelet started without `--config`. `Webhook`, the default with `--config`, asks the API server (SubjectAccessReview) for each request. The value judged is the one the kubelet runs with: its default (which differs with and without `--config`), then the `--config` file, its `--config-dir` drop-ins in name order, then the command line, which wins; the finding points where the value came from.

## Why is this bad?
The kubelet's API runs commands in containers, streams their logs and forwards ports. `AlwaysAllow` lets any client that can authenticate do all of it on every pod of the node, bypassing RBAC.

## How to fix
Have the kubelet ask the API server (Webhook) in its configuration file:
```yaml
authorization:
  mode: Webhook
```
or pass `--authorization-mode=Webhook`, and enable webhook authentication (`authentication.webhook.enabled: true`).

## Example
```yaml
authorization:
  mode: AlwaysAllow
```
Use instead:
```yaml
authorization:
  mode: Webhook
```

## References
- Kubelet authentication and authorization: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
- Kubelet configuration (v1beta1): https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
"#;

fn check(kubelet: &Kubelet, _: &Params) -> Vec<NodeJudgement> {
    judge(
        kubelet,
        "authorization.mode",
        |mode| {
            (mode == "AlwaysAllow").then(|| {
                "every authenticated (and, with anonymous authentication, every anonymous) request to the kubelet's API is allowed: authorization.mode is AlwaysAllow".to_owned()
            })
        },
        || None,
    )
}
