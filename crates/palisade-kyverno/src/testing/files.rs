//! Reading the files a Kyverno test names: YAML documents as JSON, bounded
//! and YAML 1.1-resolved by Palisade's loader.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use palisade_load::{Limits, parse_documents};
use serde_json::Value as Json;

/// Reads every document of a YAML or JSON file.
pub fn documents(path: &Path) -> Result<Vec<Json>, String> {
    let limits = Limits::default();
    let metadata = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if metadata.len() > limits.max_file_bytes {
        return Err(format!(
            "{}: {} bytes is more than the limit of {}",
            path.display(),
            metadata.len(),
            limits.max_file_bytes
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: Arc<str> = Arc::from(path.display().to_string());
    let parsed = parse_documents(file, &text, &limits);
    if let Some(error) = parsed.errors.first() {
        return Err(format!("{}: {error}", path.display()));
    }
    Ok(parsed
        .documents
        .iter()
        .map(|d| d.root.to_json())
        .filter(|d| !d.is_null())
        .collect())
}

/// The files of a test's list entry: a file, or every YAML/JSON file of a
/// folder (as the Kyverno CLI reads a folder).
pub fn expand(base: &Path, entry: &str) -> Vec<PathBuf> {
    let path = base.join(entry);
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&path)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.extension()
                    .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
            })
            .collect();
        files.sort();
        files
    } else {
        vec![path]
    }
}

/// Every `kyverno-test.yaml` under `root` (hidden `.kyverno-test` folders
/// included), sorted.
pub fn find_tests(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if root.is_file() {
        // A file named on the command line is a Kyverno test when it is
        // named so or says so; a `.rego` or suite file is not.
        let named = root.file_name().is_some_and(|n| n == "kyverno-test.yaml");
        let yaml = root.extension().is_some_and(|e| e == "yaml" || e == "yml");
        let says_so = yaml
            && std::fs::read_to_string(root).is_ok_and(|t| {
                t.lines()
                    .any(|l| l.trim_start().starts_with("apiVersion: cli.kyverno.io/"))
                    && t.lines().any(|l| l.trim_end() == "kind: Test")
            });
        if named || says_so {
            found.push(root.to_path_buf());
        }
        return found;
    }
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                let name = entry.file_name();
                // `.git` and the like are skipped; `.kyverno-test` is where
                // upstream keeps its tests.
                let hidden = name.to_string_lossy().starts_with('.');
                if !hidden || name == ".kyverno-test" {
                    stack.push(path);
                }
            } else if entry.file_name() == "kyverno-test.yaml" {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}
