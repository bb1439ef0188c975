//! Reading what a profile covers under a host root: each path's type, full
//! mode, owner, size, content hash, link target, inode and security
//! extended attributes. Links met inside the walk are recorded, never
//! followed; only the folders above a profile's starting points are
//! resolved, inside the root (as `HostRoot` resolves every host path).
//! Special files are never opened, and a file swapped for a link or a FIFO
//! between the look and the read is refused by the open itself.

use std::fs::{File, Metadata};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::profile::{MAX_ENTRIES, Profile, hex};
use super::xattrs::{self, Xattr};
use crate::host::{Accounts, HostRoot};

/// What a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileType {
    File,
    Directory,
    Symlink,
    Socket,
    Fifo,
    BlockDevice,
    CharDevice,
    /// Its metadata could not be read.
    Unknown,
}

impl FileType {
    fn of(meta: &Metadata) -> FileType {
        let t = meta.file_type();
        if t.is_symlink() {
            FileType::Symlink
        } else if t.is_dir() {
            FileType::Directory
        } else if t.is_file() {
            FileType::File
        } else if t.is_socket() {
            FileType::Socket
        } else if t.is_fifo() {
            FileType::Fifo
        } else if t.is_block_device() {
            FileType::BlockDevice
        } else if t.is_char_device() {
            FileType::CharDevice
        } else {
            FileType::Unknown
        }
    }

    /// `file`, `directory`, `symlink`...
    pub fn as_str(self) -> &'static str {
        match self {
            FileType::File => "file",
            FileType::Directory => "directory",
            FileType::Symlink => "symlink",
            FileType::Socket => "socket",
            FileType::Fifo => "fifo",
            FileType::BlockDevice => "block-device",
            FileType::CharDevice => "char-device",
            FileType::Unknown => "unknown",
        }
    }
}

/// One path as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FileRecord {
    /// The host path, as the profile names it.
    pub path: String,
    #[serde(rename = "type")]
    pub file_type: FileType,
    /// Permission bits with setuid, setgid and sticky.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// The owner's name in the host's `/etc/passwd`, if listed.
    pub owner: Option<String>,
    /// The group's name in the host's `/etc/group`, if listed.
    pub group: Option<String>,
    /// Bytes, for files and links (a folder's size says nothing).
    pub size: u64,
    /// The content's SHA-256, for files up to the profile's limit.
    pub sha256: Option<String>,
    /// Why a file's content is not hashed (larger than the limit); its
    /// size and modification time stand in for it.
    pub unhashed: Option<String>,
    /// Seconds since the epoch, for files whose content is not hashed.
    pub modified: Option<i64>,
    /// A link's target, as written.
    pub target: Option<String>,
    pub inode: u64,
    /// The security-relevant extended attributes, sorted by name.
    pub xattrs: Vec<Xattr>,
    /// What could not be read of it, and why.
    pub unreadable: Option<String>,
}

impl FileRecord {
    fn unreadable(path: String, reason: String) -> FileRecord {
        FileRecord {
            path,
            file_type: FileType::Unknown,
            mode: 0,
            uid: 0,
            gid: 0,
            owner: None,
            group: None,
            size: 0,
            sha256: None,
            unhashed: None,
            modified: None,
            target: None,
            inode: 0,
            xattrs: Vec::new(),
            unreadable: Some(reason),
        }
    }
}

/// What a capture read: the records, sorted by path, and what stopped
/// part of the walk.
#[derive(Debug, Clone, Default)]
pub struct Captured {
    pub files: Vec<FileRecord>,
    /// Folders that could not be listed, and a walk cut at the entry limit.
    pub problems: Vec<String>,
    /// Bytes hashed.
    pub bytes_hashed: u64,
}

/// How hard a capture may read: at most `bytes_per_second` hashed (over
/// all threads), on at most `threads` threads (`None`: every core). The
/// node agent reads gently; a command run by hand reads at full speed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pace {
    pub bytes_per_second: Option<u64>,
    pub threads: Option<usize>,
}

/// What has been hashed since the capture began, for [`Pace`]'s limit.
struct Budget {
    bytes_per_second: Option<u64>,
    started: Instant,
    hashed: Mutex<u64>,
}

impl Budget {
    /// Counts `n` bytes, then waits while the capture is ahead of its rate.
    fn spend(&self, n: usize) {
        let Some(rate) = self.bytes_per_second.filter(|r| *r > 0) else {
            return;
        };
        let total = {
            let Ok(mut hashed) = self.hashed.lock() else {
                return;
            };
            *hashed += n as u64;
            *hashed
        };
        let due = Duration::from_secs_f64(total as f64 / rate as f64);
        if let Some(ahead) = due.checked_sub(self.started.elapsed()) {
            std::thread::sleep(ahead);
        }
    }
}

/// Reads every path `profile` covers under `root`, at full speed.
pub fn capture(root: &HostRoot, profile: &Profile) -> Captured {
    capture_paced(root, profile, Pace::default())
}

/// Reads every path `profile` covers under `root`, within `pace`.
pub fn capture_paced(root: &HostRoot, profile: &Profile, pace: Pace) -> Captured {
    let budget = Budget {
        bytes_per_second: pace.bytes_per_second,
        started: Instant::now(),
        hashed: Mutex::new(0),
    };
    match pace.threads {
        Some(threads) => match rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build()
        {
            Ok(pool) => pool.install(|| capture_within(root, profile, &budget)),
            Err(_) => capture_within(root, profile, &budget),
        },
        None => capture_within(root, profile, &budget),
    }
}

fn capture_within(root: &HostRoot, profile: &Profile, budget: &Budget) -> Captured {
    let accounts = Accounts::read(root);
    let mut problems = Vec::new();
    let mut unlisted = Vec::new();
    let mut paths: Vec<(String, PathBuf)> = Vec::new();
    for start in profile.starts() {
        if paths.len() >= MAX_ENTRIES {
            break;
        }
        walk(root, profile, &start, &mut paths, &mut unlisted);
    }
    if paths.len() >= MAX_ENTRIES {
        paths.truncate(MAX_ENTRIES);
        problems.push(format!(
            "more than {MAX_ENTRIES} paths are covered: the walk stopped there; narrow the profile"
        ));
    }
    paths.sort();
    paths.dedup_by(|a, b| a.0 == b.0);
    let mut files: Vec<FileRecord> = paths
        .into_par_iter()
        .filter_map(|(name, local)| record(name, &local, profile.max_file_bytes, &accounts, budget))
        .collect();
    // A folder that cannot be listed is recorded as such: what is under it
    // is unknown, not gone.
    for (at, reason) in unlisted {
        match files.binary_search_by(|f| f.path.as_str().cmp(&at)) {
            Ok(i) => {
                if let Some(file) = files.get_mut(i) {
                    add_problem(file, reason);
                }
            }
            Err(_) => problems.push(format!("{at}: {reason}")),
        }
    }
    let bytes_hashed = files
        .iter()
        .filter(|f| f.sha256.is_some())
        .map(|f| f.size)
        .sum();
    Captured {
        files,
        problems,
        bytes_hashed,
    }
}

/// The deepest a walk from `start` need go for the profile's patterns.
fn depth_from(profile: &Profile, start: &str) -> usize {
    let count = |p: &str| p.split('/').filter(|c| !c.is_empty()).count();
    profile
        .include
        .iter()
        .filter(|p| start == "/" || p.as_str() == start || p.starts_with(&format!("{start}/")))
        .map(|p| {
            if p.contains("**") {
                usize::MAX
            } else {
                count(p).saturating_sub(count(start))
            }
        })
        .max()
        .unwrap_or(0)
}

/// Pseudo file systems: never walked, whatever a profile says.
fn is_pseudo(name: &str) -> bool {
    ["/proc", "/sys", "/dev"]
        .iter()
        .any(|p| name == *p || name.starts_with(&format!("{p}/")))
}

/// Lists the covered paths under `start` (the folders above it resolved
/// inside the root; `start` itself and everything below it not followed).
fn walk(
    root: &HostRoot,
    profile: &Profile,
    start: &str,
    paths: &mut Vec<(String, PathBuf)>,
    unlisted: &mut Vec<(String, String)>,
) {
    let (parent, last) = match start.rsplit_once('/') {
        Some((parent, last)) if !last.is_empty() => {
            (if parent.is_empty() { "/" } else { parent }, Some(last))
        }
        _ => ("/", None),
    };
    let local = match root.resolve(parent) {
        Ok(resolved) => match last {
            Some(last) => resolved.local.join(last),
            None => resolved.local,
        },
        Err(e) => {
            unlisted.push((start.to_owned(), e.to_string()));
            return;
        }
    };
    if std::fs::symlink_metadata(&local).is_err() {
        // Not on this host: a later compare reports it added if it appears.
        return;
    }
    // A start that is itself a link is recorded as one: walkdir follows a
    // root link unless told not to, and its target would resolve outside
    // the root.
    let mut walker = walkdir::WalkDir::new(&local)
        .follow_links(false)
        .follow_root_links(false)
        .max_depth(depth_from(profile, start))
        .sort_by_file_name()
        .into_iter();
    while let Some(next) = walker.next() {
        let entry = match next {
            Ok(entry) => entry,
            Err(e) => {
                let reason = e
                    .io_error()
                    .map_or_else(|| e.to_string(), ToString::to_string);
                match e.path() {
                    Some(path) => {
                        let rel = path.strip_prefix(&local).unwrap_or(Path::new(""));
                        let at = name_under(start, rel);
                        if profile.covers(&at) {
                            paths.push((at.clone(), path.to_path_buf()));
                        }
                        unlisted.push((at, format!("cannot be listed: {reason}")));
                    }
                    None => unlisted.push((start.to_owned(), reason)),
                }
                continue;
            }
        };
        let rel = entry.path().strip_prefix(&local).unwrap_or(Path::new(""));
        let name = name_under(start, rel);
        if profile.excludes(&name) || is_pseudo(&name) {
            if entry.file_type().is_dir() {
                walker.skip_current_dir();
            }
            continue;
        }
        if profile.covers(&name) {
            paths.push((name, entry.path().to_path_buf()));
            if paths.len() >= MAX_ENTRIES {
                return;
            }
        }
    }
}

fn name_under(start: &str, rel: &Path) -> String {
    let rel = rel.to_string_lossy();
    match (start, rel.is_empty()) {
        (_, true) => start.to_owned(),
        ("/", false) => format!("/{rel}"),
        (_, false) => format!("{start}/{rel}"),
    }
}

fn add_problem(file: &mut FileRecord, problem: String) {
    file.unreadable = Some(match file.unreadable.take() {
        Some(before) => format!("{before}; {problem}"),
        None => problem,
    });
}

/// One path's record (none: it vanished since it was listed). Whatever
/// cannot be read is said in `unreadable`, with everything that could.
fn record(
    name: String,
    local: &Path,
    max_file_bytes: u64,
    accounts: &Accounts,
    budget: &Budget,
) -> Option<FileRecord> {
    let meta = match std::fs::symlink_metadata(local) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => return Some(FileRecord::unreadable(name, e.to_string())),
    };
    let file_type = FileType::of(&meta);
    let mut problems = Vec::new();
    let mut out = FileRecord {
        owner: accounts.user(meta.uid()).map(str::to_owned),
        group: accounts.group(meta.gid()).map(str::to_owned),
        path: name,
        file_type,
        mode: meta.mode() & 0o7777,
        uid: meta.uid(),
        gid: meta.gid(),
        size: match file_type {
            FileType::File | FileType::Symlink => meta.len(),
            _ => 0,
        },
        sha256: None,
        unhashed: None,
        modified: None,
        target: None,
        inode: meta.ino(),
        xattrs: Vec::new(),
        unreadable: None,
    };
    match file_type {
        FileType::Symlink => match std::fs::read_link(local) {
            Ok(target) => out.target = Some(target.to_string_lossy().into_owned()),
            Err(e) => problems.push(format!("cannot read the link: {e}")),
        },
        FileType::File if meta.len() > max_file_bytes => {
            out.unhashed = Some(format!("larger than {max_file_bytes} bytes"));
            out.modified = Some(meta.mtime());
        }
        FileType::File => match hash(local, &meta, budget) {
            Ok(digest) => out.sha256 = Some(digest),
            Err(e) => problems.push(e),
        },
        _ => {}
    }
    match xattrs::read(local) {
        Ok(list) => out.xattrs = list,
        Err(e) => problems.push(e),
    }
    if !problems.is_empty() {
        out.unreadable = Some(problems.join("; "));
    }
    Some(out)
}

/// The content's SHA-256, read from the file `meta` describes: opened
/// without following a link and without blocking on a FIFO, and checked to
/// be the same regular file.
fn hash(local: &Path, meta: &Metadata, budget: &Budget) -> Result<String, String> {
    let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
    let file = File::options()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(local)
        .map_err(|e| format!("cannot open: {e}"))?;
    let opened = file.metadata().map_err(|e| format!("cannot read: {e}"))?;
    if !opened.is_file() || opened.ino() != meta.ino() || opened.dev() != meta.dev() {
        return Err("replaced while being read".to_owned());
    }
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    // A file that grows while it is read is read up to the size listed.
    let mut file = file.take(meta.len());
    loop {
        let n = file
            .read(&mut buffer)
            .map_err(|e| format!("cannot read: {e}"))?;
        if n == 0 {
            break;
        }
        hasher.update(buffer.get(..n).unwrap_or_default());
        budget.spend(n);
    }
    Ok(format!("sha256:{}", hex(&hasher.finalize())))
}
