//! The etcd data directory is not owned by etcd:etcd.

use palisade_load::host::{Component, ControlPlaneComponent};
use palisade_model::{ControlMeta, Severity};

use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "etcd-data-dir-ownership",
        title: "The etcd data directory is not owned by etcd:etcd",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::ControlPlane {
        component: Component::Etcd,
        check,
    },
};

const DOCS: &str = r#"## What it does
Flags the directory etcd's `--data-dir` names when its owner or group is not named `etcd` in the host's own `/etc/passwd` and `/etc/group`. Judged on hosts. kubeadm runs etcd as root, with a root-owned data directory: there, run etcd as an `etcd` user or waive the finding with that reason.

## Why is this bad?
etcd should run as its own unprivileged user that alone can read its data; a directory owned by someone else is readable or writable by them.

## How to fix
Give the directory to the etcd user:
```sh
chown -R etcd:etcd /var/lib/etcd
```

## Example
```console
$ stat -c '%a %U:%G' /var/lib/etcd
700 root:root
```
Use instead:
```console
$ stat -c '%a %U:%G' /var/lib/etcd
700 etcd:etcd
```

## References
- etcd configuration flags: https://etcd.io/docs/v3.5/op-guide/configuration/
- etcd transport security: https://etcd.io/docs/v3.5/op-guide/security/
"#;

fn check(component: &ControlPlaneComponent, _: &Params) -> Vec<NodeJudgement> {
    owned_by_etcd(component)
}

/// The data directory must belong to the user and group the host names
/// `etcd`.
fn owned_by_etcd(component: &ControlPlaneComponent) -> Vec<NodeJudgement> {
    use palisade_load::host::FileState;

    use crate::node::NodeViolation;

    let Some(dir) = component.files.get("data-dir") else {
        return vec![NodeJudgement::NotApplicable(
            "etcd's data directory is judged on its host (palisade node scan), or etcd is not given --data-dir".to_owned(),
        )];
    };
    match &dir.state {
        FileState::Present {
            uid,
            gid,
            owner,
            group,
            ..
        } => {
            let named = |name: &Option<String>, id: &u32| match name {
                Some(name) => format!("{name} ({id})"),
                None => format!("{id}"),
            };
            if owner.as_deref() == Some("etcd") && group.as_deref() == Some("etcd") {
                return Vec::new();
            }
            let shown: std::sync::Arc<str> = dir.path.as_str().into();
            vec![NodeJudgement::Fail(NodeViolation {
                subject: dir.path.clone(),
                message: format!(
                    "etcd data directory {} is owned by {}:{}, not etcd:etcd",
                    dir.path,
                    named(owner, uid),
                    named(group, gid)
                ),
                origin: palisade_load::host::Origin::at(&shown, 0, 0, "etcd data directory"),
            })]
        }
        FileState::Missing => vec![NodeJudgement::NotApplicable(format!(
            "the etcd data directory {} does not exist",
            dir.path
        ))],
        FileState::Unreadable { reason } => vec![NodeJudgement::Unknown {
            subject: dir.path.clone(),
            reason: reason.clone(),
        }],
    }
}
