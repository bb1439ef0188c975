//! A path of the baseline is gone.

use palisade_load::integrity::{ChangeKind, IntegrityCheck};
use palisade_model::{ControlMeta, Severity};

use super::about;
use crate::node::NodeJudgement;
use crate::{Check, Control, Params};

pub(crate) static CONTROL: Control = Control {
    meta: ControlMeta {
        id: "file-integrity-file-removed",
        title: "A watched file was removed since the baseline",
        severity: Severity::Medium,
        docs: DOCS,
    },
    pss: None,
    params: &[],
    check: Check::Integrity(check),
};

const DOCS: &str = r#"## What it does
Flags each path of a file-integrity baseline that no longer exists at `palisade fim compare`. Paths the profile expects to change (rotated certificates) may go.

## Why is this bad?
Removing a file weakens a node as surely as changing one: audit rules deleted from `/etc/audit/rules.d/`, a PAM module's configuration, a NetworkPolicy-enforcing CNI configuration, or an admission configuration file of the API server.

## How to fix
Restore the file from a trusted source, or approve the removal with `palisade fim accept PATH --reason ...` if it was planned.

## Example
```text
/etc/audit/rules.d/docker.rules: removed
```
Use instead:
```sh
git -C /srv/node-config show HEAD:audit/docker.rules > /etc/audit/rules.d/docker.rules
augenrules --load
```

## References
- auditctl(8), audit.rules(7)
"#;

fn check(check: &IntegrityCheck, _: &Params) -> Vec<NodeJudgement> {
    check
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Removed)
        .map(|change| about(change, "removed".to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use palisade_load::integrity::ChangeKind;

    use super::CONTROL;
    use crate::integrity::testing::{check_of, violations};

    #[test]
    fn each_missing_path_is_named() {
        let check = check_of(&[
            ("/etc/audit/rules.d/docker.rules", ChangeKind::Removed, &[]),
            ("/etc/x", ChangeKind::Added, &[]),
        ]);
        assert_eq!(
            violations(&CONTROL, &check),
            ["/etc/audit/rules.d/docker.rules: removed"]
        );
    }
}
