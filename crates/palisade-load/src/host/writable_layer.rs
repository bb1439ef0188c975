//! What a running Docker container wrote into its writable layer since it
//! started: with the overlay2 storage driver, the layer is a folder on the
//! host (`<data-root>/overlay2/<mount-id>/diff`, the mount ID in
//! `<data-root>/image/overlay2/layerdb/mounts/<container-id>/mount-id`),
//! holding every file the container created or modified (copied up from
//! the image). Executables there (an execute bit, or an ELF header) are
//! what drift detection looks for: software that did not come with the
//! image. The walk stays inside the layer, follows no link, and opens no
//! special file.

use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

use serde::Serialize;

use super::root::HostRoot;

/// Most entries of one writable layer walked.
pub const MAX_ENTRIES: usize = 100_000;

/// A file in a container's writable layer that can be run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WrittenExecutable {
    /// The path inside the container.
    pub path: String,
    /// Where it is on the host.
    pub host_path: String,
    pub mode: u32,
    pub size: u64,
    /// Whether it starts with an ELF header (a binary, whatever its mode).
    pub elf: bool,
}

/// A container's writable layer, as far as it could be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum WritableLayer {
    /// Read: its executables, and whether the walk stopped at the limit.
    Read {
        /// The layer's folder on the host.
        upper: String,
        executables: Vec<WrittenExecutable>,
        truncated: bool,
        /// Entries that could not be read (a folder not listed, a file not
        /// opened for its header): what they hold is unknown.
        unreadable: usize,
    },
    /// Not an overlay2 layer this reader knows, and why.
    Unknown { reason: String },
}

/// The writable layer of container `id` under `data_root`.
pub fn read(root: &HostRoot, data_root: &str, id: &str, driver: &str) -> WritableLayer {
    if driver != "overlay2" {
        return WritableLayer::Unknown {
            reason: format!("storage driver {driver:?}: only overlay2 layers are read"),
        };
    }
    let data_root = data_root.trim_end_matches('/');
    let mount_file = format!("{data_root}/image/overlay2/layerdb/mounts/{id}/mount-id");
    let mount = match root.read_text(&mount_file) {
        Ok(text) => text.trim().to_owned(),
        Err(e) => {
            return WritableLayer::Unknown {
                reason: format!("cannot read {mount_file}: {e}"),
            };
        }
    };
    if mount.is_empty() || !mount.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return WritableLayer::Unknown {
            reason: format!("{mount_file} names no layer ({mount:?})"),
        };
    }
    let upper = format!("{data_root}/overlay2/{mount}/diff");
    match executables_in(root, &upper) {
        Ok(found) => WritableLayer::Read {
            upper,
            executables: found.executables,
            truncated: found.truncated,
            unreadable: found.unreadable,
        },
        Err(reason) => WritableLayer::Unknown { reason },
    }
}

/// What a walk of an upper directory found.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub executables: Vec<WrittenExecutable>,
    /// The walk stopped at [`MAX_ENTRIES`].
    pub truncated: bool,
    /// Entries that could not be read.
    pub unreadable: usize,
}

/// The executables under the host folder `upper` (an overlay's upper
/// directory).
pub fn executables_in(root: &HostRoot, upper: &str) -> Result<Found, String> {
    let local = match root.resolve(upper) {
        Ok(resolved) if resolved.local.is_dir() => resolved.local,
        _ => return Err(format!("{upper} is not a folder")),
    };
    let mut found = Found::default();
    for (seen, entry) in walkdir::WalkDir::new(&local)
        .follow_links(false)
        .follow_root_links(false)
        .sort_by_file_name()
        .into_iter()
        .enumerate()
    {
        if seen >= MAX_ENTRIES {
            found.truncated = true;
            break;
        }
        let Ok(entry) = entry else {
            found.unreadable += 1;
            continue;
        };
        // Whiteouts are character devices, links are links: only regular
        // files can be run.
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(meta) = entry.metadata() else {
            found.unreadable += 1;
            continue;
        };
        let Ok(elf) = starts_with_elf(entry.path()) else {
            found.unreadable += 1;
            continue;
        };
        let mode = meta.mode() & 0o7777;
        if mode & 0o111 == 0 && !elf {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(&local)
            .unwrap_or(entry.path())
            .to_string_lossy()
            .into_owned();
        found.executables.push(WrittenExecutable {
            path: format!("/{rel}"),
            host_path: format!("{}/{rel}", upper.trim_end_matches('/')),
            mode,
            size: meta.len(),
            elf,
        });
    }
    Ok(found)
}

/// Whether the file begins with `\x7fELF`, read without following a link
/// and without blocking; an error when it cannot be opened.
fn starts_with_elf(path: &Path) -> std::io::Result<bool> {
    let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
    let mut file = std::fs::File::options()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path)?;
    let mut magic = [0u8; 4];
    // Shorter than a header: no ELF file.
    Ok(file.read_exact(&mut magic).is_ok() && magic == *b"\x7fELF")
}
