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
    /// A reader over the file that owns what it reads from, so several can
    /// be read at once on other threads (layers inflate in parallel without
    /// first being copied into memory).
    fn reader(&mut self, path: &str) -> Result<Box<dyn Read + Send>, String>;
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

    fn reader(&mut self, path: &str) -> Result<Box<dyn Read + Send>, String> {
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
        // Where the data of the last entry ends.
        let mut end = 0u64;
        {
            let entries = archive
                .entries_with_seek()
                .map_err(|e| layer::describe(&e))?;
            layer::walk(
                entries,
                &limits,
                &mut budget,
                |item: TarItem, entry: &mut tar::Entry<'_, File>| {
                    end = end.max(entry.raw_file_position().saturating_add(item.size));
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
        let mut file = archive.into_inner();
        check_complete(&mut file, end)?;
        Ok(TarStore { file, files, links })
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

/// Fails unless an end-of-archive block (all zeros) follows the data of
/// the last entry, which ends at `end`. Indexing seeks over entry data, and
/// the tar crate takes end of file for end of archive, so a tar cut short
/// (a copy interrupted before `manifest.json`, which `docker save` writes
/// last) would otherwise read as a smaller, valid archive.
fn check_complete(file: &mut File, end: u64) -> Result<(), String> {
    const BLOCK: u64 = 512;
    let truncated = |detail: String| format!("truncated tar archive: {detail}");
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    let marker = end.div_ceil(BLOCK).saturating_mul(BLOCK);
    if end > len {
        return Err(truncated(format!(
            "the last entry's data ends at byte {end}, past the end of the file ({len} bytes)"
        )));
    }
    if marker.saturating_add(BLOCK) > len {
        return Err(truncated(format!(
            "no end-of-archive block after the last entry ({len} bytes)"
        )));
    }
    file.seek(SeekFrom::Start(marker))
        .map_err(|e| e.to_string())?;
    let mut block = [0u8; BLOCK as usize];
    file.read_exact(&mut block).map_err(|e| e.to_string())?;
    if block.iter().any(|b| *b != 0) {
        return Err(truncated(format!(
            "an entry's header at byte {marker} is cut short"
        )));
    }
    Ok(())
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

    fn reader(&mut self, path: &str) -> Result<Box<dyn Read + Send>, String> {
        let (offset, size) = self
            .find(path)
            .ok_or_else(|| format!("{path}: not in the archive"))?;
        let file = self.file.try_clone().map_err(|e| format!("{path}: {e}"))?;
        Ok(Box::new(Region {
            file,
            at: offset,
            end: offset.saturating_add(size),
        }))
    }
}

/// The bytes `at..end` of a file, read by position: a duplicated handle
/// shares the original's offset, so positional reads keep readers on
/// several threads out of each other's way.
struct Region {
    file: File,
    at: u64,
    end: u64,
}

impl Read for Region {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = usize::try_from(self.end.saturating_sub(self.at)).unwrap_or(usize::MAX);
        let Some(window) = buf.get_mut(..buf.len().min(left)) else {
            return Ok(0);
        };
        if window.is_empty() {
            return Ok(0);
        }
        let n = read_at(&self.file, window, self.at)?;
        self.at = self.at.saturating_add(n as u64);
        Ok(n)
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, at)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, at)
}
