//! The kube-apiserver static-pod manifest is writable or readable beyond its owner.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::node::control_plane::{MAX_MODE_600, manifest_mode};
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "apiserver-manifest-permissions",
        title: "The kube-apiserver static-pod manifest is writable or readable beyond its owner",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: MAX_MODE_600,
    check: Check::ControlPlane {
        component: Component::ApiServer,
        check,
    },
};

const DOCS: &str = r#"## What it does
Flags the static-pod manifest the kubelet starts kube-apiserver from (in the kubelet's `staticPodPath`, kubeadm's `/etc/kubernetes/manifests/kube-apiserver.yaml`) when its permissions allow more than the parameter `max-mode` (600), as a mask (setuid, setgid and sticky included). Judged on hosts (`palisade node scan`); a component that runs from no manifest is not applicable.

## Why is this bad?
The kubelet runs whatever the manifest says with the host's privileges: whoever can write it controls the API server's flags, image and mounts.

## How to fix
Restrict the manifest to its owner:
```sh
chmod 600 /etc/kubernetes/manifests/kube-apiserver.yaml
```

## Example
```console
$ stat -c '%a %U:%G' /etc/kubernetes/manifests/kube-apiserver.yaml
644 root:root
```
Use instead:
```console
$ stat -c '%a %U:%G' /etc/kubernetes/manifests/kube-apiserver.yaml
600 root:root
```

## References
- Static pods: https://kubernetes.io/docs/tasks/configure-pod-container/static-pod/
"#;

fn check(component: &ControlPlaneComponent, params: &Params) -> Vec<NodeJudgement> {
    manifest_mode(component, params)
}
