//! Policy paths that name bundles (`oci-layout:`, `oci://`, `https://`)
//! replaced by the folders `palisade-bundle` verifies and unpacks them
//! to, whether they came from `--policy` or the configuration's
//! `policies.paths`.

use std::path::PathBuf;

use palisade_bundle::{Network, Options, PublicKey, is_reference};

use crate::ConfigError;

/// `paths` with every bundle reference resolved; `keys` (PEM public
/// keys) are read only when a bundle is named.
pub(crate) fn resolve(paths: Vec<PathBuf>, keys: &[PathBuf]) -> Result<Vec<PathBuf>, ConfigError> {
    let named = |p: &PathBuf| p.to_str().is_some_and(is_reference);
    if !paths.iter().any(named) {
        return Ok(paths);
    }
    let cache = palisade_bundle::default_cache().ok_or_else(|| {
        ConfigError(
            "no cache folder for policy bundles: set PALISADE_BUNDLE_CACHE, XDG_CACHE_HOME or HOME"
                .to_owned(),
        )
    })?;
    let keys = keys
        .iter()
        .map(|path| PublicKey::read(path))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ConfigError(e.0))?;
    let network = Network::from_env().map_err(|e| ConfigError(e.0))?;
    let options = Options {
        cache,
        keys,
        network,
    };
    paths
        .into_iter()
        .map(|path| match path.to_str() {
            Some(reference) if is_reference(reference) => {
                palisade_bundle::resolve(reference, &options)
                    .map(|pulled| pulled.dir)
                    .map_err(|e| ConfigError(e.0))
            }
            _ => Ok(path),
        })
        .collect()
}
