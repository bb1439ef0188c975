//! A watched path can no longer be read, so it cannot be compared.

use palisade_load::integrity::{ChangeKind, IntegrityCheck};
use palisade_model::{ControlMeta, Severity};

use super::about;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "file-integrity-unreadable",
        title: "A watched path cannot be read, so its integrity is unknown",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Integrity(check),
};

const DOCS: &str = r#"## What it does
Flags each path of a file-integrity baseline that cannot be read at `palisade fim compare` (permission denied, an I/O error, a folder that cannot be listed, a file replaced while it was read), with the reason, on every compare until it can be read: a path the baseline itself could not read is never compared, so it is never taken as unchanged. What could be read of it (mode, owner, attributes) is still compared by `file-integrity-permissions-changed`.

## Why is this bad?
A file that cannot be read cannot be compared: a change hidden behind a permission change, a failing disk or an agent without the privileges it had would otherwise pass unnoticed.

## How to fix
Give the agent the access it had when the baseline was taken (it runs as root with the host's root mounted read-only), or find out why the file became unreadable.

## Example
```text
/etc/kubernetes/pki/ca.key: unreadable: cannot open: Permission denied (os error 13)
```
Use instead: run the agent as root with the host's root mounted read-only:
```yaml
securityContext: {runAsUser: 0, readOnlyRootFilesystem: true}
volumeMounts: [{name: host, mountPath: /host, readOnly: true}]
```

## References
- capabilities(7) (`CAP_DAC_READ_SEARCH`), path_resolution(7)
"#;

fn check(check: &IntegrityCheck, _: &Params) -> Vec<NodeJudgement> {
    check
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Unreadable)
        .map(|change| {
            let reason = change.reason.as_deref().unwrap_or("unknown reason");
            about(change, format!("unreadable: {reason}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use palisade_load::integrity::ChangeKind;

    use super::CONTROL;
    use crate::integrity::testing::{check_of, violations};

    #[test]
    fn the_reason_is_given() {
        let check = check_of(&[("/etc/kubernetes/pki/ca.key", ChangeKind::Unreadable, &[])]);
        assert_eq!(
            violations(&CONTROL, &check),
            ["/etc/kubernetes/pki/ca.key: unreadable: Permission denied"]
        );
    }
}
