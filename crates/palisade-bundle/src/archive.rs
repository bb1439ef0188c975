//! Unpacking a bundle's tar (plain, or gzip-compressed for `https://`
//! tarballs) into a folder: regular files only, every name inside the
//! folder, the count and the total size bounded (a gzip bomb stops at
//! the bound, not at the disk's end).

use std::io::Read;
use std::path::{Component, Path};

use crate::{BundleError, err};

/// The most files a bundle unpacks.
const MAX_FILES: usize = 10_000;
/// The most bytes a bundle unpacks to.
const MAX_UNPACKED: u64 = 256 << 20;

/// What has been unpacked into one folder so far, across layers.
#[derive(Debug, Default)]
pub(crate) struct Unpacked {
    pub files: usize,
    bytes: u64,
}

/// Unpacks `bytes` (a tar, or a gzip of one) into `into`, naming
/// `reference` in every refusal.
pub(crate) fn unpack(
    bytes: &[u8],
    into: &Path,
    reference: &str,
    so_far: &mut Unpacked,
) -> Result<(), BundleError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        entries(flate2::read::GzDecoder::new(bytes), into, reference, so_far)
    } else {
        entries(bytes, into, reference, so_far)
    }
}

fn entries(
    reader: impl Read,
    into: &Path,
    reference: &str,
    so_far: &mut Unpacked,
) -> Result<(), BundleError> {
    let mut archive = tar::Archive::new(reader);
    let entries = archive
        .entries()
        .map_err(|e| err(format!("{reference}: the bundle is no tar: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| err(format!("{reference}: {e}")))?;
        let name = entry
            .path()
            .map_err(|e| err(format!("{reference}: {e}")))?
            .into_owned();
        if !name
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err(err(format!(
                "{reference}: entry {} leaves the bundle: refused",
                name.display()
            )));
        }
        match entry.header().entry_type() {
            tar::EntryType::Regular => {}
            tar::EntryType::Directory => continue,
            other => {
                return Err(err(format!(
                    "{reference}: entry {} is a {other:?}, not a file: refused",
                    name.display()
                )));
            }
        }
        so_far.files += 1;
        if so_far.files > MAX_FILES {
            return Err(err(format!("{reference}: more than {MAX_FILES} files")));
        }
        let left = MAX_UNPACKED.saturating_sub(so_far.bytes);
        let mut content = Vec::new();
        (&mut entry)
            .take(left + 1)
            .read_to_end(&mut content)
            .map_err(|e| err(format!("{reference}: {}: {e}", name.display())))?;
        so_far.bytes += content.len() as u64;
        if so_far.bytes > MAX_UNPACKED {
            return Err(err(format!(
                "{reference}: unpacks to more than {} MiB: refused",
                MAX_UNPACKED >> 20
            )));
        }
        let path = into.join(&name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| err(format!("cannot create {}: {e}", parent.display())))?;
        }
        std::fs::write(&path, content)
            .map_err(|e| err(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(())
}

/// A tar of `files` (name, content), sorted by name, mode 644, time 0:
/// the same files always make the same bytes.
pub(crate) fn pack(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, BundleError> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, bytes) in files {
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut header, name, bytes.as_slice())
            .map_err(|e| err(format!("cannot pack {name}: {e}")))?;
    }
    builder
        .into_inner()
        .map_err(|e| err(format!("cannot pack the bundle: {e}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::Write;

    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn plain_and_gzip_tars_unpack_alike() {
        let tar = pack(&[("lib/a.rego".into(), b"package a\n".to_vec())]).unwrap();
        for bytes in [tar.clone(), gzip(&tar)] {
            let dir = tempfile::tempdir().unwrap();
            let mut so_far = Unpacked::default();
            unpack(&bytes, dir.path(), "b", &mut so_far).unwrap();
            assert_eq!(so_far.files, 1);
            let text = std::fs::read_to_string(dir.path().join("lib/a.rego")).unwrap();
            assert_eq!(text, "package a\n");
        }
    }

    #[test]
    fn escaping_names_links_and_bombs_are_refused() {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_size(0);
        builder
            .append_link(&mut header, "evil", "/etc/passwd")
            .unwrap();
        let link = builder.into_inner().unwrap();
        // A name with `..` cannot be written through the tar crate's
        // checked API: set it in the header's raw name field.
        let mut header = tar::Header::new_old();
        header.as_old_mut().name[..12].copy_from_slice(b"../evil.rego");
        header.set_size(1);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        let mut escaping = header.as_bytes().to_vec();
        escaping.extend_from_slice(&[b'x'; 512]);
        escaping.extend_from_slice(&[0; 1024]);
        // 300 MiB of zeros, gzip-compressed to a few hundred KiB.
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut header = tar::Header::new_ustar();
        header.set_size(300 << 20);
        header.set_path("big.json").unwrap();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        encoder.write_all(header.as_bytes()).unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..300 {
            encoder.write_all(&zeros).unwrap();
        }
        let bomb = encoder.finish().unwrap();
        for (bytes, reason) in [
            (link, "not a file"),
            (escaping, "leaves the bundle"),
            (bomb, "more than 256 MiB"),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let error = unpack(&bytes, dir.path(), "b", &mut Unpacked::default()).unwrap_err();
            assert!(error.0.contains(reason), "{error}");
        }
    }
}
