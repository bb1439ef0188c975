//! Finding the files to scan, like ripgrep: recursively, honouring
//! `.gitignore`, skipping hidden files, and minus `--exclude` globs.
//! Symbolic links to files inside the scanned directory are followed
//! (`links.rs`).

mod links;
#[cfg(test)]
mod tests;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::{Limits, LoadError};

/// Where a source comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file on disk.
    File(PathBuf),
    /// Standard input (`-`).
    Stdin,
    /// A directory holding an OCI image layout (an `oci-layout` file): one
    /// image source, whose blobs are not walked.
    ImageLayout(PathBuf),
}

impl Source {
    /// The name used in findings: the path as walked, or `-`.
    pub fn name(&self) -> Arc<str> {
        match self {
            Source::File(path) | Source::ImageLayout(path) => path.to_string_lossy().into(),
            Source::Stdin => "-".into(),
        }
    }
}

/// Whether a file found while walking a directory is scanned: a manifest
/// (`*.yaml`, `*.yml`, `*.json`) or a Dockerfile. (Files named explicitly
/// are always read.)
pub fn is_manifest_name(path: &Path) -> bool {
    is_dockerfile_name(path)
        || path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "yaml" | "yml" | "json"))
}

/// Whether a file found while walking is read as a container image
/// archive (`docker save` or an OCI layout in a tar): `*.tar`. A tar that
/// holds no image is skipped.
pub fn is_image_archive_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("tar"))
}

/// Whether a directory holds an OCI image layout (an `oci-layout` file).
pub fn is_image_layout(path: &Path) -> bool {
    path.join("oci-layout").is_file()
}

/// Whether a file is a Dockerfile by its name: `Dockerfile`,
/// `Containerfile`, `Dockerfile.<anything>`, `<anything>.Dockerfile`
/// (case-insensitive, as editors and build tools recognise them).
///
/// ```
/// use std::path::Path;
/// use palisade_load::walk::is_dockerfile_name;
/// for name in ["Dockerfile", "dockerfile", "Containerfile", "Dockerfile.prod", "api.Dockerfile"] {
///     assert!(is_dockerfile_name(Path::new(name)), "{name}");
/// }
/// for name in ["Dockerfile.yaml", "Dockerfiles", "docker-compose.yml", "dockerfile.rego", "Dockerfile.md"] {
///     assert!(!is_dockerfile_name(Path::new(name)), "{name}");
/// }
/// ```
pub fn is_dockerfile_name(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let name = name.to_ascii_lowercase();
    // `dockerfile.rego` is a policy about Dockerfiles, `Dockerfile.md` its
    // documentation: neither is one.
    const NOT_DOCKERFILES: [&str; 8] = [
        ".yaml", ".yml", ".json", ".rego", ".md", ".txt", ".sh", ".py",
    ];
    if NOT_DOCKERFILES.iter().any(|ext| name.ends_with(ext)) {
        return false;
    }
    name == "dockerfile"
        || name == "containerfile"
        || name.starts_with("dockerfile.")
        || name.starts_with("containerfile.")
        || name.ends_with(".dockerfile")
        || name.ends_with(".containerfile")
}

/// Compiles `--exclude` globs. A glob without `/` matches a file or folder
/// name anywhere (`vendor`, `*.json`); one with `/` matches the whole path.
pub fn exclude_set(globs: &[String]) -> Result<GlobSet, globset::Error> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        builder.add(Glob::new(glob)?);
        if !glob.contains('/') {
            builder.add(Glob::new(&format!("**/{glob}"))?);
            builder.add(Glob::new(&format!("**/{glob}/**"))?);
        }
    }
    builder.build()
}

/// Expands the command line's paths into sources. Errors (a missing path, an
/// unreadable directory) are returned beside the sources; the walk goes on.
pub fn sources(paths: &[PathBuf], exclude: &GlobSet) -> (Vec<Source>, Vec<LoadError>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            found.push(Source::Stdin);
            continue;
        }
        if !path.exists() {
            errors.push(LoadError::file(
                path.to_string_lossy().into(),
                "no such file or directory",
            ));
            continue;
        }
        if path.is_file() {
            if !exclude.is_match(path) {
                found.push(Source::File(path.clone()));
            }
            continue;
        }
        if is_image_layout(path) {
            found.push(Source::ImageLayout(path.clone()));
            continue;
        }
        // Image layouts are one source each: recorded here, not walked into.
        let layouts = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = std::sync::Arc::clone(&layouts);
        let walker = ignore::WalkBuilder::new(path)
            .require_git(false)
            .filter_entry(move |entry| {
                let layout = entry.depth() > 0
                    && entry.file_type().is_some_and(|t| t.is_dir())
                    && is_image_layout(entry.path());
                if layout {
                    seen.lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(entry.path().to_path_buf());
                }
                !layout
            })
            .build();
        let mut in_dir = Vec::new();
        let mut symlinks = Vec::new();
        for entry in walker {
            match entry {
                Ok(entry) => {
                    let p = entry.path();
                    let relative = p.strip_prefix(path).unwrap_or(p);
                    if (is_manifest_name(p) || is_image_archive_name(p))
                        && !exclude.is_match(relative)
                        && !exclude.is_match(p)
                    {
                        match entry.file_type() {
                            Some(t) if t.is_file() => in_dir.push(Source::File(p.to_path_buf())),
                            Some(t) if t.is_symlink() => symlinks.push(p.to_path_buf()),
                            _ => {}
                        }
                    }
                }
                Err(e) => errors.push(LoadError::file(
                    path.to_string_lossy().into(),
                    e.to_string(),
                )),
            }
        }
        add_symlinks(path, symlinks, &mut in_dir, &mut errors);
        let layouts = std::mem::take(
            &mut *layouts
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for layout in layouts {
            let relative = layout.strip_prefix(path).unwrap_or(&layout);
            if !exclude.is_match(relative) && !exclude.is_match(&layout) {
                in_dir.push(Source::ImageLayout(layout));
            }
        }
        // Walk order depends on the file system; sort so output is stable.
        in_dir.sort_by(|a, b| match (a, b) {
            (
                Source::File(a) | Source::ImageLayout(a),
                Source::File(b) | Source::ImageLayout(b),
            ) => a.cmp(b),
            _ => std::cmp::Ordering::Equal,
        });
        found.extend(in_dir);
    }
    (found, errors)
}

/// Adds the symbolic links to files found walking `root` (see `links.rs`):
/// those to a file inside it that the walk did not find by its own name,
/// and an error for each that cannot or must not be followed.
fn add_symlinks(
    root: &Path,
    mut symlinks: Vec<PathBuf>,
    in_dir: &mut Vec<Source>,
    errors: &mut Vec<LoadError>,
) {
    if symlinks.is_empty() {
        return;
    }
    symlinks.sort();
    let root = match std::fs::canonicalize(root) {
        Ok(root) => root,
        Err(e) => {
            errors.push(LoadError::file(
                root.to_string_lossy().into(),
                e.to_string(),
            ));
            return;
        }
    };
    let walked = links::canonical_set(in_dir.iter().filter_map(|s| match s {
        Source::File(p) => Some(p.as_path()),
        _ => None,
    }));
    let mut followed = std::collections::HashSet::new();
    for link in symlinks {
        match links::follow(&link, &root) {
            Ok(links::Followed::File(target)) => {
                // Two links to one file are one file, read under the first
                // name in walk order.
                if !walked.contains(&target) && followed.insert(target) {
                    in_dir.push(Source::File(link));
                }
            }
            Ok(links::Followed::NotAFile) => {}
            Err(message) => errors.push(LoadError::file(link.to_string_lossy().into(), message)),
        }
    }
}

/// Reads a source as UTF-8 text within the size limit.
pub fn read(source: &Source, limits: &Limits) -> Result<String, LoadError> {
    let name = source.name();
    let too_large = || {
        LoadError::file(
            name.clone(),
            format!("larger than the {} byte limit", limits.max_file_bytes),
        )
    };
    let mut bytes = Vec::new();
    match source {
        Source::ImageLayout(_) => {
            return Err(LoadError::file(
                name.clone(),
                "an OCI image layout directory, not a text file",
            ));
        }
        Source::File(path) => {
            let file = std::fs::File::open(path)
                .map_err(|e| LoadError::file(name.clone(), e.to_string()))?;
            let len = file.metadata().map(|m| m.len()).unwrap_or(0);
            if len > limits.max_file_bytes {
                return Err(too_large());
            }
            file.take(limits.max_file_bytes + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| LoadError::file(name.clone(), e.to_string()))?;
        }
        Source::Stdin => {
            std::io::stdin()
                .lock()
                .take(limits.max_file_bytes + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| LoadError::file(name.clone(), e.to_string()))?;
        }
    }
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|e| {
        LoadError::file(
            name.clone(),
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}
