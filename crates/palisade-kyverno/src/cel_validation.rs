//! CEL validations as Kubernetes' admission policy validator runs them, for
//! Kyverno's `validate.cel` rules and ValidatingPolicies: match conditions,
//! then variables in order, then each validation, with its message or
//! message expression.
//!
//! An expression that fails to evaluate denies (the default failure policy,
//! `Fail`), with Kubernetes' message; a validation without a message says
//! which expression failed.

use std::sync::Arc;

use palisade_cel::{Activation, CelError, Program};
use serde_json::{Map, Value as Json, json};

/// How a set of CEL validations ended.
#[derive(Debug, Clone, PartialEq)]
pub enum CelOutcome {
    /// A match condition was false: the policy does not apply.
    NotMatched,
    Pass,
    Fail(String),
    /// An expression did not compile, or a match condition did not
    /// evaluate.
    Error(String),
    /// An expression reads one of Kyverno's CEL libraries Palisade does not
    /// provide offline (`http`, `resource`, `globalContext`, `image`, ...).
    NotEvaluated(String),
}

/// Kyverno's CEL libraries beyond Kubernetes': they reach a cluster, a
/// registry or the network, which an offline run cannot.
const KYVERNO_LIBRARIES: &[&str] = &[
    "http",
    "resource",
    "globalContext",
    "image",
    "imagedata",
    "imageData",
    "images",
    "x509",
    "json",
    "yaml",
    "gctx",
    "generator",
    "authorizer",
];

/// The library the expressions of a policy need and Palisade lacks.
pub(crate) fn missing_library(sets: &[Option<&Json>]) -> Option<String> {
    for set in sets {
        for item in list(*set) {
            for key in ["expression", "messageExpression"] {
                let Some(expression) = item.get(key).and_then(Json::as_str) else {
                    continue;
                };
                if let Ok(p) = Program::cached(expression)
                    && let Some(name) = p.references_any(KYVERNO_LIBRARIES)
                {
                    return Some(format!(
                        "the expression `{}` uses Kyverno's CEL library `{name}`, which needs a cluster, a registry or the network",
                        expression.trim()
                    ));
                }
            }
        }
    }
    None
}

/// What the expressions see.
#[derive(Debug, Clone, Default)]
pub struct Inputs<'a> {
    pub object: Option<&'a Json>,
    pub old_object: Option<&'a Json>,
    pub operation: &'a str,
    pub username: &'a str,
    pub groups: &'a [String],
    /// The labels of the object's namespace, when known (a test's
    /// `namespaceSelector`): `namespaceObject.metadata.labels`.
    pub namespace_labels: Option<&'a std::collections::BTreeMap<String, String>>,
}

fn text<'a>(value: &'a Json, key: &str) -> &'a str {
    value.get(key).and_then(Json::as_str).unwrap_or("")
}

/// The activation Kubernetes builds: `object`, `oldObject`, `request`,
/// `namespaceObject` (a namespace named, not fetched), `params` (none).
/// Whether every match condition holds (none is true): how a CEL
/// PolicyException decides that it applies.
pub fn conditions_hold(match_conditions: Option<&Json>, activation: &Activation) -> bool {
    list(match_conditions).iter().all(|condition| {
        program(text(condition, "expression"))
            .and_then(|p| p.evaluate_bool(activation).map_err(|e| e.to_string()))
            .unwrap_or(false)
    })
}

pub fn activation(inputs: &Inputs<'_>) -> Activation {
    let subject = inputs.object.or(inputs.old_object).unwrap_or(&Json::Null);
    let (group, version) = match text(subject, "apiVersion").split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), text(subject, "apiVersion").to_string()),
    };
    let kind = text(subject, "kind");
    let metadata = subject.get("metadata").unwrap_or(&Json::Null);
    let namespace = if kind == "Namespace" {
        ""
    } else {
        text(metadata, "namespace")
    };
    let request = json!({
        "operation": inputs.operation,
        "name": text(metadata, "name"),
        "namespace": namespace,
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": crate::cluster::plural(kind)},
        "userInfo": {"username": inputs.username, "groups": inputs.groups},
        "dryRun": false,
    });
    let mut activation = Activation::default();
    activation.bind("object", inputs.object.unwrap_or(&Json::Null));
    activation.bind("oldObject", inputs.old_object.unwrap_or(&Json::Null));
    activation.bind("request", &request);
    activation.bind(
        "namespaceObject",
        &if namespace.is_empty() {
            Json::Null
        } else {
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {
                "name": namespace,
                "labels": inputs.namespace_labels.cloned().unwrap_or_default(),
            }})
        },
    );
    activation.bind("params", &Json::Null);
    activation
}

fn program(expression: &str) -> Result<Arc<Program>, String> {
    Program::cached(expression).map_err(|e| format!("{expression}: {e}"))
}

fn list(value: Option<&Json>) -> &[Json] {
    value.and_then(Json::as_array).map_or(&[], Vec::as_slice)
}

/// Runs `match_conditions`, `variables` and `validations` (each in
/// Kubernetes' shape: `{name, expression}`, `{expression, message,
/// messageExpression}`); `default_message` is used by validations without
/// one.
pub fn run(
    match_conditions: Option<&Json>,
    variables: Option<&Json>,
    validations: Option<&Json>,
    default_message: &str,
    mut activation: Activation,
) -> CelOutcome {
    if let Some(why) = missing_library(&[match_conditions, variables, validations]) {
        return CelOutcome::NotEvaluated(why);
    }
    for condition in list(match_conditions) {
        let expression = text(condition, "expression");
        match program(expression)
            .and_then(|p| p.evaluate_bool(&activation).map_err(|e| e.to_string()))
        {
            Ok(true) => {}
            Ok(false) => return CelOutcome::NotMatched,
            Err(e) => {
                return CelOutcome::Error(format!(
                    "match condition {}: {e}",
                    text(condition, "name")
                ));
            }
        }
    }
    // Variables in order, each seeing the ones before; one that fails is
    // left out, so reading it fails the expression that reads it.
    let mut values = Map::new();
    for variable in list(variables) {
        activation.bind("variables", &Json::Object(values.clone()));
        let name = text(variable, "name");
        let compiled = match program(text(variable, "expression")) {
            Ok(p) => p,
            Err(e) => return CelOutcome::Error(format!("variable {name}: {e}")),
        };
        if let Ok(value) = compiled.evaluate(&activation) {
            values.insert(name.to_string(), value);
        }
    }
    activation.bind("variables", &Json::Object(values));
    for validation in list(validations) {
        let expression = text(validation, "expression");
        let compiled = match program(expression) {
            Ok(p) => p,
            Err(e) => return CelOutcome::Error(e),
        };
        match compiled.evaluate_bool(&activation) {
            Ok(true) => {}
            Ok(false) => {
                return CelOutcome::Fail(message(validation, default_message, &activation));
            }
            Err(CelError::Evaluate(e) | CelError::Compile(e)) => {
                return CelOutcome::Fail(format!(
                    "expression '{expression}' resulted in error: {e}"
                ));
            }
        }
    }
    CelOutcome::Pass
}

/// A failed validation's message: its `messageExpression` when that
/// evaluates to a string, else its `message`, else the default, else
/// Kubernetes' "failed expression".
fn message(validation: &Json, default_message: &str, activation: &Activation) -> String {
    if let Some(expression) = validation.get("messageExpression").and_then(Json::as_str)
        && let Ok(Json::String(m)) =
            program(expression).and_then(|p| p.evaluate(activation).map_err(|e| e.to_string()))
        && !m.trim().is_empty()
    {
        return m;
    }
    match text(validation, "message") {
        "" if !default_message.is_empty() => default_message.to_string(),
        "" => format!(
            "failed expression: {}",
            text(validation, "expression").trim()
        ),
        m => m.trim().to_string(),
    }
}
