//! Container images built in memory: layer tars, `docker save` archives and
//! OCI layouts, so that no test needs a daemon or a registry.
//!
//! ```
//! use palisade_testkit::image::{Entry, docker_save, layer};
//! let base = layer(&[("usr/bin/su", Entry::File(0o4755, b"elf"))]);
//! let archive = docker_save(br#"{"config":{}}"#, Some("acme/api:1.0"), &[base]);
//! assert!(archive.len() > 512);
//! ```

// Test support: writing to a Vec cannot fail, and a test that builds a
// broken fixture should stop at once.
#![allow(clippy::expect_used)]

use std::io::Write;

use serde_json::{Value, json};
use sha2::Digest;

/// One entry of a tar.
#[derive(Debug, Clone, Copy)]
pub enum Entry<'a> {
    /// A regular file: mode and content.
    File(u32, &'a [u8]),
    /// A directory and its mode.
    Dir(u32),
    /// A symbolic link to this target.
    Symlink(&'a str),
}

/// A tar (GNU headers) of these entries, in order. Used for layers and for
/// the archives that hold them.
pub fn tar(entries: &[(&str, Entry<'_>)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, entry) in entries {
        let mut header = tar::Header::new_gnu();
        let appended = match entry {
            Entry::File(mode, data) => {
                header.set_mode(*mode);
                header.set_size(data.len() as u64);
                header.set_entry_type(tar::EntryType::Regular);
                builder.append_data(&mut header, path, *data)
            }
            Entry::Dir(mode) => {
                header.set_mode(*mode);
                header.set_size(0);
                header.set_entry_type(tar::EntryType::Directory);
                builder.append_data(&mut header, path, &[][..])
            }
            Entry::Symlink(target) => {
                header.set_mode(0o777);
                header.set_size(0);
                header.set_entry_type(tar::EntryType::Symlink);
                builder.append_link(&mut header, path, target)
            }
        };
        appended.expect("a tar entry in memory");
    }
    builder.into_inner().expect("a tar in memory")
}

/// A layer: the tar of its files.
pub fn layer(entries: &[(&str, Entry<'_>)]) -> Vec<u8> {
    tar(entries)
}

/// `bytes`, gzip-compressed (fast level, as builders push layers).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("gzip in memory");
    encoder.finish().expect("gzip in memory")
}

/// The lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An image config JSON with this `config` object (User, Env, ...) for
/// linux/amd64.
pub fn config(config: Value) -> Vec<u8> {
    config_with_history(config, json!([]))
}

/// An image config blob with a build history (`[{"created_by": "..."}]`,
/// oldest step first), as `docker history` reads it.
pub fn config_with_history(config: Value, history: Value) -> Vec<u8> {
    let mut blob = json!({
        "architecture": "amd64",
        "os": "linux",
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": []},
    });
    // Left out when empty, so a config's digest is what it was without.
    if history.as_array().is_none_or(|steps| !steps.is_empty())
        && let Some(fields) = blob.as_object_mut()
    {
        fields.insert("history".to_owned(), history);
    }
    blob.to_string().into_bytes()
}

/// A legacy `docker save` tarball of one image: `manifest.json`, the
/// config named by its digest, and `layer<i>/layer.tar` per layer.
pub fn docker_save(config: &[u8], reference: Option<&str>, layers: &[Vec<u8>]) -> Vec<u8> {
    let config_name = format!("{}.json", sha256_hex(config));
    let layer_names: Vec<String> = (0..layers.len())
        .map(|i| format!("layer{i}/layer.tar"))
        .collect();
    let manifest = json!([{
        "Config": config_name,
        "RepoTags": reference.map_or(json!([]), |r| json!([r])),
        "Layers": layer_names,
    }])
    .to_string();
    let mut entries = vec![
        ("manifest.json", Entry::File(0o644, manifest.as_bytes())),
        (config_name.as_str(), Entry::File(0o644, config)),
    ];
    for (name, layer) in layer_names.iter().zip(layers) {
        entries.push((name, Entry::File(0o644, layer)));
    }
    tar(&entries)
}

/// An OCI image layout: its files (`oci-layout`, `index.json`, blobs named
/// by digest) and the digests a test asserts on.
#[derive(Debug, Clone)]
pub struct OciLayout {
    /// `(path within the layout, content)`.
    pub files: Vec<(String, Vec<u8>)>,
    pub manifest_digest: String,
    pub config_digest: String,
}

impl OciLayout {
    /// One image: the config, the layers (gzip-compressed ones, told by
    /// their magic bytes, get the `+gzip` media type), and an index whose
    /// one manifest carries `annotations` (an object).
    pub fn new(config: &[u8], layers: &[Vec<u8>], annotations: Value) -> OciLayout {
        let mut layout = OciLayout {
            files: Vec::new(),
            manifest_digest: String::new(),
            config_digest: String::new(),
        };
        layout.config_digest = layout.blob(config.to_vec());
        let layers: Vec<Value> = layers
            .iter()
            .map(|bytes| {
                let media_type = if bytes.starts_with(&[0x1f, 0x8b]) {
                    "application/vnd.oci.image.layer.v1.tar+gzip"
                } else {
                    "application/vnd.oci.image.layer.v1.tar"
                };
                json!({"mediaType": media_type, "digest": layout.blob(bytes.clone()), "size": bytes.len()})
            })
            .collect();
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": layout.config_digest,
                "size": config.len(),
            },
            "layers": layers,
        })
        .to_string()
        .into_bytes();
        let manifest_size = manifest.len();
        layout.manifest_digest = layout.blob(manifest);
        let index = json!({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": layout.manifest_digest,
            "size": manifest_size,
            "annotations": annotations,
        }]});
        layout
            .files
            .push(("index.json".into(), index.to_string().into_bytes()));
        layout.files.push((
            "oci-layout".into(),
            br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
        ));
        layout
    }

    /// Adds a blob named by its digest; returns `sha256:<hex>`.
    pub fn blob(&mut self, bytes: Vec<u8>) -> String {
        let hex = sha256_hex(&bytes);
        self.files.push((format!("blobs/sha256/{hex}"), bytes));
        format!("sha256:{hex}")
    }

    /// Writes the layout's files under `dir`.
    pub fn write_to(&self, dir: &std::path::Path) {
        for (name, bytes) in &self.files {
            let path = dir.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("a layout folder");
            }
            std::fs::write(&path, bytes).expect("a layout file");
        }
    }

    /// The layout as one tar (as `docker save` writes it since Docker 25).
    pub fn tar(&self) -> Vec<u8> {
        let entries: Vec<(&str, Entry<'_>)> = self
            .files
            .iter()
            .map(|(name, bytes)| (name.as_str(), Entry::File(0o644, bytes.as_slice())))
            .collect();
        tar(&entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_name_blobs_by_digest_and_tell_gzip_layers() {
        let plain = layer(&[("a", Entry::File(0o644, b"a"))]);
        let zipped = gzip(&plain);
        let layout = OciLayout::new(b"{}", &[plain, zipped], json!({}));
        for (name, bytes) in &layout.files {
            if let Some(hex) = name.strip_prefix("blobs/sha256/") {
                assert_eq!(hex, sha256_hex(bytes));
            }
        }
        let manifest = layout
            .files
            .iter()
            .find(|(n, _)| n.ends_with(layout.manifest_digest.trim_start_matches("sha256:")))
            .map(|(_, b)| serde_json::from_slice::<Value>(b).expect("json"))
            .expect("the manifest blob");
        assert_eq!(
            manifest["layers"][1]["mediaType"],
            "application/vnd.oci.image.layer.v1.tar+gzip"
        );
        assert_eq!(
            manifest["layers"][0]["mediaType"],
            "application/vnd.oci.image.layer.v1.tar"
        );
    }
}
