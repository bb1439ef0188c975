//! Kyverno's wildcards: `*` and `?` in names, label values and pattern
//! keys (`ext/wildcard`, `pkg/engine/wildcards`).
//!
//! Matching is over characters (Go runes), not bytes: `*` is any sequence,
//! `?` exactly one character, everything else itself, with no escape. Key
//! expansion replaces a wildcard key of a pattern map by the first matching
//! key of the resource map, as Kyverno does for `metadata.labels` and
//! `metadata.annotations` before it validates a pattern.

use serde_json::{Map, Value};

use crate::pattern::anchor::{Anchor, Kind};

/// Whether `text` matches the wildcard `pattern` (go-wildcard `Match`, which
/// Kyverno uses everywhere).
///
/// An empty pattern only matches an empty text; `*` matches anything.
pub fn matches(pattern: &str, text: &str) -> bool {
    if pattern.is_empty() {
        return text.is_empty();
    }
    if pattern == "*" {
        return true;
    }
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    glob(&pattern, &text)
}

/// Iterative glob with backtracking to the last `*`: the same language as
/// go-wildcard's recursion, without its exponential worst case.
fn glob(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    // Position of the last `*` seen, and the text position it resumes at.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some('?') => {
                p += 1;
                t += 1;
            }
            Some(c) if Some(c) == text.get(t) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                // Let the last `*` swallow one more character.
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

/// Whether `s` holds a wildcard character (`*` or `?`).
pub fn contains_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

/// The keys of `pattern` with wildcards replaced by the first key of
/// `resource` they match (`replaceWildcardsInMapKeys`).
///
/// An anchored key keeps its anchor: `=(app.kubernetes.io/*)` becomes
/// `=(app.kubernetes.io/name)`. Only string-valued resource entries are
/// candidates, as Kyverno reads labels and annotations as strings. A key
/// that matches nothing stays as written; values are never changed. When
/// several resource keys match, the first in key order is taken (Go takes
/// whichever its map iteration yields first).
///
/// This is the expansion step alone, for a labels-like map: it keeps
/// non-string pattern values. The walk wants [`expand_in_metadata`], which
/// is what Kyverno applies to each pattern map.
pub fn expand_keys(
    pattern: &Map<String, Value>,
    resource: &Map<String, Value>,
) -> Map<String, Value> {
    pattern
        .iter()
        .map(|(key, value)| (expand_key(key, resource), value.clone()))
        .collect()
}

/// One pattern key, expanded against the string entries of `resource`.
fn expand_key(key: &str, resource: &Map<String, Value>) -> String {
    if !contains_wildcard(key) {
        return key.to_owned();
    }
    match Anchor::parse(key) {
        Some(anchor) => match first_match(anchor.key, resource) {
            Some(found) => format!("{}({found})", modifier(anchor.kind)),
            // Kyverno rebuilds the anchor from its trimmed parts.
            None => format!("{}({})", modifier(anchor.kind), anchor.key),
        },
        None => first_match(key, resource).unwrap_or(key).to_owned(),
    }
}

/// The first string-valued key of `resource` that `pattern` matches.
fn first_match<'a>(pattern: &str, resource: &'a Map<String, Value>) -> Option<&'a str> {
    resource
        .iter()
        .find(|(k, v)| v.is_string() && matches(pattern, k))
        .map(|(k, _)| k.as_str())
}

/// The character an anchor kind is written with.
fn modifier(kind: Kind) -> &'static str {
    match kind {
        Kind::Condition => "",
        Kind::Global => "<",
        Kind::Equality => "=",
        Kind::Existence => "^",
        Kind::Negation => "X",
        Kind::AddIfNotPresent => "+",
    }
}

/// Kyverno's `ExpandInMetadata`, which `validateMap` runs on every map of
/// the pattern walk before its anchors: when the map has a `metadata` key
/// (plain or anchored), wildcard keys of its `labels` and `annotations`
/// (each possibly anchored too) are expanded against the resource's.
///
/// As in Kyverno, an expanded labels or annotations map keeps only its
/// string values (a `null` or nested value is dropped from the pattern),
/// and nothing changes when the resource has no such map.
pub fn expand_in_metadata(
    pattern: &Map<String, Value>,
    resource: &Map<String, Value>,
) -> Map<String, Value> {
    let mut pattern = pattern.clone();
    let Some(resource_metadata) = resource.get("metadata").filter(|m| !m.is_null()) else {
        return pattern;
    };
    let Some(metadata_key) = find_key("metadata", &pattern) else {
        return pattern;
    };
    let Some(Value::Object(metadata)) = pattern.get_mut(&metadata_key) else {
        return pattern;
    };
    for tag in ["labels", "annotations"] {
        if let Some((key, expanded)) = expand_tag(tag, metadata, resource_metadata) {
            metadata.insert(key, Value::Object(expanded));
        }
    }
    pattern
}

/// The key of `map` that is `tag`, plain or inside an anchor, with a non-null
/// value (`getPatternValue`).
fn find_key(tag: &str, map: &Map<String, Value>) -> Option<String> {
    map.iter()
        .find(|(k, _)| k.as_str() == tag || Anchor::parse(k).is_some_and(|a| a.key == tag))
        .filter(|(_, v)| !v.is_null())
        .map(|(k, _)| k.clone())
}

/// The string entries of the map under `tag` in `data`, with the key it was
/// found under (`getValueAsStringMap`).
fn string_entries(tag: &str, data: &Value) -> Option<(String, Map<String, Value>)> {
    let data = data.as_object()?;
    let key = find_key(tag, data)?;
    let entries = data.get(&key)?.as_object()?;
    let strings = entries
        .iter()
        .filter(|(_, v)| v.is_string())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Some((key, strings))
}

/// The expanded map for one tag of the pattern metadata, with its key
/// (`expandWildcardsInTag`).
fn expand_tag(
    tag: &str,
    pattern_metadata: &Map<String, Value>,
    resource_metadata: &Value,
) -> Option<(String, Map<String, Value>)> {
    let (key, pattern_data) = string_entries(tag, &Value::Object(pattern_metadata.clone()))?;
    let (_, resource_data) = string_entries(tag, resource_metadata)?;
    Some((key, expand_keys(&pattern_data, &resource_data)))
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]

    use serde_json::json;

    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    /// `ext/wildcard/match_test.go` TestMatch, every case.
    #[test]
    fn match_cases() {
        let cases = [
            ("*", "s3:GetObject", true),
            ("", "s3:GetObject", false),
            ("", "", true),
            ("s3:*", "s3:ListMultipartUploadParts", true),
            ("s3:ListBucketMultipartUploads", "s3:ListBucket", false),
            ("s3:ListBucket", "s3:ListBucket", true),
            (
                "s3:ListBucketMultipartUploads",
                "s3:ListBucketMultipartUploads",
                true,
            ),
            ("my-bucket/oo*", "my-bucket/oo", true),
            ("my-bucket/In*", "my-bucket/India/Karnataka/", true),
            ("my-bucket/In*", "my-bucket/Karnataka/India/", false),
            (
                "my-bucket/In*/Ka*/Ban",
                "my-bucket/India/Karnataka/Ban",
                true,
            ),
            (
                "my-bucket/In*/Ka*/Ban",
                "my-bucket/India/Karnataka/Ban/Ban/Ban/Ban/Ban",
                true,
            ),
            (
                "my-bucket/In*/Ka*/Ban",
                "my-bucket/India/Karnataka/Area1/Area2/Area3/Ban",
                true,
            ),
            (
                "my-bucket/In*/Ka*/Ban",
                "my-bucket/India/State1/State2/Karnataka/Area1/Area2/Area3/Ban",
                true,
            ),
            (
                "my-bucket/In*/Ka*/Ban",
                "my-bucket/India/Karnataka/Bangalore",
                false,
            ),
            (
                "my-bucket/In*/Ka*/Ban*",
                "my-bucket/India/Karnataka/Bangalore",
                true,
            ),
            ("my-bucket/*", "my-bucket/India", true),
            ("my-bucket/oo*", "my-bucket/odo", false),
            ("my-bucket?/abc*", "mybucket/abc", false),
            ("my-bucket?/abc*", "my-bucket1/abc", true),
            ("my-?-bucket/abc*", "my--bucket/abc", false),
            ("my-?-bucket/abc*", "my-1-bucket/abc", true),
            ("my-?-bucket/abc*", "my-k-bucket/abc", true),
            ("my??bucket/abc*", "mybucket/abc", false),
            ("my??bucket/abc*", "my4abucket/abc", true),
            ("my-bucket?abc*", "my-bucket/abc", true),
            ("my-bucket/abc?efg", "my-bucket/abcdefg", true),
            ("my-bucket/abc?efg", "my-bucket/abc/efg", true),
            ("my-bucket/abc????", "my-bucket/abc", false),
            ("my-bucket/abc????", "my-bucket/abcde", false),
            ("my-bucket/abc????", "my-bucket/abcdefg", true),
            ("my-bucket/abc?", "my-bucket/abc", false),
            ("my-bucket/abc?", "my-bucket/abcd", true),
            ("my-bucket/abc?", "my-bucket/abcde", false),
            ("my-bucket/mnop*?", "my-bucket/mnop", false),
            ("my-bucket/mnop*?", "my-bucket/mnopqrst/mnopqr", true),
            ("my-bucket/mnop*?", "my-bucket/mnopqrst/mnopqrs", true),
            ("my-bucket/mnop*?", "my-bucket/mnop", false),
            ("my-bucket/mnop*?", "my-bucket/mnopq", true),
            ("my-bucket/mnop*?", "my-bucket/mnopqr", true),
            ("my-bucket/mnop*?and", "my-bucket/mnopqand", true),
            ("my-bucket/mnop*?and", "my-bucket/mnopand", false),
            ("my-bucket/mnop*?and", "my-bucket/mnopqand", true),
            ("my-bucket/mnop*?", "my-bucket/mn", false),
            ("my-bucket/mnop*?", "my-bucket/mnopqrst/mnopqrs", true),
            ("my-bucket/mnop*??", "my-bucket/mnopqrst", true),
            ("my-bucket/mnop*qrst", "my-bucket/mnopabcdegqrst", true),
            ("my-bucket/mnop*?and", "my-bucket/mnopqand", true),
            ("my-bucket/mnop*?and", "my-bucket/mnopand", false),
            ("my-bucket/mnop*?and?", "my-bucket/mnopqanda", true),
            ("my-bucket/mnop*?and", "my-bucket/mnopqanda", false),
            ("my-?-bucket/abc*", "my-bucket/mnopqanda", false),
        ];
        for (pattern, text, want) in cases {
            assert_eq!(matches(pattern, text), want, "{pattern:?} vs {text:?}");
        }
    }

    /// `?` is one character, not one byte (go-wildcard works on runes).
    #[test]
    fn question_mark_is_one_character() {
        assert!(matches("caf?", "café"));
        assert!(!matches("caf??", "café"));
        assert!(matches("**a*", "xa"));
        assert!(matches("a*", "a"));
    }

    /// `ext/wildcard/utils_test.go` TestContainsWildcard.
    #[test]
    fn contains_wildcard_cases() {
        let cases = [
            ("name", false),
            ("", false),
            ("name*", true),
            ("*name", true),
            ("start*end", true),
            ("*", true),
            ("name?", true),
            ("?name", true),
            ("start?end", true),
            ("?", true),
            ("*name?", true),
        ];
        for (s, want) in cases {
            assert_eq!(contains_wildcard(s), want, "{s:?}");
        }
    }

    /// `wildcards_test.go` TestExpandInMetadata (`replaceWildcardsInMapKeys`).
    #[test]
    fn expand_keys_cases() {
        let cases = [
            (
                json!({"test/*": "*"}),
                json!({"test/test": "test"}),
                json!({"test/test": "*"}),
            ),
            (
                json!({"=(test/*)": "test"}),
                json!({"test/test": "test"}),
                json!({"=(test/test)": "test"}),
            ),
            (
                json!({"test/*": "*"}),
                json!({"test/test1": "test1"}),
                json!({"test/test1": "*"}),
            ),
        ];
        for (pattern, resource, want) in cases {
            assert_eq!(
                Value::Object(expand_keys(&obj(pattern), &obj(resource))),
                want
            );
        }
    }

    #[test]
    fn expand_keys_without_match_keeps_key_and_anchor() {
        let pattern = obj(json!({"X(app/*)": "?*", "team": "a", "x*": {"nested": 1}}));
        let resource = obj(json!({"other": "v"}));
        let got = expand_keys(&pattern, &resource);
        assert_eq!(
            Value::Object(got),
            json!({"X(app/*)": "?*", "team": "a", "x*": {"nested": 1}})
        );
    }

    /// `wildcards_test.go` TestGetValueAsStringMap_NilHandling.
    #[test]
    fn string_entries_cases() {
        let cases = [
            ("test", Value::Null, None),
            ("test", json!("not a map"), None),
            ("nonexistent", json!({"otherKey": "value"}), None),
            ("test", json!({"test": null}), None),
            ("test", json!({"test": "not a map"}), None),
            (
                "test",
                json!({"test": {"key1": "value1", "key2": null, "key3": "value3"}}),
                Some(json!({"key1": "value1", "key3": "value3"})),
            ),
            (
                "test",
                json!({"test": {"key1": "value1", "key2": 123, "key3": {"nested": "value"}, "key4": "value4"}}),
                Some(json!({"key1": "value1", "key4": "value4"})),
            ),
            (
                "test",
                json!({"test": {"key1": "value1", "key2": "value2"}}),
                Some(json!({"key1": "value1", "key2": "value2"})),
            ),
        ];
        for (key, data, want) in cases {
            let got = string_entries(key, &data);
            match want {
                None => assert!(got.is_none(), "{data}"),
                Some(want) => {
                    let (k, m) = got.unwrap();
                    assert_eq!(k, key);
                    assert_eq!(Value::Object(m), want);
                }
            }
        }
    }

    /// `wildcards_test.go` TestExpandInMetadata_NilSafety and TestJMESPathNil.
    #[test]
    fn expand_in_metadata_drops_non_strings() {
        let resource = obj(json!({"metadata": {"annotations": {"real-key": "real-value"}}}));
        for annotations in [
            json!({"some-key": null}),
            json!({"some-key": {"nested": "value"}}),
            json!({"test": null}),
        ] {
            let pattern = obj(json!({"metadata": {"annotations": annotations}}));
            let got = expand_in_metadata(&pattern, &resource);
            assert_eq!(Value::Object(got), json!({"metadata": {"annotations": {}}}));
        }

        let pattern = obj(json!({"metadata": {
            "labels": {"normal": "value", "nil-value": null},
            "annotations": {"another-normal": "value", "complex-value": {"nested": "value"}}
        }}));
        let resource =
            obj(json!({"metadata": {"labels": {"app": "test"}, "annotations": {"test": "value"}}}));
        let got = expand_in_metadata(&pattern, &resource);
        assert_eq!(
            Value::Object(got),
            json!({"metadata": {"labels": {"normal": "value"}, "annotations": {"another-normal": "value"}}})
        );
    }

    #[test]
    fn expand_in_metadata_through_anchors() {
        let pattern = obj(
            json!({"=(metadata)": {"=(labels)": {"app.kubernetes.io/*": "?*"}}, "spec": {"a*": 1}}),
        );
        let resource = obj(json!({"metadata": {"labels": {"app.kubernetes.io/name": "web"}}}));
        let got = expand_in_metadata(&pattern, &resource);
        assert_eq!(
            Value::Object(got),
            json!({"=(metadata)": {"=(labels)": {"app.kubernetes.io/name": "?*"}}, "spec": {"a*": 1}})
        );
        // No labels on the resource: the pattern is left as it is.
        let bare = obj(json!({"metadata": {"name": "x"}}));
        assert_eq!(expand_in_metadata(&pattern, &bare), pattern);
    }
}
