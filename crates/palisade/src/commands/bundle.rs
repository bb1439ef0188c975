//! `palisade policy push` and `palisade policy pull`: policy bundles as OCI
//! artifacts in layouts and registries, or tarballs over HTTPS
//! (`palisade-bundle`). `--policy` references are resolved by the policy
//! set's builder, not here.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use palisade_bundle::{Network, Options, PublicKey};

use crate::cli::{PolicyPullArgs, PolicyPushArgs};

pub fn push(args: &PolicyPushArgs) -> Result<ExitCode> {
    let (digest, reference) = match (&args.layout, &args.to) {
        (Some(layout), _) => {
            let digest = palisade_bundle::push_layout(&args.paths, layout, &args.tag)?;
            let reference = format!("oci-layout:{}@{digest}", layout.display());
            (digest, reference)
        }
        (None, Some(to)) => {
            let digest = palisade_bundle::push_registry(&args.paths, to, &Network::from_env()?)?;
            (digest.clone(), format!("{to}@{digest}"))
        }
        (None, None) => {
            return Err(anyhow!(
                "name where to push: --layout DIR or --to oci://..."
            ));
        }
    };
    println!("{digest}");
    eprintln!("use it with --policy {reference}");
    Ok(ExitCode::SUCCESS)
}

pub fn pull(args: &PolicyPullArgs) -> Result<ExitCode> {
    let cache = palisade_bundle::default_cache().ok_or_else(|| {
        anyhow!(
            "no cache folder for policy bundles: set PALISADE_BUNDLE_CACHE, XDG_CACHE_HOME or HOME"
        )
    })?;
    let keys = args
        .key
        .iter()
        .map(|path| PublicKey::read(path))
        .collect::<Result<Vec<_>, _>>()?;
    let options = Options {
        cache,
        keys,
        network: Network::from_env()?,
    };
    let pulled = palisade_bundle::resolve(&args.reference, &options)?;
    let shown = match &args.output {
        Some(output) => {
            copy(&pulled.dir, output)?;
            output.clone()
        }
        None => pulled.dir.clone(),
    };
    eprintln!("{} verified", pulled.digest);
    if let Some(key) = &pulled.signed_by {
        eprintln!("signed by the key sha256:{key}");
    }
    println!("{}", shown.display());
    Ok(ExitCode::SUCCESS)
}

/// The bundle's files (not the cache's marker) copied into `into`.
fn copy(from: &Path, into: &Path) -> Result<()> {
    std::fs::create_dir_all(into).with_context(|| format!("cannot create {}", into.display()))?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = into.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy(&entry.path(), &target)?;
        } else if entry.file_name() != palisade_bundle::cache::MARKER {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("cannot write {}", target.display()))?;
        }
    }
    Ok(())
}
