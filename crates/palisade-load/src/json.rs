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

/// Reads JSON straight into a [`Node`], with no `serde_json::Value` in
/// between: for a `#[serde(deserialize_with = ...)]` field, such as the
/// object of an AdmissionReview. Same numbers as [`node_from_json`]; keys
/// keep their order and a repeated key keeps its last value, as Go's JSON
/// decoding does.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Review {
///     #[serde(deserialize_with = "palisade_load::json::deserialize_node")]
///     object: palisade_model::Node,
/// }
/// let review: Review = serde_json::from_str(r#"{"object": {"b": 1, "a": 2, "b": 3}}"#).unwrap();
/// let keys: Vec<&str> = review.object.entries().iter().map(|e| e.key.as_str()).collect();
/// assert_eq!(keys, ["b", "a"]);
/// assert_eq!(review.object.get("b").and_then(|n| n.as_i64()), Some(3));
/// ```
pub fn deserialize_node<'de, D>(deserializer: D) -> Result<Node, D::Error>
where
    D: serde::Deserializer<'de>,
{
    deserializer.deserialize_any(NodeVisitor)
}

/// Beyond this many keys a mapping finds repeated keys through a hash map
/// rather than by scanning: a hostile object with a hundred thousand keys
/// must not cost a quadratic scan.
const SCAN_KEYS: usize = 32;

struct NodeVisitor;

impl<'de> serde::de::DeserializeSeed<'de> for NodeVisitor {
    type Value = Node;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

fn leaf(value: Value) -> Node {
    Node::new(value, Position::default())
}

impl<'de> serde::de::Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(leaf(Value::Null))
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(leaf(Value::Null))
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        deserialize_node(deserializer)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Node, E> {
        Ok(leaf(Value::Bool(b)))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Node, E> {
        Ok(leaf(Value::Int(i)))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Node, E> {
        Ok(leaf(match i64::try_from(u) {
            Ok(i) => Value::Int(i),
            // As serde_json's `as_i64` does: too large for an integer.
            #[allow(clippy::cast_precision_loss)]
            Err(_) => Value::Float(u as f64),
        }))
    }

    fn visit_f64<E>(self, f: f64) -> Result<Node, E> {
        Ok(leaf(Value::Float(f)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Node, E> {
        Ok(leaf(Value::String(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<Node, E> {
        Ok(leaf(Value::String(s)))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element_seed(NodeVisitor)? {
            items.push(item);
        }
        Ok(leaf(Value::Seq(items)))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries: Vec<Entry> = Vec::new();
        let mut index: Option<std::collections::HashMap<String, usize>> = None;
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(NodeVisitor)?;
            let seen = match &index {
                Some(index) => index.get(&key).copied(),
                None => entries.iter().position(|e| e.key == key),
            };
            if let Some(slot) = seen.and_then(|i| entries.get_mut(i)) {
                slot.value = value;
                continue;
            }
            if let Some(index) = &mut index {
                index.insert(key.clone(), entries.len());
            }
            entries.push(Entry {
                key,
                key_pos: Position::default(),
                value,
            });
            if index.is_none() && entries.len() > SCAN_KEYS {
                index = Some(
                    entries
                        .iter()
                        .enumerate()
                        .map(|(i, e)| (e.key.clone(), i))
                        .collect(),
                );
            }
        }
        Ok(leaf(Value::Map(entries)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Node {
        let mut de = serde_json::Deserializer::from_str(text);
        deserialize_node(&mut de).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn reads_what_node_from_json_reads() {
        let text =
            r#"{"a": [1, -2, 18446744073709551615, 1.5, 1e3, true, null, "x\u00e9"], "b": {}}"#;
        let via_value: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        assert_eq!(read(text), node_from_json(&via_value));
    }

    #[test]
    fn the_tree_converts_back_to_the_same_json() {
        let json = serde_json::json!({"spec": {"replicas": 3, "paused": false, "ratio": 0.5, "tags": ["a", null]}});
        assert_eq!(node_from_json(&json).to_json(), json);
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value_and_first_place() {
        let node = read(r#"{"x": 1, "y": 2, "x": 3}"#);
        let keys: Vec<&str> = node.entries().iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["x", "y"]);
        assert_eq!(node.get("x").and_then(Node::as_i64), Some(3));
    }

    #[test]
    fn many_keys_repeated_stay_linear_and_correct() {
        let mut text = String::from("{");
        for i in 0..5_000 {
            text.push_str(&format!("\"k{}\": {i},", i % 1_000));
        }
        text.push_str("\"end\": 0}");
        let node = read(&text);
        assert_eq!(node.entries().len(), 1_001);
        assert_eq!(node.get("k7").and_then(Node::as_i64), Some(4_007));
    }

    #[test]
    fn nesting_is_bounded_by_serde_json() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        let mut de = serde_json::Deserializer::from_str(&deep);
        assert!(deserialize_node(&mut de).is_err());
    }
}
