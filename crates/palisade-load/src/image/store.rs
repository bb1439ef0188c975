//! Named files of an image input, from a directory or from a tar that is
//! indexed once (entry offsets) and then read by seeking, never unpacked.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::ImageLimits;
use super::filesystem::FileKind;
use super::layer::{self, Budget, TarItem, normalize};

/// Where the files of an image input are read from.
pub(crate) trait Store {
    /// Whether `path` names a file.
    fn exists(&self, path: &str) -> bool;
    /// The whole file, refused when larger than `max` bytes.
    fn read(&mut self, path: &str, max: u64) -> Result<Vec<u8>, String>;
    /// A reader over the file.
    fn open(&mut self, path: &str) -> Result<Box<dyn Read + '_>, String>;
}

/// An OCI layout directory.
pub(crate) struct DirStore {
    root: PathBuf,
    limits: ImageLimits,
    /// Bytes of blobs opened so far.
    opened: u64,
}

impl DirStore {
    pub(crate) fn new(root: &Path, limits: ImageLimits) -> Self {
        DirStore {
            root: root.to_path_buf(),
            limits,
            opened: 0,
        }
    }

    /// The file `path` names, inside the root whatever `path` holds.
    fn resolve(&self, path: &str) -> PathBuf {
        let mut out = self.root.clone();
        for part in normalize(path).split('/').filter(|p| !p.is_empty()) {
            out.push(part);
        }
        out
    }

    fn charge(&mut self, path: &str, len: u64) -> Result<(), String> {
        self.opened = self.opened.saturating_add(len);
        if self.opened > self.limits.max_archive_bytes {
            return Err(format!(
                "{path}: the layout's blobs exceed the {} byte limit",
                self.limits.max_archive_bytes
            ));
        }
        Ok(())
    }
}

impl Store for DirStore {
    fn exists(&self, path: &str) -> bool {
        self.resolve(path).is_file()
    }

    fn read(&mut self, path: &str, max: u64) -> Result<Vec<u8>, String> {
        let file = File::open(self.resolve(path)).map_err(|e| format!("{path}: {e}"))?;
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        if len > max {
            return Err(format!("{path}: larger than the {max} byte limit"));
        }
        self.charge(path, len)?;
        let mut bytes = Vec::new();
        file.take(max + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{path}: {e}"))?;
        if bytes.len() as u64 > max {
            return Err(format!("{path}: larger than the {max} byte limit"));
        }
        Ok(bytes)
    }

    fn open(&mut self, path: &str) -> Result<Box<dyn Read + '_>, String> {
        let file = File::open(self.resolve(path)).map_err(|e| format!("{path}: {e}"))?;
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        self.charge(path, len)?;
        Ok(Box::new(file.take(len)))
    }
}

/// A tar (`docker save`, or an OCI layout archived), indexed by path.
pub(crate) struct TarStore {
    file: File,
    /// Regular files: path -> (data offset, size).
    files: BTreeMap<String, (u64, u64)>,
    /// Symbolic and hard links: path -> target path (resolved from the
    /// archive's root). `docker save` links layers shared by two images.
    links: BTreeMap<String, String>,
}

impl TarStore {
    /// Indexes every entry of the tar (seeking over their data).
    pub(crate) fn open(file: File, limits: ImageLimits) -> Result<Self, String> {
        let mut files = BTreeMap::new();
        let mut links = BTreeMap::new();
        let mut archive = tar::Archive::new(file);
        let mut budget = Budget::default();
        {
            let entries = archive
                .entries_with_seek()
                .map_err(|e| layer::describe(&e))?;
            layer::walk(
                entries,
                &limits,
                &mut budget,
                |item: TarItem, entry: &mut tar::Entry<'_, File>| {
                    match item.kind {
                        FileKind::File => {
                            files.insert(item.path, (entry.raw_file_position(), item.size));
                        }
                        FileKind::Symlink => {
                            if let Some(target) = item.link {
                                let base = item.path.rsplit_once('/').map_or("", |(d, _)| d);
                                let target = if target.starts_with('/') {
                                    normalize(&target)
                                } else {
                                    normalize(&format!("{base}/{target}"))
                                };
                                links.insert(item.path, target);
                            }
                        }
                        FileKind::HardLink => {
                            if let Some(target) = item.link {
                                links.insert(item.path, normalize(&target));
                            }
                        }
                        _ => {}
                    }
                    Ok(())
                },
            )?;
        }
        Ok(TarStore {
            file: archive.into_inner(),
            files,
            links,
        })
    }

    /// `(offset, size)` of the file `path` names, following links.
    fn find(&self, path: &str) -> Option<(u64, u64)> {
        let mut path = normalize(path);
        for _ in 0..16 {
            if let Some(found) = self.files.get(&path) {
                return Some(*found);
            }
            path = self.links.get(&path)?.clone();
        }
        None
    }

    fn seek(&mut self, path: &str) -> Result<u64, String> {
        let (offset, size) = self
            .find(path)
            .ok_or_else(|| format!("{path}: not in the archive"))?;
        self.file
            .seek(SeekFrom::Start(offset))
            .map_err(|e| format!("{path}: {e}"))?;
        Ok(size)
    }
}

impl Store for TarStore {
    fn exists(&self, path: &str) -> bool {
        self.find(path).is_some()
    }

    fn read(&mut self, path: &str, max: u64) -> Result<Vec<u8>, String> {
        let size = self.seek(path)?;
        if size > max {
            return Err(format!("{path}: larger than the {max} byte limit"));
        }
        let mut bytes = Vec::new();
        (&mut self.file)
            .take(size)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{path}: {e}"))?;
        if (bytes.len() as u64) < size {
            return Err(format!("{path}: truncated"));
        }
        Ok(bytes)
    }

    fn open(&mut self, path: &str) -> Result<Box<dyn Read + '_>, String> {
        let size = self.seek(path)?;
        Ok(Box::new((&mut self.file).take(size)))
    }
}
