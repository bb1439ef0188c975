//! What changed since a baseline: paths added, removed, modified (content,
//! type, link target, mode, owner, group, extended attributes), replaced
//! (a new inode: a file written anew and renamed into place), or now
//! unreadable. A path the profile expects to change (rotated certificates)
//! may change its content and link target and appear or go, but not its
//! mode, owner or attributes.

use std::collections::BTreeMap;

use serde::Serialize;

use super::baseline::{Approval, Baseline};
use super::capture::{FileRecord, FileType};

/// How a path changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Modified,
    /// A new inode (with or without other changes).
    Replaced,
    /// It was readable in the baseline and is not now.
    Unreadable,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Modified => "modified",
            ChangeKind::Replaced => "replaced",
            ChangeKind::Unreadable => "unreadable",
        }
    }
}

/// One field that differs, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// `content`, `type`, `target`, `size`, `modified`, `inode`, `mode`,
    /// `owner`, `group`, or `xattr <name>`.
    pub field: String,
    /// `(none)` when the field was absent.
    pub old: String,
    pub new: String,
}

impl FieldChange {
    /// Whether it changes what may be done with the file rather than what
    /// it holds.
    pub fn is_permission(&self) -> bool {
        matches!(self.field.as_str(), "mode" | "owner" | "group")
            || self.field.starts_with("xattr ")
    }
}

/// One path that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub path: String,
    pub kind: ChangeKind,
    /// What differs (for `modified` and `replaced`).
    pub fields: Vec<FieldChange>,
    /// Why it cannot be read now (for `unreadable`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The baseline's approval that accepts it, in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval: Option<Approval>,
    /// The state now (none: removed), for `palisade fim accept`.
    #[serde(skip)]
    pub now: Option<FileRecord>,
}

/// What a compare found.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrityCheck {
    pub host: String,
    pub root: String,
    pub profile: String,
    pub baseline_digest: String,
    pub baseline_taken_at: String,
    /// Paths covered now.
    pub files: usize,
    pub changes: Vec<Change>,
    /// What stopped part of the walk.
    pub problems: Vec<String>,
}

impl IntegrityCheck {
    /// What its findings are about: `FileIntegrity/<host>`.
    pub fn resource(&self) -> palisade_model::ResourceRef {
        palisade_model::ResourceRef::outside_kubernetes("FileIntegrity", &self.host)
    }

    /// The change at `path` (changes are sorted by path).
    pub fn change(&self, path: &str) -> Option<&Change> {
        self.changes
            .binary_search_by(|c| c.path.as_str().cmp(path))
            .ok()
            .and_then(|i| self.changes.get(i))
    }
}

/// The differences between `baseline` and `now` (both sorted by path),
/// with the approvals in force on `today` (`YYYY-MM-DD`) attached.
pub fn compare(
    baseline: &Baseline,
    now: &[FileRecord],
    expects_change: impl Fn(&str) -> bool,
    today: &str,
) -> Vec<Change> {
    let before: BTreeMap<&str, &FileRecord> = baseline
        .files
        .iter()
        .map(|f| (f.path.as_str(), f))
        .collect();
    let after: BTreeMap<&str, &FileRecord> = now.iter().map(|f| (f.path.as_str(), f)).collect();
    let mut paths: Vec<&str> = before.keys().chain(after.keys()).copied().collect();
    paths.sort_unstable();
    paths.dedup();
    let mut changes = Vec::new();
    for path in paths {
        let expected = expects_change(path);
        let change = match (before.get(path), after.get(path)) {
            (Some(_), None) if expected => None,
            (None, Some(_)) if expected => None,
            (Some(_), None) => Some(Change::new(path, ChangeKind::Removed, Vec::new(), None)),
            (None, Some(now)) => Some(Change::new(path, ChangeKind::Added, Vec::new(), Some(now))),
            (Some(old), Some(new)) => changed(old, new, expected),
            (None, None) => None,
        };
        if let Some(mut change) = change {
            change.approval = baseline
                .approval_for(path, change.now.as_ref(), today)
                .cloned();
            changes.push(change);
        }
    }
    changes
}

impl Change {
    fn new(
        path: &str,
        kind: ChangeKind,
        fields: Vec<FieldChange>,
        now: Option<&FileRecord>,
    ) -> Change {
        Change {
            path: path.to_owned(),
            kind,
            fields,
            reason: None,
            approval: None,
            now: now.cloned(),
        }
    }
}

/// Whether two records describe the same state (what a compare looks at).
pub fn same_state(a: &FileRecord, b: &FileRecord) -> bool {
    a.unreadable.is_some() == b.unreadable.is_some() && differences(a, b, false).is_empty()
}

fn changed(old: &FileRecord, new: &FileRecord, expected: bool) -> Option<Change> {
    // A path that cannot be read now cannot be compared: reported on every
    // compare (whether or not the baseline could read it), with what could
    // still be compared of its type, mode, owner and attributes.
    if let Some(reason) = &new.unreadable {
        // Nothing of it could be read when even its metadata could not.
        let fields = if new.file_type == FileType::Unknown {
            Vec::new()
        } else {
            differences(old, new, true)
                .into_iter()
                .filter(FieldChange::is_permission)
                .collect()
        };
        let mut change = Change::new(&new.path, ChangeKind::Unreadable, fields, Some(new));
        change.reason = Some(reason.clone());
        return Some(change);
    }
    let fields = differences(old, new, expected);
    if fields.is_empty() {
        return None;
    }
    let kind = if fields.iter().any(|f| f.field == "inode") {
        ChangeKind::Replaced
    } else {
        ChangeKind::Modified
    };
    Some(Change::new(&new.path, kind, fields, Some(new)))
}

fn shown<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "(none)".to_owned(), |v| v.to_string())
}

fn who(name: Option<&String>, id: u32) -> String {
    match name {
        Some(name) => format!("{name} ({id})"),
        None => id.to_string(),
    }
}

/// The fields that differ. With `expected`, what a rotation changes
/// (content, size, time, link target, inode) is not a difference.
fn differences(old: &FileRecord, new: &FileRecord, expected: bool) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut push = |field: &str, a: String, b: String| {
        if a != b {
            out.push(FieldChange {
                field: field.to_owned(),
                old: a,
                new: b,
            });
        }
    };
    push(
        "type",
        old.file_type.as_str().to_owned(),
        new.file_type.as_str().to_owned(),
    );
    if !expected {
        push(
            "content",
            shown(old.sha256.as_ref()),
            shown(new.sha256.as_ref()),
        );
        // Unhashed files: their size and time stand in for their content.
        let file = |r: &FileRecord| r.file_type == FileType::File;
        if file(old) && file(new) && (old.sha256.is_none() || new.sha256.is_none()) {
            push("size", old.size.to_string(), new.size.to_string());
            push("modified", shown(old.modified), shown(new.modified));
        }
        push(
            "target",
            shown(old.target.as_ref()),
            shown(new.target.as_ref()),
        );
        // A folder's inode only changes when it is made anew.
        push("inode", old.inode.to_string(), new.inode.to_string());
    }
    push(
        "mode",
        format!("{:04o}", old.mode),
        format!("{:04o}", new.mode),
    );
    push(
        "owner",
        who(old.owner.as_ref(), old.uid),
        who(new.owner.as_ref(), new.uid),
    );
    push(
        "group",
        who(old.group.as_ref(), old.gid),
        who(new.group.as_ref(), new.gid),
    );
    let names: std::collections::BTreeSet<&str> = old
        .xattrs
        .iter()
        .chain(&new.xattrs)
        .map(|x| x.name.as_str())
        .collect();
    for name in names {
        let value = |record: &FileRecord| {
            shown(
                record
                    .xattrs
                    .iter()
                    .find(|x| x.name == name)
                    .map(|x| x.value.clone()),
            )
        };
        push(&format!("xattr {name}"), value(old), value(new));
    }
    out
}
