//! Symbolic links met while walking a directory. A link to a file is
//! scanned under the link's name when its target lies inside the scanned
//! directory: Kubernetes mounts a ConfigMap as `deploy.yaml ->
//! ..data/deploy.yaml` with `..data -> ..2026_12_03_...`, and a scan of that
//! directory must read it. A link whose target is outside the directory, is
//! missing, or loops is an error naming it (a scan of a repository must not
//! read `/etc` through a link, and must not skip a manifest silently). Links
//! to directories are not followed (as ripgrep without `-L`), so the walk
//! cannot loop. A link whose target is also walked is read once, under the
//! target's name.

use std::collections::HashSet;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// Where a link found by the walk leads.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Followed {
    /// A regular file inside the scanned directory (its canonical path).
    File(PathBuf),
    /// A directory, socket or device: not followed, not an error.
    NotAFile,
}

/// Follows the link `link` found while walking `root` (canonical).
pub(crate) fn follow(link: &Path, root: &Path) -> Result<Followed, String> {
    let target = std::fs::canonicalize(link).map_err(|e| match e.kind() {
        ErrorKind::NotFound => "a symbolic link whose target does not exist".to_owned(),
        // A loop (`a -> b -> a`) is ELOOP, "too many levels of symbolic
        // links", which has no stable `ErrorKind` yet.
        _ => format!("a symbolic link that cannot be followed: {e}"),
    })?;
    let metadata = std::fs::metadata(&target)
        .map_err(|e| format!("a symbolic link that cannot be followed: {e}"))?;
    if !metadata.is_file() {
        return Ok(Followed::NotAFile);
    }
    if !target.starts_with(root) {
        return Err(format!(
            "a symbolic link to {}, outside the scanned directory {}: not followed",
            target.display(),
            root.display()
        ));
    }
    Ok(Followed::File(target))
}

/// Canonical paths of the regular files found, to leave out links to them.
pub(crate) fn canonical_set<'a>(files: impl Iterator<Item = &'a Path>) -> HashSet<PathBuf> {
    files
        .filter_map(|path| std::fs::canonicalize(path).ok())
        .collect()
}
