//! `docker save` tarballs in the legacy layout: `manifest.json` lists each
//! image's config file (`<id>.json`, or `blobs/sha256/<hex>` since Docker
//! 25), its tags and its layer tars (`<id>/layer.tar`, possibly a link to
//! another image's). Docker 25 and later also write an OCI layout beside it
//! (`index.json`, `oci-layout`); such tarballs are read as OCI layouts, and
//! only their tags come from here ([`add_tags`]).

use std::sync::Arc;

use serde::Deserialize;

use super::layer::{self, Budget};
use super::store::Store;
use super::{Image, ImageFormat, ImageLimits, ImageOptions, config, sha256};
use crate::image::Filesystem;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Item {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    #[serde(default)]
    layers: Option<Vec<String>>,
}

fn items(store: &mut dyn Store, limits: &ImageLimits) -> Result<Vec<Item>, String> {
    let bytes = store.read("manifest.json", limits.max_json_bytes)?;
    let items: Vec<Item> =
        serde_json::from_slice(&bytes).map_err(|e| format!("manifest.json: {e}"))?;
    if items.len() > limits.max_images {
        return Err(format!(
            "manifest.json: more than {} images",
            limits.max_images
        ));
    }
    Ok(items)
}

/// Every image of the tarball, with its layers merged.
pub(crate) fn load(
    store: &mut dyn Store,
    name: &Arc<str>,
    options: &ImageOptions,
) -> Result<Vec<Image>, String> {
    let limits = &options.limits;
    let mut budget = Budget::default();
    let mut images = Vec::new();
    for item in items(store, limits)? {
        let config_bytes = store.read(&item.config, limits.max_json_bytes)?;
        let parsed = config::parse(&config_bytes).map_err(|e| format!("{}: {e}", item.config))?;
        let mut filesystem = Filesystem::default();
        let paths = item.layers.unwrap_or_default();
        for entries in layer::read_layers(store, &paths, options, &mut budget)? {
            filesystem.apply_layer(entries);
        }
        let tags = item.repo_tags.unwrap_or_default();
        images.push(Image {
            file: name.clone(),
            format: ImageFormat::DockerArchive,
            reference: tags.first().cloned(),
            tags,
            config_digest: Some(sha256(&config_bytes)),
            platform: parsed.platform,
            config: parsed.config,
            layers: parsed.diff_ids,
            history: parsed.history,
            filesystem: Some(filesystem),
            ..Image::default()
        });
    }
    Ok(images)
}

/// Adds `manifest.json`'s tags to images read from the OCI layout of the
/// same tarball, matching them by config digest.
pub(crate) fn add_tags(
    store: &mut dyn Store,
    images: &mut [Image],
    limits: &ImageLimits,
) -> Result<(), String> {
    for item in items(store, limits)? {
        let file = item.config.rsplit('/').next().unwrap_or(&item.config);
        let hex = file.strip_suffix(".json").unwrap_or(file);
        let digest = format!("sha256:{hex}");
        let tags = item.repo_tags.unwrap_or_default();
        for image in images
            .iter_mut()
            .filter(|i| i.config_digest.as_deref() == Some(digest.as_str()))
        {
            if image.tags.is_empty() {
                image.tags = tags.clone();
            }
            if image.reference.is_none() {
                image.reference = tags.first().cloned();
            }
        }
    }
    Ok(())
}
