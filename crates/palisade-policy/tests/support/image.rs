//! Image fixtures: `*.image.yaml` describes an image (its config, and its
//! layers as lists of files); the test builds it as a `docker save` tarball
//! and loads it with the real loader, so no daemon or registry is needed.
//!
//! ```yaml
//! # expect: image-setuid-files
//! config: {User: "10001"}
//! layers:
//!   - - {path: usr/bin/tool, mode: "4755"}
//!     - {path: etc/.wh.old}        # a whiteout
//!     - {path: tmp, type: dir, mode: "1777"}
//!     - {path: root/.npmrc, content: "//registry.npmjs.org/:_authToken=x"}
//! ```

use std::path::Path;

use palisade_load::image::{Image, ImageOptions};
use serde_json::{Value, json};

fn layer(files: &[Value]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for file in files {
        let path = file["path"].as_str().unwrap();
        let kind = file["type"].as_str().unwrap_or("file");
        let default_mode = if kind == "dir" { "755" } else { "644" };
        let mode = u32::from_str_radix(file["mode"].as_str().unwrap_or(default_mode), 8).unwrap();
        let content = file["content"].as_str().unwrap_or("").as_bytes();
        let mut header = tar::Header::new_gnu();
        header.set_mode(mode);
        match kind {
            "dir" => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_size(0);
                builder.append_data(&mut header, path, &[][..]).unwrap();
            }
            "symlink" => {
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_size(0);
                let target = file["target"].as_str().unwrap();
                builder.append_link(&mut header, path, target).unwrap();
            }
            _ => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(content.len() as u64);
                builder.append_data(&mut header, path, content).unwrap();
            }
        }
    }
    builder.into_inner().unwrap()
}

/// Builds the fixture's image as a `docker save` tarball in `dir` and loads it.
pub fn build(fixture: &Path, dir: &Path) -> Vec<Image> {
    let text = std::fs::read_to_string(fixture).unwrap();
    let spec: Value = serde_saphyr::from_str(&text).unwrap();
    let layers: Vec<Vec<u8>> = spec["layers"]
        .as_array()
        .map(|layers| {
            layers
                .iter()
                .map(|files| layer(files.as_array().unwrap()))
                .collect()
        })
        .unwrap_or_default();
    let config = json!({
        "architecture": "amd64",
        "os": "linux",
        "config": spec.get("config").cloned().unwrap_or(json!({})),
        "rootfs": {"type": "layers", "diff_ids": []},
    })
    .to_string();
    let layer_paths: Vec<String> = (0..layers.len())
        .map(|i| format!("{i}/layer.tar"))
        .collect();
    let manifest = json!([{
        "Config": "config.json",
        "RepoTags": spec.get("reference").map_or(json!([]), |r| json!([r])),
        "Layers": layer_paths,
    }])
    .to_string();
    let mut builder = tar::Builder::new(Vec::new());
    let mut add = |path: &str, bytes: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_mode(0o644);
        header.set_size(bytes.len() as u64);
        builder.append_data(&mut header, path, bytes).unwrap();
    };
    add("manifest.json", manifest.as_bytes());
    add("config.json", config.as_bytes());
    for (path, bytes) in layer_paths.iter().zip(&layers) {
        add(path, bytes);
    }
    let archive = dir.join("image.tar");
    std::fs::write(&archive, builder.into_inner().unwrap()).unwrap();
    let name = fixture.file_name().unwrap().to_string_lossy().to_string();
    palisade_load::image::load(&archive, name.into(), &ImageOptions::default()).unwrap()
}
