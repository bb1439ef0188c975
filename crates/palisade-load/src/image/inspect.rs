//! `docker inspect <image>...` output: a JSON array of objects with `Id`
//! (the config digest), `RepoTags`, `RepoDigests` (`name@sha256:<hex>`: the
//! manifest digests the image was pulled or pushed by), `Config` and
//! `RootFS`. There are no layers to read, so no filesystem.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

use super::config::{RawContainerConfig, container_config, platform};
use super::{Image, ImageFormat};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawInspect {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    #[serde(default)]
    repo_digests: Option<Vec<String>>,
    #[serde(default)]
    config: Option<RawContainerConfig>,
    #[serde(default, rename = "RootFS")]
    root_fs: Option<RawRootFs>,
    #[serde(default)]
    architecture: Option<String>,
    #[serde(default)]
    os: Option<String>,
    #[serde(default)]
    variant: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawRootFs {
    #[serde(default)]
    layers: Option<Vec<String>>,
}

/// One image per array item.
pub(crate) fn parse(name: Arc<str>, value: Value) -> Result<Vec<Image>, String> {
    let Value::Array(items) = value else {
        return Ok(Vec::new());
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let raw: RawInspect = serde_json::from_value(item)
                .map_err(|e| format!("item {index}: invalid docker inspect output: {e}"))?;
            let tags = raw.repo_tags.unwrap_or_default();
            let repo_digests = raw.repo_digests.unwrap_or_default();
            Ok(Image {
                file: name.clone(),
                format: ImageFormat::Inspect,
                reference: tags.first().or(repo_digests.first()).cloned(),
                tags,
                config_digest: raw.id.filter(|id| !id.is_empty()),
                repo_digests,
                platform: platform(raw.os, raw.architecture, raw.variant),
                config: raw.config.map(container_config).unwrap_or_default(),
                layers: raw.root_fs.and_then(|r| r.layers).unwrap_or_default(),
                ..Image::default()
            })
        })
        .collect()
}
