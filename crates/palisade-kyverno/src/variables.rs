//! `{{ }}` variables: substituted in a rule's patterns, conditions and
//! messages as Kyverno does (`pkg/engine/variables/vars.go`).
//!
//! - A string that is one variable and nothing else takes the variable's
//!   value with its type (`"{{ request.object.spec.replicas }}"` is a
//!   number); a variable inside text is replaced by its text (JSON for
//!   anything but a string).
//! - Substitution repeats until no variable is left, so a value may itself
//!   hold a variable; `{{- x }}` substitutes once (shallow).
//! - `\{{` escapes a variable and is unescaped at the end.
//! - `{{ @ }}` is the resource's value at the pattern's own path.
//! - Keys are substituted as well as values.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value as Json};

use crate::context::{Context, QueryError};

/// `{{...}}` at the start of a string, or after any character but `\`.
static VARIABLES: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})").ok());

/// A variable that could not be substituted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("failed to substitute {variable} at path {path}: {source}")]
pub struct SubstitutionError {
    /// The variable's expression.
    pub variable: String,
    /// Where in the document (`/validate/pattern/spec`).
    pub path: String,
    /// Why.
    pub source: QueryError,
}

impl SubstitutionError {
    /// Whether the variable named a field that is absent.
    pub fn is_not_found(&self) -> bool {
        matches!(self.source, QueryError::NotFound { .. })
    }
}

/// Whether any string or key of `document` may hold a variable.
pub fn has_variables(document: &Json) -> bool {
    match document {
        Json::String(s) => s.contains("{{"),
        Json::Array(items) => items.iter().any(has_variables),
        Json::Object(map) => map
            .iter()
            .any(|(k, v)| k.contains("{{") || has_variables(v)),
        _ => false,
    }
}

/// Substitutes every variable in `document`.
pub fn substitute(ctx: &Context, document: &Json) -> Result<Json, SubstitutionError> {
    substitute_at(ctx, document, &mut String::new())
}

/// Substitutes the variables of one string (a message).
pub fn substitute_str(ctx: &Context, text: &str) -> Result<Json, SubstitutionError> {
    substitute_string(ctx, text, "")
}

fn substitute_at(
    ctx: &Context,
    document: &Json,
    path: &mut String,
) -> Result<Json, SubstitutionError> {
    match document {
        Json::String(text) => substitute_string(ctx, text, path),
        Json::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push('/');
                path.push_str(&i.to_string());
                out.push(substitute_at(ctx, item, path)?);
                path.truncate(len);
            }
            Ok(Json::Array(out))
        }
        Json::Object(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                let key = match substitute_string(ctx, key, path)? {
                    Json::String(s) => s,
                    other => other.to_string(),
                };
                let len = path.len();
                path.push('/');
                path.push_str(&key);
                let value = substitute_at(ctx, value, path)?;
                path.truncate(len);
                out.insert(key, value);
            }
            Ok(Json::Object(out))
        }
        other => Ok(other.clone()),
    }
}

/// One occurrence found by [`VARIABLES`]: its text without the leading
/// character, and that character.
struct Found {
    prefix: String,
    variable: String,
}

fn find_all(text: &str) -> Vec<Found> {
    let Some(regex) = VARIABLES.as_ref() else {
        return Vec::new();
    };
    regex
        .captures_iter(text)
        .map(|c| Found {
            prefix: c.get(1).map_or("", |m| m.as_str()).to_string(),
            variable: c.get(2).map_or("", |m| m.as_str()).to_string(),
        })
        .collect()
}

fn substitute_string(ctx: &Context, text: &str, path: &str) -> Result<Json, SubstitutionError> {
    let mut value = text.to_string();
    let mut found = find_all(&value);
    // Bounded: a value that keeps producing variables is cut off.
    let mut rounds = 0;
    while !found.is_empty() && rounds < 32 {
        rounds += 1;
        let original = value.clone();
        let mut shallow = false;
        for Found { prefix, variable } in &found {
            let (expression, is_shallow) = expression_of(variable);
            shallow = is_shallow;
            let mut expression = if expression == "@" {
                at_path(ctx, path)
            } else {
                expression
            };
            if ctx.operation() == "DELETE" {
                expression = expression.replace("request.object", "request.oldObject");
            }
            let resolved = ctx.query(&expression).map_err(|source| SubstitutionError {
                variable: expression.clone(),
                path: path.to_string(),
                source,
            })?;
            if original == *variable {
                return Ok(resolved);
            }
            let mut replacement = match &resolved {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            };
            if shallow && resolved.is_string() {
                replacement = replacement.replace("{{", "\\{{");
            }
            let needle = format!("{prefix}{variable}");
            value = value.replacen(&needle, &format!("{prefix}{replacement}"), 1);
        }
        found = if shallow {
            Vec::new()
        } else {
            find_all(&value)
        };
    }
    Ok(Json::String(value.replace("\\{{", "{{")))
}

/// The expression inside `{{ }}`, and whether it is shallow (`{{- x }}`).
fn expression_of(variable: &str) -> (String, bool) {
    let inner = variable.replace("{{", "").replace("}}", "");
    let inner = inner.trim();
    match inner.strip_prefix('-') {
        Some(rest) => (rest.trim().to_string(), true),
        None => (inner.to_string(), false),
    }
}

/// `{{ @ }}`: the resource's value at the pattern's path, as a JMESPath
/// expression under `request.object` (anchors removed from the keys; the
/// part of a `foreach` path naming the loop dropped).
fn at_path(ctx: &Context, path: &str) -> String {
    let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if let Some(at) = segments.iter().position(|s| *s == "foreach") {
        segments = segments
            .get(at + 3..)
            .map(<[&str]>::to_vec)
            .unwrap_or_default();
    }
    // Drop the rule's own keys: validate/pattern (or anyPattern/N).
    if let Some(at) = segments.iter().position(|s| *s == "pattern") {
        segments = segments
            .get(at + 1..)
            .map(<[&str]>::to_vec)
            .unwrap_or_default();
    } else if let Some(at) = segments.iter().position(|s| *s == "anyPattern") {
        segments = segments
            .get(at + 2..)
            .map(<[&str]>::to_vec)
            .unwrap_or_default();
    }
    let prefix = if ctx.query("target").is_ok() {
        "target"
    } else {
        "request.object"
    };
    let mut out = prefix.to_string();
    for segment in segments {
        let key = crate::pattern::anchor::Anchor::parse(segment).map_or(segment, |a| a.key);
        if key.chars().all(|c| c.is_ascii_digit()) {
            out.push_str(&format!("[{key}]"));
        } else {
            out.push_str(&format!(".{}", serde_json::Value::String(key.to_string())));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn ctx() -> Context {
        Context::new(
            Some(
                &json!({"metadata": {"name": "web", "labels": {"app": "x"}}, "spec": {"replicas": 3}}),
            ),
            None,
            "CREATE",
        )
    }

    #[test]
    fn a_whole_value_variable_keeps_its_type() {
        let out = substitute(&ctx(), &json!({"r": "{{ request.object.spec.replicas }}"})).unwrap();
        assert_eq!(out, json!({"r": 3}));
    }

    #[test]
    fn an_embedded_variable_becomes_text() {
        let out = substitute_str(
            &ctx(),
            "name {{request.object.metadata.name}}, n={{ request.object.spec.replicas }}",
        )
        .unwrap();
        assert_eq!(out, json!("name web, n=3"));
    }

    #[test]
    fn escaped_variables_stay() {
        let out = substitute_str(&ctx(), "keep \\{{ this }}").unwrap();
        assert_eq!(out, json!("keep {{ this }}"));
    }

    #[test]
    fn an_absent_field_is_an_error() {
        let err = substitute_str(&ctx(), "{{ request.object.spec.missing }}").unwrap_err();
        assert!(err.is_not_found());
    }

    #[test]
    fn defaults_with_or_resolve() {
        let out = substitute_str(&ctx(), "{{ request.object.spec.missing || 'none' }}").unwrap();
        assert_eq!(out, json!("none"));
    }
}
