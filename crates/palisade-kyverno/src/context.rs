//! The JSON context a rule reads through `{{ }}` variables: `request.*`,
//! values a test supplies, context entries and `foreach` elements.
//!
//! Queries follow Kyverno's JMESPath fork (see `jmespath/`): a field
//! missing from an object is an error ("Unknown key"), not null, so that a
//! policy reading an absent field without a default (`|| ''`) errors as it
//! does in Kyverno.

use std::sync::Arc;

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
    /// Every variable but the request's objects.
    root: Map<String, Json>,
    /// `request.object` and `request.oldObject`, shared: contexts are
    /// cloned per rule and per `foreach` element, objects are large.
    object: Option<Arc<Json>>,
    old_object: Option<Arc<Json>>,
    /// The two objects converted for JMESPath, once each.
    converted_objects:
        std::cell::RefCell<(Option<jmespath::Converted>, Option<jmespath::Converted>)>,
    /// Each top-level variable converted for JMESPath, when a query needed
    /// it: converting the whole object for every query was most of a
    /// policy's cost.
    converted: std::cell::RefCell<std::collections::BTreeMap<String, jmespath::Converted>>,
    /// Context entries that failed to load, by name: reading them is the
    /// error (Kyverno loads entries lazily, so an unread one is harmless).
    failed: Vec<(String, QueryError)>,
    /// Objects context entries may look up (`apiCall`, `configMap`).
    cluster: Option<std::sync::Arc<Vec<Json>>>,
}

impl Context {
    /// A context for an admission-shaped request.
    pub fn new(object: Option<&Json>, old_object: Option<&Json>, operation: &str) -> Self {
        Self::shared(
            object.map(|o| Arc::new(o.clone())),
            old_object.map(|o| Arc::new(o.clone())),
            operation,
        )
    }

    /// [`Context::new`] with objects already shared (one copy for every
    /// policy judging them).
    pub fn shared(
        object: Option<Arc<Json>>,
        old_object: Option<Arc<Json>>,
        operation: &str,
    ) -> Self {
        let mut request = Map::new();
        request.insert("operation".into(), Json::String(operation.into()));
        let mut root = Map::new();
        root.insert("request".into(), Json::Object(request));
        Self {
            root,
            object: Some(object.unwrap_or_else(|| Arc::new(Json::Null))),
            old_object,
            converted_objects: std::cell::RefCell::default(),
            converted: std::cell::RefCell::default(),
            failed: Vec::new(),
            cluster: None,
        }
    }

    /// The whole context as one JSON value (what JMESPath searches).
    pub fn as_json(&self) -> Json {
        let mut root = self.root.clone();
        let request = root
            .entry("request")
            .or_insert_with(|| Json::Object(Map::new()));
        if let Json::Object(request) = request {
            if let Some(object) = &self.object {
                request.insert("object".into(), (**object).clone());
            }
            if let Some(old) = &self.old_object {
                request.insert("oldObject".into(), (**old).clone());
            }
        }
        Json::Object(root)
    }

    /// `request.object`, by reference (`null` when there is none).
    pub fn object(&self) -> &Json {
        self.object.as_deref().unwrap_or(&Json::Null)
    }

    /// `request.oldObject`, when the request has one.
    pub fn old_object(&self) -> Option<&Json> {
        self.old_object.as_deref()
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
        if let ["request", which @ ("object" | "oldObject"), rest @ ..] = parts.as_slice() {
            let converted = self.converted_objects.get_mut();
            let slot = if *which == "object" {
                converted.0 = None;
                &mut self.object
            } else {
                converted.1 = None;
                &mut self.old_object
            };
            if rest.is_empty() {
                *slot = Some(Arc::new(value));
                return;
            }
            let target = Arc::make_mut(slot.get_or_insert_with(|| Arc::new(Json::Null)));
            if !target.is_object() {
                *target = Json::Object(Map::new());
            }
            if let Json::Object(map) = target {
                set_path(map, rest, value);
            }
            return;
        }
        if let Some(first) = parts.first() {
            self.converted.get_mut().remove(*first);
        }
        set_path(&mut self.root, &parts, value);
    }

    /// Merges `value`'s fields at the root (an element of `foreach`, a
    /// context entry).
    pub fn insert(&mut self, name: &str, value: Json) {
        self.converted.get_mut().remove(name);
        self.root.insert(name.into(), value);
    }

    /// Adds a `foreach` element: `element`, `elementN`, `elementIndex`,
    /// `elementIndexN` at nesting `nesting`.
    pub fn add_element(&mut self, element: &Json, index: usize, nesting: usize) {
        let converted = self.converted.get_mut();
        for key in ["element", "elementIndex"] {
            converted.remove(key);
        }
        converted.remove(&format!("element{nesting}"));
        converted.remove(&format!("elementIndex{nesting}"));
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
        self.converted.get_mut().remove(name);
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
        if let Some(path) = plain_path(expression) {
            return self.walk(&path);
        }
        jmespath::search_converted(expression, &self.converted_root()).map_err(|e| match e {
            jmespath::Error::NotFound { key, .. } => QueryError::NotFound { key },
            // A function Palisade does not implement (`x509_decode`): the
            // rule is not evaluated rather than in error.
            other if other.to_string().contains("not supported") => {
                QueryError::Unavailable(other.to_string())
            }
            other => QueryError::Invalid(other.to_string()),
        })
    }

    /// The root as JMESPath data, converting only the variables not
    /// converted since they last changed.
    fn converted_root(&self) -> jmespath::Converted {
        let mut converted = self.converted.borrow_mut();
        for (key, value) in &self.root {
            if key != "request" && !converted.contains_key(key) {
                converted.insert(key.clone(), jmespath::convert(value));
            }
        }
        let mut parts = converted.clone();
        // `request`: its small fields converted now, its objects once.
        let mut request = std::collections::BTreeMap::new();
        if let Some(Json::Object(fields)) = self.root.get("request") {
            for (key, value) in fields {
                request.insert(key.clone(), jmespath::convert(value));
            }
        }
        let mut objects = self.converted_objects.borrow_mut();
        if let Some(object) = &self.object {
            let c = objects.0.get_or_insert_with(|| jmespath::convert(object));
            request.insert("object".into(), c.clone());
        }
        if let Some(old) = &self.old_object {
            let c = objects.1.get_or_insert_with(|| jmespath::convert(old));
            request.insert("oldObject".into(), c.clone());
        }
        parts.insert("request".into(), jmespath::object_of(request));
        jmespath::object_of(parts)
    }

    /// A plain dotted path, read as the fork reads it, by reference.
    fn walk(&self, path: &[&str]) -> Result<Json, QueryError> {
        if let ["request", which @ ("object" | "oldObject"), rest @ ..] = path {
            let start = if *which == "object" {
                self.object.as_deref()
            } else {
                self.old_object.as_deref()
            };
            let Some(start) = start else {
                return Err(QueryError::NotFound {
                    key: (*which).into(),
                });
            };
            return walk_from(start, rest);
        }
        let mut current: Option<&Json> = None;
        for (i, key) in path.iter().enumerate() {
            let next = if i == 0 {
                self.root.get(*key)
            } else {
                match current {
                    Some(Json::Object(map)) => map.get(*key),
                    // A field of a non-object is null, not an error.
                    _ => return Ok(Json::Null),
                }
            };
            match next {
                Some(value) => current = Some(value),
                None => return Err(QueryError::NotFound { key: (*key).into() }),
            }
        }
        Ok(current.cloned().unwrap_or(Json::Null))
    }
}

/// The value at `path` below `start`, with the fork's missing-key error.
fn walk_from(start: &Json, path: &[&str]) -> Result<Json, QueryError> {
    let mut current = start;
    for key in path {
        match current {
            Json::Object(map) => match map.get(*key) {
                Some(next) => current = next,
                None => return Err(QueryError::NotFound { key: (*key).into() }),
            },
            _ => return Ok(Json::Null),
        }
    }
    Ok(current.clone())
}

/// `a.b.c` made only of identifiers: the queries answered by
/// [`Context::walk`] without converting anything.
fn plain_path(expression: &str) -> Option<Vec<&str>> {
    let parts: Vec<&str> = expression.split('.').collect();
    let identifier = |s: &str| {
        let mut chars = s.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    parts.iter().all(|p| identifier(p)).then_some(parts)
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
