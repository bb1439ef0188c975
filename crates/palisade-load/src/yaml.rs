//! YAML and JSON documents, with a position on every node.
//!
//! Built on `saphyr-parser`'s event stream rather than a ready-made tree so
//! that three things the API server does can be done here too: scalars are
//! resolved as YAML 1.1 (see `scalar`), merge keys (`<<`) are applied, and
//! aliases are expanded under a budget, so an alias bomb is refused instead of
//! eating the machine. Nesting is bounded and the tree is built without
//! recursion.

use std::collections::HashMap;
use std::sync::Arc;

use palisade_model::{Entry, Node, Position, Value};
use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use crate::{Limits, LoadError, scalar};

/// One document of a file.
#[derive(Debug, Clone)]
pub struct Document {
    /// The file it came from.
    pub file: Arc<str>,
    /// 0-based index of the document in its file.
    pub index: usize,
    /// The document's root node.
    pub root: Node,
}

/// What a file held: its documents, and the errors that stopped some of it.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Every document that parsed.
    pub documents: Vec<Document>,
    /// Every error, with its line and column.
    pub errors: Vec<LoadError>,
}

/// Parses every document in `text`.
///
/// A syntax error ends the document it is in; parsing resumes at the next
/// `---` line, so one broken document does not hide the others.
///
/// ```
/// use palisade_load::{parse_documents, Limits};
/// let parsed = parse_documents("a.yaml".into(), "a: yes\n---\nb: 012\n", &Limits::default());
/// assert_eq!(parsed.documents.len(), 2);
/// assert_eq!(parsed.documents[0].root.get("a").and_then(|n| n.as_bool()), Some(true));
/// assert_eq!(parsed.documents[1].root.get("b").and_then(|n| n.as_i64()), Some(10));
/// ```
pub fn parse_documents(file: Arc<str>, text: &str, limits: &Limits) -> Parsed {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parsed = Parsed::default();
    let mut offset_bytes = 0usize;
    let mut offset_lines = 0u32;
    while let Some(chunk) = text.get(offset_bytes..) {
        let mut builder = Builder::new(&file, limits, offset_lines, parsed.documents.len());
        let failure = builder.run(chunk);
        parsed.documents.append(&mut builder.documents);
        let Some(error) = failure else { break };
        let error_line = error.line;
        parsed.errors.push(error);
        match next_document_start(text, offset_bytes, error_line, offset_lines) {
            Some((bytes, line)) => {
                offset_bytes = bytes;
                offset_lines = line;
            }
            None => break,
        }
    }
    parsed
}

/// The byte offset and 0-based line number of the first `---` line at or
/// after line `error_line` (1-based, absolute) that lies past `from_bytes`,
/// so parsing always moves forward. An error is often reported on the next
/// document's `---` (where the scanner noticed it); that document is kept.
fn next_document_start(
    text: &str,
    from_bytes: usize,
    error_line: u32,
    from_line: u32,
) -> Option<(usize, u32)> {
    let mut line_no = from_line;
    let mut pos = from_bytes;
    for line in text.get(from_bytes..)?.split_inclusive('\n') {
        line_no += 1;
        let is_marker = line.starts_with("---")
            && line
                .get(3..)
                .is_some_and(|rest| rest.chars().next().is_none_or(char::is_whitespace));
        if is_marker && line_no >= error_line && pos > from_bytes {
            return Some((pos, line_no - 1));
        }
        pos += line.len();
    }
    None
}

enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Position,
        anchor: usize,
    },
    Map {
        entries: Vec<Entry>,
        pos: Position,
        anchor: usize,
        key: Option<PendingKey>,
        has_merge: bool,
    },
}

struct PendingKey {
    text: String,
    pos: Position,
    is_merge: bool,
}

struct Builder<'a> {
    file: &'a Arc<str>,
    limits: &'a Limits,
    line_offset: u32,
    first_index: usize,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    documents: Vec<Document>,
    root: Option<Node>,
    nodes: usize,
    alias_nodes: usize,
}

impl<'a> Builder<'a> {
    fn new(file: &'a Arc<str>, limits: &'a Limits, line_offset: u32, first_index: usize) -> Self {
        Builder {
            file,
            limits,
            line_offset,
            first_index,
            stack: Vec::new(),
            anchors: HashMap::new(),
            documents: Vec::new(),
            root: None,
            nodes: 0,
            alias_nodes: 0,
        }
    }

    fn position(&self, span: &Span) -> Position {
        self.at(&span.start)
    }

    /// Where a span ends: the position just after its last character.
    fn end_of(&self, span: &Span) -> Position {
        self.at(&span.end)
    }

    fn at(&self, marker: &saphyr_parser::Marker) -> Position {
        let line = u32::try_from(marker.line()).unwrap_or(u32::MAX);
        let column = u32::try_from(marker.col()).unwrap_or(u32::MAX);
        Position {
            line: line.saturating_add(self.line_offset),
            column: column.saturating_add(1),
        }
    }

    fn error(&self, pos: Position, message: impl Into<String>) -> LoadError {
        LoadError {
            file: self.file.clone(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
        }
    }

    /// Runs the parser over `text`; returns the error that stopped it, if any.
    fn run(&mut self, text: &str) -> Option<LoadError> {
        let mut parser = Parser::new_from_str(text);
        while let Some(next) = parser.next_event() {
            let (event, span) = match next {
                Ok(ok) => ok,
                Err(e) => {
                    let pos = Position {
                        line: u32::try_from(e.marker().line())
                            .unwrap_or(u32::MAX)
                            .saturating_add(self.line_offset),
                        column: u32::try_from(e.marker().col())
                            .unwrap_or(u32::MAX)
                            .saturating_add(1),
                    };
                    return Some(self.error(pos, format!("invalid YAML: {}", e.info())));
                }
            };
            if let Err(e) = self.on_event(event, &span) {
                return Some(e);
            }
        }
        None
    }

    fn on_event(&mut self, event: Event<'_>, span: &Span) -> Result<(), LoadError> {
        let pos = self.position(span);
        match event {
            Event::DocumentStart(_) => {
                self.stack.clear();
                self.anchors.clear();
                self.root = None;
                self.nodes = 0;
                self.alias_nodes = 0;
            }
            Event::DocumentEnd => {
                // An empty document (`---` followed by nothing or comments)
                // is no document at all to kubectl.
                if let Some(root) = self.root.take().filter(|r| r.value != Value::Null) {
                    self.documents.push(Document {
                        file: self.file.clone(),
                        index: self.first_index + self.documents.len(),
                        root,
                    });
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let is_plain = style == ScalarStyle::Plain;
                let value = match (&tag, is_plain) {
                    (Some(tag), _) if tag.is_yaml_core_schema() => {
                        scalar::resolve_tagged(&text, &tag.suffix)
                    }
                    (_, true) => scalar::resolve_plain(&text),
                    (_, false) => Value::String(text.into_owned()),
                };
                let merge =
                    is_plain && tag.is_none() && matches!(&value, Value::String(s) if s == "<<");
                self.count(1, pos)?;
                let node = Node::new(value, pos).ending_at(self.end_of(span));
                self.emit(node, anchor, 1, merge)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.open(pos)?;
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    pos,
                    anchor,
                });
            }
            Event::MappingStart(anchor, _) => {
                self.open(pos)?;
                self.stack.push(Frame::Map {
                    entries: Vec::new(),
                    pos,
                    anchor,
                    key: None,
                    has_merge: false,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq { items, pos, anchor }) => {
                        // A collection ends with its last item: the end
                        // event of a block stands at the next token.
                        let end = items.iter().map(|n| n.end).max().unwrap_or(pos);
                        (Node::new(Value::Seq(items), pos).ending_at(end), anchor)
                    }
                    Some(Frame::Map {
                        entries,
                        pos,
                        anchor,
                        has_merge,
                        ..
                    }) => {
                        let entries = if has_merge {
                            apply_merge_keys(entries).map_err(|at| {
                                self.error(
                                    at,
                                    "merge key `<<` must refer to a mapping or a list of mappings",
                                )
                            })?
                        } else {
                            entries
                        };
                        let end = entries
                            .iter()
                            .map(|e| e.value.end.max(e.key_pos))
                            .max()
                            .unwrap_or(pos);
                        (Node::new(Value::Map(entries), pos).ending_at(end), anchor)
                    }
                    None => return Ok(()),
                };
                let size = if anchor == 0 { 0 } else { count_nodes(&node) };
                self.emit(node, anchor, size, false)?;
            }
            Event::Alias(id) => {
                let Some(size) = self.anchors.get(&id).map(|(_, size)| *size) else {
                    return Err(self.error(pos, "alias refers to an unknown anchor"));
                };
                self.alias_nodes = self.alias_nodes.saturating_add(size);
                if self.alias_nodes > self.limits.max_alias_nodes {
                    return Err(self.error(
                        pos,
                        format!(
                            "document contains excessive aliasing (more than {} nodes expanded from aliases); refusing a possible alias bomb",
                            self.limits.max_alias_nodes
                        ),
                    ));
                }
                self.count(size, pos)?;
                let Some(mut node) = self.anchors.get(&id).map(|(node, _)| node.clone()) else {
                    return Ok(());
                };
                node.pos = pos;
                node.end = self.end_of(span);
                self.emit(node, 0, size, false)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn count(&mut self, n: usize, pos: Position) -> Result<(), LoadError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limits.max_nodes {
            return Err(self.error(
                pos,
                format!("document has more than {} nodes", self.limits.max_nodes),
            ));
        }
        Ok(())
    }

    fn open(&mut self, pos: Position) -> Result<(), LoadError> {
        self.count(1, pos)?;
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.error(
                pos,
                format!("nesting deeper than {} levels", self.limits.max_depth),
            ));
        }
        Ok(())
    }

    /// Places a finished node in its parent (or as the document root).
    fn emit(
        &mut self,
        node: Node,
        anchor: usize,
        size: usize,
        is_merge_key: bool,
    ) -> Result<(), LoadError> {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), size.max(1)));
        }
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map {
                entries,
                key,
                has_merge,
                ..
            }) => match key.take() {
                None => {
                    let text = match key_text(&node.value) {
                        Some(text) => text,
                        None => {
                            return Err(LoadError {
                                file: self.file.clone(),
                                line: node.pos.line,
                                column: node.pos.column,
                                message: "mapping keys must be scalars".to_owned(),
                            });
                        }
                    };
                    *key = Some(PendingKey {
                        text,
                        pos: node.pos,
                        is_merge: is_merge_key,
                    });
                    Ok(())
                }
                Some(pending) => {
                    *has_merge |= pending.is_merge;
                    let key = if pending.is_merge {
                        MERGE_MARKER.to_owned()
                    } else {
                        pending.text
                    };
                    entries.push(Entry {
                        key,
                        key_pos: pending.pos,
                        value: node,
                    });
                    Ok(())
                }
            },
        }
    }
}

/// Stands in for a plain `<<` key until the mapping is complete; a quoted
/// `"<<"` stays an ordinary key. (A NUL cannot appear in a YAML key.)
const MERGE_MARKER: &str = "\0<<";

/// The JSON key a scalar key becomes (go-yaml then `sigs.k8s.io/yaml`:
/// `on:` is the key `"true"`, `1:` is `"1"`).
fn key_text(value: &Value) -> Option<String> {
    Some(match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Null => "null".to_owned(),
        Value::Seq(_) | Value::Map(_) => return None,
    })
}

/// Applies YAML 1.1 merge keys: explicit keys win over merged ones, and
/// earlier maps in a merge list win over later ones.
fn apply_merge_keys(entries: Vec<Entry>) -> Result<Vec<Entry>, Position> {
    let mut explicit: Vec<Entry> = Vec::with_capacity(entries.len());
    let mut merged: Vec<Entry> = Vec::new();
    for entry in entries {
        if entry.key != MERGE_MARKER {
            explicit.push(entry);
            continue;
        }
        let sources: Vec<&Node> = match &entry.value.value {
            Value::Map(_) => vec![&entry.value],
            Value::Seq(items) if items.iter().all(Node::is_map) => items.iter().collect(),
            _ => return Err(entry.key_pos),
        };
        for source in sources {
            for e in source.entries() {
                if !merged.iter().any(|m| m.key == e.key) {
                    merged.push(e.clone());
                }
            }
        }
    }
    merged.retain(|m| !explicit.iter().any(|e| e.key == m.key));
    merged.extend(explicit);
    Ok(merged)
}

fn count_nodes(node: &Node) -> usize {
    let mut count = 0usize;
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        count += 1;
        match &n.value {
            Value::Seq(items) => stack.extend(items.iter()),
            Value::Map(entries) => stack.extend(entries.iter().map(|e| &e.value)),
            _ => {}
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Parsed {
        parse_documents("t.yaml".into(), text, &Limits::default())
    }

    #[test]
    fn nodes_end_after_their_last_character() {
        let at = |line, column| Position { line, column };
        let p = parse("spec:\n  privileged: true\n  image: \"nginx:1\"\nlist: [a, bb]\n");
        let root = &p.documents[0].root;
        let spec = root.get("spec").unwrap();
        assert_eq!(spec.get("privileged").unwrap().end, at(2, 19));
        // Quotes belong to the scalar.
        assert_eq!(spec.get("image").unwrap().end, at(3, 19));
        // A block collection ends with its last value, not at the next key.
        assert_eq!(spec.end, at(3, 19));
        assert_eq!(root.get("list").unwrap().items()[1].end, at(4, 13));
        let path = palisade_model::FieldPath::root().keys(&["spec", "privileged"]);
        assert_eq!(root.locate_range(&path), (at(2, 3), at(2, 19)));
    }

    #[test]
    fn positions_are_one_based() {
        let p = parse("a:\n  b: 1\n");
        let root = &p.documents[0].root;
        let b = root.get("a").unwrap().entry("b").unwrap();
        assert_eq!(b.key_pos, Position { line: 2, column: 3 });
        assert_eq!(b.value.pos, Position { line: 2, column: 6 });
    }

    #[test]
    fn quoted_scalars_stay_strings() {
        let p = parse("a: 'yes'\nb: \"012\"\nc: !!str on\n");
        let root = &p.documents[0].root;
        assert_eq!(root.get("a").unwrap().as_str(), Some("yes"));
        assert_eq!(root.get("b").unwrap().as_str(), Some("012"));
        assert_eq!(root.get("c").unwrap().as_str(), Some("on"));
    }

    #[test]
    fn json_documents_parse() {
        let p = parse(r#"{"apiVersion": "v1", "kind": "Pod", "spec": {"hostPID": true}}"#);
        assert!(p.errors.is_empty());
        let root = &p.documents[0].root;
        assert_eq!(
            root.get_path(&["spec", "hostPID"]).unwrap().as_bool(),
            Some(true)
        );
    }

    #[test]
    fn aliases_and_merge_keys() {
        let p = parse("base: &b {x: 1, z: 2}\nderived:\n  <<: *b\n  z: 3\nlist: [*b]\n");
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let root = &p.documents[0].root;
        let derived = root.get("derived").unwrap();
        assert_eq!(derived.get("x").unwrap().as_i64(), Some(1));
        assert_eq!(derived.get("z").unwrap().as_i64(), Some(3));
        assert_eq!(
            root.get("list").unwrap().items()[0]
                .get("z")
                .unwrap()
                .as_i64(),
            Some(2)
        );
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
        let mut prev = "a";
        for name in names {
            text.push_str(&format!("{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
            prev = name;
        }
        let p = parse(&text);
        assert_eq!(p.documents.len(), 0);
        assert_eq!(p.errors.len(), 1);
        assert!(
            p.errors[0].message.contains("excessive aliasing"),
            "{}",
            p.errors[0]
        );
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let p = parse(&text);
        assert_eq!(p.errors.len(), 1);
        // saphyr's own recursion limit or ours, whichever trips first.
        let message = &p.errors[0].message;
        assert!(
            message.contains("nesting deeper") || message.contains("recursion limit"),
            "{message}"
        );
        let block: String = (0..1000)
            .map(|i| format!("{}- \n", "  ".repeat(i)))
            .collect();
        let p = parse(&block);
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert!(
            p.errors[0].message.contains("nesting deeper"),
            "{}",
            p.errors[0]
        );
    }

    #[test]
    fn errors_name_the_line_and_parsing_resumes() {
        let p = parse("a: 1\n---\nb: [unclosed\nc: 2\n---\nd: 4\n");
        assert_eq!(p.documents.len(), 2, "{:?}", p.documents);
        assert_eq!(p.errors.len(), 1);
        assert!(p.errors[0].line >= 3, "{}", p.errors[0]);
        assert_eq!(p.documents[1].root.get("d").unwrap().as_i64(), Some(4));
        assert!(p.documents[1].root.entry("d").unwrap().key_pos.line == 6);
    }

    #[test]
    fn an_error_reported_on_the_next_marker_keeps_that_document() {
        let p = parse("a: [1, 2\n---\nb: 2\n---\nc: 3\n");
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        let keys: Vec<&str> = p
            .documents
            .iter()
            .map(|d| d.root.entries()[0].key.as_str())
            .collect();
        assert_eq!(keys, ["b", "c"]);
        // An error on the very first line still moves forward.
        let p = parse("--- [\n---\nd: 4\n");
        assert_eq!(p.documents.len(), 1);
        assert_eq!(p.documents[0].root.entries()[0].key, "d");
    }

    #[test]
    fn boolean_keys_become_strings() {
        // go-yaml v2 reads `on` and `y` as booleans even as keys, and
        // sigs.k8s.io/yaml then writes them as the JSON key "true".
        let p = parse("on: 1\n");
        assert!(p.documents[0].root.get("true").is_some());
    }
}
