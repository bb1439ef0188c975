//! Field paths: where in a document a finding points.

use std::fmt;

/// One step into a document: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// A path from a document's root to a field, such as
/// `spec.containers[0].securityContext.privileged`.
///
/// ```
/// use palisade_model::FieldPath;
/// let path = FieldPath::root().key("spec").key("containers").index(0).key("image");
/// assert_eq!(path.to_string(), "spec.containers[0].image");
/// assert_eq!(path.json_pointer(), "/spec/containers/0/image");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(Vec<Segment>);

impl FieldPath {
    /// The document's root.
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }

    /// This path extended by a mapping key.
    #[must_use]
    pub fn key(&self, key: &str) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_owned()));
        FieldPath(segments)
    }

    /// This path extended by a sequence index.
    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        FieldPath(segments)
    }

    /// This path extended by several keys in turn.
    #[must_use]
    pub fn keys(&self, keys: &[&str]) -> Self {
        let mut segments = self.0.clone();
        segments.extend(keys.iter().map(|k| Segment::Key((*k).to_owned())));
        FieldPath(segments)
    }

    /// The steps, root first.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// RFC 6901 JSON pointer (`~` and `/` escaped).
    pub fn json_pointer(&self) -> String {
        let mut out = String::new();
        for segment in &self.0 {
            out.push('/');
            match segment {
                Segment::Key(key) => out.push_str(&key.replace('~', "~0").replace('/', "~1")),
                Segment::Index(i) => out.push_str(&i.to_string()),
            }
        }
        out
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) => {
                    let plain = !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if plain {
                        if i > 0 {
                            f.write_str(".")?;
                        }
                        f.write_str(key)?;
                    } else {
                        write!(f, "[{key:?}]")?;
                    }
                }
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}
