//! A document tree that remembers where every value stood in its source.
//!
//! Kubernetes evaluates objects as JSON, so the tree holds JSON's value kinds;
//! YAML-only features (anchors, tags, 1.1 scalars) are resolved by the loader.

use crate::path::{FieldPath, Segment};

/// A 1-based line and column in a source file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// Line, counting from 1.
    pub line: u32,
    /// Column in characters, counting from 1.
    pub column: u32,
}

/// One mapping entry: its key, where the key stands, and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key as Kubernetes would read it (always a string in JSON).
    pub key: String,
    /// Where the key starts; findings about a field point here.
    pub key_pos: Position,
    /// The value.
    pub value: Node,
}

/// The value of a node.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or an empty value.
    Null,
    /// A boolean (YAML 1.1 `yes`, `on`, ... included).
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// A string.
    String(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order. Duplicate keys resolve to the last one,
    /// as Go's JSON decoding does.
    Map(Vec<Entry>),
}

/// A value and the range it spans in its source.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where the value starts.
    pub pos: Position,
    /// Where it ends: the position just after its last character (a
    /// collection ends with its last item). Equal to `pos` when unknown
    /// (objects read from JSON without positions).
    pub end: Position,
}

impl Node {
    /// A node at a position, its end unknown.
    pub fn new(value: Value, pos: Position) -> Self {
        Node {
            value,
            pos,
            end: pos,
        }
    }

    /// The node, ending at `end`.
    #[must_use]
    pub fn ending_at(mut self, end: Position) -> Self {
        self.end = end;
        self
    }

    /// The member of a mapping named `key`, if this is a mapping that has it
    /// and its value is not `null` (Go's `nil` pointer: absent and `null`
    /// mean the same to Kubernetes).
    ///
    /// ```
    /// use palisade_model::{Entry, Node, Position, Value};
    /// let p = Position::default();
    /// let map = Node::new(Value::Map(vec![
    ///     Entry { key: "a".into(), key_pos: p, value: Node::new(Value::Int(1), p) },
    ///     Entry { key: "b".into(), key_pos: p, value: Node::new(Value::Null, p) },
    /// ]), p);
    /// assert_eq!(map.get("a").and_then(Node::as_i64), Some(1));
    /// assert!(map.get("b").is_none());
    /// assert!(map.get("c").is_none());
    /// ```
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key)
            .map(|e| &e.value)
            .filter(|node| !matches!(node.value, Value::Null))
    }

    /// The entry named `key` (last one wins), even when its value is `null`.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().rev().find(|e| e.key == key),
            _ => None,
        }
    }

    /// Follows several keys in turn.
    pub fn get_path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The integer, if this is an integer (or a float with no fraction, as
    /// JSON numbers may be written).
    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Int(i) => Some(i),
            #[allow(clippy::cast_possible_truncation)]
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
            _ => None,
        }
    }

    /// The items, if this is a sequence; an empty slice otherwise.
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// The entries, if this is a mapping; an empty slice otherwise.
    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// Whether this is a mapping.
    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// A short, human rendering of a scalar, for messages.
    pub fn scalar_text(&self) -> String {
        match &self.value {
            Value::Null => "null".to_owned(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::String(s) => s.clone(),
            Value::Seq(_) => "[...]".to_owned(),
            Value::Map(_) => "{...}".to_owned(),
        }
    }

    /// Where `path` points: the key of the field when it exists, otherwise
    /// the key of its nearest existing parent (so a missing field points at
    /// the object that should hold it).
    pub fn locate(&self, path: &FieldPath) -> Position {
        self.locate_range(path).0
    }

    /// The range `path` points at: from the field's key (or item) to the end
    /// of its value, or the nearest existing parent's when it is missing.
    ///
    /// ```
    /// use palisade_model::{FieldPath, Node, Position, Value};
    /// let at = |line, column| Position { line, column };
    /// let value = Node::new(Value::Bool(true), at(2, 15)).ending_at(at(2, 19));
    /// let root = Node::new(
    ///     Value::Map(vec![palisade_model::Entry { key: "privileged".into(), key_pos: at(2, 3), value }]),
    ///     at(2, 3),
    /// );
    /// let path = FieldPath::root().key("privileged");
    /// assert_eq!(root.locate_range(&path), (at(2, 3), at(2, 19)));
    /// ```
    pub fn locate_range(&self, path: &FieldPath) -> (Position, Position) {
        let mut node = self;
        let mut range = (self.pos, self.end);
        for segment in path.segments() {
            let next = match segment {
                Segment::Key(key) => node.entry(key).map(|e| (e.key_pos, &e.value)),
                Segment::Index(i) => node.items().get(*i).map(|n| (n.pos, n)),
            };
            match next {
                Some((at, child)) => {
                    range = (at, child.end.max(at));
                    node = child;
                }
                None => break,
            }
        }
        range
    }

    /// Converts to `serde_json::Value` (for policy engines and JSON output).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::String(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => {
                let mut map = serde_json::Map::new();
                for e in entries {
                    map.insert(e.key.clone(), e.value.to_json());
                }
                J::Object(map)
            }
        }
    }
}
