//! The bundle as an OCI artifact, wherever it is stored: an image
//! manifest with `artifactType` [`ARTIFACT_TYPE`], the empty config, and
//! one uncompressed tar layer of the policy files. Writing builds the same
//! bytes for the same files (so a layout and a registry give one digest);
//! reading checks every digest before anything is unpacked.

use std::path::{Path, PathBuf};

use crate::archive::{self, Unpacked};
use crate::{BundleError, Options, Pulled, cache, err, sha256, signature};

/// The artifact type of a Palisade policy bundle.
pub const ARTIFACT_TYPE: &str = "application/vnd.palisade.policy.v1";
pub(crate) const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
const LAYER_TYPE: &str = "application/vnd.oci.image.layer.v1.tar";
const EMPTY_TYPE: &str = "application/vnd.oci.empty.v1+json";
pub(crate) const EMPTY_CONFIG: &[u8] = b"{}";
/// The largest blob or manifest read: a policy bundle is text.
pub(crate) const MAX_BLOB: u64 = 64 << 20;

/// Where an artifact's manifests and blobs are read from: a layout on
/// disk or a registry. Every byte it returns is checked here, not there.
pub(crate) trait Store {
    /// The manifest a tag or `sha256:<hex>` names, or `None` when there
    /// is none.
    fn manifest(&mut self, reference: &str) -> Result<Option<Vec<u8>>, BundleError>;
    /// The blob `sha256:<hex>` (at most [`MAX_BLOB`] bytes).
    fn blob(&mut self, digest: &str) -> Result<Vec<u8>, BundleError>;
}

/// A bundle's bytes, ready to be stored.
pub(crate) struct Artifact {
    pub layer: Vec<u8>,
    pub manifest: Vec<u8>,
}

impl Artifact {
    /// The artifact of `files` (name, content), sorted by name.
    pub fn of(files: &[(String, Vec<u8>)]) -> Result<Self, BundleError> {
        let layer = archive::pack(files)?;
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "artifactType": ARTIFACT_TYPE,
            "config": {"mediaType": EMPTY_TYPE, "digest": digest_of(EMPTY_CONFIG), "size": EMPTY_CONFIG.len()},
            "layers": [{"mediaType": LAYER_TYPE, "digest": digest_of(&layer), "size": layer.len()}],
        });
        let manifest = serde_json::to_vec(&manifest).map_err(|e| err(e.to_string()))?;
        Ok(Self { layer, manifest })
    }
}

/// `sha256:<hex>` of `bytes`.
pub(crate) fn digest_of(bytes: &[u8]) -> String {
    format!("sha256:{}", sha256(bytes))
}

/// The files under `paths` (folders walked), named relative to the
/// folder given (a file by its own name), sorted, the first of a name
/// kept.
pub(crate) fn collect_files(paths: &[PathBuf]) -> Result<Vec<(String, Vec<u8>)>, BundleError> {
    let mut names: Vec<(String, PathBuf)> = Vec::new();
    for root in paths {
        if root.is_dir() {
            walk(root, root, &mut names)?;
        } else {
            let name = root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .ok_or_else(|| err(format!("{}: not a file or folder", root.display())))?;
            names.push((name, root.clone()));
        }
    }
    names.sort();
    names.dedup_by(|a, b| a.0 == b.0);
    if names.is_empty() {
        return Err(err(
            "nothing to push: no policy files under the paths given",
        ));
    }
    names
        .into_iter()
        .map(|(name, path)| {
            let bytes = std::fs::read(&path)
                .map_err(|e| err(format!("cannot read {}: {e}", path.display())))?;
            Ok((name, bytes))
        })
        .collect()
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<(), BundleError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| err(format!("cannot read {}: {e}", dir.display())))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| err(format!("{}: {e}", path.display())))?;
        if kind.is_dir() {
            walk(root, &path, out)?;
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

/// The value at a JSON pointer, `null` when absent.
pub(crate) fn at<'a>(value: &'a serde_json::Value, pointer: &str) -> &'a serde_json::Value {
    value.pointer(pointer).unwrap_or(&serde_json::Value::Null)
}

/// Reads the bundle `wanted` (a digest's hex) or `tag` names from
/// `store`, checks its digest and (with keys) its signature, and unpacks
/// it into the cache.
pub(crate) fn pull(
    store: &mut dyn Store,
    reference: &str,
    wanted: Option<&str>,
    tag: Option<&str>,
    options: &Options,
) -> Result<Pulled, BundleError> {
    let name = match (wanted, tag) {
        (Some(hex), _) => format!("sha256:{hex}"),
        (None, Some(tag)) => tag.to_owned(),
        (None, None) => "latest".to_owned(),
    };
    let manifest = store
        .manifest(&name)?
        .ok_or_else(|| err(format!("{reference}: no manifest {name}")))?;
    let hex = sha256(&manifest);
    if let Some(wanted) = wanted
        && hex != wanted
    {
        return Err(err(format!(
            "{reference}: the manifest hashes to sha256:{hex}, not the sha256:{wanted} pinned: refused"
        )));
    }
    if wanted.is_none()
        && let Some(pulled) = cache::lookup(&options.cache, &hex, &options.keys)
    {
        return Ok(pulled);
    }
    let signed_by = if options.keys.is_empty() {
        None
    } else {
        Some(signature::verify_artifact(
            store,
            reference,
            &hex,
            &options.keys,
        )?)
    };
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
    cache::install(&options.cache, &hex, signed_by, |staging| {
        let mut unpacked = Unpacked::default();
        for layer in &layers {
            let media = at(layer, "/mediaType");
            if media != LAYER_TYPE {
                return Err(err(format!("{reference}: layer type {media} is not read")));
            }
            let digest = at(layer, "/digest").as_str().unwrap_or_default();
            let bytes = store.blob(digest)?;
            archive::unpack(&bytes, staging, reference, &mut unpacked)?;
        }
        if unpacked.files == 0 {
            return Err(err(format!("{reference}: the bundle holds no files")));
        }
        Ok(())
    })
}

/// The hex of `sha256:<hex>`, checked.
pub(crate) fn digest_hex<'a>(digest: &'a str, reference: &str) -> Result<&'a str, BundleError> {
    digest
        .strip_prefix("sha256:")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .ok_or_else(|| {
            err(format!(
                "{reference}: digest {digest:?} is no sha256:<64 hex>"
            ))
        })
}

/// `bytes` if they hash to `digest`, else a refusal naming `what`.
pub(crate) fn checked(bytes: Vec<u8>, digest: &str, what: &str) -> Result<Vec<u8>, BundleError> {
    let actual = digest_of(&bytes);
    if actual != digest {
        return Err(err(format!(
            "{what}: content hashes to {actual}, not the {digest} it is named by: refused"
        )));
    }
    Ok(bytes)
}
