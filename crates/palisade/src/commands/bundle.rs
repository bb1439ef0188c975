//! `palisade policy push` and `palisade policy pull`: policy bundles as OCI
//! artifacts (`palisade-policy/src/bundle.rs`), and the resolution of
//! `--policy oci-layout:...` references into the folders they unpack to.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use palisade_policy::bundle;

use crate::cli::{PolicyPullArgs, PolicyPushArgs};

pub fn push(args: &PolicyPushArgs) -> Result<ExitCode> {
    let digest = bundle::push(&args.paths, &args.layout, &args.tag)?;
    println!("{digest}");
    eprintln!(
        "use it with --policy oci-layout:{}@{digest}",
        args.layout.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn pull(args: &PolicyPullArgs) -> Result<ExitCode> {
    let dir = resolve(&args.reference)?;
    let shown = match &args.output {
        Some(output) => {
            copy(&dir, output)?;
            output.clone()
        }
        None => dir,
    };
    println!("{}", shown.display());
    Ok(ExitCode::SUCCESS)
}

/// The folder a bundle reference unpacks to, verified (see
/// [`bundle::resolve`]).
pub fn resolve(reference: &str) -> Result<PathBuf> {
    let cache = bundle::default_cache().ok_or_else(|| {
        anyhow!(
            "no cache folder for policy bundles: set PALISADE_BUNDLE_CACHE, XDG_CACHE_HOME or HOME"
        )
    })?;
    Ok(bundle::resolve(reference, &cache)?)
}

/// `--policy` values with bundle references replaced by their folders.
pub fn policy_paths(values: &[PathBuf]) -> Result<Vec<PathBuf>> {
    values
        .iter()
        .map(|value| match value.to_str() {
            Some(text) if bundle::is_reference(text) => resolve(text),
            _ => Ok(value.clone()),
        })
        .collect()
}

/// The bundle's files (not the cache's marker) copied into `into`.
fn copy(from: &std::path::Path, into: &std::path::Path) -> Result<()> {
    std::fs::create_dir_all(into).with_context(|| format!("cannot create {}", into.display()))?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = into.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy(&entry.path(), &target)?;
        } else if entry.file_name() != ".verified" {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("cannot write {}", target.display()))?;
        }
    }
    Ok(())
}
