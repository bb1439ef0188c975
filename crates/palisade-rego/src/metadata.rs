//! What a user policy says about itself, and its place among the controls.
//!
//! A policy declares its ID, title, severity, remediation and the framework
//! requirements it serves in an OPA `# METADATA` annotation (on the package
//! or on a rule):
//!
//! ```rego
//! # METADATA
//! # title: Containers must not run privileged
//! # description: A privileged container has every capability of the node.
//! # custom:
//! #   id: acme-no-privileged
//! #   severity: high
//! #   remediation: Remove securityContext.privileged.
//! #   frameworks:
//! #     pci-dss-4.0: ["2.2.1"]
//! deny contains msg if { ... }
//! ```
//!
//! or in a `__rego_metadata__` rule (`{"id": ..., "title": ..., "severity":
//! ..., "description": ..., "recommended_actions": ..., "frameworks": ...}`),
//! the convention of Trivy's and Fugue's policies.

use std::collections::{BTreeMap, HashMap};
use std::sync::{LazyLock, Mutex};

use palisade_model::{ControlMeta, Severity};
use serde_json::Value as Json;

use crate::module::ParsedModule;

/// A user policy's metadata, as declared (every field optional but the ID,
/// which falls back to a name derived from where the policy lives).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PolicyMeta {
    /// Stable ID, e.g. `acme-no-privileged` or `main.deny`.
    pub id: String,
    /// One line.
    pub title: Option<String>,
    /// Severity of its failures (warnings default to low).
    pub severity: Option<Severity>,
    /// What it checks and why.
    pub description: Option<String>,
    /// How to fix a failure.
    pub remediation: Option<String>,
    /// Framework ID -> requirement IDs it serves.
    pub frameworks: BTreeMap<String, Vec<String>>,
    /// Where it was declared (`file:line`).
    pub source: String,
}

impl PolicyMeta {
    /// Fills the fields this one lacks from `other` (rule-level metadata
    /// over package-level metadata).
    pub fn or(mut self, other: &PolicyMeta) -> PolicyMeta {
        if self.title.is_none() {
            self.title.clone_from(&other.title);
        }
        if self.severity.is_none() {
            self.severity = other.severity;
        }
        if self.description.is_none() {
            self.description.clone_from(&other.description);
        }
        if self.remediation.is_none() {
            self.remediation.clone_from(&other.remediation);
        }
        if self.frameworks.is_empty() {
            self.frameworks.clone_from(&other.frameworks);
        }
        if self.id.is_empty() {
            self.id.clone_from(&other.id);
        }
        self
    }

    /// Reads the fields Palisade knows from a JSON object (an annotation's
    /// `custom` merged with its `title` and `description`, or a
    /// `__rego_metadata__` value). Unknown fields are ignored.
    pub fn from_json(value: &Json, source: String) -> PolicyMeta {
        let text = |key: &str| value.get(key).and_then(Json::as_str).map(str::to_string);
        let frameworks = value
            .get("frameworks")
            .and_then(Json::as_object)
            .map(|map| {
                map.iter()
                    .map(|(framework, requirements)| {
                        let list = match requirements {
                            Json::Array(items) => items.iter().filter_map(json_text).collect(),
                            other => json_text(other).into_iter().collect(),
                        };
                        (framework.clone(), list)
                    })
                    .collect()
            })
            .unwrap_or_default();
        PolicyMeta {
            id: text("id").unwrap_or_default(),
            title: text("title"),
            severity: text("severity").and_then(|s| s.to_ascii_lowercase().parse().ok()),
            description: text("description"),
            remediation: text("remediation").or_else(|| text("recommended_actions")),
            frameworks,
            source,
        }
    }
}

fn json_text(value: &Json) -> Option<String> {
    match value {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Where an annotation applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The whole package (the annotation precedes `package`).
    Package,
    /// The rule whose definition follows it.
    Rule(String),
}

/// Every `# METADATA` annotation of a module, with what it applies to.
/// Annotations that are not YAML are skipped: OPA would reject the module,
/// but the policy itself still runs here.
pub fn annotations(module: &ParsedModule) -> Vec<(Scope, PolicyMeta)> {
    let lines: Vec<&str> = module.text.lines().collect();
    let mut out = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let line = lines.get(index).map_or("", |l| l.trim());
        if line != "# METADATA" {
            index += 1;
            continue;
        }
        let start = index + 1;
        let mut yaml = String::new();
        index += 1;
        while let Some(comment) = lines
            .get(index)
            .and_then(|l| l.trim_start().strip_prefix('#'))
        {
            yaml.push_str(comment.strip_prefix(' ').unwrap_or(comment));
            yaml.push('\n');
            index += 1;
        }
        // The statement it annotates: the next line (1-based `index + 1`).
        let target = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let Ok(value) = serde_saphyr::from_str::<Json>(&yaml) else {
            continue;
        };
        let mut fields = value.get("custom").cloned().unwrap_or(Json::Null);
        if let Json::Object(map) = &mut fields {
            for key in ["title", "description"] {
                if let Some(v) = value.get(key) {
                    map.entry(key).or_insert_with(|| v.clone());
                }
            }
        } else {
            fields = value.clone();
        }
        let source = format!("{}:{}", module.file, start);
        let meta = PolicyMeta::from_json(&fields, source);
        let explicit = value.get("scope").and_then(Json::as_str);
        let scope = if target == module.package_line || explicit == Some("package") {
            Scope::Package
        } else if let Some((name, _)) = module.rules.iter().find(|(_, line)| *line == target) {
            Scope::Rule(name.clone())
        } else {
            continue;
        };
        out.push((scope, meta));
    }
    out
}

/// The `'static` control metadata of a user policy, so that its findings
/// sit beside the built-in controls' in every report. Each distinct
/// metadata is leaked once and reused: a server that reloads its policies
/// keeps a bounded set (one per policy text ever loaded), not one per reload.
pub fn control_meta(meta: &PolicyMeta, default_severity: Severity) -> &'static ControlMeta {
    static INTERNED: LazyLock<Mutex<HashMap<(PolicyMeta, Severity), &'static ControlMeta>>> =
        LazyLock::new(Mutex::default);
    let key = (meta.clone(), default_severity);
    let mut interned = match INTERNED.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(found) = interned.get(&key) {
        return found;
    }
    let leaked: &'static ControlMeta = Box::leak(Box::new(ControlMeta {
        id: leak(&meta.id),
        title: leak(meta.title.as_deref().unwrap_or(&meta.id)),
        severity: meta.severity.unwrap_or(default_severity),
        docs: leak(&docs(meta)),
    }));
    interned.insert(key, leaked);
    leaked
}

fn leak(text: &str) -> &'static str {
    Box::leak(text.to_string().into_boxed_str())
}

/// Documentation in the sections every control has.
fn docs(meta: &PolicyMeta) -> String {
    let description = meta
        .description
        .as_deref()
        .unwrap_or("A user policy; its metadata gives no description.");
    let remediation = meta
        .remediation
        .as_deref()
        .unwrap_or("See the policy's message, and its source.");
    format!(
        "## What it does\n\n{description}\n\n## Why is this bad?\n\n{description}\n\n\
         ## How to fix\n\n{remediation}\n\n## Example\n\nSee the policy's own tests.\n\n\
         ## References\n\n- Declared in `{}`\n",
        meta.source
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module::Syntax;

    #[test]
    fn reads_package_and_rule_annotations() {
        let text = "# METADATA\n# title: Pod rules\n# custom:\n#   severity: medium\npackage main\n\n\
                    # METADATA\n# title: No privileged\n# custom:\n#   id: acme-no-privileged\n#   severity: critical\n\
                    #   remediation: Drop it.\n#   frameworks:\n#     pci-dss-4.0: [\"2.2.1\", 2.2.5]\n\
                    deny contains msg if {\n  input.x\n  msg := \"x\"\n}\n";
        let module = ParsedModule::parse("p.rego", text, Syntax::Detect);
        let found = module.map(|m| annotations(&m)).unwrap_or_default();
        assert_eq!(found.len(), 2, "{found:?}");
        let (scope, package) = &found[0];
        assert_eq!(*scope, Scope::Package);
        assert_eq!(package.severity, Some(Severity::Medium));
        assert_eq!(package.title.as_deref(), Some("Pod rules"));
        let (scope, rule) = &found[1];
        assert_eq!(*scope, Scope::Rule("deny".into()));
        assert_eq!(rule.id, "acme-no-privileged");
        assert_eq!(rule.severity, Some(Severity::Critical));
        assert_eq!(rule.remediation.as_deref(), Some("Drop it."));
        assert_eq!(
            rule.frameworks.get("pci-dss-4.0"),
            Some(&vec!["2.2.1".to_string(), "2.2.5".to_string()])
        );
        assert_eq!(rule.source, "p.rego:7");
    }

    #[test]
    fn the_same_metadata_is_interned_once() {
        let meta = PolicyMeta {
            id: "x".into(),
            remediation: Some("Fix it.".into()),
            ..PolicyMeta::default()
        };
        let a = control_meta(&meta, Severity::High);
        let b = control_meta(&meta, Severity::High);
        assert!(std::ptr::eq(a, b));
        assert_eq!(a.remediation(), "Fix it.");
    }
}
