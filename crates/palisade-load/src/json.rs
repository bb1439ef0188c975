//! Objects that arrive as parsed JSON (an AdmissionReview's `object`) rather
//! than as text: converted to the same [`Node`] tree the controls read.
//! They have no source positions, so every node sits at line 0, column 0.

use palisade_model::{Entry, Node, Position, Value};

/// Converts a JSON value into a [`Node`]. Numbers are read as Go's JSON
/// decoder reads them into unstructured objects: integers that fit in 64
/// bits stay integers, anything else is a float.
///
/// Recursion is bounded by the input: `serde_json` refuses documents nested
/// more than 128 deep.
///
/// ```
/// use palisade_load::json::node_from_json;
/// let node = node_from_json(&serde_json::json!({"spec": {"hostPID": true, "replicas": 3}}));
/// assert_eq!(node.get_path(&["spec", "hostPID"]).and_then(|n| n.as_bool()), Some(true));
/// assert_eq!(node.get_path(&["spec", "replicas"]).and_then(|n| n.as_i64()), Some(3));
/// ```
pub fn node_from_json(value: &serde_json::Value) -> Node {
    let pos = Position::default();
    let value = match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(items) => Value::Seq(items.iter().map(node_from_json).collect()),
        serde_json::Value::Object(map) => Value::Map(
            map.iter()
                .map(|(key, value)| Entry {
                    key: key.clone(),
                    key_pos: pos,
                    value: node_from_json(value),
                })
                .collect(),
        ),
    };
    Node::new(value, pos)
}
