//! A watched path's mode, owner, group or security attributes changed.

use palisade_load::integrity::{ChangeKind, IntegrityCheck};
use palisade_model::{ControlMeta, Severity};

use super::{about, listed};
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "file-integrity-permissions-changed",
        title: "A watched path's permissions, owner or security attributes changed since the baseline",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Integrity(check),
};

const DOCS: &str = r#"## What it does
Flags each path of a file-integrity baseline whose mode (with the setuid, setgid and sticky bits), owner, group or security extended attributes (file capabilities, the SELinux label, POSIX ACLs, IMA/EVM) differ at `palisade fim compare`. It applies to every watched path, those the profile expects to change included: a rotated certificate may get new content, never a wider mode. The finding gives the old and the new value of each field; owners are shown by name (from the host's own `/etc/passwd` and `/etc/group`) and number.

## Why is this bad?
A binary that gains the setuid bit or a file capability, a key that becomes world-readable, or a sudoers file that changes owner gives a local user more than was granted, without any content changing.

## How to fix
Restore the mode, owner or attributes the baseline records (the finding gives them), then find out who changed them. A planned change is approved with `palisade fim accept PATH --reason ...`.

## Example
```text
/usr/bin/runc: modified
  mode: 0755 -> 4755
  xattr security.capability: (none) -> cap_sys_admin=ep
```
Use instead:
```sh
chmod 0755 /usr/bin/runc && setcap -r /usr/bin/runc
```

## References
- capabilities(7), acl(5)
"#;

fn check(check: &IntegrityCheck, _: &Params) -> Vec<NodeJudgement> {
    check
        .changes
        .iter()
        .filter(|c| {
            matches!(
                c.kind,
                ChangeKind::Modified | ChangeKind::Replaced | ChangeKind::Unreadable
            )
        })
        .filter_map(|change| {
            let text = listed(change.fields.iter().filter(|f| f.is_permission()));
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
    fn mode_owner_and_attributes_are_named_with_both_values() {
        let check = check_of(&[
            (
                "/usr/bin/runc",
                ChangeKind::Modified,
                &[
                    ("mode", "0755", "4755"),
                    ("xattr security.capability", "(none)", "cap_sys_admin=ep"),
                    ("content", "sha256:a", "sha256:b"),
                ],
            ),
            (
                "/etc/kubernetes/admin.conf",
                ChangeKind::Replaced,
                &[("inode", "1", "2")],
            ),
        ]);
        assert_eq!(
            violations(&CONTROL, &check),
            [
                "/usr/bin/runc: modified: mode: 0755 -> 4755; xattr security.capability: (none) -> cap_sys_admin=ep"
            ]
        );
    }
}
