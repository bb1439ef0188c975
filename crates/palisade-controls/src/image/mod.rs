//! Image controls: what a built container image runs with (its config:
//! user, exposed ports, environment, health check, labels) and, when the
//! input holds its layers, what its merged filesystem contains. They see a
//! loaded [`palisade_load::image::Image`], whatever it was read from
//! (`docker save`, an OCI layout, an image config, `docker inspect`).
//! Filesystem controls find nothing in an image without layers.

pub(crate) mod add_instead_of_copy;
pub(crate) mod digest_not_allowed;
pub(crate) mod expose_ssh;
pub(crate) mod healthcheck_missing;
pub(crate) mod history;
pub(crate) mod labels_missing;
pub(crate) mod package_cache;
pub(crate) mod root_user;
pub(crate) mod running_digest_not_allowed;
pub(crate) mod secret_files;
pub(crate) mod secret_in_env;
pub(crate) mod setuid_files;
pub(crate) mod update_alone;
pub(crate) mod world_writable_files;

use globset::{Glob, GlobSet, GlobSetBuilder};
use palisade_model::FieldPath;

use crate::Violation;

pub use digest_not_allowed::{ALLOWED_DIGESTS, normalize_digest};
pub use history::history_step_of;

/// Most violations a filesystem control reports for one image: past it,
/// one more violation counts the rest (a `chmod -R 777 /app` would
/// otherwise bury every other finding).
pub(crate) const MAX_FILE_VIOLATIONS: usize = 20;

/// Caps `violations` at [`MAX_FILE_VIOLATIONS`], ending with one that
/// counts those left out.
pub(crate) fn capped(mut violations: Vec<Violation>, what: &str) -> Vec<Violation> {
    if violations.len() > MAX_FILE_VIOLATIONS {
        let more = violations.len() - MAX_FILE_VIOLATIONS;
        violations.truncate(MAX_FILE_VIOLATIONS);
        violations.push(Violation {
            container: None,
            path: FieldPath::root().key("files"),
            message: format!("and {more} more {what}"),
        });
    }
    violations
}

/// Path globs from a parameter, matched against absolute paths in the
/// image (`/usr/bin/su`, `**/tests/**`). A glob that does not compile is
/// matched literally.
pub(crate) fn globs(patterns: &[String]) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let pattern = format!("/{}", pattern.trim().trim_start_matches('/'));
        if let Ok(glob) = Glob::new(&pattern).or_else(|_| Glob::new(&globset::escape(&pattern))) {
            builder.add(glob);
        }
    }
    builder.build().unwrap_or_else(|_| GlobSet::empty())
}

/// An octal mode as `ls` people read it: `4755`.
pub(crate) fn mode(mode: u32) -> String {
    format!("{:04o}", mode & 0o7777)
}

/// The path of a field of the image's container config: `config.User`.
pub fn config_field(name: &str) -> FieldPath {
    FieldPath::root().key("config").key(name)
}

/// The path of a file in the image: `files./usr/bin/su`.
pub fn file_field(path: &str) -> FieldPath {
    FieldPath::root()
        .key("files")
        .key(&format!("/{}", path.trim_start_matches('/')))
}
