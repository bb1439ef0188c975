//! The kubelet accepts anonymous requests.

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::{is_false, judge};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "kubelet-anonymous-auth",
        title: "The kubelet accepts anonymous requests",
        severity: Severity::Critical,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Kubelet(check),
};

const DOCS: &str = r#"## What it does
Flags a kubelet whose `authentication.anonymous.enabled` (`--anonymous-auth`) is true. Without `--config` the kubelet's legacy default is true, so a kubelet started with flags only fails unless it passes `--anonymous-auth=false`; with `--config` the default is false. The value judged is the one the kubelet runs with: its default (which differs with and without `--config`), then the `--config` file, its `--config-dir` drop-ins in name order, then the command line, which wins; the finding points where the value came from.

## Why is this bad?
Anonymous requests reach the kubelet's API as `system:anonymous`. With `AlwaysAllow` authorization that is every pod's exec, logs and the node's metrics; with `Webhook` it still exposes whatever the cluster grants to anonymous users.

## How to fix
Turn anonymous requests off in the kubelet configuration file:
```yaml
authentication:
  anonymous:
    enabled: false
```
or pass `--anonymous-auth=false`, then restart the kubelet.

## Example
```yaml
authentication:
  anonymous:
    enabled: true
```
Use instead:
```yaml
authentication:
  anonymous:
    enabled: false
```

## References
- Kubelet authentication and authorization: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/
- Kubelet configuration (v1beta1): https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
"#;

fn check(kubelet: &Kubelet, _: &Params) -> Vec<NodeJudgement> {
    judge(
        kubelet,
        "authentication.anonymous.enabled",
        |value| {
            (!is_false(value)).then(|| {
                format!("anonymous requests to the kubelet's API are allowed: authentication.anonymous.enabled is {value}")
            })
        },
        || None,
    )
}
