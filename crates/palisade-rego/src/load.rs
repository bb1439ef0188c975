//! Finding and reading policy files: `.rego` modules, YAML or JSON files
//! holding ConstraintTemplates and Constraints (other documents in a policy
//! directory, such as a `kustomization.yaml` or a `suite.yaml`, are not
//! policies and are skipped), and data documents.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use palisade_load::{Limits, parse_documents};
use regorus::Value;

use crate::error::RegoError;
use crate::gatekeeper::{is_constraint, is_template};
use crate::value::from_node;

/// Largest policy or data file read: policies are code, not data dumps.
const MAX_POLICY_BYTES: u64 = 16 * 1024 * 1024;

/// Policy sources, read but not compiled.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    /// `.rego` modules: (file, text).
    pub rego: Vec<(String, String)>,
    /// ConstraintTemplate documents: (file, document).
    pub templates: Vec<(String, Value)>,
    /// Constraint documents: (file, document).
    pub constraints: Vec<(String, Value)>,
    /// Data documents merged into `data`: (file, document).
    pub data: Vec<(String, Value)>,
}

impl Sources {
    /// Every source as (label, content), in load order: what a policy
    /// version hash covers, so that changing any policy changes it.
    pub fn fingerprint(&self) -> Vec<(String, String)> {
        let docs = |kind: &str, list: &[(String, Value)]| {
            list.iter()
                .map(|(file, doc)| (format!("{kind}:{file}"), doc.to_string()))
                .collect::<Vec<_>>()
        };
        let mut parts: Vec<(String, String)> = self
            .rego
            .iter()
            .map(|(file, text)| (format!("rego:{file}"), text.clone()))
            .collect();
        parts.extend(docs("template", &self.templates));
        parts.extend(docs("constraint", &self.constraints));
        parts.extend(docs("data", &self.data));
        parts
    }
}

/// Reads every policy under `paths` and every data document of `data`.
pub fn collect_sources(paths: &[PathBuf], data: &[PathBuf]) -> Result<Sources, Vec<RegoError>> {
    let mut sources = Sources::default();
    let mut errors = Vec::new();
    for path in paths {
        let mut files = Vec::new();
        if path.is_dir() {
            files_under(path, &mut files, &mut errors);
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            errors.push(RegoError::file(
                path.display().to_string(),
                "no such file or directory",
            ));
        }
        for file in files {
            read_policy_file(&file, path.is_file(), &mut sources, &mut errors);
        }
    }
    for path in data {
        let name = path.display().to_string();
        match read_documents(path) {
            Ok(documents) => sources
                .data
                .extend(documents.into_iter().map(|d| (name.clone(), d))),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(sources)
    } else {
        Err(errors)
    }
}

/// How deep folders are followed: a symbolic link back up the tree must
/// not loop forever.
const MAX_DEPTH: usize = 16;

/// `path` itself when it is a file, else every file under the folder,
/// sorted, hidden entries skipped; folders that cannot be read are errors.
/// The one walk of policy folders, for loading, `palisade test` and the
/// webhook's watch.
pub fn files_under(path: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<RegoError>) {
    walk(path, 0, files, errors);
}

fn walk(path: &Path, depth: usize, files: &mut Vec<PathBuf>, errors: &mut Vec<RegoError>) {
    if !path.is_dir() {
        files.push(path.to_path_buf());
        return;
    }
    if depth > MAX_DEPTH {
        return;
    }
    let entries = match fs::read_dir(path) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(RegoError::file(path.display().to_string(), e.to_string()));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if !hidden {
            walk(&path, depth + 1, files, errors);
        }
    }
}

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn read_policy_file(path: &Path, named: bool, sources: &mut Sources, errors: &mut Vec<RegoError>) {
    let name = path.display().to_string();
    match extension(path).as_str() {
        "rego" => match read_text(path) {
            Ok(text) => sources.rego.push((name, text)),
            Err(e) => errors.push(e),
        },
        "yaml" | "yml" | "json" => match read_documents(path) {
            Ok(documents) => {
                for doc in documents {
                    if is_template(&doc) {
                        sources.templates.push((name.clone(), doc));
                    } else if is_constraint(&doc) {
                        sources.constraints.push((name.clone(), doc));
                    }
                }
            }
            Err(e) => errors.extend(e),
        },
        _ if named => errors.push(RegoError::file(
            name,
            "not a policy: expected a .rego file, or YAML/JSON with ConstraintTemplates or Constraints",
        )),
        _ => {}
    }
}

fn read_text(path: &Path) -> Result<String, RegoError> {
    let name = path.display().to_string();
    let size = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if size > MAX_POLICY_BYTES {
        return Err(RegoError::file(
            name,
            format!("larger than {MAX_POLICY_BYTES} bytes"),
        ));
    }
    let bytes = fs::read(path).map_err(|e| RegoError::file(&name, e.to_string()))?;
    String::from_utf8(bytes).map_err(|_| RegoError::file(name, "not UTF-8 text"))
}

/// Every document of a YAML or JSON file (YAML is read with Palisade's
/// loader: its limits, aliases refused past a budget, errors with lines).
pub fn read_documents(path: &Path) -> Result<Vec<Value>, Vec<RegoError>> {
    let name = path.display().to_string();
    let text = read_text(path).map_err(|e| vec![e])?;
    documents(&name, &text)
}

/// Every document of YAML or JSON text.
pub fn documents(name: &str, text: &str) -> Result<Vec<Value>, Vec<RegoError>> {
    let parsed = parse_documents(Arc::from(name), text, &Limits::default());
    if !parsed.errors.is_empty() {
        return Err(parsed
            .errors
            .iter()
            .map(|e| RegoError::at(name, e.line, e.message.clone()))
            .collect());
    }
    Ok(parsed
        .documents
        .iter()
        .map(|d| from_node(&d.root))
        .filter(|v| !matches!(v, Value::Null))
        .collect())
}
