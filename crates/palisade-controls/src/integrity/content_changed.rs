//! A watched file's content, type or link target changed, or it was
//! replaced by a new file.

use palisade_load::integrity::{ChangeKind, IntegrityCheck};
use palisade_model::{ControlMeta, Severity};

use super::{about, listed};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "file-integrity-content-changed",
        title: "A watched file's content changed since the baseline",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Integrity(check),
};

const DOCS: &str = r#"## What it does
Flags each path of a file-integrity baseline (`palisade fim baseline`) whose content (SHA-256), type or link target differs at `palisade fim compare`, or that is now a new file (another inode: written anew and renamed into place, as package managers and editors do). Files larger than the profile's `max-file-bytes` are not hashed; their size and modification time stand in for their content. Paths the profile expects to change (the kubelet's rotated certificates) may change their content and target. The finding gives the old and the new value of each field.

## Why is this bad?
The files a profile watches decide what a node runs and who may reach it: the kubelet's and the runtime's binaries and configuration, static pod manifests, PKI, systemd units, sudo, SSH and PAM configuration, the dynamic loader's preload list. An unplanned change to one of them is how a compromised node is kept compromised, and change detection must raise an alert on it.

## How to fix
Find out who changed the file and why (the node's audit log, the change records). A change that was planned is approved: `palisade fim accept PATH --reason ...` takes it into the baseline, or `--until DATE --owner ...` accepts it for a while. A change that was not is an incident: restore the file from a trusted source and investigate the node.

## Example
```text
/etc/kubernetes/manifests/kube-apiserver.yaml: modified
  content: sha256:5f0c... -> sha256:9ab1...
```
Use instead:
```sh
palisade fim accept /etc/kubernetes/manifests/kube-apiserver.yaml --reason "CHG-1042: audit log flags"
```

## References
- inode(7), rename(2) (how a file is replaced)
"#;

/// The fields that say what a path holds.
const CONTENT_FIELDS: &[&str] = &["content", "type", "target", "size", "modified", "inode"];

fn check(check: &IntegrityCheck, _: &Params) -> Vec<NodeJudgement> {
    check
        .changes
        .iter()
        .filter(|c| matches!(c.kind, ChangeKind::Modified | ChangeKind::Replaced))
        .filter_map(|change| {
            let fields = change
                .fields
                .iter()
                .filter(|f| CONTENT_FIELDS.contains(&f.field.as_str()));
            let text = listed(fields);
            (!text.is_empty()).then(|| about(change, format!("{}: {text}", change.kind.as_str())))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use palisade_load::integrity::ChangeKind;

    use super::CONTROL;
    use crate::integrity::testing::{check_of, violations};

    #[test]
    fn content_type_and_target_changes_are_named_with_both_values() {
        let check = check_of(&[
            (
                "/usr/bin/kubelet",
                ChangeKind::Replaced,
                &[("content", "sha256:a", "sha256:b"), ("inode", "12", "13")],
            ),
            (
                "/etc/sudoers",
                ChangeKind::Modified,
                &[("mode", "0440", "0666")],
            ),
            (
                "/etc/cni/net.d/10.conf",
                ChangeKind::Modified,
                &[("target", "a.conf", "b.conf")],
            ),
            ("/etc/sudoers.d/x", ChangeKind::Added, &[]),
        ]);
        assert_eq!(
            violations(&CONTROL, &check),
            [
                "/usr/bin/kubelet: replaced: content: sha256:a -> sha256:b; inode: 12 -> 13",
                "/etc/cni/net.d/10.conf: modified: target: a.conf -> b.conf",
            ]
        );
    }
}
