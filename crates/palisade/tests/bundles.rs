//! Policy bundles end to end: pushed into a layout, a registry speaking
//! the OCI distribution API over TLS with token authentication
//! (`palisade_testkit::registry`), or served as an HTTPS tarball; pulled
//! by `--policy` (or the configuration's `policies.paths`) by digest or,
//! with `--policy-key`, by a signed tag; judging exactly as the same
//! policies on disk; found offline in the cache once pulled.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine;
use palisade_testkit::cosign::KeyPair;
use palisade_testkit::registry::{Registry, Settings};

/// The controls of a JSON report's findings, sorted.
fn controls(output: &Output) -> Vec<String> {
    let mut controls: Vec<String> = support::json(output)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["control"].as_str().unwrap().to_owned())
        .collect();
    controls.sort();
    controls
}

/// The example policies' findings on the example, read from disk.
fn from_disk() -> Vec<String> {
    let policies = support::workspace().join("examples/policies");
    let example = support::workspace().join("examples/bad-deployment.yaml");
    let output = support::palisade(&[
        "scan",
        example.to_str().unwrap(),
        "--no-builtins",
        "--format",
        "json",
        "--policy",
        policies.to_str().unwrap(),
    ]);
    let controls = controls(&output);
    assert!(!controls.is_empty());
    controls
}

/// A scan with the bundled example policies failed on exactly the
/// findings the same policies give from disk.
fn judges_as_on_disk(output: &Output) {
    assert_eq!(output.status.code(), Some(1), "{}", support::stderr(output));
    assert_eq!(controls(output), from_disk());
}

/// A registry over TLS that asks for a token, and what a client needs
/// to reach it: the CA in a file and a Docker configuration that logs in.
struct Remote {
    registry: Option<Registry>,
    address: String,
    ca: PathBuf,
    docker: PathBuf,
    cache: PathBuf,
}

impl Remote {
    fn start(dir: &Path) -> Self {
        let registry = Registry::start(Settings {
            tls: true,
            credentials: Some(("ci".into(), "s3cret-pass".into())),
        });
        let ca = dir.join("ca.pem");
        std::fs::write(&ca, registry.ca_pem.as_deref().unwrap()).unwrap();
        let docker = dir.join("docker");
        std::fs::create_dir_all(&docker).unwrap();
        let auth = base64::engine::general_purpose::STANDARD.encode("ci:s3cret-pass");
        let config = serde_json::json!({"auths": {registry.address.clone(): {"auth": auth}}});
        std::fs::write(docker.join("config.json"), config.to_string()).unwrap();
        Self {
            address: registry.address.clone(),
            registry: Some(registry),
            ca,
            docker,
            cache: dir.join("cache"),
        }
    }

    /// The binary, trusting the registry's CA and logged in to it.
    fn palisade(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = support::binary();
        command
            .args(args)
            .env("SSL_CERT_FILE", &self.ca)
            .env("DOCKER_CONFIG", &self.docker)
            .env("PALISADE_BUNDLE_CACHE", &self.cache)
            .env_remove("PALISADE_INSECURE_REGISTRIES");
        command
    }

    fn image(&self) -> String {
        format!("oci://{}/acme/policies:v1", self.address)
    }

    /// `policy push --to` of the example policies; their digest, which
    /// the command also names in the `--policy` reference it suggests.
    fn push(&self) -> String {
        let policies = support::workspace().join("examples/policies");
        let pushed = self.palisade(&[
            "policy",
            "push",
            policies.to_str().unwrap(),
            "--to",
            &self.image(),
        ]);
        assert_eq!(
            pushed.status.code(),
            Some(0),
            "{}",
            support::stderr(&pushed)
        );
        let digest = support::stdout(&pushed).trim().to_owned();
        assert!(
            support::stderr(&pushed).contains(&format!("--policy {}@{digest}", self.image())),
            "{}",
            support::stderr(&pushed)
        );
        digest
    }

    fn registry(&self) -> &Registry {
        self.registry.as_ref().unwrap()
    }

    /// Stops the registry: what runs after runs offline.
    fn stop(&mut self) {
        self.registry = None;
    }
}

fn scan_with(remote: &Remote, extra: &[&str]) -> Output {
    let example = support::workspace().join("examples/bad-deployment.yaml");
    let mut args = vec![
        "scan",
        example.to_str().unwrap(),
        "--no-builtins",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    remote.palisade(&args)
}

/// A cosign key pair, and its public key written as `cosign.pub` is.
fn cosign_key(dir: &Path, seed: u8) -> (KeyPair, PathBuf) {
    let pair = KeyPair::from_seed(seed);
    let path = dir.join(format!("cosign-{seed}.pub"));
    std::fs::write(&path, &pair.public_pem).unwrap();
    (pair, path)
}

#[test]
fn a_bundle_pushed_to_a_registry_judges_as_on_disk_and_then_runs_offline() {
    let dir = tempfile::tempdir().unwrap();
    let remote = Remote::start(dir.path());
    let digest = remote.push();
    // The client logged in through the token endpoint.
    assert!(
        remote
            .registry()
            .requests()
            .iter()
            .any(|r| r.starts_with("GET /token"))
    );

    let pinned = format!("{}@{digest}", remote.image());
    let from_registry = scan_with(&remote, &["--policy", &pinned]);
    judges_as_on_disk(&from_registry);

    // A tag alone is refused without a key, before anything runs.
    let unpinned = scan_with(&remote, &["--policy", &remote.image()]);
    assert_eq!(unpinned.status.code(), Some(2));
    assert!(
        support::stderr(&unpinned).contains("pin the bundle by digest"),
        "{}",
        support::stderr(&unpinned)
    );

    // Offline: the registry is gone, the pinned bundle is in the cache.
    let mut remote = remote;
    remote.stop();
    let offline = scan_with(&remote, &["--policy", &pinned]);
    judges_as_on_disk(&offline);
}

/// Policies distributed as an OCI artifact: pushed into a layout, pulled
/// by digest (verified, unpacked into the cache) and judging as the same
/// policies on disk; a digest that does not match is refused.
#[test]
fn a_policy_bundle_is_pulled_by_its_digest() {
    let dir = tempfile::tempdir().unwrap();
    let policies = support::workspace().join("examples/policies");
    let example = support::workspace().join("examples/bad-deployment.yaml");
    let layout = dir.path().join("bundle");
    let cache = dir.path().join("cache");
    let run = |args: &[&str]| {
        support::binary()
            .args(args)
            .env("PALISADE_BUNDLE_CACHE", &cache)
            .output()
            .unwrap()
    };
    let pushed = run(&[
        "policy",
        "push",
        policies.to_str().unwrap(),
        "--layout",
        layout.to_str().unwrap(),
        "--tag",
        "v1",
    ]);
    assert_eq!(
        pushed.status.code(),
        Some(0),
        "{}",
        support::stderr(&pushed)
    );
    let digest = support::stdout(&pushed).trim().to_owned();
    assert!(digest.starts_with("sha256:"), "{digest}");
    let example = example.to_str().unwrap();
    let reference = format!("oci-layout:{}@{digest}", layout.display());
    let from_bundle = run(&[
        "scan",
        example,
        "--no-builtins",
        "--format",
        "json",
        "--policy",
        &reference,
    ]);
    judges_as_on_disk(&from_bundle);
    let pulled = run(&["policy", "pull", &reference]);
    assert_eq!(pulled.status.code(), Some(0));
    assert!(
        support::stdout(&pulled)
            .trim()
            .starts_with(cache.to_str().unwrap())
    );
    // Another digest, or no digest at all: refused before anything runs.
    let wrong = format!("oci-layout:{}@sha256:{}", layout.display(), "1".repeat(64));
    let refused = run(&["scan", example, "--no-builtins", "--policy", &wrong]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        support::stderr(&refused).contains("no manifest"),
        "{}",
        support::stderr(&refused)
    );
    let unpinned = format!("oci-layout:{}", layout.display());
    let refused = run(&["scan", example, "--policy", &unpinned]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        support::stderr(&refused).contains("pin the bundle"),
        "{}",
        support::stderr(&refused)
    );
}

#[test]
fn a_signed_tag_is_trusted_with_the_key_and_refused_with_another() {
    let dir = tempfile::tempdir().unwrap();
    let remote = Remote::start(dir.path());
    let digest = remote.push();
    let (signing, public) = cosign_key(dir.path(), 21);
    let (_, stranger) = cosign_key(dir.path(), 22);
    let image = remote.image();
    let public = public.to_str().unwrap();

    let unsigned = scan_with(&remote, &["--policy", &image, "--policy-key", public]);
    assert_eq!(unsigned.status.code(), Some(2));
    assert!(
        support::stderr(&unsigned).contains("no cosign signature"),
        "{}",
        support::stderr(&unsigned)
    );
    signing.sign_in(remote.registry(), "acme/policies", &digest, &digest);
    let signed = scan_with(&remote, &["--policy", &image, "--policy-key", public]);
    judges_as_on_disk(&signed);
    let other_key = scan_with(
        &remote,
        &[
            "--policy",
            &image,
            "--policy-key",
            stranger.to_str().unwrap(),
        ],
    );
    assert_eq!(other_key.status.code(), Some(2));
    assert!(
        support::stderr(&other_key).contains("none of the keys given"),
        "{}",
        support::stderr(&other_key)
    );
    // `policy pull` says what it verified.
    let pulled = remote.palisade(&["policy", "pull", &image, "--key", public]);
    assert_eq!(
        pulled.status.code(),
        Some(0),
        "{}",
        support::stderr(&pulled)
    );
    assert!(support::stderr(&pulled).contains(&format!("{digest} verified")));
    assert!(support::stderr(&pulled).contains("signed by the key sha256:"));
}

#[test]
fn wrong_registry_credentials_fail_the_scan_without_showing_them() {
    let dir = tempfile::tempdir().unwrap();
    let remote = Remote::start(dir.path());
    let auth = base64::engine::general_purpose::STANDARD.encode("ci:not-the-pass");
    let config = serde_json::json!({"auths": {remote.address.clone(): {"auth": auth}}});
    std::fs::write(remote.docker.join("config.json"), config.to_string()).unwrap();
    let pinned = format!("{}@sha256:{}", remote.image(), "4".repeat(64));
    let refused = scan_with(&remote, &["--policy", &pinned]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = support::stderr(&refused);
    assert!(stderr.contains(&remote.image()), "{stderr}");
    assert!(
        !stderr.contains("not-the-pass") && !stderr.contains(&auth),
        "{stderr}"
    );
}

/// A tarball over HTTPS named in the configuration, with the key that
/// signed it (`cosign sign-blob`), both resolved from the configuration's
/// folder; the same tarball with another pin is refused.
#[test]
fn an_https_tarball_named_in_the_configuration_is_verified_and_signed() {
    let dir = tempfile::tempdir().unwrap();
    let remote = Remote::start(dir.path());
    let policies = support::workspace().join("examples/policies");
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    builder.append_dir_all(".", &policies).unwrap();
    let tarball = builder.into_inner().unwrap().finish().unwrap();
    let (signing, public) = cosign_key(dir.path(), 31);
    remote
        .registry()
        .put_file("/bundles/policies.tar.gz", &tarball);
    remote.registry().put_file(
        "/bundles/policies.tar.gz.sig",
        signing.sign(&tarball).as_bytes(),
    );
    let url = format!("https://{}/bundles/policies.tar.gz", remote.address);
    let hex: String = {
        use sha2::Digest;
        sha2::Sha256::digest(&tarball)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let config = dir.path().join("palisade.yaml");
    let write_config = |pin: &str| {
        std::fs::write(
            &config,
            format!(
                "policies:\n  paths: [\"{url}@sha256:{pin}\"]\n  keys: [{}]\n",
                public.file_name().unwrap().to_str().unwrap()
            ),
        )
        .unwrap();
    };
    write_config(&hex);
    let config_arg = config.to_str().unwrap();
    let scanned = scan_with(&remote, &["--config", config_arg]);
    judges_as_on_disk(&scanned);
    write_config(&"5".repeat(64));
    let refused = scan_with(&remote, &["--config", config_arg]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        support::stderr(&refused).contains("not the sha256:5555"),
        "{}",
        support::stderr(&refused)
    );
}
