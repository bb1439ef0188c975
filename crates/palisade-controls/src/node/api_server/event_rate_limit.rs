//! kube-apiserver does not limit the rate of events (EventRateLimit).

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::plugin_runs;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-event-rate-limit",
        title: "kube-apiserver does not limit the rate of events (EventRateLimit)",
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
Flags kube-apiserver when the admission plugin `EventRateLimit` does not run (not enabled by default). The limits it applies come from its `--admission-control-config-file`, which is for a person to review. The value judged is the one the component runs with: the last occurrence of the flag on its command line (a running process's argv, else its static pod's `command` and `args`), list flags appended after their first occurrence, or the component's default when the flag is not given; the finding points at the argument that set it, or at `command:` for a default. In `palisade scan` the same check runs on static-pod manifests in the repository.

## Why is this bad?
Events are written by every component and can be created by users: without a limit, a misbehaving controller or a user floods etcd and slows the API server for everyone.

## How to fix
Enable the plugin and give it limits in the admission configuration:
```yaml
command:
- kube-apiserver
- --enable-admission-plugins=NodeRestriction,EventRateLimit
- --admission-control-config-file=/etc/kubernetes/admission.yaml
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
- --enable-admission-plugins=NodeRestriction,EventRateLimit
- --admission-control-config-file=/etc/kubernetes/admission.yaml
```

## References
- kube-apiserver command-line reference: https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/
- EventRateLimit: https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#eventratelimit
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    plugin_runs(
        component,
        "EventRateLimit",
        true,
        "a flood of events can overload the API server",
    )
}
