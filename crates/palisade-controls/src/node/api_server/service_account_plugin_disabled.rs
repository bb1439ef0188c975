//! kube-apiserver turns off the ServiceAccount admission plugin.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::plugin_runs;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-service-account-plugin-disabled",
        title: "kube-apiserver turns off the ServiceAccount admission plugin",
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
Flags kube-apiserver when `--disable-admission-plugins` holds `ServiceAccount` (enabled by default). The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
The ServiceAccount plugin gives each pod its service account and checks that it exists; without it pods may name accounts that do not exist and token mounting is not managed.

## How to fix
Remove it from the disabled list:
```yaml
command:
- kube-apiserver
- --enable-admission-plugins=NodeRestriction
```

## Example
```yaml
command:
- kube-apiserver
- --disable-admission-plugins=ServiceAccount
```
Use instead:
```yaml
command:
- kube-apiserver
- --enable-admission-plugins=NodeRestriction
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
- ServiceAccount admission: https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#serviceaccount
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    plugin_runs(
        component,
        "ServiceAccount",
        true,
        "pods are not given, nor checked against, their service accounts",
    )
}
