//! kube-apiserver does not restrict what kubelets may change (NodeRestriction).

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::plugin_runs;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-node-restriction",
        title: "kube-apiserver does not restrict what kubelets may change (NodeRestriction)",
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
Flags kube-apiserver when the admission plugin `NodeRestriction` does not run (not enabled by default). The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
NodeRestriction limits each kubelet to its own Node object and the pods bound to it, and keeps it from setting isolation labels; without it a compromised node relabels or edits the others.

## How to fix
Enable the plugin (with `--authorization-mode` holding Node):
```yaml
command:
- kube-apiserver
- --enable-admission-plugins=NodeRestriction
```

## Example
```yaml
command:
- kube-apiserver
- --enable-admission-plugins=EventRateLimit
```
Use instead:
```yaml
command:
- kube-apiserver
- --enable-admission-plugins=NodeRestriction
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
- NodeRestriction: https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#noderestriction
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    plugin_runs(
        component,
        "NodeRestriction",
        true,
        "a kubelet can modify other nodes and their pods",
    )
}
