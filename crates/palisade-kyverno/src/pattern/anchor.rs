//! Anchors: the keys of a pattern that say how the rest applies
//! (`pkg/engine/anchor`).
//!
//! | anchor | meaning |
//! |---|---|
//! | `(key)` | condition: if the value does not match, the enclosing map does not apply (skip) |
//! | `<(key)` | global condition: if it does not match, the rule does not apply |
//! | `=(key)` | equality: if the key is present, its value must match |
//! | `^(key)` | existence: at least one element of the list must match |
//! | `X(key)` | negation: the key must be absent |
//! | `+(key)` | add if absent (mutation only; plain key in validation) |

/// What kind of anchor a key is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Condition,
    Global,
    Equality,
    Existence,
    Negation,
    AddIfNotPresent,
}

/// A parsed anchor key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor<'a> {
    pub kind: Kind,
    /// The key inside the parentheses.
    pub key: &'a str,
}

impl<'a> Anchor<'a> {
    /// Reads `key` as an anchor (`^([+<=X^])?\((.+)\)$`, spaces trimmed), or
    /// `None` when it is a plain key.
    pub fn parse(key: &'a str) -> Option<Self> {
        let key = key.trim();
        let (kind, rest) = match key.as_bytes().first()? {
            b'+' => (Kind::AddIfNotPresent, key.get(1..)?),
            b'<' => (Kind::Global, key.get(1..)?),
            b'=' => (Kind::Equality, key.get(1..)?),
            b'X' => (Kind::Negation, key.get(1..)?),
            b'^' => (Kind::Existence, key.get(1..)?),
            _ => (Kind::Condition, key),
        };
        let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
        if inner.is_empty() {
            return None;
        }
        Some(Self { kind, key: inner })
    }

    /// The anchor kinds evaluated before the plain keys of a map.
    pub fn is_phase_one(self) -> bool {
        matches!(
            self.kind,
            Kind::Condition | Kind::Existence | Kind::Equality | Kind::Negation
        )
    }
}

/// Whether `key` is an anchor of one of `kinds`.
pub fn is(key: &str, kinds: &[Kind]) -> bool {
    Anchor::parse(key).is_some_and(|a| kinds.contains(&a.kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind() {
        let cases = [
            ("(name)", Some((Kind::Condition, "name"))),
            ("<(name)", Some((Kind::Global, "name"))),
            ("=(name)", Some((Kind::Equality, "name"))),
            ("X(name)", Some((Kind::Negation, "name"))),
            ("^(name)", Some((Kind::Existence, "name"))),
            ("+(name)", Some((Kind::AddIfNotPresent, "name"))),
            (" (name) ", Some((Kind::Condition, "name"))),
            ("name", None),
            ("()", None),
            ("Y(name)", None),
            ("(a(b))", Some((Kind::Condition, "a(b)"))),
        ];
        for (key, want) in cases {
            assert_eq!(Anchor::parse(key).map(|a| (a.kind, a.key)), want, "{key}");
        }
    }
}
