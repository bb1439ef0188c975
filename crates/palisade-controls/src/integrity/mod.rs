//! File-integrity controls (PCI DSS 11.5.2): what changed on a host since
//! its baseline (`palisade fim compare`), judged one control per kind of
//! change, so that each can be tuned (severity, enabled) on its own. The
//! changes come from `palisade_load::integrity`; a change the baseline's
//! approvals accept becomes a waived finding, with the approval's owner,
//! reason and expiry (see `palisade-policy`'s evaluation).

pub(crate) mod content_changed;
pub(crate) mod file_added;
pub(crate) mod file_removed;
pub(crate) mod permissions_changed;
pub(crate) mod unreadable;

use std::sync::Arc;

use palisade_load::host::Origin;
use palisade_load::integrity::{Change, FieldChange};

use crate::node::{NodeJudgement, NodeViolation};

/// A violation about the changed path itself (its findings point at it).
pub(crate) fn about(change: &Change, message: String) -> NodeJudgement {
    let file: Arc<str> = Arc::from(change.path.as_str());
    NodeJudgement::Fail(NodeViolation {
        subject: change.path.clone(),
        message,
        origin: Origin::at(&file, 0, 0, "the changed path"),
    })
}

/// `field: old -> new` for each field, joined.
pub(crate) fn listed<'a>(fields: impl Iterator<Item = &'a FieldChange>) -> String {
    fields
        .map(|f| format!("{}: {} -> {}", f.field, f.old, f.new))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
pub(crate) mod testing {
    #![allow(clippy::panic)]

    use palisade_load::integrity::{ChangeKind, IntegrityCheck};

    use super::*;
    use crate::{Check, Control, Params};

    /// A changed path: path, kind, `(field, old, new)` of each field.
    pub(crate) type Changed<'a> = (&'a str, ChangeKind, &'a [(&'a str, &'a str, &'a str)]);

    /// A check with these changes.
    pub(crate) fn check_of(changes: &[Changed<'_>]) -> IntegrityCheck {
        IntegrityCheck {
            host: "node-1".into(),
            root: "/host".into(),
            profile: "node".into(),
            baseline_digest: "sha256:0".into(),
            baseline_taken_at: "2026-12-01T00:00:00Z".into(),
            files: 10,
            changes: changes
                .iter()
                .map(|(path, kind, fields)| Change {
                    path: (*path).to_owned(),
                    kind: *kind,
                    fields: fields
                        .iter()
                        .map(|(field, old, new)| FieldChange {
                            field: (*field).to_owned(),
                            old: (*old).to_owned(),
                            new: (*new).to_owned(),
                        })
                        .collect(),
                    reason: (*kind == ChangeKind::Unreadable)
                        .then(|| "Permission denied".to_owned()),
                    approval: None,
                    now: None,
                })
                .collect(),
            problems: Vec::new(),
        }
    }

    /// `path: message` per violation of `control` on `check`.
    pub(crate) fn violations(control: &Control, check: &IntegrityCheck) -> Vec<String> {
        let Check::Integrity(judge) = control.check else {
            panic!("not an integrity control")
        };
        judge(check, &Params::default())
            .into_iter()
            .filter_map(|j| match j {
                NodeJudgement::Fail(v) => Some(format!("{}: {}", v.subject, v.message)),
                _ => None,
            })
            .collect()
    }
}
