//! The JSON context a rule reads through `{{ }}` variables: `request.*`,
//! values a test supplies, context entries and `foreach` elements.
//!
//! Queries follow Kyverno's JMESPath fork (see `jmespath/`): a field
//! missing from an object is an error ("Unknown key"), not null, so that a
//! policy reading an absent field without a default (`|| ''`) errors as it
//! does in Kyverno.

use serde_json::{Map, Value as Json};

use crate::jmespath;

/// Why a variable could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    /// A field on the path is absent (Kyverno's `NotFoundError`).
    #[error("Unknown key \"{key}\" in path")]
    NotFound { key: String },
    /// The expression did not parse or failed to evaluate.
    #[error("{0}")]
    Invalid(String),
    /// The variable comes from a context entry that could not be loaded
    /// offline (an `apiCall` or `configMap` without supplied values).
    #[error("{0}")]
    Unavailable(String),
}

/// The variables a rule sees.
#[derive(Debug, Clone, Default)]
pub struct Context {
    root: Map<String, Json>,
    /// Context entries that failed to load, by name: reading them is the
    /// error (Kyverno loads entries lazily, so an unread one is harmless).
    failed: Vec<(String, QueryError)>,
    /// Objects context entries may look up (`apiCall`, `configMap`).
    cluster: Option<std::sync::Arc<Vec<Json>>>,
}

impl Context {
    /// A context for an admission-shaped request.
    pub fn new(object: Option<&Json>, old_object: Option<&Json>, operation: &str) -> Self {
        let mut request = Map::new();
        request.insert("operation".into(), Json::String(operation.into()));
        request.insert("object".into(), object.cloned().unwrap_or(Json::Null));
        if let Some(old) = old_object {
            request.insert("oldObject".into(), old.clone());
        }
        let mut root = Map::new();
        root.insert("request".into(), Json::Object(request));
        Self {
            root,
            failed: Vec::new(),
            cluster: None,
        }
    }

    /// The whole context as one JSON value (what JMESPath searches).
    pub fn as_json(&self) -> Json {
        Json::Object(self.root.clone())
    }

    /// The operation of the request (`CREATE`, `UPDATE`, `DELETE`).
    pub fn operation(&self) -> &str {
        self.root
            .get("request")
            .and_then(|r| r.get("operation"))
            .and_then(Json::as_str)
            .unwrap_or("")
    }

    /// Sets `key` (a dotted path, as in a values file:
    /// `request.object.metadata.name`) to `value`, creating the objects on
    /// the way.
    pub fn set(&mut self, key: &str, value: Json) {
        let parts: Vec<&str> = split_key(key);
        set_path(&mut self.root, &parts, value);
    }

    /// Merges `value`'s fields at the root (an element of `foreach`, a
    /// context entry).
    pub fn insert(&mut self, name: &str, value: Json) {
        self.root.insert(name.into(), value);
    }

    /// Adds a `foreach` element: `element`, `elementN`, `elementIndex`,
    /// `elementIndexN` at nesting `nesting`.
    pub fn add_element(&mut self, element: &Json, index: usize, nesting: usize) {
        self.root.insert("element".into(), element.clone());
        self.root
            .insert(format!("element{nesting}"), element.clone());
        self.root.insert("elementIndex".into(), Json::from(index));
        self.root
            .insert(format!("elementIndex{nesting}"), Json::from(index));
    }

    /// Sets the objects context entries may read.
    pub fn set_cluster(&mut self, cluster: Option<std::sync::Arc<Vec<Json>>>) {
        self.cluster = cluster;
    }

    /// The objects context entries may read, when there are some.
    pub fn cluster(&self) -> Option<&[Json]> {
        self.cluster.as_deref().map(Vec::as_slice)
    }

    /// Records that context entry `name` could not be loaded.
    pub fn fail_entry(&mut self, name: &str, error: QueryError) {
        self.root.remove(name);
        self.failed.push((name.to_string(), error));
    }

    /// Whether `name` is a variable of the context.
    pub fn has(&self, name: &str) -> bool {
        self.root.contains_key(name)
    }

    /// Evaluates a JMESPath expression over the context.
    pub fn query(&self, expression: &str) -> Result<Json, QueryError> {
        let expression = expression.trim();
        if expression.is_empty() {
            return Err(QueryError::Invalid("invalid query (nil)".into()));
        }
        if let Some((_, error)) = self
            .failed
            .iter()
            .find(|(name, _)| mentions(expression, name))
        {
            return Err(error.clone());
        }
        jmespath::search(expression, &Json::Object(self.root.clone())).map_err(|e| {
            match e {
                jmespath::Error::NotFound { key, .. } => QueryError::NotFound { key },
                // A function Palisade does not implement (`x509_decode`):
                // the rule is not evaluated rather than in error.
                other if other.to_string().contains("not supported") => {
                    QueryError::Unavailable(other.to_string())
                }
                other => QueryError::Invalid(other.to_string()),
            }
        })
    }
}

/// Whether `expression` reads the variable `name` (as a whole identifier).
fn mentions(expression: &str, name: &str) -> bool {
    let bytes = expression.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    expression.match_indices(name).any(|(at, _)| {
        let before = at.checked_sub(1).and_then(|i| bytes.get(i)).copied();
        let after = bytes.get(at + name.len()).copied();
        before.is_none_or(|b| !ident(b) && b != b'.') && after.is_none_or(|b| !ident(b))
    })
}

/// Splits a values-file key on dots, as Go's CSV reader with `.` as the
/// separator does (quotes keep a dotted label key in one piece).
fn split_key(key: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in key.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => {
                parts.push(key.get(start..i).unwrap_or("").trim_matches('"'));
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(key.get(start..).unwrap_or("").trim_matches('"'));
    parts
}

fn set_path(map: &mut Map<String, Json>, parts: &[&str], value: Json) {
    let Some((first, rest)) = parts.split_first() else {
        return;
    };
    if rest.is_empty() {
        map.insert((*first).into(), value);
        return;
    }
    let entry = map
        .entry((*first).to_string())
        .or_insert_with(|| Json::Object(Map::new()));
    if !entry.is_object() {
        *entry = Json::Object(Map::new());
    }
    if let Json::Object(inner) = entry {
        set_path(inner, rest, value);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use serde_json::json;

    #[test]
    fn missing_field_of_an_object_is_not_found() {
        let ctx = Context::new(Some(&json!({"spec": {"a": 1}})), None, "CREATE");
        assert_eq!(ctx.query("request.object.spec.a").unwrap(), json!(1));
        assert_eq!(
            ctx.query("request.object.spec.b"),
            Err(QueryError::NotFound { key: "b".into() })
        );
        assert_eq!(ctx.query("request.object.spec.a.b").unwrap(), Json::Null);
    }

    #[test]
    fn values_keys_split_on_dots_but_not_inside_quotes() {
        let mut ctx = Context::default();
        ctx.set(
            "request.object.metadata.labels.\"app.kubernetes.io/name\"",
            json!("x"),
        );
        assert_eq!(
            ctx.as_json()["request"]["object"]["metadata"]["labels"]["app.kubernetes.io/name"],
            json!("x")
        );
    }
}
