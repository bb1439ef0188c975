//! Policy bundles: policies (Rego, data) distributed as one OCI artifact,
//! pulled by digest. `palisade policy push` writes an OCI image layout (the
//! format `oras` and registries exchange: `oci-layout`, `index.json`,
//! `blobs/sha256/`), and `--policy oci-layout:DIR@sha256:<digest>` reads
//! one: the manifest's bytes must hash to the digest asked for, each blob
//! to the digest the manifest names, and only then is the layer unpacked,
//! into a cache folder named by the digest, where later runs find it
//! offline.
//!
//! The artifact: an OCI image manifest with `artifactType`
//! [`ARTIFACT_TYPE`], the empty config, and one uncompressed tar layer of
//! the policy files (sorted, mode 644, time 0: the same files push to the
//! same digest). Registries (`oci://`) and `https://` bundles need a
//! network client and are not read yet.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

/// The artifact type of a Palisade policy bundle.
pub const ARTIFACT_TYPE: &str = "application/vnd.palisade.policy.v1";
const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
const LAYER_TYPE: &str = "application/vnd.oci.image.layer.v1.tar";
const EMPTY_TYPE: &str = "application/vnd.oci.empty.v1+json";
/// The largest blob read: a policy bundle is text.
const MAX_BLOB: u64 = 64 << 20;
/// The most files a bundle unpacks.
const MAX_FILES: usize = 10_000;

/// A bundle that cannot be written or read, with why.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BundleError(pub String);

fn err(message: impl Into<String>) -> BundleError {
    BundleError(message.into())
}

/// The value at a JSON pointer, `null` when absent.
fn at<'a>(value: &'a serde_json::Value, pointer: &str) -> &'a serde_json::Value {
    value.pointer(pointer).unwrap_or(&serde_json::Value::Null)
}

fn sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where pulled bundles are kept: `PALISADE_BUNDLE_CACHE`, else
/// `$XDG_CACHE_HOME/palisade/bundles`, else `~/.cache/palisade/bundles`.
pub fn default_cache() -> Option<PathBuf> {
    let absolute = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    if let Some(dir) = absolute("PALISADE_BUNDLE_CACHE") {
        return Some(dir);
    }
    let base = absolute("XDG_CACHE_HOME").or_else(|| absolute("HOME").map(|h| h.join(".cache")))?;
    Some(base.join("palisade").join("bundles"))
}

/// Whether a `--policy` value names a bundle rather than a path.
pub fn is_reference(value: &str) -> bool {
    ["oci-layout:", "oci://", "https://"]
        .iter()
        .any(|p| value.starts_with(p))
}

/// Writes the files under `paths` (folders walked, sorted) as a bundle
/// tagged `tag` into the OCI layout `layout` (created, or added to), and
/// returns the manifest's digest (`sha256:<hex>`).
pub fn push(paths: &[PathBuf], layout: &Path, tag: &str) -> Result<String, BundleError> {
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    for root in paths {
        if root.is_dir() {
            collect(root, root, &mut files)?;
        } else {
            let name = root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .ok_or_else(|| err(format!("{}: not a file or folder", root.display())))?;
            files.push((name, root.clone()));
        }
    }
    files.sort();
    files.dedup_by(|a, b| a.0 == b.0);
    if files.is_empty() {
        return Err(err(
            "nothing to push: no policy files under the paths given",
        ));
    }
    let mut builder = tar::Builder::new(Vec::new());
    for (name, path) in &files {
        let bytes =
            std::fs::read(path).map_err(|e| err(format!("cannot read {}: {e}", path.display())))?;
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut header, name, bytes.as_slice())
            .map_err(|e| err(format!("cannot pack {name}: {e}")))?;
    }
    let layer = builder
        .into_inner()
        .map_err(|e| err(format!("cannot pack the bundle: {e}")))?;
    let blobs = layout.join("blobs/sha256");
    std::fs::create_dir_all(&blobs)
        .map_err(|e| err(format!("cannot create {}: {e}", blobs.display())))?;
    let put = |bytes: &[u8]| -> Result<(String, usize), BundleError> {
        let hex = sha256(bytes);
        let path = blobs.join(&hex);
        std::fs::write(&path, bytes)
            .map_err(|e| err(format!("cannot write {}: {e}", path.display())))?;
        Ok((format!("sha256:{hex}"), bytes.len()))
    };
    let (config_digest, config_size) = put(b"{}")?;
    let (layer_digest, layer_size) = put(&layer)?;
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "artifactType": ARTIFACT_TYPE,
        "config": {"mediaType": EMPTY_TYPE, "digest": config_digest, "size": config_size},
        "layers": [{"mediaType": LAYER_TYPE, "digest": layer_digest, "size": layer_size}],
    });
    let manifest = serde_json::to_vec(&manifest).map_err(|e| err(e.to_string()))?;
    let (digest, size) = put(&manifest)?;
    std::fs::write(
        layout.join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .map_err(|e| err(format!("cannot write {}/oci-layout: {e}", layout.display())))?;
    // The index keeps other tags; this one now names the new manifest.
    let index_path = layout.join("index.json");
    let mut manifests: Vec<serde_json::Value> = std::fs::read(&index_path)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v.get("manifests").and_then(|m| m.as_array()).cloned())
        .unwrap_or_default();
    manifests.retain(|m| at(m, "/annotations/org.opencontainers.image.ref.name") != tag);
    manifests.push(serde_json::json!({
        "mediaType": MANIFEST_TYPE,
        "artifactType": ARTIFACT_TYPE,
        "digest": digest,
        "size": size,
        "annotations": {"org.opencontainers.image.ref.name": tag},
    }));
    let index = serde_json::json!({"schemaVersion": 2, "manifests": manifests});
    std::fs::write(
        &index_path,
        serde_json::to_vec_pretty(&index).map_err(|e| err(e.to_string()))?,
    )
    .map_err(|e| err(format!("cannot write {}: {e}", index_path.display())))?;
    Ok(digest)
}

/// The files under `dir`, named relative to `root` with `/`.
fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<(), BundleError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| err(format!("cannot read {}: {e}", dir.display())))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| err(format!("{}: {e}", path.display())))?;
        if kind.is_dir() {
            collect(root, &path, out)?;
        } else if kind.is_file() {
            let name = path
                .strip_prefix(root)
                .map_err(|e| err(e.to_string()))?
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push((name, path));
        }
    }
    Ok(())
}

/// The folder holding the policy files of `reference`, pulled and
/// verified into `cache` (or found there from an earlier pull).
pub fn resolve(reference: &str, cache: &Path) -> Result<PathBuf, BundleError> {
    let Some(rest) = reference.strip_prefix("oci-layout:") else {
        return Err(err(format!(
            "{reference}: only oci-layout:DIR@sha256:<digest> bundles are read in this release (pull from a registry with oras or skopeo into a layout)"
        )));
    };
    let (layout, digest) = rest.rsplit_once('@').ok_or_else(|| {
        err(format!(
            "{reference}: pin the bundle by digest (oci-layout:DIR@sha256:<hex>, as `palisade policy push` prints it)"
        ))
    })?;
    let hex = digest
        .strip_prefix("sha256:")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| {
            err(format!(
                "{reference}: {digest} is no sha256:<64 hex> digest"
            ))
        })?
        .to_ascii_lowercase();
    let target = cache.join(&hex);
    if target.join(".verified").is_file() {
        return Ok(target);
    }
    let layout = Path::new(layout);
    let manifest = blob(layout, &hex)?;
    let manifest: serde_json::Value = serde_json::from_slice(&manifest)
        .map_err(|e| err(format!("{reference}: the manifest is not JSON: {e}")))?;
    let artifact = at(&manifest, "/artifactType");
    if artifact != ARTIFACT_TYPE {
        return Err(err(format!(
            "{reference}: not a Palisade policy bundle (artifactType {artifact})"
        )));
    }
    let layers = at(&manifest, "/layers")
        .as_array()
        .cloned()
        .unwrap_or_default();
    let staging = cache.join(format!(".{hex}.partial"));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging)
        .map_err(|e| err(format!("cannot create {}: {e}", staging.display())))?;
    let mut files = 0;
    for layer in &layers {
        let media = at(layer, "/mediaType");
        if media != LAYER_TYPE {
            return Err(err(format!("{reference}: layer type {media} is not read")));
        }
        let digest = at(layer, "/digest").as_str().unwrap_or_default();
        let layer_hex = digest
            .strip_prefix("sha256:")
            .filter(|h| h.len() == 64)
            .ok_or_else(|| err(format!("{reference}: layer digest {digest:?}")))?;
        let bytes = blob(layout, layer_hex)?;
        files += unpack(&bytes, &staging, reference)?;
    }
    if files == 0 {
        return Err(err(format!("{reference}: the bundle holds no files")));
    }
    std::fs::write(staging.join(".verified"), format!("sha256:{hex}\n"))
        .map_err(|e| err(e.to_string()))?;
    let _ = std::fs::remove_dir_all(&target);
    std::fs::rename(&staging, &target).map_err(|e| {
        err(format!(
            "cannot move the bundle into {}: {e}",
            target.display()
        ))
    })?;
    Ok(target)
}

/// Blob `hex` of the layout, at most [`MAX_BLOB`] bytes, whose content
/// hashes to its name.
fn blob(layout: &Path, hex: &str) -> Result<Vec<u8>, BundleError> {
    let path = layout.join("blobs/sha256").join(hex);
    let file = std::fs::File::open(&path)
        .map_err(|e| err(format!("cannot read {}: {e}", path.display())))?;
    let mut bytes = Vec::new();
    file.take(MAX_BLOB + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| err(format!("cannot read {}: {e}", path.display())))?;
    if bytes.len() as u64 > MAX_BLOB {
        return Err(err(format!(
            "{}: larger than {} MiB",
            path.display(),
            MAX_BLOB >> 20
        )));
    }
    let actual = sha256(&bytes);
    if actual != hex {
        return Err(err(format!(
            "{}: content hashes to sha256:{actual}, not the sha256:{hex} it is named by: refused",
            path.display()
        )));
    }
    Ok(bytes)
}

/// Unpacks a tar layer's regular files into `into`; names with `..`, an
/// absolute path or a link are refused.
fn unpack(bytes: &[u8], into: &Path, reference: &str) -> Result<usize, BundleError> {
    let mut archive = tar::Archive::new(bytes);
    let mut files = 0;
    let entries = archive
        .entries()
        .map_err(|e| err(format!("{reference}: the layer is no tar: {e}")))?;
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
        files += 1;
        if files > MAX_FILES {
            return Err(err(format!("{reference}: more than {MAX_FILES} files")));
        }
        let path = into.join(&name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| err(e.to_string()))?;
        }
        let mut content = Vec::new();
        entry
            .read_to_end(&mut content)
            .map_err(|e| err(format!("{reference}: {e}")))?;
        std::fs::write(&path, content)
            .map_err(|e| err(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_pushed_bundle_is_pulled_by_its_digest_and_a_changed_blob_refused() {
        let dir = tempfile::tempdir().unwrap();
        let policies = dir.path().join("policies");
        std::fs::create_dir_all(policies.join("lib")).unwrap();
        std::fs::write(policies.join("deny.rego"), "package main\n").unwrap();
        std::fs::write(policies.join("lib/util.rego"), "package lib\n").unwrap();
        let layout = dir.path().join("layout");
        let digest = push(std::slice::from_ref(&policies), &layout, "v1").unwrap();
        // The same files push to the same digest.
        let again = push(std::slice::from_ref(&policies), &layout, "v1").unwrap();
        assert_eq!(digest, again);
        let cache = dir.path().join("cache");
        let reference = format!("oci-layout:{}@{digest}", layout.display());
        let pulled = resolve(&reference, &cache).unwrap();
        assert_eq!(
            std::fs::read_to_string(pulled.join("lib/util.rego")).unwrap(),
            "package lib\n"
        );
        // Unpinned, another digest, a tampered manifest: refused.
        let unpinned = format!("oci-layout:{}", layout.display());
        assert!(resolve(&unpinned, &cache).unwrap_err().0.contains("pin"));
        let other = format!("oci-layout:{}@sha256:{}", layout.display(), "0".repeat(64));
        assert!(resolve(&other, &dir.path().join("c2")).is_err());
        let hex = digest.trim_start_matches("sha256:");
        std::fs::write(layout.join("blobs/sha256").join(hex), b"{}").unwrap();
        let tampered = resolve(&reference, &dir.path().join("c3")).unwrap_err();
        assert!(tampered.0.contains("refused"), "{tampered}");
        assert!(resolve("oci://ghcr.io/acme/policies:v1", &cache).is_err());
    }
}
