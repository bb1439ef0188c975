//! kube-apiserver does not force image pulls (AlwaysPullImages).

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::plugin_runs;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-always-pull-images",
        title: "kube-apiserver does not force image pulls (AlwaysPullImages)",
        severity: Severity::Low,
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
Flags kube-apiserver when the admission plugin `AlwaysPullImages` does not run (not enabled by default). The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository. On single-tenant clusters it may cost more than it protects; waive it there with that reason.

## Why is this bad?
An image pulled once with credentials stays on the node: another pod on the node can start it without any credentials unless every pull is forced.

## How to fix
Enable the plugin:
```yaml
command:
- kube-apiserver
- --enable-admission-plugins=NodeRestriction,AlwaysPullImages
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
- --enable-admission-plugins=NodeRestriction,AlwaysPullImages
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
- AlwaysPullImages: https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#alwayspullimages
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    plugin_runs(
        component,
        "AlwaysPullImages",
        true,
        "a pod can use another tenant's private image cached on the node",
    )
}
