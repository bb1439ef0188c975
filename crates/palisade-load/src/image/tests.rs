//! Images built by the tests themselves: tars and JSON written here, no
//! daemon and no registry.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::sync::Arc;

use palisade_testkit::image::{Entry as E, OciLayout, gzip, sha256_hex, tar as tar_bytes};
use serde_json::json;

use super::*;

const CONFIG: &str = r#"{"architecture":"amd64","os":"linux","config":{"User":"","ExposedPorts":{"22/tcp":{},"8080":{}},"Env":["PATH=/usr/bin","API_TOKEN=x"],"Cmd":["/app"],"Labels":{"org.opencontainers.image.source":"https://example.com"},"Healthcheck":{"Test":["CMD","true"]}},"rootfs":{"type":"layers","diff_ids":["sha256:aa","sha256:bb"]}}"#;

fn base_layer() -> Vec<u8> {
    tar_bytes(&[
        ("etc/", E::Dir(0o755)),
        ("etc/old.conf", E::File(0o644, b"x")),
        ("usr/bin/passwd", E::File(0o4755, b"elf")),
        ("var/cache/apt/", E::Dir(0o755)),
        ("var/cache/apt/pkg.bin", E::File(0o644, b"cache")),
        (
            "root/.npmrc",
            E::File(0o600, b"//registry.npmjs.org/:_authToken=abc\n"),
        ),
    ])
}

fn top_layer() -> Vec<u8> {
    gzip(&tar_bytes(&[
        ("etc/.wh.old.conf", E::File(0, b"")),
        ("var/cache/apt/.wh..wh..opq", E::File(0, b"")),
        ("var/cache/apt/new.bin", E::File(0o644, b"n")),
        ("tmp/", E::Dir(0o1777)),
        ("./app/data", E::File(0o666, b"d")),
    ]))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

fn load_file(path: &Path) -> Result<Vec<Image>, LoadError> {
    load(path, "image.tar".into(), &ImageOptions::default())
}

fn paths(image: &Image) -> Vec<&str> {
    image
        .filesystem
        .as_ref()
        .unwrap()
        .iter()
        .map(|(p, _)| p)
        .collect()
}

#[test]
fn legacy_docker_save() {
    let dir = tempfile::tempdir().unwrap();
    let config_hex = sha256_hex(CONFIG.as_bytes());
    let manifest = format!(
        r#"[{{"Config":"{config_hex}.json","RepoTags":["acme/api:1.0"],"Layers":["l1/layer.tar","l2/layer.tar"]}},
            {{"Config":"{config_hex}.json","RepoTags":null,"Layers":["l3/layer.tar"]}}]"#
    );
    let base = base_layer();
    let top = top_layer();
    let tar = tar_bytes(&[
        ("manifest.json", E::File(0o644, manifest.as_bytes())),
        (
            &format!("{config_hex}.json"),
            E::File(0o644, CONFIG.as_bytes()),
        ),
        ("l1/layer.tar", E::File(0o644, &base)),
        ("l2/layer.tar", E::File(0o644, &top)),
        // Docker links a layer shared by two saved images.
        ("l3/layer.tar", E::Symlink("../l1/layer.tar")),
    ]);
    let path = write(dir.path(), "image.tar", &tar);
    let images = load_file(&path).unwrap();
    assert_eq!(images.len(), 2);
    let image = &images[0];
    assert_eq!(image.format, ImageFormat::DockerArchive);
    assert_eq!(image.reference.as_deref(), Some("acme/api:1.0"));
    assert_eq!(image.config_digest, Some(format!("sha256:{config_hex}")));
    assert_eq!(image.manifest_digest, None);
    assert_eq!(image.platform.as_deref(), Some("linux/amd64"));
    assert_eq!(image.config.exposed_ports, ["22/tcp", "8080/tcp"]);
    assert_eq!(image.config.env, ["PATH=/usr/bin", "API_TOKEN=x"]);
    assert!(image.config.healthcheck.is_some());
    assert_eq!(image.layers, ["sha256:aa", "sha256:bb"]);
    // Whiteouts and the opaque directory applied, in layer order.
    assert_eq!(
        paths(image),
        [
            "app/data",
            "etc",
            "root/.npmrc",
            "tmp",
            "usr/bin/passwd",
            "var/cache/apt",
            "var/cache/apt/new.bin",
        ]
    );
    let fs = image.filesystem.as_ref().unwrap();
    let passwd = fs.get("/usr/bin/passwd").unwrap();
    assert!(passwd.is_setuid() && passwd.content.is_none() && passwd.layer == 0);
    assert!(fs.get("tmp").unwrap().is_sticky());
    assert_eq!(fs.get("app/data").unwrap().layer, 1);
    // Credential candidates keep their content.
    assert_eq!(
        fs.get("root/.npmrc").unwrap().content.as_deref(),
        Some(&b"//registry.npmjs.org/:_authToken=abc\n"[..])
    );
    // The second image reaches its layer through the symlink.
    assert_eq!(images[1].reference, None);
    assert!(paths(&images[1]).contains(&"usr/bin/passwd"));
}

/// The test image (`CONFIG`, the base and top layers) as an OCI layout
/// whose index gives the manifest these annotations.
fn layout(annotations: serde_json::Value) -> OciLayout {
    OciLayout::new(CONFIG.as_bytes(), &[base_layer(), top_layer()], annotations)
}

#[test]
fn oci_layout_directory() {
    let dir = tempfile::tempdir().unwrap();
    let layout = layout(json!({
        "io.containerd.image.name": "docker.io/acme/api:1.0",
        "org.opencontainers.image.ref.name": "1.0",
    }));
    for (name, bytes) in &layout.files {
        write(dir.path(), name, bytes);
    }
    let images = load(dir.path(), "layout".into(), &ImageOptions::default()).unwrap();
    assert_eq!(images.len(), 1);
    let image = &images[0];
    assert_eq!(image.format, ImageFormat::OciLayout);
    assert_eq!(image.reference.as_deref(), Some("docker.io/acme/api:1.0"));
    assert_eq!(image.tags, ["1.0"]);
    assert_eq!(
        image.manifest_digest.as_ref(),
        Some(&layout.manifest_digest)
    );
    assert_eq!(image.config_digest.as_ref(), Some(&layout.config_digest));
    assert_eq!(image.layers.len(), 2);
    assert!(paths(image).contains(&"var/cache/apt/new.bin"));
    assert!(!paths(image).contains(&"etc/old.conf"));
    assert_eq!(
        image.digests(),
        [layout.manifest_digest.clone(), layout.config_digest.clone()]
    );

    // A blob whose bytes do not match its digest is refused.
    let manifest_path = format!(
        "blobs/sha256/{}",
        layout.manifest_digest.trim_start_matches("sha256:")
    );
    let mut tampered = std::fs::read(dir.path().join(&manifest_path)).unwrap();
    tampered.push(b' ');
    write(dir.path(), &manifest_path, &tampered);
    let error = load(dir.path(), "layout".into(), &ImageOptions::default()).unwrap_err();
    assert_eq!(&*error.file, "layout");
    assert!(
        error.message.contains(&manifest_path)
            && error.message.contains("does not match its digest"),
        "{error}"
    );
}

/// Docker 25+ `docker save`: an OCI layout and `manifest.json` in one tar.
#[test]
fn docker_save_with_oci_layout() {
    let dir = tempfile::tempdir().unwrap();
    let layout = layout(json!({"org.opencontainers.image.ref.name": "1.0"}));
    let manifest = format!(
        r#"[{{"Config":"blobs/sha256/{}","RepoTags":["acme/api:1.0"],"Layers":[]}}]"#,
        layout.config_digest.trim_start_matches("sha256:")
    );
    let mut entries: Vec<(&str, E<'_>)> = layout
        .files
        .iter()
        .map(|(name, bytes)| (name.as_str(), E::File(0o644, bytes.as_slice())))
        .collect();
    entries.push(("manifest.json", E::File(0o644, manifest.as_bytes())));
    let path = write(dir.path(), "image.tar", &tar_bytes(&entries));
    let images = load_file(&path).unwrap();
    assert_eq!(images.len(), 1);
    assert_eq!(images[0].format, ImageFormat::OciLayout);
    assert_eq!(images[0].reference.as_deref(), Some("acme/api:1.0"));
    assert_eq!(
        images[0].manifest_digest.as_ref(),
        Some(&layout.manifest_digest)
    );
    assert!(paths(&images[0]).contains(&"usr/bin/passwd"));
}

/// A multi-platform index: the platform present in the layout is read, the
/// absent one and the attestation are skipped.
#[test]
fn image_index_reads_present_platforms() {
    let dir = tempfile::tempdir().unwrap();
    let mut layout = layout(json!({}));
    let missing = format!("sha256:{}", "0".repeat(64));
    let inner = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
            {{"digest":"{}","platform":{{"os":"linux","architecture":"amd64"}}}},
            {{"digest":"{missing}","platform":{{"os":"linux","architecture":"arm64"}}}},
            {{"digest":"{missing}","platform":{{"os":"unknown","architecture":"unknown"}}}}]}}"#,
        layout.manifest_digest
    );
    let index_digest = layout.blob(inner.into_bytes());
    for (name, bytes) in &layout.files {
        if name != "index.json" {
            write(dir.path(), name, bytes);
        }
    }
    write(
        dir.path(),
        "index.json",
        format!(r#"{{"manifests":[{{"digest":"{index_digest}","annotations":{{"io.containerd.image.name":"acme/api:2"}}}}]}}"#).as_bytes(),
    );
    let images = load(dir.path(), "layout".into(), &ImageOptions::default()).unwrap();
    assert_eq!(images.len(), 1);
    assert_eq!(images[0].index_digest.as_ref(), Some(&index_digest));
    assert_eq!(
        images[0].manifest_digest.as_ref(),
        Some(&layout.manifest_digest)
    );
    assert_eq!(images[0].reference.as_deref(), Some("acme/api:2"));
}

#[test]
fn decompression_bomb_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let zeros = vec![0u8; 4 << 20];
    let layer = gzip(&tar_bytes(&[("big", E::File(0o644, &zeros))]));
    assert!(layer.len() < 64 << 10, "{}", layer.len());
    let config_hex = sha256_hex(CONFIG.as_bytes());
    let manifest = format!(r#"[{{"Config":"{config_hex}.json","Layers":["bomb/layer.tar"]}}]"#);
    let tar = tar_bytes(&[
        ("manifest.json", E::File(0o644, manifest.as_bytes())),
        (
            &format!("{config_hex}.json"),
            E::File(0o644, CONFIG.as_bytes()),
        ),
        ("bomb/layer.tar", E::File(0o644, &layer)),
    ]);
    let path = write(dir.path(), "bomb.tar", &tar);
    let options = ImageOptions {
        limits: ImageLimits {
            max_decompressed_bytes: 1 << 20,
            ..ImageLimits::default()
        },
        ..ImageOptions::default()
    };
    let error = load(&path, "bomb.tar".into(), &options).unwrap_err();
    assert_eq!(&*error.file, "bomb.tar");
    assert!(
        error.message.contains("layer bomb/layer.tar")
            && error.message.contains("decompression bomb"),
        "{error}"
    );
    // Within the default limits the same image loads.
    assert_eq!(load_file(&path).unwrap().len(), 1);
}

#[test]
fn long_paths_and_too_many_entries_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!("{}/f", "d".repeat(5000));
    let layer = tar_bytes(&[("ok", E::File(0o644, b"")), (&long, E::File(0o644, b""))]);
    let config_hex = sha256_hex(CONFIG.as_bytes());
    let manifest = format!(r#"[{{"Config":"{config_hex}.json","Layers":["l/layer.tar"]}}]"#);
    let tar = tar_bytes(&[
        ("manifest.json", E::File(0o644, manifest.as_bytes())),
        (
            &format!("{config_hex}.json"),
            E::File(0o644, CONFIG.as_bytes()),
        ),
        ("l/layer.tar", E::File(0o644, &layer)),
    ]);
    let path = write(dir.path(), "long.tar", &tar);
    let error = load_file(&path).unwrap_err();
    assert!(
        error.message.contains("layer l/layer.tar")
            && error
                .message
                .contains("a long path of 5003 bytes is longer than the 4096 byte limit")
            && error.message.contains("after entry ok"),
        "{error}"
    );
    let options = ImageOptions {
        limits: ImageLimits {
            max_entries: 1,
            ..ImageLimits::default()
        },
        ..ImageOptions::default()
    };
    let error = load(&path, "long.tar".into(), &options).unwrap_err();
    assert!(error.message.contains("more than 1 tar entries"), "{error}");
}

#[test]
fn unsupported_and_broken_inputs() {
    let dir = tempfile::tempdir().unwrap();
    // A tar that is not an image: nothing, no error.
    let other = write(
        dir.path(),
        "backup.tar",
        &tar_bytes(&[("a.txt", E::File(0o644, b"a"))]),
    );
    assert!(load_file(&other).unwrap().is_empty());
    // Neither a tar nor JSON.
    let garbage = write(dir.path(), "x.tar", b"garbage");
    assert!(
        load_file(&garbage)
            .unwrap_err()
            .message
            .contains("not a container image")
    );
    // A truncated archive.
    let config_hex = sha256_hex(CONFIG.as_bytes());
    let manifest = format!(r#"[{{"Config":"{config_hex}.json","Layers":["l/layer.tar"]}}]"#);
    let tar = tar_bytes(&[
        ("manifest.json", E::File(0o644, manifest.as_bytes())),
        (
            &format!("{config_hex}.json"),
            E::File(0o644, CONFIG.as_bytes()),
        ),
        (
            "l/layer.tar",
            E::File(0o644, &[0x28, 0xb5, 0x2f, 0xfd, 0, 0]),
        ),
    ]);
    let zstd = write(dir.path(), "zstd.tar", &tar);
    let error = load_file(&zstd).unwrap_err();
    assert!(error.message.contains("layer l/layer.tar: zstd"), "{error}");
    let truncated = write(dir.path(), "cut.tar", &tar[..700]);
    assert!(load_file(&truncated).is_err());
    // A manifest naming a missing file.
    let tar = tar_bytes(&[(
        "manifest.json",
        E::File(0o644, br#"[{"Config":"nope.json"}]"#),
    )]);
    let missing = write(dir.path(), "missing.tar", &tar);
    let error = load_file(&missing).unwrap_err();
    assert!(
        error.message.contains("nope.json: not in the archive"),
        "{error}"
    );
    // Path traversal in a digest cannot name a file outside the layout.
    assert!(BlobDigest::parse("sha256:../../etc/passwd").is_err());
}

#[test]
fn config_and_inspect_json() {
    let images = from_json("config.json".into(), CONFIG.as_bytes()).unwrap();
    assert_eq!(images.len(), 1);
    assert_eq!(images[0].format, ImageFormat::Config);
    assert_eq!(images[0].config_digest, Some(sha256(CONFIG.as_bytes())));
    assert!(images[0].filesystem.is_none());
    assert_eq!(images[0].name(), "config.json");

    let inspect = r#"[{"Id":"sha256:abc","RepoTags":["nginx:1.27"],"RepoDigests":["nginx@sha256:def"],
        "Config":{"User":"nginx","ExposedPorts":null,"Env":null,"Labels":null,"Healthcheck":{"Test":["NONE"]}},
        "RootFS":{"Type":"layers","Layers":["sha256:1"]},"Os":"linux","Architecture":"arm64","Variant":"v8"}]"#;
    let images = from_json("inspect.json".into(), inspect.as_bytes()).unwrap();
    let image = &images[0];
    assert_eq!(image.format, ImageFormat::Inspect);
    assert_eq!(image.reference.as_deref(), Some("nginx:1.27"));
    assert_eq!(image.config_digest.as_deref(), Some("sha256:abc"));
    assert_eq!(image.repo_digests, ["nginx@sha256:def"]);
    assert_eq!(image.platform.as_deref(), Some("linux/arm64/v8"));
    assert_eq!(image.config.user, "nginx");
    assert!(image.config.healthcheck.as_ref().unwrap().is_disabled());
    assert_eq!(image.digests(), ["sha256:abc", "sha256:def"]);

    assert!(
        from_json("k.json".into(), br#"{"apiVersion":"v1","kind":"Pod"}"#)
            .unwrap()
            .is_empty()
    );
    assert!(from_json("bad.json".into(), b"{").is_err());
    let error = from_json("i.json".into(), br#"[{"RootFS":{},"Config":{"Env":"x"}}]"#).unwrap_err();
    assert!(error.contains("item 0"), "{error}");

    // Through `load`, by content.
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "inspect.json", inspect.as_bytes());
    let images = load(&path, Arc::from("inspect.json"), &ImageOptions::default()).unwrap();
    assert_eq!(images.len(), 1);
}

#[test]
fn pax_paths_are_read() {
    let mut builder = tar::Builder::new(Vec::new());
    let long = format!("opt/{}/secret.key", "p".repeat(200));
    builder
        .append_pax_extensions([("path", long.as_bytes())])
        .unwrap();
    let mut header = tar::Header::new_ustar();
    header.set_mode(0o4755);
    header.set_size(3);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_path("short").unwrap();
    header.set_cksum();
    builder.append(&header, &b"key"[..]).unwrap();
    let layer = builder.into_inner().unwrap();
    let mut budget = layer::Budget::default();
    let entries = layer::read(&layer[..], &ImageOptions::default(), &mut budget).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].0, long);
    assert!(entries[0].1.is_setuid());
    assert_eq!(entries[0].1.content.as_deref(), Some(&b"key"[..]));
}

/// Truncated and corrupted archives are errors (or images), never panics.
#[test]
fn corrupted_archives_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let config_hex = sha256_hex(CONFIG.as_bytes());
    let manifest = format!(
        r#"[{{"Config":"{config_hex}.json","RepoTags":["a:1"],"Layers":["l1/layer.tar","l2/layer.tar"]}}]"#
    );
    let (base, top) = (base_layer(), top_layer());
    let tar = tar_bytes(&[
        ("manifest.json", E::File(0o644, manifest.as_bytes())),
        (
            &format!("{config_hex}.json"),
            E::File(0o644, CONFIG.as_bytes()),
        ),
        ("l1/layer.tar", E::File(0o644, &base)),
        ("l2/layer.tar", E::File(0o644, &top)),
    ]);
    let path = dir.path().join("x.tar");
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..300 {
        let mut bytes = tar.clone();
        if round % 3 == 0 {
            bytes.truncate((next() as usize) % tar.len());
        } else {
            for _ in 0..1 + round % 8 {
                let at = (next() as usize) % bytes.len();
                bytes[at] = next() as u8;
            }
        }
        std::fs::write(&path, &bytes).unwrap();
        let _ = load(&path, "x.tar".into(), &ImageOptions::default());
        let mut budget = layer::Budget::default();
        let _ = layer::read(&bytes[..], &ImageOptions::default(), &mut budget);
    }
}

/// A layer whose bytes are not the ones its digest names is refused, in
/// memory and streamed alike; padding a tar with zeros keeps it a valid
/// tar, so only the digest tells.
#[test]
fn layers_must_match_their_digests() {
    let dir = tempfile::tempdir().unwrap();
    let layout = layout(json!({}));
    for (name, bytes) in &layout.files {
        write(dir.path(), name, bytes);
    }
    let layer_path = format!("blobs/sha256/{}", sha256_hex(&base_layer()));
    let mut padded = base_layer();
    padded.extend_from_slice(&[0; 1024]);
    write(dir.path(), &layer_path, &padded);
    let error = load(dir.path(), "layout".into(), &ImageOptions::default()).unwrap_err();
    assert!(
        error.message.contains(&layer_path) && error.message.contains("does not match its digest"),
        "{error}"
    );

    let options = ImageOptions::default();
    let good = base_layer();
    let mut budget = super::layer::Budget::default();
    let entries = super::layer::streamed(good.as_slice(), &layer_path, &options, &mut budget);
    assert!(entries.is_ok_and(|e| !e.is_empty()));
    let mut budget = super::layer::Budget::default();
    let error =
        super::layer::streamed(padded.as_slice(), &layer_path, &options, &mut budget).unwrap_err();
    assert!(error.contains("does not match its digest"), "{error}");
    // A legacy path names no digest: nothing to check.
    let mut budget = super::layer::Budget::default();
    assert!(
        super::layer::streamed(padded.as_slice(), "abc/layer.tar", &options, &mut budget).is_ok()
    );
}

/// `docker save` writes `manifest.json` last: a copy cut before it, at an
/// entry boundary or inside a layer, used to read as a tar holding no image
/// and was skipped. Every cut is an error now; a complete tar that is not an
/// image is still nothing.
#[test]
fn a_truncated_archive_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let config_hex = sha256_hex(CONFIG.as_bytes());
    let config_name = format!("{config_hex}.json");
    let manifest = format!(r#"[{{"Config":"{config_name}","Layers":["l/layer.tar"]}}]"#);
    let layer = base_layer();
    let mut entries = vec![
        (config_name.as_str(), E::File(0o644, CONFIG.as_bytes())),
        ("l/layer.tar", E::File(0o644, &layer)),
    ];
    let without_manifest = tar_bytes(&entries);
    entries.push(("manifest.json", E::File(0o644, manifest.as_bytes())));
    let complete = tar_bytes(&entries);
    assert_eq!(
        load_file(&write(dir.path(), "ok.tar", &complete))
            .unwrap()
            .len(),
        1
    );
    // `tar::Builder` ends with two zero blocks: what precedes them is the
    // archive cut exactly where `manifest.json`'s header starts.
    let boundary = without_manifest.len() - 1024;
    assert_eq!(&complete[..boundary], &without_manifest[..boundary]);
    for (name, cut) in [
        ("at-boundary.tar", boundary),
        ("in-layer.tar", boundary - 700),
        ("in-padding.tar", boundary - 1),
    ] {
        let error = load_file(&write(dir.path(), name, &complete[..cut])).unwrap_err();
        assert!(
            error.message.contains("truncated tar archive"),
            "{name}: {error}"
        );
    }
    // Cut inside a header: the tar crate's own error.
    assert!(
        load_file(&write(
            dir.path(),
            "in-header.tar",
            &complete[..boundary + 100]
        ))
        .is_err()
    );
    // A complete tar without an image is still not an error.
    let other = write(dir.path(), "not-an-image.tar", &without_manifest);
    assert!(load_file(&other).unwrap().is_empty());
}
