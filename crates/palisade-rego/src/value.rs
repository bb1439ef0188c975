//! Palisade's document tree as a regorus value (the `input` of a policy).

use std::collections::BTreeMap;

use palisade_model::{Node, Value as NodeValue};
use regorus::Value;

/// Converts a parsed YAML/JSON node, keeping integers as integers.
pub fn from_node(node: &Node) -> Value {
    match &node.value {
        NodeValue::Null => Value::Null,
        NodeValue::Bool(b) => Value::Bool(*b),
        NodeValue::Int(i) => Value::from(*i),
        NodeValue::Float(f) => Value::from(*f),
        NodeValue::String(s) => Value::from(s.as_str()),
        NodeValue::Seq(items) => Value::from(items.iter().map(from_node).collect::<Vec<_>>()),
        NodeValue::Map(entries) => Value::from(
            entries
                .iter()
                .map(|e| (Value::from(e.key.as_str()), from_node(&e.value)))
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

/// Builds an object from string keys.
pub fn object<const N: usize>(fields: [(&str, Value); N]) -> Value {
    Value::from(
        fields
            .into_iter()
            .map(|(k, v)| (Value::from(k), v))
            .collect::<BTreeMap<_, _>>(),
    )
}

/// A field of an object value (`None` when absent or not an object).
pub fn get<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    let object = value.as_object().ok()?;
    object.get(&Value::from(key))
}

/// A string field.
pub fn get_str<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    get(value, key)?.as_string().ok().map(|s| s.as_ref())
}

/// Converts a regorus value to JSON (for messages' details and reports).
pub fn to_json(value: &Value) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_load::{Limits, parse_documents};

    #[test]
    fn keeps_types_and_nesting() {
        let parsed = parse_documents(
            "t.yaml".into(),
            "a: 1\nb: [true, x, 1.5]\nc: null\n",
            &Limits::default(),
        );
        let doc = parsed.documents.first().map(|d| from_node(&d.root));
        let json = doc.map(|v| to_json(&v));
        assert_eq!(
            json,
            Some(serde_json::json!({"a": 1, "b": [true, "x", 1.5], "c": null}))
        );
    }
}
