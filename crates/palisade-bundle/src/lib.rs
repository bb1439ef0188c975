//! Policy bundles: policies (Rego, data, Gatekeeper YAML) distributed as
//! one versioned artifact, found by a reference in `--policy` and turned
//! into a folder of verified files.
//!
//! Three places a bundle comes from (see [`Reference`]):
//! - `oci-layout:DIR@sha256:<digest>`: an OCI image layout on disk, what
//!   `palisade policy push --layout` writes and `oras`/`skopeo` exchange;
//! - `oci://REGISTRY/REPO[:TAG][@sha256:<digest>]`: a registry, through
//!   the OCI distribution API ([`registry`], the `oci-client` crate);
//! - `https://HOST/PATH.tar.gz[@sha256:<digest>]`: a tarball ([`https`]).
//!
//! What is trusted: the digest the user pinned, and the public keys they
//! gave (`--policy-key`). An OCI bundle's manifest must hash to the pinned
//! digest and every blob to the digest the manifest names; a tarball must
//! hash to its pin. With keys, a bundle must also carry a signature one of
//! them verifies ([`signature`]: cosign's key-pair signatures), and a
//! reference may then name a tag alone. Only then are files unpacked,
//! into a cache folder named by the digest ([`cache`]), where later runs
//! find a pinned bundle offline.

mod archive;
mod artifact;
pub mod cache;
mod https;
mod layout;
mod net;
mod reference;
pub mod registry;
pub mod signature;

use std::path::PathBuf;

pub use artifact::ARTIFACT_TYPE;
pub use cache::default_cache;
pub use layout::push as push_layout;
pub use net::Network;
pub use reference::{Reference, is_reference};
pub use registry::push as push_registry;
pub use signature::PublicKey;

/// A bundle that cannot be written, fetched or trusted, with why.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BundleError(pub String);

pub(crate) fn err(message: impl Into<String>) -> BundleError {
    BundleError(message.into())
}

/// How bundles are resolved.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where verified bundles are unpacked, one folder per digest.
    pub cache: PathBuf,
    /// Keys one of which must have signed the bundle (none: the pinned
    /// digest alone is trusted).
    pub keys: Vec<PublicKey>,
    /// How registries and servers are reached.
    pub network: Network,
}

/// A bundle verified and unpacked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulled {
    /// The folder holding its files.
    pub dir: PathBuf,
    /// `sha256:<hex>`: the manifest's digest (OCI) or the tarball's.
    pub digest: String,
    /// The fingerprint of the key whose signature was verified, if keys
    /// were given.
    pub signed_by: Option<String>,
}

/// The folder of verified policy files `reference` names, fetched (or
/// found in the cache from an earlier pull) and checked as the crate's
/// documentation says.
pub fn resolve(reference: &str, options: &Options) -> Result<Pulled, BundleError> {
    // Messages name the reference as shown: without a URL's credentials.
    let shown = reference::shown(reference);
    let parsed = Reference::parse(reference).map_err(|e| err(e.0.replace(reference, &shown)))?;
    let reference = shown.as_str();
    if parsed.digest().is_none() && options.keys.is_empty() {
        return Err(err(format!(
            "{reference}: pin the bundle by digest ({}), or give --policy-key to trust a tag by its signature",
            parsed.pinned_example()
        )));
    }
    if let Some(hex) = parsed.digest()
        && let Some(pulled) = cache::lookup(&options.cache, hex, &options.keys)
    {
        return Ok(pulled);
    }
    match parsed {
        Reference::Layout { dir, digest } => {
            let mut store = layout::Store::open(&dir);
            artifact::pull(&mut store, reference, Some(&digest), None, options)
        }
        Reference::Registry { image, tag, digest } => net::off_runtime(|| {
            let mut store = registry::Store::connect(&image, &options.network)?;
            artifact::pull(
                &mut store,
                reference,
                digest.as_deref(),
                tag.as_deref(),
                options,
            )
        })?,
        Reference::Https { url, digest } => {
            net::off_runtime(|| https::pull(&url, reference, digest.as_deref(), options))?
        }
    }
}

/// SHA-256 of `bytes`, lowercase hex.
pub(crate) fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
