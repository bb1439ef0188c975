//! An image's filesystem: its layers merged in order, with OCI whiteouts
//! applied (a `.wh.<name>` entry deletes `<name>` from the layers below; a
//! `.wh..wh..opq` entry empties its directory of what the layers below put
//! there). See the OCI image spec, "Representing Changes", whiteouts.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::layer::normalize;

/// What kind of file an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A regular file.
    File,
    /// A hard link to another entry (its mode is the file's).
    HardLink,
    /// A symbolic link.
    Symlink,
    /// A directory.
    Directory,
    /// A device, a FIFO, or another special file.
    Other,
}

/// One path of the merged filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Its kind.
    pub kind: FileKind,
    /// Permission bits with setuid (`0o4000`), setgid (`0o2000`) and sticky
    /// (`0o1000`).
    pub mode: u32,
    /// Owner.
    pub uid: u64,
    /// Group.
    pub gid: u64,
    /// Size in bytes (regular files).
    pub size: u64,
    /// The target, for links.
    pub link: Option<String>,
    /// The layer that last wrote it, from 0 at the bottom.
    pub layer: usize,
    /// The content, for the small files the loader was asked to keep.
    pub content: Option<Arc<[u8]>>,
}

impl FileEntry {
    /// A regular file with `mode` (for tests and callers building images).
    pub fn file(mode: u32, content: &[u8]) -> Self {
        FileEntry {
            kind: FileKind::File,
            mode,
            uid: 0,
            gid: 0,
            size: content.len() as u64,
            link: None,
            layer: 0,
            content: Some(Arc::from(content)),
        }
    }

    /// A directory with `mode`.
    pub fn directory(mode: u32) -> Self {
        FileEntry {
            kind: FileKind::Directory,
            content: None,
            size: 0,
            ..FileEntry::file(mode, &[])
        }
    }

    /// Whether it is a regular file (or a hard link to one).
    pub fn is_file(&self) -> bool {
        matches!(self.kind, FileKind::File | FileKind::HardLink)
    }

    /// Setuid bit.
    pub fn is_setuid(&self) -> bool {
        self.mode & 0o4000 != 0
    }

    /// Setgid bit.
    pub fn is_setgid(&self) -> bool {
        self.mode & 0o2000 != 0
    }

    /// Sticky bit.
    pub fn is_sticky(&self) -> bool {
        self.mode & 0o1000 != 0
    }

    /// Writable by others (`o+w`). Symbolic links are always `0777` and
    /// never count.
    pub fn is_world_writable(&self) -> bool {
        self.kind != FileKind::Symlink && self.mode & 0o002 != 0
    }
}

/// The merged filesystem: every path (without a leading `/`) that the
/// final image holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filesystem {
    entries: BTreeMap<String, FileEntry>,
    layers: usize,
    /// Files with kept content that a later layer deleted or replaced:
    /// gone from the final filesystem, still in the layer that added them.
    buried: Vec<(String, FileEntry)>,
}

impl Filesystem {
    /// Applies the next layer: first its whiteouts to the layers below,
    /// then its entries. Paths are normalized (`/`, `./` and `..` removed).
    ///
    /// ```
    /// use palisade_load::image::{FileEntry, Filesystem};
    /// let mut fs = Filesystem::default();
    /// fs.apply_layer(vec![
    ///     ("etc/a".into(), FileEntry::file(0o644, b"")),
    ///     ("etc/b".into(), FileEntry::file(0o644, b"")),
    ///     ("var/cache/x".into(), FileEntry::file(0o644, b"")),
    /// ]);
    /// fs.apply_layer(vec![
    ///     ("./etc/.wh.a".into(), FileEntry::file(0, b"")),
    ///     ("var/cache/.wh..wh..opq".into(), FileEntry::file(0, b"")),
    ///     ("var/cache/y".into(), FileEntry::file(0o644, b"")),
    /// ]);
    /// let paths: Vec<&str> = fs.iter().map(|(p, _)| p).collect();
    /// assert_eq!(paths, ["etc/b", "var/cache/y"]);
    /// assert_eq!(fs.get("/var/cache/y").unwrap().layer, 1);
    /// ```
    pub fn apply_layer(&mut self, entries: Vec<(String, FileEntry)>) {
        let layer = self.layers;
        self.layers += 1;
        let mut added = Vec::with_capacity(entries.len());
        for (path, entry) in entries {
            let path = normalize(&path);
            let (dir, name) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
            if name == ".wh..wh..opq" {
                self.remove_under(dir);
            } else if let Some(hidden) = name.strip_prefix(".wh.") {
                let target = if dir.is_empty() {
                    hidden.to_owned()
                } else {
                    format!("{dir}/{hidden}")
                };
                if let Some(removed) = self.entries.remove(&target) {
                    self.bury(target.clone(), removed);
                }
                self.remove_under(&target);
            } else {
                added.push((path, FileEntry { layer, ..entry }));
            }
        }
        for (path, entry) in added {
            if entry.kind != FileKind::Directory {
                // A file replacing a directory hides what was under it.
                if self
                    .entries
                    .get(&path)
                    .is_some_and(|e| e.kind == FileKind::Directory)
                {
                    self.remove_under(&path);
                }
            }
            if let Some(replaced) = self.entries.insert(path.clone(), entry) {
                self.bury(path, replaced);
            }
        }
    }

    /// Keeps a deleted or replaced entry when its content was kept.
    fn bury(&mut self, path: String, entry: FileEntry) {
        if entry.content.is_some() {
            self.buried.push((path, entry));
        }
    }

    /// Removes everything below `dir` (everything, for the root `""`).
    fn remove_under(&mut self, dir: &str) {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let doomed: Vec<String> = self
            .entries
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .map(|(p, _)| p.clone())
            .collect();
        for path in doomed {
            if let Some(removed) = self.entries.remove(&path) {
                self.bury(path, removed);
            }
        }
    }

    /// Every path in order, with its entry.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &FileEntry)> {
        self.entries.iter().map(|(p, e)| (p.as_str(), e))
    }

    /// Files whose content was kept (see
    /// [`ImageOptions::keep_content`](super::ImageOptions)) that a later
    /// layer deleted or replaced. They are not in the final filesystem, but
    /// anyone who pulls the image can read them from the layer that added
    /// them ([`FileEntry::layer`]).
    ///
    /// ```
    /// use palisade_load::image::{FileEntry, Filesystem};
    /// let mut fs = Filesystem::default();
    /// fs.apply_layer(vec![("root/.npmrc".into(), FileEntry::file(0o600, b"token"))]);
    /// fs.apply_layer(vec![("root/.wh..npmrc".into(), FileEntry::file(0, b""))]);
    /// assert!(fs.get("root/.npmrc").is_none());
    /// let buried: Vec<&str> = fs.buried().map(|(p, _)| p).collect();
    /// assert_eq!(buried, ["root/.npmrc"]);
    /// ```
    pub fn buried(&self) -> impl Iterator<Item = (&str, &FileEntry)> {
        self.buried.iter().map(|(p, e)| (p.as_str(), e))
    }

    /// Every path below `dir` (not `dir` itself).
    pub fn under<'a>(&'a self, dir: &str) -> impl Iterator<Item = (&'a str, &'a FileEntry)> {
        let dir = normalize(dir);
        let prefix = if dir.is_empty() {
            dir
        } else {
            format!("{dir}/")
        };
        self.entries
            .range(prefix.clone()..)
            .take_while(move |(p, _)| p.starts_with(&prefix))
            .map(|(p, e)| (p.as_str(), e))
    }

    /// The entry at `path` (a leading `/` is ignored).
    pub fn get(&self, path: &str) -> Option<&FileEntry> {
        self.entries.get(&normalize(path))
    }

    /// How many paths it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many layers were applied.
    pub fn layers(&self) -> usize {
        self.layers
    }
}
