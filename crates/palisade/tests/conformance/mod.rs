//! What every conformance harness needs: finding a corpus (or saying it is
//! missing, and failing only when `PALISADE_REQUIRE_CONFORMANCE=1`), and
//! reading its YAML with Palisade's own loader.

#[allow(dead_code)] // Only the kube-bench harnesses compare.
pub mod kube_bench;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value as Json;

/// The corpus folder `relative` inside `conformance/` (from
/// `PALISADE_CONFORMANCE_DIR`, else `../shared/conformance`), or `None`
/// (after saying so) when it is missing and not required.
pub fn corpus_dir(relative: &str) -> Option<PathBuf> {
    let conformance = std::env::var_os("PALISADE_CONFORMANCE_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance"),
        PathBuf::from,
    );
    let corpus = conformance.join(relative);
    if !corpus.is_dir() {
        let message = format!("conformance corpora missing at {}", corpus.display());
        assert!(
            std::env::var("PALISADE_REQUIRE_CONFORMANCE").as_deref() != Ok("1"),
            "{message}"
        );
        println!("{message}; skipping (set PALISADE_REQUIRE_CONFORMANCE=1 to require them)");
        return None;
    }
    Some(corpus)
}

#[allow(dead_code)] // Not every harness reads YAML itself.
/// Parses a YAML file with Palisade's own loader and returns its documents
/// as JSON values.
pub fn read_yaml(path: &Path) -> Result<Vec<Json>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: Arc<str> = Arc::from(path.display().to_string());
    let parsed = palisade_load::parse_documents(file, &text, &palisade_load::Limits::default());
    if let Some(error) = parsed.errors.first() {
        return Err(format!("cannot parse {}: {error}", path.display()));
    }
    Ok(parsed.documents.iter().map(|d| d.root.to_json()).collect())
}
