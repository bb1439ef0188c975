//! kube-apiserver runs the AlwaysAdmit admission plugin.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::plugin_runs;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-always-admit",
        title: "kube-apiserver runs the AlwaysAdmit admission plugin",
        severity: Severity::High,
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
Flags kube-apiserver when `--enable-admission-plugins` holds `AlwaysAdmit` (deprecated). The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
AlwaysAdmit admits every request whatever the other plugins decide.

## How to fix
Remove it from the enabled list:
```yaml
command:
- kube-apiserver
- --enable-admission-plugins=NodeRestriction
```

## Example
```yaml
command:
- kube-apiserver
- --enable-admission-plugins=NodeRestriction,AlwaysAdmit
```
Use instead:
```yaml
command:
- kube-apiserver
- --enable-admission-plugins=NodeRestriction
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
- Admission controllers: https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    plugin_runs(component, "AlwaysAdmit", false, "every request is admitted")
}
