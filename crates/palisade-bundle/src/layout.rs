//! Bundles in an OCI image layout on disk (`oci-layout`, `index.json`,
//! `blobs/sha256/`): written by `palisade policy push --layout`, read by
//! `oci-layout:DIR@sha256:<digest>`. Tags are the index's
//! `org.opencontainers.image.ref.name` annotations, so a cosign
//! signature copied in with its tag (`sha256-<hex>.sig`) is found too.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::artifact::{self, Artifact, EMPTY_CONFIG, MANIFEST_TYPE, MAX_BLOB, at, digest_of};
use crate::{ARTIFACT_TYPE, BundleError, err};

/// Writes the files under `paths` (folders walked, sorted) as a bundle
/// tagged `tag` into the OCI layout `layout` (created, or added to), and
/// returns the manifest's digest (`sha256:<hex>`).
pub fn push(paths: &[PathBuf], layout: &Path, tag: &str) -> Result<String, BundleError> {
    let files = artifact::collect_files(paths)?;
    let bundle = Artifact::of(&files)?;
    let blobs = layout.join("blobs/sha256");
    std::fs::create_dir_all(&blobs)
        .map_err(|e| err(format!("cannot create {}: {e}", blobs.display())))?;
    let put = |bytes: &[u8]| -> Result<String, BundleError> {
        let digest = digest_of(bytes);
        let path = blobs.join(digest.trim_start_matches("sha256:"));
        std::fs::write(&path, bytes)
            .map_err(|e| err(format!("cannot write {}: {e}", path.display())))?;
        Ok(digest)
    };
    put(EMPTY_CONFIG)?;
    put(&bundle.layer)?;
    let digest = put(&bundle.manifest)?;
    std::fs::write(
        layout.join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .map_err(|e| err(format!("cannot write {}/oci-layout: {e}", layout.display())))?;
    // The index keeps other tags; this one now names the new manifest.
    let index_path = layout.join("index.json");
    let mut manifests = index_entries(layout);
    manifests.retain(|m| tag_of(m) != Some(tag));
    manifests.push(serde_json::json!({
        "mediaType": MANIFEST_TYPE,
        "artifactType": ARTIFACT_TYPE,
        "digest": digest,
        "size": bundle.manifest.len(),
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

/// The index's manifest entries (none when it is missing or unreadable).
fn index_entries(layout: &Path) -> Vec<serde_json::Value> {
    std::fs::read(layout.join("index.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v.get("manifests").and_then(|m| m.as_array()).cloned())
        .unwrap_or_default()
}

/// The tag an index entry gives its manifest.
fn tag_of(entry: &serde_json::Value) -> Option<&str> {
    at(entry, "/annotations/org.opencontainers.image.ref.name").as_str()
}

/// A layout read as an artifact store.
pub(crate) struct Store {
    dir: PathBuf,
}

impl Store {
    pub fn open(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
        }
    }
}

impl artifact::Store for Store {
    fn manifest(&mut self, reference: &str) -> Result<Option<Vec<u8>>, BundleError> {
        let digest = if reference.starts_with("sha256:") {
            reference.to_owned()
        } else {
            let tagged = index_entries(&self.dir)
                .into_iter()
                .find(|m| tag_of(m) == Some(reference));
            match tagged.and_then(|m| m.get("digest").and_then(|d| d.as_str()).map(str::to_owned)) {
                Some(digest) => digest,
                None => return Ok(None),
            }
        };
        let hex = artifact::digest_hex(&digest, &self.dir.display().to_string())?;
        if !self.dir.join("blobs/sha256").join(hex).is_file() {
            return Ok(None);
        }
        self.blob(&digest).map(Some)
    }

    fn blob(&mut self, digest: &str) -> Result<Vec<u8>, BundleError> {
        let hex = artifact::digest_hex(digest, &self.dir.display().to_string())?;
        let path = self.dir.join("blobs/sha256").join(hex);
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
        artifact::checked(bytes, digest, &path.display().to_string())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use crate::{Options, resolve};

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
        let options = |cache: &str| Options {
            cache: dir.path().join(cache),
            keys: Vec::new(),
            network: Default::default(),
        };
        let reference = format!("oci-layout:{}@{digest}", layout.display());
        let pulled = resolve(&reference, &options("cache")).unwrap();
        assert_eq!(pulled.digest, digest);
        assert_eq!(
            std::fs::read_to_string(pulled.dir.join("lib/util.rego")).unwrap(),
            "package lib\n"
        );
        // Unpinned, another digest, a tampered manifest: refused.
        let unpinned = format!("oci-layout:{}", layout.display());
        let refused = resolve(&unpinned, &options("cache")).unwrap_err();
        assert!(refused.0.contains("pin"), "{refused}");
        let other = format!("oci-layout:{}@sha256:{}", layout.display(), "0".repeat(64));
        let refused = resolve(&other, &options("c2")).unwrap_err();
        assert!(refused.0.contains("no manifest"), "{refused}");
        let hex = digest.trim_start_matches("sha256:");
        std::fs::write(layout.join("blobs/sha256").join(hex), b"{}").unwrap();
        let tampered = resolve(&reference, &options("c3")).unwrap_err();
        assert!(tampered.0.contains("refused"), "{tampered}");
        // The cache still holds the verified copy of the first pull.
        assert_eq!(resolve(&reference, &options("cache")).unwrap(), pulled);
    }
}
