//! Host trees written by the tests: files at host paths under a root, with
//! the modes the checks read (git keeps neither owners nor most modes, so
//! the tests set them when they build the tree).

// Test support: a tree that cannot be written should stop the test at once.
#![allow(clippy::expect_used)]

use std::path::Path;

/// Writes `text` at the host path `path` (`/etc/...`) under `root`, with
/// permission bits `mode`, creating the folders on the way.
#[cfg(unix)]
pub fn write(root: &Path, path: &str, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let local = root.join(path.trim_start_matches('/'));
    if let Some(parent) = local.parent() {
        std::fs::create_dir_all(parent).expect("a folder of the host tree");
    }
    std::fs::write(&local, text).expect("a file of the host tree");
    std::fs::set_permissions(&local, std::fs::Permissions::from_mode(mode))
        .expect("the mode of a file of the host tree");
}
