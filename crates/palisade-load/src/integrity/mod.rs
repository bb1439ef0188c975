//! File-integrity monitoring (PCI DSS 11.5.2): a baseline of what a profile
//! covers under a host root, and the changes since. `profile.rs` says which
//! paths; `capture.rs` reads them (type, mode, owner, size, SHA-256, link
//! target, inode, security extended attributes from `xattrs.rs`);
//! `baseline.rs` is the canonical file whose digest the audit log anchors;
//! `compare.rs` the changes, which the `file-integrity-*` controls judge
//! (`palisade-controls/src/integrity/`).

pub mod baseline;
pub mod capture;
pub mod compare;
pub mod profile;
pub mod xattrs;

pub use baseline::{Approval, Baseline, BaselineError, ProfileRecord};
pub use capture::{Captured, FileRecord, FileType, Pace, capture, capture_paced};
pub use compare::{Change, ChangeKind, FieldChange, IntegrityCheck};
pub use profile::{Profile, ProfileError};

use crate::host::HostRoot;

/// A new baseline of `profile` under `root`, named `host`, taken at
/// `taken_at` (RFC 3339), with what the walk could not read.
pub fn take(
    root: &HostRoot,
    profile: &Profile,
    host: &str,
    taken_at: &str,
) -> (Baseline, Captured) {
    let mut captured = capture(root, profile);
    let baseline = Baseline {
        format: baseline::FORMAT.to_owned(),
        host: host.to_owned(),
        root: root.dir().display().to_string(),
        profile: ProfileRecord::of(profile),
        taken_at: taken_at.to_owned(),
        palisade_version: env!("CARGO_PKG_VERSION").to_owned(),
        files: std::mem::take(&mut captured.files),
        approvals: Vec::new(),
    };
    (baseline, captured)
}

/// Compares the host under `root` with `baseline`, read with the
/// baseline's own profile; approvals in force on `today` (`YYYY-MM-DD`)
/// are attached to the changes they accept.
pub fn check(
    root: &HostRoot,
    baseline: &Baseline,
    host: &str,
    today: &str,
) -> Result<IntegrityCheck, ProfileError> {
    check_paced(root, baseline, host, today, Pace::default())
}

/// As [`check`], reading within `pace`.
pub fn check_paced(
    root: &HostRoot,
    baseline: &Baseline,
    host: &str,
    today: &str,
    pace: Pace,
) -> Result<IntegrityCheck, ProfileError> {
    let profile = baseline.profile.profile()?;
    let captured = capture_paced(root, &profile, pace);
    let changes = compare::compare(
        baseline,
        &captured.files,
        |path| profile.expects_change(path),
        today,
    );
    Ok(IntegrityCheck {
        host: host.to_owned(),
        root: root.dir().display().to_string(),
        profile: profile.name.clone(),
        baseline_digest: baseline.digest(),
        baseline_taken_at: baseline.taken_at.clone(),
        files: captured.files.len(),
        changes,
        problems: captured.problems,
    })
}

/// The host's name as node findings give it: the first word of its
/// `/etc/hostname`, else the root folder.
pub fn host_name(root: &HostRoot) -> String {
    root.read_text("/etc/hostname")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| root.dir().display().to_string())
}
