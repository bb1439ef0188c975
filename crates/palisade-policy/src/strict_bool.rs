//! Booleans in `palisade.yaml` read as go-yaml reads them into a Go `bool`:
//! a plain `true`/`false` (and YAML 1.1's plain `yes`/`no`/`on`/`off`), never
//! a quoted string. `enabled: "no"` is a string that merely looks like a
//! boolean; taking it as `false` would switch a control off without anyone
//! having written `false`.

use std::fmt;

use serde::Deserializer;
use serde::de::{self, Visitor};

struct PlainBool;

impl Visitor<'_> for PlainBool {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean, true or false (unquoted)")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<bool, E> {
        Ok(value)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<bool, E> {
        Err(E::custom(format!(
            "expected a boolean, true or false, found the quoted string \"{value}\" (remove the quotes if a boolean is meant)"
        )))
    }
}

/// For `#[serde(deserialize_with = "crate::strict_bool::plain")]`.
pub(crate) fn plain<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    deserializer.deserialize_any(PlainBool)
}

/// For `Option<bool>` fields (with `#[serde(default)]`).
pub(crate) fn optional<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<bool>, D::Error> {
    deserializer.deserialize_any(PlainBool).map(Some)
}
