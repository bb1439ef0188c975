//! Verified bundles on disk, one folder per digest: `<cache>/<hex>/`
//! holds the files and a `.verified` marker naming the digest and the
//! keys whose signatures were checked. A folder is only ever made whole
//! (unpacked beside it, then renamed into place), so a run that stops
//! halfway leaves no folder a later run would trust.

use std::path::{Path, PathBuf};

use crate::signature::PublicKey;
use crate::{BundleError, Pulled, err};

/// The marker a whole, verified folder holds.
pub const MARKER: &str = ".verified";

/// Where pulled bundles are kept: `PALISADE_BUNDLE_CACHE`, else
/// `$XDG_CACHE_HOME/palisade/bundles`, else `~/.cache/palisade/bundles`.
pub fn default_cache() -> Option<PathBuf> {
    let absolute = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    if let Some(dir) = absolute("PALISADE_BUNDLE_CACHE") {
        return Some(dir);
    }
    let base = absolute("XDG_CACHE_HOME").or_else(|| absolute("HOME").map(|h| h.join(".cache")))?;
    Some(base.join("palisade").join("bundles"))
}

/// The bundle `hex` from an earlier pull, if it is there and (with
/// `keys`) was verified against one of them.
pub(crate) fn lookup(cache: &Path, hex: &str, keys: &[PublicKey]) -> Option<Pulled> {
    let dir = cache.join(hex);
    let marker = std::fs::read_to_string(dir.join(MARKER)).ok()?;
    let mut lines = marker.lines();
    if lines.next()? != format!("sha256:{hex}") {
        return None;
    }
    let signers: Vec<&str> = lines.filter_map(|l| l.strip_prefix("signed-by ")).collect();
    let signed_by = if keys.is_empty() {
        signers.first().map(|s| (*s).to_owned())
    } else {
        let signer = keys
            .iter()
            .find(|k| signers.contains(&k.fingerprint.as_str()))?;
        Some(signer.fingerprint.clone())
    };
    Some(Pulled {
        dir,
        digest: format!("sha256:{hex}"),
        signed_by,
    })
}

/// Makes the folder of bundle `hex`: `fill` unpacks into a staging
/// folder, which then replaces any older folder of that digest.
pub(crate) fn install(
    cache: &Path,
    hex: &str,
    signed_by: Option<String>,
    fill: impl FnOnce(&Path) -> Result<(), BundleError>,
) -> Result<Pulled, BundleError> {
    let staging = cache.join(format!(".{hex}.{}.partial", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging)
        .map_err(|e| err(format!("cannot create {}: {e}", staging.display())))?;
    let filled = fill(&staging).and_then(|()| {
        let mut marker = format!("sha256:{hex}\n");
        if let Some(signer) = &signed_by {
            marker.push_str(&format!("signed-by {signer}\n"));
        }
        std::fs::write(staging.join(MARKER), marker)
            .map_err(|e| err(format!("cannot write {}: {e}", staging.display())))
    });
    if let Err(error) = filled {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(error);
    }
    let target = cache.join(hex);
    let _ = std::fs::remove_dir_all(&target);
    if let Err(e) = std::fs::rename(&staging, &target) {
        let _ = std::fs::remove_dir_all(&staging);
        // Another run may have put the same verified bundle there first.
        if !target.join(MARKER).is_file() {
            return Err(err(format!(
                "cannot move the bundle into {}: {e}",
                target.display()
            )));
        }
    }
    Ok(Pulled {
        dir: target,
        digest: format!("sha256:{hex}"),
        signed_by,
    })
}
