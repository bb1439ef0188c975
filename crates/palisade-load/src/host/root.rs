//! Paths of the host read under its root (`/host` when the host's `/` is
//! mounted into a DaemonSet's pod): every path, and every symbolic link
//! met on the way, is resolved as the host would resolve it with that root
//! as `/`, so that nothing read ever lies outside it.

use std::path::{Component, Path, PathBuf};

use crate::Limits;
use crate::walk::{self, Source};

/// Links followed while resolving one path, at most (Linux's own limit).
const MAX_LINKS: usize = 40;

/// The host's root folder, and the limits on what is read under it.
#[derive(Debug, Clone)]
pub struct HostRoot {
    dir: PathBuf,
    limits: Limits,
}

/// A host path, resolved under the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The path on the host after following every link (absolute, `/`-based).
    pub host_path: String,
    /// Where it is on this machine (`root` joined with `host_path`).
    pub local: PathBuf,
    /// The links followed, as `link -> target` in host paths.
    pub links: Vec<String>,
}

/// Why a host path could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("{0} is not an absolute path")]
    Relative(String),
    #[error("{0}: more than 40 symbolic links")]
    TooManyLinks(String),
    #[error("{path}: {message}")]
    Io { path: String, message: String },
}

impl HostRoot {
    /// The host whose `/` is `dir`, read within the default limits.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        HostRoot {
            dir: dir.into(),
            limits: Limits::default(),
        }
    }

    /// The same host, read within `limits`.
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The size and nesting limits of what is read under the root.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The text of the host file `path`: resolved inside the root, a
    /// regular file (a FIFO or a device is never opened), read as the scan
    /// reads files: within the size limit, as UTF-8.
    pub fn read_text(&self, path: &str) -> Result<String, String> {
        let resolved = self.resolve(path).map_err(|e| e.to_string())?;
        let meta = std::fs::metadata(&resolved.local).map_err(|e| e.to_string())?;
        if !meta.is_file() {
            return Err("not a regular file".to_owned());
        }
        walk::read(&Source::File(resolved.local), &self.limits).map_err(|e| e.message)
    }

    /// Whether `path` is on the host (links followed inside the root).
    pub fn exists(&self, path: &str) -> bool {
        self.resolve(path).is_ok_and(|r| r.local.exists())
    }

    /// The folder given as the host's root.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Resolves the absolute host path `path`: `..` never climbs above
    /// the root, and a link's absolute target starts again from the root,
    /// as in a `chroot`. A missing final component is not an error: the
    /// caller's metadata read tells that it does not exist.
    pub fn resolve(&self, path: &str) -> Result<Resolved, ResolveError> {
        if !path.starts_with('/') {
            return Err(ResolveError::Relative(path.to_owned()));
        }
        let mut done: Vec<String> = Vec::new();
        let mut pending: Vec<String> = components(path).into_iter().rev().collect();
        let mut links = Vec::new();
        // Once a component is missing, nothing after it can be a link.
        let mut missing = false;
        while let Some(part) = pending.pop() {
            if part == ".." {
                done.pop();
                continue;
            }
            done.push(part);
            if missing {
                continue;
            }
            let host_path = join(&done);
            let local = self.local(&host_path);
            let Ok(meta) = std::fs::symlink_metadata(&local) else {
                missing = true;
                continue;
            };
            if !meta.file_type().is_symlink() {
                continue;
            }
            if links.len() >= MAX_LINKS {
                return Err(ResolveError::TooManyLinks(path.to_owned()));
            }
            let target = std::fs::read_link(&local).map_err(|e| ResolveError::Io {
                path: host_path.clone(),
                message: e.to_string(),
            })?;
            let target = target.to_string_lossy().into_owned();
            links.push(format!("{host_path} -> {target}"));
            done.pop();
            if target.starts_with('/') {
                done.clear();
            }
            pending.extend(components(&target).into_iter().rev());
        }
        let host_path = join(&done);
        Ok(Resolved {
            local: self.local(&host_path),
            host_path,
            links,
        })
    }

    fn local(&self, host_path: &str) -> PathBuf {
        self.dir.join(host_path.trim_start_matches('/'))
    }
}

/// The normal components of a path (`.` and empty ones dropped, `..` kept).
fn components(path: &str) -> Vec<String> {
    Path::new(path)
        .components()
        .filter_map(|c| match c {
            Component::Normal(p) => Some(p.to_string_lossy().into_owned()),
            Component::ParentDir => Some("..".to_owned()),
            _ => None,
        })
        .collect()
}

fn join(parts: &[String]) -> String {
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[cfg(unix)]
    #[test]
    fn links_resolve_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = HostRoot::new(dir.path());
        std::fs::create_dir_all(dir.path().join("etc/kubernetes")).unwrap();
        std::fs::write(dir.path().join("etc/kubernetes/kubelet.conf"), "x").unwrap();
        std::os::unix::fs::symlink("/etc/kubernetes", dir.path().join("etc/k8s")).unwrap();
        std::os::unix::fs::symlink("../../../../etc/passwd", dir.path().join("etc/up")).unwrap();
        std::os::unix::fs::symlink("loop", dir.path().join("etc/loop")).unwrap();

        let r = root.resolve("/etc/k8s/kubelet.conf").unwrap();
        assert_eq!(r.host_path, "/etc/kubernetes/kubelet.conf");
        assert_eq!(r.local, dir.path().join("etc/kubernetes/kubelet.conf"));
        assert_eq!(r.links, ["/etc/k8s -> /etc/kubernetes"]);
        // `..` stops at the root: the machine's own /etc/passwd is never read.
        assert_eq!(root.resolve("/etc/up").unwrap().host_path, "/etc/passwd");
        assert_eq!(root.resolve("/../../etc/x").unwrap().host_path, "/etc/x");
        assert_eq!(
            root.resolve("/missing/a/../b").unwrap().host_path,
            "/missing/b"
        );
        assert!(matches!(
            root.resolve("/etc/loop"),
            Err(ResolveError::TooManyLinks(_))
        ));
        assert!(matches!(
            root.resolve("etc"),
            Err(ResolveError::Relative(_))
        ));
    }

    #[test]
    fn text_is_read_within_the_limits_from_regular_files_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc/folder")).unwrap();
        std::fs::write(dir.path().join("etc/small"), "0123456789").unwrap();
        std::fs::write(dir.path().join("etc/large"), "0123456789a").unwrap();
        let root = HostRoot::new(dir.path()).with_limits(Limits {
            max_file_bytes: 10,
            ..Limits::default()
        });
        assert_eq!(root.read_text("/etc/small").unwrap(), "0123456789");
        assert!(
            root.read_text("/etc/large")
                .unwrap_err()
                .contains("larger than")
        );
        assert_eq!(
            root.read_text("/etc/folder").unwrap_err(),
            "not a regular file"
        );
        assert!(root.read_text("/etc/none").is_err());
    }
}
