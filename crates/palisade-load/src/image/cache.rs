//! The layer cache: what a layer gave (its tar entries and the content kept
//! of them), stored by the layer's verified digest so that a base layer
//! scanned in one CI job is not inflated again by the next.
//!
//! - **Keyed by what decides.** A file's name is the layer digest, the
//!   cache format, the Palisade version and a hash of the limits: another
//!   version or other limits never read an entry written under others.
//! - **Trusted only after the digest.** A layer's compressed bytes are
//!   still read and hashed on every scan; the entry is used only when they
//!   match the digest the manifest names, so the cache saves the inflating
//!   and the tar reading, never the check that the bytes are the image's.
//! - **Exact.** A layer whose reading dropped content for lack of budget is
//!   not stored (another scan could keep more), and an entry is used only
//!   when this scan's content budget holds all it kept.
//! - **Safe to share, bounded.** Entries are written to a temporary file and
//!   renamed into place (concurrent jobs see whole entries or none), carry a
//!   SHA-256 of their bytes (a torn or corrupted entry is a miss, and is
//!   removed), and the folder is trimmed to its size bound, least recently
//!   used first. Whoever can write the folder can change what a scan sees:
//!   on Unix a folder or entry that others may write is refused, and the
//!   folder is created `0700`.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::filesystem::{FileEntry, FileKind};
use super::{BlobDigest, ImageLimits};

/// Bumped whenever the entry format or what an entry means changes.
const FORMAT: u32 = 1;
const MAGIC: &[u8] = b"palisade-layer-cache\n";

/// Where layers are cached, and how much the folder may hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerCache {
    /// The folder (created when missing).
    pub dir: PathBuf,
    /// Bytes the folder may hold; the least recently used entries go first.
    pub max_bytes: u64,
}

/// What a layer gave, as the cache holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cached {
    pub(crate) entries: Vec<(String, FileEntry)>,
    /// Tar entries read (headers included), for the entries budget.
    pub(crate) tar_entries: usize,
    /// Bytes inflated, for the decompression budget.
    pub(crate) decompressed: u64,
    /// Bytes of content kept.
    pub(crate) kept: u64,
}

impl LayerCache {
    /// The default place: `$XDG_CACHE_HOME/palisade/layers`, else
    /// `~/.cache/palisade/layers`; 1 GiB.
    pub fn default_place() -> Option<LayerCache> {
        let absolute = |name: &str| {
            std::env::var_os(name)
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
        };
        let base =
            absolute("XDG_CACHE_HOME").or_else(|| absolute("HOME").map(|h| h.join(".cache")))?;
        Some(LayerCache {
            dir: base.join("palisade").join("layers"),
            max_bytes: 1 << 30,
        })
    }

    fn path(&self, digest: &BlobDigest, limits: &ImageLimits) -> PathBuf {
        let mut key = Sha256::new();
        key.update(format!("{limits:?}").as_bytes());
        let key = key.finalize();
        let tag: String = key.iter().take(8).map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!(
            "{}-{}.f{FORMAT}-{}-{tag}.layer",
            digest.algorithm,
            digest.hex,
            env!("CARGO_PKG_VERSION")
        ))
    }

    /// The entry of a verified layer, if there is a whole one.
    pub(crate) fn get(&self, digest: &BlobDigest, limits: &ImageLimits) -> Option<Cached> {
        let path = self.path(digest, limits);
        if !trusted(&self.dir) || !trusted(&path) {
            return None;
        }
        let file = File::open(&path).ok()?;
        // Sized from the file: read_to_end doubling from empty cost fresh
        // pages and copies of a few MB per layer.
        let size = file
            .metadata()
            .map_or(0, |m| m.len().min(limits.max_archive_bytes));
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        file.take(limits.max_archive_bytes)
            .read_to_end(&mut bytes)
            .ok()?;
        match decode(&bytes, limits) {
            Some(cached) => {
                // Recently used: trimmed last.
                if let Ok(file) = File::options().write(true).open(&path) {
                    let _ = file.set_modified(std::time::SystemTime::now());
                }
                Some(cached)
            }
            None => {
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    /// Stores a verified layer's result; failures only cost the next scan
    /// its time.
    pub(crate) fn put(&self, digest: &BlobDigest, limits: &ImageLimits, cached: &Cached) {
        if create_private(&self.dir).is_err() || !trusted(&self.dir) {
            return;
        }
        let bytes = encode(cached);
        let Ok(mut file) = tempfile::NamedTempFile::new_in(&self.dir) else {
            return;
        };
        if file.write_all(&bytes).is_err() {
            return;
        }
        if file.persist(self.path(digest, limits)).is_ok() {
            self.trim();
        }
    }

    /// Removes the least recently used entries beyond the size bound.
    fn trim(&self) {
        let Ok(read) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut entries: Vec<(std::time::SystemTime, u64, PathBuf)> = read
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "layer"))
            .filter_map(|e| {
                let meta = e.metadata().ok()?;
                Some((meta.modified().ok()?, meta.len(), e.path()))
            })
            .collect();
        let mut total: u64 = entries.iter().map(|(_, len, _)| len).sum();
        entries.sort();
        for (_, len, path) in entries {
            if total <= self.max_bytes {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total = total.saturating_sub(len);
            }
        }
    }
}

fn create_private(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Whether this user owns it, it is no symbolic link, and neither group nor
/// others may write it.
#[cfg(unix)]
fn trusted(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    let me = rustix::process::geteuid().as_raw();
    meta.mode() & 0o022 == 0 && meta.uid() == me && !meta.file_type().is_symlink()
}

#[cfg(not(unix))]
fn trusted(path: &Path) -> bool {
    path.exists()
}

fn encode(cached: &Cached) -> Vec<u8> {
    let mut out = Vec::with_capacity(cached.entries.len() * 64);
    out.extend_from_slice(MAGIC);
    put_u64(&mut out, cached.tar_entries as u64);
    put_u64(&mut out, cached.decompressed);
    put_u64(&mut out, cached.kept);
    put_u64(&mut out, cached.entries.len() as u64);
    for (path, entry) in &cached.entries {
        put_bytes(&mut out, path.as_bytes());
        out.push(match entry.kind {
            FileKind::File => 0,
            FileKind::HardLink => 1,
            FileKind::Symlink => 2,
            FileKind::Directory => 3,
            FileKind::Other => 4,
        });
        put_u64(&mut out, u64::from(entry.mode));
        put_u64(&mut out, entry.uid);
        put_u64(&mut out, entry.gid);
        put_u64(&mut out, entry.size);
        put_optional(&mut out, entry.link.as_deref().map(str::as_bytes));
        put_optional(&mut out, entry.content.as_deref());
    }
    let sum = Sha256::digest(&out);
    out.extend_from_slice(&sum);
    out
}

fn put_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_u64(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn put_optional(out: &mut Vec<u8>, bytes: Option<&[u8]>) {
    match bytes {
        None => out.push(0),
        Some(bytes) => {
            out.push(1);
            put_bytes(out, bytes);
        }
    }
}

/// An entry's content, or `None` when it is torn, corrupted or beyond the
/// limits (every length is checked before it is used).
fn decode(bytes: &[u8], limits: &ImageLimits) -> Option<Cached> {
    let (body, sum) = bytes.split_at_checked(bytes.len().checked_sub(32)?)?;
    if Sha256::digest(body).as_slice() != sum {
        return None;
    }
    let mut r = Reader(body.strip_prefix(MAGIC)?);
    let tar_entries = usize::try_from(r.u64()?).ok()?;
    let decompressed = r.u64()?;
    let kept = r.u64()?;
    let count = usize::try_from(r.u64()?).ok()?;
    if count > limits.max_entries || tar_entries > limits.max_entries {
        return None;
    }
    let mut entries = Vec::with_capacity(count.min(1 << 16));
    for _ in 0..count {
        let path = String::from_utf8(r.bytes(limits.max_path_bytes as u64)?.to_vec()).ok()?;
        let kind = match r.byte()? {
            0 => FileKind::File,
            1 => FileKind::HardLink,
            2 => FileKind::Symlink,
            3 => FileKind::Directory,
            4 => FileKind::Other,
            _ => return None,
        };
        let mode = u32::try_from(r.u64()?).ok()?;
        let (uid, gid, size) = (r.u64()?, r.u64()?, r.u64()?);
        let link = match r.optional(limits.max_path_bytes as u64)? {
            Some(bytes) => Some(String::from_utf8(bytes.to_vec()).ok()?),
            None => None,
        };
        let content = r.optional(limits.max_content_bytes)?.map(Arc::from);
        entries.push((
            path,
            FileEntry {
                kind,
                mode,
                uid,
                gid,
                size,
                link,
                layer: 0,
                content,
            },
        ));
    }
    r.0.is_empty().then_some(Cached {
        entries,
        tar_entries,
        decompressed,
        kept,
    })
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn bytes(&mut self, max: u64) -> Option<&'a [u8]> {
        let len = self.u64()?;
        if len > max {
            return None;
        }
        self.take(usize::try_from(len).ok()?)
    }

    fn optional(&mut self, max: u64) -> Option<Option<&'a [u8]>> {
        match self.byte()? {
            0 => Some(None),
            1 => Some(Some(self.bytes(max)?)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Cached {
        Cached {
            entries: vec![
                ("etc/passwd".into(), FileEntry::file(0o644, b"root:x:0:0")),
                (
                    "home/app/.ssh/id_rsa".into(),
                    FileEntry::file(0o600, b"-----BEGIN"),
                ),
                ("usr/bin".into(), FileEntry::directory(0o755)),
            ],
            tar_entries: 3,
            decompressed: 4096,
            kept: 20,
        }
    }

    fn digest() -> BlobDigest {
        BlobDigest::parse(&format!("sha256:{}", "ab".repeat(32))).unwrap()
    }

    #[test]
    fn an_entry_reads_back_as_written_and_a_damaged_one_is_a_miss() {
        let limits = ImageLimits::default();
        let bytes = encode(&sample());
        assert_eq!(decode(&bytes, &limits), Some(sample()));
        for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
            assert_eq!(decode(&bytes[..cut], &limits), None, "cut at {cut}");
        }
        let mut flipped = bytes.clone();
        flipped[MAGIC.len() + 3] ^= 1;
        assert_eq!(decode(&flipped, &limits), None);
        // Content beyond this scan's limits is not read back.
        let tight = ImageLimits {
            max_content_bytes: 4,
            ..ImageLimits::default()
        };
        assert_eq!(decode(&bytes, &tight), None);
    }

    #[test]
    fn entries_are_kept_per_version_and_limits_and_trimmed_to_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache {
            dir: dir.path().join("layers"),
            max_bytes: 1 << 20,
        };
        let limits = ImageLimits::default();
        assert_eq!(cache.get(&digest(), &limits), None);
        cache.put(&digest(), &limits, &sample());
        assert_eq!(cache.get(&digest(), &limits), Some(sample()));
        let other = ImageLimits {
            max_content_bytes: 1024,
            ..ImageLimits::default()
        };
        assert_eq!(cache.get(&digest(), &other), None);
        // A corrupted entry is a miss and is removed.
        let path = cache.path(&digest(), &limits);
        std::fs::write(&path, b"garbage").unwrap();
        assert_eq!(cache.get(&digest(), &limits), None);
        assert!(!path.exists());
        // Beyond the bound, the least recently used entries go.
        let small = LayerCache {
            max_bytes: 1,
            ..cache.clone()
        };
        small.put(&digest(), &limits, &sample());
        assert_eq!(small.get(&digest(), &limits), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_others_may_write_is_not_trusted() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache {
            dir: dir.path().join("layers"),
            max_bytes: 1 << 20,
        };
        let limits = ImageLimits::default();
        cache.put(&digest(), &limits, &sample());
        std::fs::set_permissions(&cache.dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert_eq!(cache.get(&digest(), &limits), None);
    }
}
