//! Kyverno policies as loaded: `ClusterPolicy` and `Policy` (`kyverno.io/v1`,
//! `v2beta1`), with their rules expanded by autogen.

use serde_json::{Map, Value as Json};

use crate::autogen;

/// What a failing rule does at admission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailureAction {
    /// Report, admit.
    #[default]
    Audit,
    /// Deny.
    Enforce,
}

impl FailureAction {
    fn parse(value: Option<&Json>) -> Option<Self> {
        match value?.as_str()?.to_ascii_lowercase().as_str() {
            "enforce" => Some(Self::Enforce),
            "audit" => Some(Self::Audit),
            _ => None,
        }
    }
}

/// One loaded policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// `ClusterPolicy` or `Policy`.
    pub kind: String,
    pub name: String,
    /// Set for a namespaced `Policy`: it applies in that namespace only.
    pub namespace: Option<String>,
    pub annotations: Map<String, Json>,
    /// `spec.validationFailureAction` (Audit when absent).
    pub failure_action: FailureAction,
    /// `spec.applyRules: One`: stop after the first rule that applies.
    pub apply_one: bool,
    /// The rules, autogen ones included, in Kyverno's order.
    pub rules: Vec<Rule>,
}

/// One rule, kept as its JSON: the engine reads the parts it needs.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub json: Json,
}

impl Rule {
    /// The rule's own failure action, if it sets one
    /// (`validate.failureAction`).
    pub fn failure_action(&self) -> Option<FailureAction> {
        FailureAction::parse(self.json.pointer("/validate/failureAction"))
    }

    /// Whether the rule validates (the engine's `HasValidate`).
    pub fn has_validate(&self) -> bool {
        self.json.get("validate").is_some_and(|v| !v.is_null())
    }
}

/// Why a document is not a policy this engine runs.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyError {
    #[error("not a Kyverno policy")]
    NotAPolicy,
    #[error("policy {name}: {message}")]
    Invalid { name: String, message: String },
}

/// Whether `document` is a classic Kyverno policy (`kyverno.io`,
/// `ClusterPolicy` or `Policy`).
pub fn is_policy(document: &Json) -> bool {
    let api = document
        .get("apiVersion")
        .and_then(Json::as_str)
        .unwrap_or("");
    let kind = document.get("kind").and_then(Json::as_str).unwrap_or("");
    api.starts_with("kyverno.io/") && matches!(kind, "ClusterPolicy" | "Policy")
}

impl Policy {
    /// Reads a policy document.
    pub fn from_json(document: &Json) -> Result<Self, PolicyError> {
        if !is_policy(document) {
            return Err(PolicyError::NotAPolicy);
        }
        let kind = document
            .get("kind")
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string();
        let metadata = document.get("metadata");
        let name = metadata
            .and_then(|m| m.get("name"))
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string();
        let invalid = |message: &str| PolicyError::Invalid {
            name: name.clone(),
            message: message.into(),
        };
        if name.is_empty() {
            return Err(invalid("metadata.name is missing"));
        }
        let spec = document
            .get("spec")
            .ok_or_else(|| invalid("spec is missing"))?;
        let rules = spec
            .get("rules")
            .and_then(Json::as_array)
            .ok_or_else(|| invalid("spec.rules is missing"))?;
        for (i, rule) in rules.iter().enumerate() {
            if rule
                .get("name")
                .and_then(Json::as_str)
                .is_none_or(str::is_empty)
            {
                return Err(invalid(&format!("spec.rules[{i}].name is missing")));
            }
        }
        let annotations = metadata
            .and_then(|m| m.get("annotations"))
            .and_then(Json::as_object)
            .cloned()
            .unwrap_or_default();
        let namespace = (kind == "Policy").then(|| {
            metadata
                .and_then(|m| m.get("namespace"))
                .and_then(Json::as_str)
                .unwrap_or("default")
                .to_string()
        });
        let rules = autogen::compute_rules(spec, &annotations)
            .into_iter()
            .map(|json| Rule {
                name: json
                    .get("name")
                    .and_then(Json::as_str)
                    .unwrap_or("")
                    .to_string(),
                json,
            })
            .collect();
        Ok(Self {
            kind,
            name,
            namespace,
            annotations,
            failure_action: FailureAction::parse(spec.get("validationFailureAction"))
                .unwrap_or_default(),
            apply_one: spec.get("applyRules").and_then(Json::as_str) == Some("One"),
            rules,
        })
    }

    /// An annotation's text.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.get(key).and_then(Json::as_str)
    }
}
