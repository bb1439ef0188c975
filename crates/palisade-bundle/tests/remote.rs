//! Bundles from a registry and over HTTPS, against a local server that
//! speaks the OCI distribution API's wire format
//! (`palisade_testkit::registry`): pushed and pulled by digest, refused
//! when a byte differs, trusted by tag only with a verified cosign
//! signature, found offline in the cache.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use palisade_bundle::{Network, Options, PublicKey, resolve};
use palisade_testkit::cosign::KeyPair;
use palisade_testkit::registry::{Registry, Settings};

fn policies(dir: &Path) -> PathBuf {
    let policies = dir.join("policies");
    std::fs::create_dir_all(policies.join("lib")).unwrap();
    std::fs::write(policies.join("deny.rego"), "package main\n").unwrap();
    std::fs::write(policies.join("lib/util.rego"), "package lib\n").unwrap();
    policies
}

fn plain(registry: &Registry) -> Network {
    Network {
        insecure_registries: vec![registry.address.clone()],
        roots: Vec::new(),
    }
}

fn options(dir: &Path, cache: &str, keys: Vec<PublicKey>, network: Network) -> Options {
    Options {
        cache: dir.join(cache),
        keys,
        network,
    }
}

fn key(seed: u8) -> (KeyPair, PublicKey) {
    let pair = KeyPair::from_seed(seed);
    let public = PublicKey::from_pem(&pair.public_pem).unwrap();
    (pair, public)
}

/// A plain-HTTP registry on loopback holding the test policies, pushed
/// as `acme/policies:v1`.
struct Pushed {
    dir: tempfile::TempDir,
    policies: PathBuf,
    registry: Registry,
    image: String,
    network: Network,
    digest: String,
}

fn pushed() -> Pushed {
    let dir = tempfile::tempdir().unwrap();
    let policies = policies(dir.path());
    let registry = Registry::start(Settings::default());
    let image = format!("oci://{}/acme/policies:v1", registry.address);
    let network = plain(&registry);
    let digest =
        palisade_bundle::push_registry(std::slice::from_ref(&policies), &image, &network).unwrap();
    Pushed {
        dir,
        policies,
        registry,
        image,
        network,
        digest,
    }
}

#[test]
fn a_bundle_pushed_to_a_registry_is_pulled_by_digest_then_offline_from_the_cache() {
    let Pushed {
        dir,
        policies,
        registry,
        image,
        network,
        digest,
    } = pushed();
    // The registry and a layout hold the same bytes: one digest.
    let layout = dir.path().join("layout");
    let in_layout =
        palisade_bundle::push_layout(std::slice::from_ref(&policies), &layout, "v1").unwrap();
    assert_eq!(digest, in_layout);
    assert!(
        registry
            .requests()
            .iter()
            .any(|r| r.starts_with("PUT /v2/acme/policies/manifests/v1")),
        "{:?}",
        registry.requests()
    );

    let pinned = format!("{image}@{digest}");
    let pulled = resolve(
        &pinned,
        &options(dir.path(), "cache", vec![], network.clone()),
    )
    .unwrap();
    assert_eq!(pulled.digest, digest);
    assert_eq!(
        std::fs::read_to_string(pulled.dir.join("lib/util.rego")).unwrap(),
        "package lib\n"
    );
    let before = registry.requests().len();
    drop(registry);
    // Offline: the registry is gone, the pinned bundle is in the cache.
    let again = resolve(&pinned, &options(dir.path(), "cache", vec![], network)).unwrap();
    assert_eq!(again, pulled);
    assert!(before > 0);
}

#[test]
fn a_registry_serving_other_bytes_or_another_digest_is_refused() {
    let Pushed {
        dir,
        policies,
        registry,
        image,
        network,
        digest,
    } = pushed();

    let other = format!("{image}@sha256:{}", "1".repeat(64));
    let refused = resolve(&other, &options(dir.path(), "c1", vec![], network.clone())).unwrap_err();
    assert!(refused.0.contains("no manifest"), "{refused}");

    // The tag now names another manifest: the pin still decides.
    let changed = dir.path().join("changed");
    std::fs::create_dir_all(&changed).unwrap();
    std::fs::write(
        changed.join("deny.rego"),
        "package main\ndeny[m] { m := 1 }\n",
    )
    .unwrap();
    palisade_bundle::push_registry(std::slice::from_ref(&changed), &image, &network).unwrap();
    let pinned = format!("{image}@{digest}");
    let pulled = resolve(&pinned, &options(dir.path(), "c2", vec![], network.clone())).unwrap();
    assert_eq!(
        std::fs::read_to_string(pulled.dir.join("deny.rego")).unwrap(),
        "package main\n"
    );

    // A layer whose bytes are not the ones its digest names.
    let layer = {
        let layout = dir.path().join("layout");
        palisade_bundle::push_layout(std::slice::from_ref(&policies), &layout, "v1").unwrap();
        let manifest = std::fs::read(
            layout
                .join("blobs/sha256")
                .join(digest.trim_start_matches("sha256:")),
        )
        .unwrap();
        let manifest: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
        manifest["layers"][0]["digest"].as_str().unwrap().to_owned()
    };
    registry.corrupt_blob(&layer, b"not the policies");
    let refused = resolve(&pinned, &options(dir.path(), "c3", vec![], network)).unwrap_err();
    assert!(refused.0.contains("refused"), "{refused}");
    assert!(
        !dir.path()
            .join("c3")
            .join(digest.trim_start_matches("sha256:"))
            .exists()
    );
}

#[test]
fn a_tag_is_trusted_only_with_a_signature_by_a_key_given() {
    let Pushed {
        dir,
        policies: _,
        registry,
        image,
        network,
        digest,
    } = pushed();
    let (signing, public) = key(3);
    let (stranger, _) = key(5);

    // What the tag resolves to, trusted by the key `public` (cache c1).
    let with_key = || {
        resolve(
            &image,
            &options(dir.path(), "c1", vec![public.clone()], network.clone()),
        )
    };
    let refused = resolve(&image, &options(dir.path(), "c1", vec![], network.clone())).unwrap_err();
    assert!(refused.0.contains("pin the bundle by digest"), "{refused}");
    let unsigned = with_key().unwrap_err();
    assert!(unsigned.0.contains("no cosign signature"), "{unsigned}");

    // Signed by someone else, or a signature of another manifest.
    stranger.sign_in(&registry, "acme/policies", &digest, &digest);
    let wrong_key = with_key().unwrap_err();
    assert!(wrong_key.0.contains("none of the keys"), "{wrong_key}");
    let elsewhere = format!("sha256:{}", "2".repeat(64));
    signing.sign_in(&registry, "acme/policies", &digest, &elsewhere);
    let replayed = with_key().unwrap_err();
    assert!(replayed.0.contains("another manifest"), "{replayed}");

    signing.sign_in(&registry, "acme/policies", &digest, &digest);
    let pulled = with_key().unwrap();
    assert_eq!(pulled.digest, digest);
    assert_eq!(
        pulled.signed_by.as_deref(),
        Some(public.fingerprint.as_str())
    );
    // Pinned and signed, the cache answers offline (it recorded the key).
    drop(registry);
    let pinned = format!("{image}@{digest}");
    let cached = resolve(&pinned, &options(dir.path(), "c1", vec![public], network)).unwrap();
    assert_eq!(cached, pulled);
}

#[test]
fn registries_and_tarballs_are_reached_over_verified_tls() {
    let dir = tempfile::tempdir().unwrap();
    let policies = policies(dir.path());
    let registry = Registry::start(Settings {
        tls: true,
        credentials: None,
    });
    let ca = registry.ca_pem.clone().unwrap().into_bytes();
    let trusted = Network {
        insecure_registries: Vec::new(),
        roots: vec![ca],
    };
    let image = format!("oci://{}/acme/policies:v1", registry.address);
    // Without the registry's CA, the handshake fails and nothing is read.
    let untrusted = palisade_bundle::push_registry(
        std::slice::from_ref(&policies),
        &image,
        &Network::default(),
    )
    .unwrap_err();
    assert!(
        untrusted.0.to_lowercase().contains("certificate"),
        "{untrusted}"
    );
    let digest =
        palisade_bundle::push_registry(std::slice::from_ref(&policies), &image, &trusted).unwrap();
    let pinned = format!("{image}@{digest}");
    let pulled = resolve(&pinned, &options(dir.path(), "c1", vec![], trusted.clone())).unwrap();
    assert!(pulled.dir.join("deny.rego").is_file());

    // A tarball over HTTPS, pinned by its own digest and signed as
    // `cosign sign-blob` signs.
    let tarball = tarball(&policies);
    registry.put_file("/bundles/policies.tar.gz", &tarball);
    let url = format!("https://{}/bundles/policies.tar.gz", registry.address);
    let hex = sha256(&tarball);
    let pulled = resolve(
        &format!("{url}@sha256:{hex}"),
        &options(dir.path(), "c2", vec![], trusted.clone()),
    )
    .unwrap();
    assert_eq!(
        std::fs::read_to_string(pulled.dir.join("lib/util.rego")).unwrap(),
        "package lib\n"
    );
    let wrong = format!("{url}@sha256:{}", "3".repeat(64));
    let refused = resolve(&wrong, &options(dir.path(), "c3", vec![], trusted.clone())).unwrap_err();
    assert!(refused.0.contains("not the sha256:3333"), "{refused}");
    let (signing, public) = key(11);
    let no_signature = resolve(
        &url,
        &options(dir.path(), "c4", vec![public.clone()], trusted.clone()),
    )
    .unwrap_err();
    assert!(no_signature.0.contains("no signature at"), "{no_signature}");
    registry.put_file(
        "/bundles/policies.tar.gz.sig",
        signing.sign(&tarball).as_bytes(),
    );
    let signed = resolve(
        &url,
        &options(dir.path(), "c4", vec![public.clone()], trusted),
    )
    .unwrap();
    assert_eq!(
        signed.signed_by.as_deref(),
        Some(public.fingerprint.as_str())
    );
    assert_eq!(signed.digest, format!("sha256:{hex}"));
}

fn tarball(policies: &Path) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    builder.append_dir_all(".", policies).unwrap();
    builder.into_inner().unwrap().finish().unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
