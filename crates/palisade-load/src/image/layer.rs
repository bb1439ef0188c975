//! Reading tars within bounds: layer tars (uncompressed or gzip) into file
//! entries, and the entries of an image archive itself.
//!
//! Tar entries are read raw: GNU long names and PAX extended headers are
//! decoded here, each refused beyond the path limit, instead of letting the
//! `tar` crate buffer an extension header of any size.

use std::fmt;
use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;

use super::filesystem::{FileEntry, FileKind};
use super::store::Store;
use super::{BlobDigest, BlobHasher, ImageLimits, ImageOptions};

/// What one input has used of its limits so far.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Budget {
    /// Tar entries seen.
    pub(crate) entries: usize,
    /// Bytes decompressed from layers.
    pub(crate) decompressed: u64,
    /// Bytes of file content kept.
    pub(crate) kept: u64,
    /// Whether content that would have been kept was not, for lack of
    /// budget (such a result depends on the budget, so it is not cached).
    pub(crate) dropped: bool,
}

/// One tar entry's header, decoded.
#[derive(Debug)]
pub(crate) struct TarItem {
    /// Normalized: no leading `/` or `./`, no `.` or `..` parts.
    pub(crate) path: String,
    pub(crate) kind: FileKind,
    pub(crate) mode: u32,
    pub(crate) uid: u64,
    pub(crate) gid: u64,
    pub(crate) size: u64,
    /// The link target, for links (as written).
    pub(crate) link: Option<String>,
}

/// A limit was exceeded while reading; carried inside an `io::Error`.
#[derive(Debug)]
struct LimitExceeded(String);

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LimitExceeded {}

/// An I/O error as a message; a limit exceeded deep inside the `tar` or
/// gzip readers is named as such.
pub(crate) fn describe(error: &io::Error) -> String {
    let mut source: Option<&(dyn std::error::Error + 'static)> = error.get_ref().map(|e| e as _);
    for _ in 0..8 {
        let Some(current) = source else { break };
        if let Some(limit) = current.downcast_ref::<LimitExceeded>() {
            return limit.0.clone();
        }
        if let Some(io) = current.downcast_ref::<io::Error>() {
            source = io.get_ref().map(|e| e as _);
        } else {
            source = current.source();
        }
    }
    error.to_string()
}

/// A reader that fails once more than `remaining` bytes would be read.
struct Limited<R> {
    inner: R,
    remaining: u64,
    used: u64,
    limit: u64,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(LimitExceeded(format!(
                    "decompressed layers exceed the {} byte limit (a decompression bomb?)",
                    self.limit
                )))),
            };
        }
        let max = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let n = match buf.get_mut(..max) {
            Some(window) => self.inner.read(window)?,
            None => 0,
        };
        self.remaining = self.remaining.saturating_sub(n as u64);
        self.used = self.used.saturating_add(n as u64);
        Ok(n)
    }
}

/// Normalizes a path inside an archive or image: no leading `/` or `./`,
/// no empty or `.` parts, `..` removing the previous part (never above the
/// root).
///
/// The image root is `""`.
pub(crate) fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    parts.join("/")
}

fn text(bytes: &[u8], limits: &ImageLimits, what: &str) -> Result<String, String> {
    let bytes = match bytes.iter().position(|b| *b == 0) {
        Some(end) => bytes.get(..end).unwrap_or(bytes),
        None => bytes,
    };
    if bytes.len() > limits.max_path_bytes {
        return Err(format!(
            "{what} {:?}... is longer than the {} byte limit",
            String::from_utf8_lossy(bytes.get(..40).unwrap_or(bytes)),
            limits.max_path_bytes
        ));
    }
    Ok(String::from_utf8_lossy(bytes).into_owned())
}

/// Reads an extension header's data (a long name or PAX records), refused
/// beyond a bound.
fn extension<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    max: u64,
    what: &str,
) -> Result<Vec<u8>, String> {
    let size = entry.size();
    if size > max {
        // A long name's data ends with a NUL, which the limit does not count.
        return Err(format!(
            "{what} of {size} bytes is longer than the {} byte limit",
            max.saturating_sub(1)
        ));
    }
    let mut data = Vec::new();
    entry
        .by_ref()
        .take(max)
        .read_to_end(&mut data)
        .map_err(|e| describe(&e))?;
    Ok(data)
}

/// `path` and `linkpath` of PAX records (`<len> <key>=<value>\n`).
fn pax_paths(data: &[u8]) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    let (mut path, mut link) = (None, None);
    let mut rest = data;
    while !rest.is_empty() {
        let Some(space) = rest.iter().position(|b| *b == b' ') else {
            break;
        };
        let len = std::str::from_utf8(rest.get(..space).unwrap_or_default())
            .ok()
            .and_then(|l| l.parse::<usize>().ok());
        let Some(len) = len.filter(|l| *l > space && *l <= rest.len()) else {
            break;
        };
        let record = rest.get(space + 1..len).unwrap_or_default();
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(eq) = record.iter().position(|b| *b == b'=') {
            let (key, value) = (record.get(..eq), record.get(eq + 1..));
            match (key, value) {
                (Some(b"path"), Some(v)) => path = Some(v.to_vec()),
                (Some(b"linkpath"), Some(v)) => link = Some(v.to_vec()),
                _ => {}
            }
        }
        rest = rest.get(len..).unwrap_or_default();
    }
    (path, link)
}

/// Visits every entry of a tar read raw, decoding long names and PAX
/// paths, counting entries against the budget. Errors name the entry (or
/// the last one read).
pub(crate) fn walk<'a, R: Read + 'a>(
    entries: tar::Entries<'a, R>,
    limits: &ImageLimits,
    budget: &mut Budget,
    mut visit: impl FnMut(TarItem, &mut tar::Entry<'a, R>) -> Result<(), String>,
) -> Result<(), String> {
    let entries = entries.raw(true);
    let mut long_name: Option<Vec<u8>> = None;
    let mut long_link: Option<Vec<u8>> = None;
    let mut last = String::new();
    let after = |last: &str| {
        if last.is_empty() {
            String::new()
        } else {
            format!(" (after entry {})", super::truncate(last))
        }
    };
    let extension_max = (limits.max_path_bytes as u64)
        .saturating_mul(4)
        .max(64 << 10)
        .saturating_add(1);
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("{}{}", describe(&e), after(&last)))?;
        budget.entries += 1;
        if budget.entries > limits.max_entries {
            return Err(format!(
                "more than {} tar entries{}",
                limits.max_entries,
                after(&last)
            ));
        }
        let header = entry.header();
        let kind = header.entry_type();
        let in_header = |e: String| format!("{e}{}", after(&last));
        if kind.is_gnu_longname() {
            let max = limits.max_path_bytes as u64 + 1;
            long_name = Some(extension(&mut entry, max, "a long path").map_err(in_header)?);
            continue;
        }
        if kind.is_gnu_longlink() {
            let max = limits.max_path_bytes as u64 + 1;
            long_link = Some(extension(&mut entry, max, "a long link").map_err(in_header)?);
            continue;
        }
        if kind.is_pax_local_extensions() {
            let data = extension(&mut entry, extension_max, "a PAX header").map_err(in_header)?;
            let (path, link) = pax_paths(&data);
            if path.is_some() {
                long_name = path;
            }
            if link.is_some() {
                long_link = link;
            }
            continue;
        }
        if kind.is_pax_global_extensions() {
            continue;
        }
        let raw_path = match long_name.take() {
            Some(name) => name,
            None => header.path_bytes().into_owned(),
        };
        let path = text(&raw_path, limits, "path").map_err(in_header)?;
        let link = match long_link.take() {
            Some(link) => Some(link),
            None => header.link_name_bytes().map(|l| l.into_owned()),
        };
        let link = link
            .map(|l| text(&l, limits, "link target"))
            .transpose()
            .map_err(|e| format!("{}: {e}", super::truncate(&path)))?;
        let named = |e: io::Error| format!("{}: {}", super::truncate(&path), describe(&e));
        let kind = match kind {
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
                FileKind::File
            }
            tar::EntryType::Link => FileKind::HardLink,
            tar::EntryType::Symlink => FileKind::Symlink,
            tar::EntryType::Directory => FileKind::Directory,
            _ => FileKind::Other,
        };
        let item = TarItem {
            path: normalize(&path),
            kind,
            mode: header.mode().map_err(named)?,
            uid: header.uid().unwrap_or(0),
            gid: header.gid().unwrap_or(0),
            size: entry.size(),
            link,
        };
        last = path;
        if item.path.is_empty() {
            continue;
        }
        visit(item, &mut entry).map_err(|e| format!("{}: {e}", super::truncate(&last)))?;
    }
    Ok(())
}

/// How much is read from the layer, and inflated, per call: large reads
/// keep the decoder in its fast loop and the system calls few.
const INFLATE_BUFFER: usize = 256 << 10;

/// Reads one layer (a tar, or a gzip-compressed tar) into its entries, in
/// order, whiteouts included, keeping the content of the small files the
/// options ask for.
pub(crate) fn read(
    raw: impl Read,
    options: &ImageOptions,
    budget: &mut Budget,
) -> Result<Vec<(String, FileEntry)>, String> {
    let limits = &options.limits;
    let mut raw = BufReader::with_capacity(INFLATE_BUFFER, raw);
    let gzip = match raw.fill_buf().map_err(|e| describe(&e))? {
        [0x1f, 0x8b, ..] => true,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => {
            return Err("zstd-compressed layers are not supported yet".to_owned());
        }
        [0xfd, b'7', b'z', b'X', b'Z', ..] | [b'B', b'Z', b'h', ..] => {
            return Err("xz and bzip2 layers are not supported".to_owned());
        }
        _ => false,
    };
    // Inflated into large buffers: the tar reader asks for 512-byte headers
    // and small files, and inflating into buffers that small runs the
    // decoder's slow path (its fast loop needs room for a whole match).
    let decompressed: Box<dyn Read + '_> = if gzip {
        Box::new(BufReader::with_capacity(
            INFLATE_BUFFER,
            flate2::bufread::MultiGzDecoder::new(raw),
        ))
    } else {
        Box::new(raw)
    };
    let remaining = limits
        .max_decompressed_bytes
        .saturating_sub(budget.decompressed);
    let mut archive = tar::Archive::new(Limited {
        inner: decompressed,
        remaining,
        used: 0,
        limit: limits.max_decompressed_bytes,
    });
    let mut out = Vec::new();
    let mut kept = budget.kept;
    let mut dropped = budget.dropped;
    let entries;
    let result = {
        let iter = archive.entries().map_err(|e| describe(&e))?;
        let mut local = Budget {
            entries: budget.entries,
            ..Budget::default()
        };
        let result = walk(iter, limits, &mut local, |item, entry| {
            let mut content = None;
            let wanted = item.kind == FileKind::File
                && item.size <= limits.max_content_bytes
                && (options.keep_content)(&item.path);
            if wanted && kept.saturating_add(item.size) > limits.max_kept_bytes {
                dropped = true;
            } else if wanted {
                // Sized once: growing it doubling from empty cost fresh
                // pages and copies (the size is bounded by
                // max_content_bytes above).
                let mut bytes = Vec::with_capacity(usize::try_from(item.size).unwrap_or(0));
                entry
                    .by_ref()
                    .take(item.size)
                    .read_to_end(&mut bytes)
                    .map_err(|e| describe(&e))?;
                kept = kept.saturating_add(bytes.len() as u64);
                content = Some(Arc::from(bytes));
            }
            out.push((
                item.path,
                FileEntry {
                    kind: item.kind,
                    mode: item.mode,
                    uid: item.uid,
                    gid: item.gid,
                    size: item.size,
                    link: item.link,
                    layer: 0,
                    content,
                },
            ));
            Ok(())
        });
        entries = local.entries;
        result
    };
    budget.entries = entries;
    budget.kept = kept;
    budget.dropped = dropped;
    budget.decompressed = budget
        .decompressed
        .saturating_add(archive.into_inner().used);
    result.map(|()| out)
}

/// A layer's entries, in tar order.
type Entries = Vec<(String, FileEntry)>;

/// Why a layer is refused when its bytes are not the ones its digest names:
/// the manifest (whose own digest was checked) vouches for that digest, so
/// other bytes are not this image's layer.
fn mismatch(digest: &BlobDigest) -> String {
    format!("content does not match its digest {digest}")
}

/// Hashes what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: BlobHasher,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(buf.get(..n).unwrap_or_default());
        Ok(n)
    }
}

/// Reads a layer too large to hold in memory from its reader, checking its
/// digest (when its path names one) over every byte, the ones the tar
/// reader leaves after the archive's end included.
pub(crate) fn streamed(
    reader: impl Read,
    path: &str,
    options: &ImageOptions,
    budget: &mut Budget,
) -> Result<Entries, String> {
    let Some(digest) = BlobDigest::of_blob_path(path) else {
        return read(reader, options, budget);
    };
    let mut hashing = Hashing {
        inner: reader,
        hasher: digest.hasher(),
    };
    let entries = read(&mut hashing, options, budget)?;
    std::io::copy(&mut hashing, &mut std::io::sink()).map_err(|e| describe(&e))?;
    if digest.is(hashing.hasher) {
        Ok(entries)
    } else {
        Err(mismatch(&digest))
    }
}

/// One layer of a batch, through the layer cache when there is one: a
/// cached result is used only once the layer's bytes hash to its digest
/// and only when this batch's content share holds what it kept; a layer
/// read in full is stored unless its result depended on the budget.
fn read_cached(
    reader: Box<dyn Read + Send>,
    path: &str,
    options: &ImageOptions,
    start: Budget,
    share: u64,
) -> Result<(Entries, Budget), String> {
    let mut local = Budget { ..start };
    let (Some(cache), Some(digest)) = (&options.cache, BlobDigest::of_blob_path(path)) else {
        return streamed(reader, path, options, &mut local).map(|entries| (entries, local));
    };
    let limits = &options.limits;
    if let Some(hit) = cache.get(&digest, limits).filter(|hit| hit.kept <= share) {
        // Hashing is all a cached layer costs: read it in large blocks
        // (`io::copy`'s 8 KiB would be a system call per 8 KiB).
        let mut reader = reader;
        let mut hasher = digest.hasher();
        let mut block = vec![0u8; INFLATE_BUFFER];
        loop {
            let n = match reader.read(&mut block) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(describe(&e)),
            };
            hasher.update(block.get(..n).unwrap_or_default());
        }
        if !digest.is(hasher) {
            return Err(mismatch(&digest));
        }
        local.entries = local.entries.saturating_add(hit.tar_entries);
        local.decompressed = local.decompressed.saturating_add(hit.decompressed);
        local.kept = local.kept.saturating_add(hit.kept);
        return Ok((hit.entries, local));
    }
    let entries = streamed(reader, path, options, &mut local)?;
    if !local.dropped {
        let cached = super::cache::Cached {
            entries,
            tar_entries: local.entries.saturating_sub(start.entries),
            decompressed: local.decompressed.saturating_sub(start.decompressed),
            kept: local.kept.saturating_sub(start.kept),
        };
        cache.put(&digest, limits, &cached);
        return Ok((cached.entries, local));
    }
    Ok((entries, local))
}

/// Reads the layers `paths` of one image, in order. Inflating gzip is most
/// of the cost of an image scan, so layers are inflated a batch at a time
/// (as many as there are worker threads), each streamed from its own reader
/// straight through its digest check and the tar reader: no layer is first
/// copied into memory (a 100 MB image's copies cost a quarter of the scan
/// in fresh pages). The budgets hold across the batch: each layer may keep
/// its share of the remaining content allowance, and entries and
/// decompressed bytes are checked against their limits once the batch is
/// summed. Errors name the layer.
pub(crate) fn read_layers(
    store: &mut dyn Store,
    paths: &[String],
    options: &ImageOptions,
    budget: &mut Budget,
) -> Result<Vec<Entries>, String> {
    use rayon::prelude::*;
    let limits = &options.limits;
    let batch = rayon::current_num_threads().max(1);
    let mut out = Vec::with_capacity(paths.len());
    for chunk in paths.chunks(batch) {
        let readers: Vec<Result<Box<dyn Read + Send>, String>> =
            chunk.iter().map(|path| store.reader(path)).collect();
        let share = limits.max_kept_bytes.saturating_sub(budget.kept) / chunk.len().max(1) as u64;
        let start = Budget {
            entries: budget.entries,
            decompressed: budget.decompressed,
            kept: limits.max_kept_bytes.saturating_sub(share),
            dropped: false,
        };
        let inflated: Vec<Result<(Entries, Budget), String>> = readers
            .into_par_iter()
            .zip(chunk.par_iter())
            .map(|(reader, path)| read_cached(reader?, path, options, start, share))
            .collect();
        for (path, result) in chunk.iter().zip(inflated) {
            let (entries, local) = result.map_err(|e| format!("layer {path}: {e}"))?;
            budget.entries += local.entries.saturating_sub(start.entries);
            budget.decompressed = budget
                .decompressed
                .saturating_add(local.decompressed.saturating_sub(start.decompressed));
            budget.kept = budget
                .kept
                .saturating_add(local.kept.saturating_sub(start.kept));
            if budget.entries > limits.max_entries {
                return Err(format!(
                    "layer {path}: more than {} entries in the image's layers",
                    limits.max_entries
                ));
            }
            if budget.decompressed > limits.max_decompressed_bytes {
                return Err(format!(
                    "layer {path}: decompressed layers exceed the {} byte limit (a decompression bomb?)",
                    limits.max_decompressed_bytes
                ));
            }
            out.push(entries);
        }
    }
    Ok(out)
}
