//! A path appeared where the baseline had none.

use palisade_load::integrity::{ChangeKind, IntegrityCheck};
use palisade_model::{ControlMeta, Severity};

use super::about;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "file-integrity-file-added",
        title: "A file appeared in a watched location since the baseline",
        severity: Severity::High,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Integrity(check),
};

const DOCS: &str = r#"## What it does
Flags each path that a file-integrity profile covers and that was not in the baseline at `palisade fim compare`: a new file, folder, link or socket, with its type, mode, owner and content hash. Paths the profile expects to change (rotated certificates) may appear.

## Why is this bad?
New files in watched locations are how access persists on a host: a drop-in in `/etc/sudoers.d/`, a systemd unit or `kubelet.service.d` override, a static pod manifest in `/etc/kubernetes/manifests/` (which the kubelet runs without the API server's admission), a CNI plugin, an entry in `/etc/cron.d/`.

## How to fix
Find out who added it and why. Remove it if it was not planned; approve it with `palisade fim accept PATH --reason ...` if it was.

## Example
```text
/etc/sudoers.d/zz-debug: added (file, mode 0440, owner root (0), sha256:3c1e...)
```
Use instead:
```sh
rm /etc/sudoers.d/zz-debug
```

## References
- MITRE ATT&CK T1543 (create or modify system process), T1053 (scheduled task)
"#;

fn check(check: &IntegrityCheck, _: &Params) -> Vec<NodeJudgement> {
    check
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Added)
        .map(|change| {
            let what = change.now.as_ref().map_or_else(String::new, |now| {
                let owner = now
                    .owner
                    .as_ref()
                    .map_or_else(|| now.uid.to_string(), |o| format!("{o} ({})", now.uid));
                let hash = now
                    .sha256
                    .as_ref()
                    .map_or_else(String::new, |h| format!(", {h}"));
                format!(
                    " ({}, mode {:04o}, owner {owner}{hash})",
                    now.file_type.as_str(),
                    now.mode
                )
            });
            about(change, format!("added{what}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use palisade_load::integrity::ChangeKind;

    use super::CONTROL;
    use crate::integrity::testing::{check_of, violations};

    #[test]
    fn each_new_path_is_named() {
        let check = check_of(&[
            ("/etc/sudoers.d/zz", ChangeKind::Added, &[]),
            ("/etc/sudoers", ChangeKind::Removed, &[]),
        ]);
        assert_eq!(violations(&CONTROL, &check), ["/etc/sudoers.d/zz: added"]);
    }
}
