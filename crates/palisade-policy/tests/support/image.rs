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
//! history:                         # the config's build history
//!   - {created_by: "/bin/sh -c #(nop) ADD file:aa in / "}
//! ```

use std::path::Path;

use palisade_load::image::{Image, ImageOptions};
use palisade_testkit::image::{Entry, config_with_history, docker_save, layer};
use serde_json::{Value, json};

fn layer_of(files: &[Value]) -> Vec<u8> {
    let entries: Vec<(&str, Entry<'_>)> = files
        .iter()
        .map(|file| {
            let path = file["path"].as_str().unwrap();
            let kind = file["type"].as_str().unwrap_or("file");
            let default_mode = if kind == "dir" { "755" } else { "644" };
            let mode =
                u32::from_str_radix(file["mode"].as_str().unwrap_or(default_mode), 8).unwrap();
            let entry = match kind {
                "dir" => Entry::Dir(mode),
                "symlink" => Entry::Symlink(file["target"].as_str().unwrap()),
                _ => Entry::File(mode, file["content"].as_str().unwrap_or("").as_bytes()),
            };
            (path, entry)
        })
        .collect();
    layer(&entries)
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
                .map(|files| layer_of(files.as_array().unwrap()))
                .collect()
        })
        .unwrap_or_default();
    let config = config_with_history(
        spec.get("config").cloned().unwrap_or(json!({})),
        spec.get("history").cloned().unwrap_or(json!([])),
    );
    let reference = spec.get("reference").and_then(Value::as_str);
    let archive = dir.join("image.tar");
    std::fs::write(&archive, docker_save(&config, reference, &layers)).unwrap();
    let name = fixture.file_name().unwrap().to_string_lossy().to_string();
    palisade_load::image::load(&archive, name.into(), &ImageOptions::default()).unwrap()
}
