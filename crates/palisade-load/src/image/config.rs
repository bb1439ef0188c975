//! The image config JSON: the OCI image spec's `config.json`
//! (`architecture`, `os`, `config`, `rootfs`, `history`), which Docker's
//! image config extends (`Healthcheck` among others). `docker inspect`
//! reports the same container configuration under `Config`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::{Healthcheck, HistoryStep, ImageConfig};

/// The parts of an image config Palisade reads.
#[derive(Debug, Default, Deserialize)]
struct RawImage {
    #[serde(default)]
    architecture: Option<String>,
    #[serde(default)]
    os: Option<String>,
    #[serde(default)]
    variant: Option<String>,
    #[serde(default)]
    config: Option<RawContainerConfig>,
    #[serde(default)]
    rootfs: Option<RawRootFs>,
    #[serde(default)]
    history: Option<Vec<RawHistory>>,
}

/// One entry of `history`: the instruction that made a layer (or, with
/// `empty_layer`, changed only the config).
#[derive(Debug, Default, Deserialize)]
struct RawHistory {
    #[serde(default)]
    created_by: Option<String>,
    #[serde(default)]
    empty_layer: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
struct RawRootFs {
    #[serde(default)]
    diff_ids: Option<Vec<String>>,
}

/// `config` of an image config, `Config` of `docker inspect`. Every field
/// may be absent or `null`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RawContainerConfig {
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    exposed_ports: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    env: Option<Vec<String>>,
    #[serde(default)]
    entrypoint: Option<Value>,
    #[serde(default)]
    cmd: Option<Value>,
    #[serde(default)]
    working_dir: Option<String>,
    #[serde(default)]
    labels: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    healthcheck: Option<RawHealthcheck>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawHealthcheck {
    #[serde(default)]
    test: Option<Vec<String>>,
}

/// A parsed image config.
pub(crate) struct Parsed {
    pub(crate) config: ImageConfig,
    pub(crate) diff_ids: Vec<String>,
    pub(crate) platform: Option<String>,
    pub(crate) history: Vec<HistoryStep>,
}

/// Parses an image config blob.
pub(crate) fn parse(bytes: &[u8]) -> Result<Parsed, String> {
    let raw: RawImage =
        serde_json::from_slice(bytes).map_err(|e| format!("invalid image config: {e}"))?;
    Ok(Parsed {
        config: raw.config.map(container_config).unwrap_or_default(),
        diff_ids: raw.rootfs.and_then(|r| r.diff_ids).unwrap_or_default(),
        platform: platform(raw.os, raw.architecture, raw.variant),
        history: raw
            .history
            .unwrap_or_default()
            .into_iter()
            .map(|h| HistoryStep {
                created_by: h.created_by.unwrap_or_default(),
                empty_layer: h.empty_layer.unwrap_or(false),
            })
            .collect(),
    })
}

/// `os/architecture[/variant]`, when both are known.
pub(crate) fn platform(
    os: Option<String>,
    architecture: Option<String>,
    variant: Option<String>,
) -> Option<String> {
    let (os, architecture) = (
        os.filter(|o| !o.is_empty())?,
        architecture.filter(|a| !a.is_empty())?,
    );
    Some(match variant.filter(|v| !v.is_empty()) {
        Some(variant) => format!("{os}/{architecture}/{variant}"),
        None => format!("{os}/{architecture}"),
    })
}

/// The container configuration, normalized: ports with their protocol,
/// label values as text, command lines as lists.
pub(crate) fn container_config(raw: RawContainerConfig) -> ImageConfig {
    let mut exposed_ports: Vec<String> = raw
        .exposed_ports
        .unwrap_or_default()
        .into_keys()
        .map(|port| {
            let port = port.trim().to_ascii_lowercase();
            if port.contains('/') {
                port
            } else {
                format!("{port}/tcp")
            }
        })
        .collect();
    exposed_ports.sort();
    exposed_ports.dedup();
    ImageConfig {
        user: raw.user.unwrap_or_default().trim().to_owned(),
        exposed_ports,
        env: raw.env.unwrap_or_default(),
        healthcheck: raw.healthcheck.map(|h| Healthcheck {
            test: h.test.unwrap_or_default(),
        }),
        labels: raw
            .labels
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s,
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                (k, v)
            })
            .collect(),
        entrypoint: command(raw.entrypoint),
        cmd: command(raw.cmd),
        working_dir: raw.working_dir.unwrap_or_default(),
    }
}

/// `["a", "b"]`, `"a b"` (old configs) or `null`.
fn command(value: Option<Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|i| match i {
                Value::String(s) => s,
                other => other.to_string(),
            })
            .collect(),
        Some(Value::String(s)) => vec![s],
        _ => Vec::new(),
    }
}
