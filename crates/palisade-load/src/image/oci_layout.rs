//! OCI image layouts (image-spec `image-layout.md`): an `oci-layout` file,
//! an `index.json` whose descriptors point at manifests (or at image
//! indexes, for multi-platform images) in `blobs/<algorithm>/<hex>`, as a
//! directory or inside a tar (which is also what Docker 25+ `docker save`
//! writes).
//!
//! Manifest, index and config blobs are verified against their digests.
//! For an image index, each platform manifest present in the layout is one
//! image; attestation manifests and manifests whose blobs are absent (other
//! platforms, pulled or saved only for one) are skipped.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;

use super::layer::{self, Budget};
use super::store::Store;
use super::{BlobDigest, Filesystem, Image, ImageFormat, ImageOptions, config};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Index {
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    digest: String,
    #[serde(default)]
    annotations: Option<BTreeMap<String, String>>,
    #[serde(default)]
    platform: Option<Platform>,
}

#[derive(Debug, Clone, Deserialize)]
struct Platform {
    #[serde(default)]
    os: Option<String>,
    #[serde(default)]
    architecture: Option<String>,
}

/// A manifest or an index: which one is told by its fields.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Option<Vec<Descriptor>>,
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
}

impl Descriptor {
    fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations
            .as_ref()
            .and_then(|a| a.get(key))
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    fn is_attestation(&self) -> bool {
        self.annotation("vnd.docker.reference.type") == Some("attestation-manifest")
            || self.platform.as_ref().is_some_and(|p| {
                p.os.as_deref() == Some("unknown") && p.architecture.as_deref() == Some("unknown")
            })
    }
}

/// Reads a blob, checking that its bytes hash to its digest.
fn blob(store: &mut dyn Store, digest: &str, max: u64) -> Result<(BlobDigest, Vec<u8>), String> {
    let digest = BlobDigest::parse(digest)?;
    let bytes = store.read(&digest.path(), max)?;
    if !digest.matches(&bytes) {
        return Err(format!(
            "{}: content does not match its digest",
            digest.path()
        ));
    }
    Ok((digest, bytes))
}

/// Every image of the layout.
pub(crate) fn load(
    store: &mut dyn Store,
    name: &Arc<str>,
    options: &ImageOptions,
) -> Result<Vec<Image>, String> {
    let limits = &options.limits;
    let bytes = store.read("index.json", limits.max_json_bytes)?;
    let index: Index = serde_json::from_slice(&bytes).map_err(|e| format!("index.json: {e}"))?;
    let mut budget = Budget::default();
    let mut images = Vec::new();
    for top in index.manifests.unwrap_or_default() {
        if top.is_attestation() {
            continue;
        }
        let (digest, bytes) = blob(store, &top.digest, limits.max_json_bytes)?;
        let manifest: Manifest = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}: invalid manifest: {e}", digest.path()))?;
        let (reference, tag) = reference(&top);
        let mut found = Vec::new();
        if let Some(children) = manifest.manifests {
            for child in children.iter().filter(|c| !c.is_attestation()) {
                let Ok(child_digest) = BlobDigest::parse(&child.digest) else {
                    continue;
                };
                if !store.exists(&child_digest.path()) {
                    continue;
                }
                let (child_digest, bytes) = blob(store, &child.digest, limits.max_json_bytes)?;
                let child_manifest: Manifest = serde_json::from_slice(&bytes)
                    .map_err(|e| format!("{}: invalid manifest: {e}", child_digest.path()))?;
                if child_manifest.manifests.is_some() {
                    // An index inside an index: no registry serves those as images.
                    continue;
                }
                let mut image = image(
                    store,
                    name,
                    &child_digest,
                    child_manifest,
                    options,
                    &mut budget,
                )?;
                image.index_digest = Some(digest.to_string());
                found.push(image);
            }
            if found.is_empty() {
                return Err(format!(
                    "{}: none of the image index's manifests is in the layout",
                    digest.path()
                ));
            }
        } else {
            found.push(image(store, name, &digest, manifest, options, &mut budget)?);
        }
        for mut image in found {
            image.reference.clone_from(&reference);
            image.tags.extend(tag.clone());
            images.push(image);
            if images.len() > limits.max_images {
                return Err(format!("more than {} images", limits.max_images));
            }
        }
    }
    Ok(images)
}

/// The reference (`io.containerd.image.name`, or a full
/// `org.opencontainers.image.ref.name`) and the tag the descriptor names.
fn reference(descriptor: &Descriptor) -> (Option<String>, Option<String>) {
    let containerd = descriptor.annotation("io.containerd.image.name");
    let ref_name = descriptor.annotation("org.opencontainers.image.ref.name");
    let full = |r: &&str| r.contains('/') || r.contains(':') || r.contains('@');
    let reference = containerd.or(ref_name.filter(full)).map(str::to_owned);
    let tag = ref_name.filter(|r| !full(r)).map(str::to_owned);
    (reference, tag)
}

/// One platform image: its config and layers.
fn image(
    store: &mut dyn Store,
    name: &Arc<str>,
    digest: &BlobDigest,
    manifest: Manifest,
    options: &ImageOptions,
    budget: &mut Budget,
) -> Result<Image, String> {
    let limits = &options.limits;
    let config_descriptor = manifest
        .config
        .ok_or_else(|| format!("{}: manifest has no config", digest.path()))?;
    let (config_digest, config_bytes) =
        blob(store, &config_descriptor.digest, limits.max_json_bytes)?;
    let parsed =
        config::parse(&config_bytes).map_err(|e| format!("{}: {e}", config_digest.path()))?;
    let mut filesystem = Filesystem::default();
    let mut layers = Vec::new();
    let mut paths = Vec::new();
    for descriptor in manifest.layers.unwrap_or_default() {
        let layer_digest = BlobDigest::parse(&descriptor.digest)?;
        paths.push(layer_digest.path());
        layers.push(layer_digest.to_string());
    }
    for entries in layer::read_layers(store, &paths, options, budget)? {
        filesystem.apply_layer(entries);
    }
    Ok(Image {
        file: name.clone(),
        format: ImageFormat::OciLayout,
        config_digest: Some(config_digest.to_string()),
        manifest_digest: Some(digest.to_string()),
        platform: parsed.platform,
        config: parsed.config,
        layers,
        history: parsed.history,
        filesystem: Some(filesystem),
        ..Image::default()
    })
}
