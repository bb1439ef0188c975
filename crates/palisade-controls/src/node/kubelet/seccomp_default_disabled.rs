//! The kubelet does not give containers the runtime's default seccomp profile.

use palisade_load::host::Kubelet;
use palisade_model::{ControlMeta, Severity};

use super::{is_true, judge};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "kubelet-seccomp-default-disabled",
        title: "The kubelet does not give containers the runtime's default seccomp profile",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Kubelet(check),
};

const DOCS: &str = r#"## What it does
Flags a kubelet whose `seccompDefault` (`--seccomp-default`) is not true. The default is false: containers that set no seccomp profile run `Unconfined`. The value judged is the one the kubelet runs with: its default (which differs with and without `--config`), then the `--config` file, its `--config-dir` drop-ins in name order, then the command line, which wins; the finding points where the value came from.

## Why is this bad?
Unconfined containers can make every system call the kernel offers, including those behind most container escapes; the runtime's default profile blocks them at no cost to almost every workload.

## How to fix
Turn the default profile on in the kubelet configuration file:
```yaml
seccompDefault: true
```
or pass `--seccomp-default` (Kubernetes 1.27 and later; earlier with the SeccompDefault feature gate).

## Example
```yaml
seccompDefault: false
```
Use instead:
```yaml
seccompDefault: true
```

## References
- Seccomp in Kubernetes: https://kubernetes.io/docs/tutorials/security/seccomp/
"#;

fn check(kubelet: &Kubelet, _: &Params) -> Vec<NodeJudgement> {
    judge(
        kubelet,
        "seccompDefault",
        |value| {
            (!is_true(value)).then(|| {
                format!("containers that name no seccomp profile run unconfined: seccompDefault is {value}")
            })
        },
        || None,
    )
}
