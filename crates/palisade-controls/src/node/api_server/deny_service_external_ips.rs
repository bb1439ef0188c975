//! kube-apiserver does not refuse Services with externalIPs (DenyServiceExternalIPs).

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::plugin_runs;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-deny-service-external-ips",
        title: "kube-apiserver does not refuse Services with externalIPs (DenyServiceExternalIPs)",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::ControlPlane {
        component: Component::ApiServer,
        check,
    },
};

const DOCS: &str = r#"## What it does
Flags kube-apiserver when the admission plugin `DenyServiceExternalIPs` does not run: it is not enabled by default, so it must be in `--enable-admission-plugins` (and not in `--disable-admission-plugins`). The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
A Service's `externalIPs` make the cluster intercept traffic to any address (CVE-2020-8554): a user who can create Services can capture another tenant's or an outside address's traffic.

## How to fix
Add the plugin to the enabled list:
```yaml
command:
- kube-apiserver
- --enable-admission-plugins=NodeRestriction,DenyServiceExternalIPs
```

## Example
```yaml
command:
- kube-apiserver
- --enable-admission-plugins=NodeRestriction
```
Use instead:
```yaml
command:
- kube-apiserver
- --enable-admission-plugins=NodeRestriction,DenyServiceExternalIPs
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
- CVE-2020-8554: https://github.com/kubernetes/kubernetes/issues/97076
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    plugin_runs(
        component,
        "DenyServiceExternalIPs",
        true,
        "any user who can create a Service can claim an external IP",
    )
}
