//! Container images, read without a daemon or a registry: `docker save`
//! tarballs (the legacy `manifest.json` layout and the newer one that holds
//! an OCI layout), OCI image layouts (a directory or a tar), a bare image
//! config JSON, and `docker inspect` output. Every input becomes the same
//! [`Image`]: its reference when the input names one, its digests, its
//! config (user, ports, environment, health check, labels, command), and,
//! when layers are present, its merged [`Filesystem`] (whiteouts applied in
//! layer order).
//!
//! Digests are computed from the bytes as stored: the config digest (the
//! image ID) is the SHA-256 of the config blob, and the manifest digest is
//! the SHA-256 of the manifest blob, which is exactly the digest a registry
//! serves it under. A blob whose bytes do not hash to the digest that names
//! it is an error.
//!
//! Everything is bounded ([`ImageLimits`]): the bytes read, the JSON
//! documents, the number of tar entries, path lengths, and the bytes
//! decompressed from layers, so a decompression bomb is an error, not an
//! out-of-memory kill. Errors are [`LoadError`]s naming the file and, inside
//! it, the entry.
//!
//! - `store.rs`: reading named files from a directory or from a tar
//!   (without unpacking it);
//! - `docker_archive.rs`: `docker save`'s `manifest.json`;
//! - `oci_layout.rs`: `oci-layout` + `index.json` + `blobs/`;
//! - `config.rs`: the image config JSON (OCI and Docker);
//! - `inspect.rs`: `docker inspect` output;
//! - `layer.rs` and `filesystem.rs`: layer tars and their merged view.

mod cache;
mod config;
mod docker_archive;
mod filesystem;
mod inspect;
mod layer;
mod oci_layout;
mod store;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::io::{Read, Seek};
use std::path::Path;
use std::sync::Arc;

use sha2::{Digest as _, Sha256, Sha512};

use store::Store as _;

pub use cache::LayerCache;
pub use filesystem::{FileEntry, FileKind, Filesystem};

use crate::LoadError;

/// One container image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Image {
    /// The file or directory it was read from, as named by the walk.
    pub file: Arc<str>,
    /// Which kind of input it came from.
    pub format: ImageFormat,
    /// Its reference (`docker.io/library/nginx:1.27`, `nginx:1.27`), when
    /// the input names one: `RepoTags` of `docker save` or `docker inspect`,
    /// or the OCI layout's `io.containerd.image.name` /
    /// `org.opencontainers.image.ref.name` annotation.
    pub reference: Option<String>,
    /// Every tag the input gives (`RepoTags`).
    pub tags: Vec<String>,
    /// `sha256:<hex>` of the config blob: the image ID.
    pub config_digest: Option<String>,
    /// `sha256:<hex>` of the image manifest as stored: the digest a registry
    /// serves this manifest under (`docker save` of the classic store writes
    /// a manifest of its own, whose digest is not the registry's).
    pub manifest_digest: Option<String>,
    /// The digest of the image index (multi-platform manifest list) that
    /// led to this manifest, when there was one: what a tag resolves to in
    /// a registry.
    pub index_digest: Option<String>,
    /// `RepoDigests` of `docker inspect` (`nginx@sha256:<hex>`).
    pub repo_digests: Vec<String>,
    /// `os/architecture[/variant]`, when known.
    pub platform: Option<String>,
    /// What the container runs with.
    pub config: ImageConfig,
    /// The layers, bottom first (digests as the manifest names them).
    pub layers: Vec<String>,
    /// How it was built, oldest step first: the config's `history` (empty
    /// for `docker inspect` output, which does not carry it).
    pub history: Vec<HistoryStep>,
    /// The merged filesystem, when the input holds the layers (not for a
    /// bare config or `docker inspect` output).
    pub filesystem: Option<Filesystem>,
}

impl Image {
    /// The name a finding shows: the reference, else the file.
    pub fn name(&self) -> String {
        self.reference
            .clone()
            .unwrap_or_else(|| self.file.to_string())
    }

    /// Every digest the image is known by: manifest, index, config, and the
    /// digests of `RepoDigests` (`sha256:<hex>`, lowercase).
    ///
    /// ```
    /// use palisade_load::image::Image;
    /// let image = Image {
    ///     config_digest: Some("sha256:aa".into()),
    ///     repo_digests: vec!["nginx@sha256:BB".into()],
    ///     ..Image::default()
    /// };
    /// assert_eq!(image.digests(), ["sha256:aa", "sha256:bb"]);
    /// ```
    pub fn digests(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let repo = self
            .repo_digests
            .iter()
            .map(|r| r.rsplit_once('@').map_or(r.as_str(), |(_, d)| d));
        for digest in [
            &self.manifest_digest,
            &self.index_digest,
            &self.config_digest,
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .chain(repo)
        {
            let digest = digest.trim().to_ascii_lowercase();
            if !digest.is_empty() && !out.contains(&digest) {
                out.push(digest);
            }
        }
        out
    }
}

/// One step of an image's build history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryStep {
    /// The instruction as the builder recorded it: `/bin/sh -c apt-get
    /// update` or `/bin/sh -c #(nop) ADD file:<sha256> in /` (the classic
    /// builder), `RUN /bin/sh -c apt-get update # buildkit` (BuildKit).
    pub created_by: String,
    /// The step changed only the config (`ENV`, `CMD`), not the filesystem.
    pub empty_layer: bool,
}

/// The kind of input an [`Image`] was read from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ImageFormat {
    /// A `docker save` tarball with the legacy `manifest.json`.
    #[default]
    DockerArchive,
    /// An OCI image layout, as a directory or a tar (which newer
    /// `docker save` writes too).
    OciLayout,
    /// A bare image config JSON.
    Config,
    /// `docker inspect` output.
    Inspect,
}

/// The container configuration an image carries (`config` of the OCI image
/// config, `Config` of `docker inspect`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageConfig {
    /// `User`: empty when unset (the container runs as root).
    pub user: String,
    /// `ExposedPorts`: `80/tcp`, `53/udp` (a port without protocol is TCP),
    /// sorted.
    pub exposed_ports: Vec<String>,
    /// `Env`: `NAME=value`.
    pub env: Vec<String>,
    /// `Healthcheck`, when the config has one (`Test: ["NONE"]` disables
    /// the base image's).
    pub healthcheck: Option<Healthcheck>,
    /// `Labels`.
    pub labels: BTreeMap<String, String>,
    /// `Entrypoint`.
    pub entrypoint: Vec<String>,
    /// `Cmd`.
    pub cmd: Vec<String>,
    /// `WorkingDir`.
    pub working_dir: String,
}

/// A health check of the image config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Healthcheck {
    /// `Test`: `["CMD", ...]`, `["CMD-SHELL", "..."]`, `["NONE"]`, or empty
    /// (inherit).
    pub test: Vec<String>,
}

impl Healthcheck {
    /// Whether it disables health checking (`HEALTHCHECK NONE`).
    pub fn is_disabled(&self) -> bool {
        self.test.first().is_some_and(|t| t == "NONE")
    }
}

/// Bounds on what reading one image may cost. The defaults accept real
/// images (a `docker save` of a 10 GB machine-learning image, a distro with
/// 100,000 files) and refuse what can only be an attack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLimits {
    /// Largest tarball, and most bytes read from a layout directory's blobs.
    pub max_archive_bytes: u64,
    /// Largest manifest, index, config or `docker inspect` document.
    pub max_json_bytes: u64,
    /// Most tar entries: those of the archive and of every layer together.
    pub max_entries: usize,
    /// Longest path (or link target) of a tar entry, in bytes.
    pub max_path_bytes: usize,
    /// Most bytes decompressed from all the layers of one input: beyond it,
    /// a layer is a decompression bomb.
    pub max_decompressed_bytes: u64,
    /// Most images in one input.
    pub max_images: usize,
    /// Largest file whose content is kept for content checks.
    pub max_content_bytes: u64,
    /// Most content kept, all files together.
    pub max_kept_bytes: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits {
            max_archive_bytes: 16 << 30,
            max_json_bytes: 16 << 20,
            max_entries: 2_000_000,
            max_path_bytes: 4096,
            max_decompressed_bytes: 64 << 30,
            max_images: 64,
            max_content_bytes: 64 << 10,
            max_kept_bytes: 32 << 20,
        }
    }
}

/// How to read images: limits, and which files' content to keep.
#[derive(Debug, Clone)]
pub struct ImageOptions {
    /// The bounds.
    pub limits: ImageLimits,
    /// Whether a regular file's content is kept (when it is small enough),
    /// given its path in the image (no leading `/`). The default keeps
    /// [`credential_file_candidate`]s.
    pub keep_content: fn(&str) -> bool,
    /// Where the results of layers named by a digest are cached (none: every
    /// layer is read in full). Its keys do not cover `keep_content`: set a
    /// cache only with the default.
    pub cache: Option<LayerCache>,
}

impl Default for ImageOptions {
    fn default() -> Self {
        ImageOptions {
            limits: ImageLimits::default(),
            keep_content: credential_file_candidate,
            cache: None,
        }
    }
}

/// Files whose content may hold a credential, by name: private keys
/// (`*.pem`, `*.key`, `id_rsa`, anything under `.ssh/`), AWS and other
/// cloud credential files, `.npmrc`, `.pypirc`, `.git-credentials`,
/// `.netrc`, `.docker/config.json`, `.env` files. Only these are read,
/// so content checks cost little on a large image.
///
/// ```
/// use palisade_load::image::credential_file_candidate;
/// assert!(credential_file_candidate("root/.ssh/id_ed25519"));
/// assert!(credential_file_candidate("app/.npmrc"));
/// assert!(credential_file_candidate("etc/ssl/private/server.key"));
/// assert!(!credential_file_candidate("usr/bin/passwd"));
/// ```
pub fn credential_file_candidate(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let extension = name.rsplit_once('.').map(|(_, e)| e);
    matches!(
        name.as_str(),
        ".npmrc"
            | ".pypirc"
            | ".git-credentials"
            | ".netrc"
            | "_netrc"
            | ".env"
            | "credentials"
            | "id_rsa"
            | "id_dsa"
            | "id_ecdsa"
            | "id_ed25519"
            | "id_ecdsa_sk"
            | "id_ed25519_sk"
    ) || name.starts_with(".env.")
        || matches!(extension, Some("pem" | "key" | "p8" | "ppk"))
        || path.contains(".ssh/")
        || path.ends_with(".docker/config.json")
}

/// Reads the image(s) at `path`: a directory holding an OCI layout, a tar
/// (`docker save` or an OCI layout), or a JSON file (an image config or
/// `docker inspect` output). `Ok` with no image when the input is a tar or
/// JSON that is not an image (an unrelated archive found while walking).
pub fn load(path: &Path, name: Arc<str>, options: &ImageOptions) -> Result<Vec<Image>, LoadError> {
    let error = |message: String| LoadError::file(name.clone(), message);
    if path.is_dir() {
        let mut store = store::DirStore::new(path, options.limits);
        return oci_layout::load(&mut store, &name, options).map_err(error);
    }
    let mut file = std::fs::File::open(path).map_err(|e| error(e.to_string()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut head = Vec::with_capacity(512);
    (&mut file)
        .take(512)
        .read_to_end(&mut head)
        .map_err(|e| error(e.to_string()))?;
    let first = head.iter().find(|b| !b.is_ascii_whitespace());
    if matches!(first, Some(b'{' | b'[')) {
        if size > options.limits.max_json_bytes {
            return Err(error(format!(
                "larger than the {} byte limit for image JSON",
                options.limits.max_json_bytes
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| error(e.to_string()))?;
        return from_json(name.clone(), &bytes).map_err(error);
    }
    if !is_tar_header(&head) {
        return Err(error(
            "not a container image (neither a tar nor JSON)".to_owned(),
        ));
    }
    if size > options.limits.max_archive_bytes {
        return Err(error(format!(
            "larger than the {} byte limit for image archives",
            options.limits.max_archive_bytes
        )));
    }
    file.seek(std::io::SeekFrom::Start(0))
        .map_err(|e| error(e.to_string()))?;
    let mut store = store::TarStore::open(file, options.limits).map_err(error)?;
    if store.exists("index.json") {
        let mut images = oci_layout::load(&mut store, &name, options).map_err(error)?;
        if store.exists("manifest.json") {
            docker_archive::add_tags(&mut store, &mut images, &options.limits).map_err(error)?;
        }
        Ok(images)
    } else if store.exists("manifest.json") {
        docker_archive::load(&mut store, &name, options).map_err(error)
    } else {
        Ok(Vec::new())
    }
}

/// What a JSON value is, by its shape: a Kubernetes object has `apiVersion`
/// and `kind`; an image config has `rootfs` and `architecture` or `config`;
/// `docker inspect` output is an array whose items have `RootFS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonShape {
    /// An OCI or Docker image config.
    ImageConfig,
    /// `docker inspect` output for images.
    Inspect,
}

/// The shape of a JSON text, when it is an image (see [`JsonShape`]).
///
/// ```
/// use palisade_load::image::{json_shape, JsonShape};
/// assert_eq!(json_shape(br#"{"architecture":"amd64","rootfs":{"type":"layers"}}"#), Some(JsonShape::ImageConfig));
/// assert_eq!(json_shape(br#"[{"Id":"sha256:00","RootFS":{"Type":"layers"}}]"#), Some(JsonShape::Inspect));
/// assert_eq!(json_shape(br#"{"apiVersion":"v1","kind":"Pod","rootfs":{},"config":{}}"#), None);
/// assert_eq!(json_shape(b"not json"), None);
/// ```
pub fn json_shape(bytes: &[u8]) -> Option<JsonShape> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    shape_of(&value)
}

fn shape_of(value: &serde_json::Value) -> Option<JsonShape> {
    match value {
        serde_json::Value::Object(map) => {
            let kube = map.contains_key("apiVersion") && map.contains_key("kind");
            (!kube
                && map.get("rootfs").is_some_and(|r| r.is_object())
                && (map.contains_key("architecture") || map.contains_key("config")))
            .then_some(JsonShape::ImageConfig)
        }
        serde_json::Value::Array(items) => (!items.is_empty()
            && items
                .iter()
                .all(|i| i.get("RootFS").is_some_and(|r| r.is_object())))
        .then_some(JsonShape::Inspect),
        _ => None,
    }
}

/// Reads an image config or `docker inspect` output from JSON text; `Ok`
/// with no image when the JSON is neither.
pub fn from_json(name: Arc<str>, bytes: &[u8]) -> Result<Vec<Image>, String> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
    match shape_of(&value) {
        Some(JsonShape::ImageConfig) => {
            let parsed = config::parse(bytes)?;
            Ok(vec![Image {
                file: name,
                format: ImageFormat::Config,
                config_digest: Some(sha256(bytes)),
                platform: parsed.platform,
                config: parsed.config,
                layers: parsed.diff_ids,
                history: parsed.history,
                ..Image::default()
            }])
        }
        Some(JsonShape::Inspect) => inspect::parse(name, value),
        None => Ok(Vec::new()),
    }
}

/// A tar's first header: the `ustar` magic at offset 257 (POSIX and GNU).
fn is_tar_header(head: &[u8]) -> bool {
    head.get(257..262) == Some(b"ustar".as_slice())
}

/// `sha256:<hex>` of `bytes`.
pub(crate) fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A content digest, `algorithm:hex`, checked strictly so that it can
/// name a blob path (`blobs/<algorithm>/<hex>`) and nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BlobDigest {
    algorithm: &'static str,
    hex: String,
}

impl BlobDigest {
    /// Parses `sha256:<64 hex>` or `sha512:<128 hex>` (lowercase).
    pub(crate) fn parse(digest: &str) -> Result<BlobDigest, String> {
        let (algorithm, hex) = digest
            .split_once(':')
            .ok_or_else(|| format!("invalid digest {:?}", truncate(digest)))?;
        let (algorithm, len) = match algorithm {
            "sha256" => ("sha256", 64),
            "sha512" => ("sha512", 128),
            other => {
                return Err(format!(
                    "unsupported digest algorithm {:?}",
                    truncate(other)
                ));
            }
        };
        if hex.len() != len
            || !hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(format!("invalid digest {:?}", truncate(digest)));
        }
        Ok(BlobDigest {
            algorithm,
            hex: hex.to_owned(),
        })
    }

    /// `blobs/<algorithm>/<hex>`.
    pub(crate) fn path(&self) -> String {
        format!("blobs/{}/{}", self.algorithm, self.hex)
    }

    /// The digest a blob path names (`blobs/<algorithm>/<hex>`), if it
    /// names one: layers in OCI layouts and in Docker 25+ archives do;
    /// legacy `<id>/layer.tar` paths do not.
    pub(crate) fn of_blob_path(path: &str) -> Option<BlobDigest> {
        let rest = path.strip_prefix("blobs/")?;
        let (algorithm, hex) = rest.split_once('/')?;
        BlobDigest::parse(&format!("{algorithm}:{hex}")).ok()
    }

    /// A hasher for content streamed in pieces.
    pub(crate) fn hasher(&self) -> BlobHasher {
        match self.algorithm {
            "sha512" => BlobHasher::Sha512(Sha512::default()),
            _ => BlobHasher::Sha256(Sha256::default()),
        }
    }

    /// Whether a finished hash is this digest.
    pub(crate) fn is(&self, hasher: BlobHasher) -> bool {
        let actual = match hasher {
            BlobHasher::Sha256(h) => hex(&h.finalize()),
            BlobHasher::Sha512(h) => hex(&h.finalize()),
        };
        actual == self.hex
    }

    /// Whether `bytes` hash to this digest.
    pub(crate) fn matches(&self, bytes: &[u8]) -> bool {
        let actual = match self.algorithm {
            "sha512" => hex(&Sha512::digest(bytes)),
            _ => hex(&Sha256::digest(bytes)),
        };
        actual == self.hex
    }
}

/// A digest being computed over streamed content.
pub(crate) enum BlobHasher {
    Sha256(Sha256),
    Sha512(Sha512),
}

impl BlobHasher {
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        match self {
            BlobHasher::Sha256(h) => h.update(bytes),
            BlobHasher::Sha512(h) => h.update(bytes),
        }
    }
}

impl std::fmt::Display for BlobDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.hex)
    }
}

/// At most 80 characters of untrusted text, for messages.
pub(crate) fn truncate(text: &str) -> String {
    if text.chars().count() <= 80 {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(77).collect();
        short.push_str("...");
        short
    }
}
