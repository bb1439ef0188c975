//! The pattern walk: a resource against a validate `pattern`, element by
//! element, with anchors (`pkg/engine/validate/validate.go`).
//!
//! The walk reproduces Kyverno's order and its three-way outcome, because
//! both decide verdicts: in a map, anchors are evaluated first (sorted by
//! key), then the plain keys, with those holding global anchors or nested
//! anchors first; a failed condition skips its map (and, in a list, its
//! element; at the root, the rule), a failed negation always fails.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde_json::{Map, Value as Json};

use super::anchor::{Anchor, Kind};
use super::value;
use crate::wildcards;

/// How a pattern did not match.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub kind: MismatchKind,
    /// The path in the resource where it was found (`/spec/containers/0/`).
    pub path: String,
    pub message: String,
}

/// The kinds of mismatch Kyverno tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MismatchKind {
    /// A value that does not match.
    Plain,
    /// `X(key)` found the key.
    Negation,
    /// `(key)` did not match: the enclosing map does not apply.
    Conditional,
    /// `<(key)` did not match: the rule does not apply.
    Global,
    /// Every part of a map or list was skipped (Kyverno's `PatternError`
    /// with `Skip`).
    Skipped,
}

impl Mismatch {
    fn new(kind: MismatchKind, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind,
            path: path.into(),
            message: message.into(),
        }
    }

    fn plain(path: &str, message: impl Into<String>) -> Self {
        Self::new(MismatchKind::Plain, path, message)
    }

    /// Whether the mismatch means "does not apply" rather than "fails".
    pub fn skips(&self) -> bool {
        matches!(
            self.kind,
            MismatchKind::Conditional | MismatchKind::Global | MismatchKind::Skipped
        )
    }
}

/// The outcome of matching a whole resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Pass,
    /// A condition did not hold: the rule does not apply.
    Skip(String),
    /// The pattern failed at `path`; an empty path is an error in Kyverno
    /// (an anchor's key absent from the resource, an array too short).
    Fail {
        path: String,
        message: String,
    },
}

/// Matches `resource` against `pattern` from the root.
pub fn match_pattern(resource: &Json, pattern: &Json) -> Outcome {
    let mut anchors = AnchorKeys::default();
    match element(resource, pattern, "/", &mut anchors) {
        Ok(()) => Outcome::Pass,
        Err(m) if m.skips() => Outcome::Skip(m.message),
        Err(m) if m.kind == MismatchKind::Negation => Outcome::Fail {
            path: m.path,
            message: m.message,
        },
        Err(m) if anchors.keys_are_missing() => Outcome::Fail {
            path: String::new(),
            message: m.message,
        },
        Err(m) => Outcome::Fail {
            path: m.path,
            message: m.message,
        },
    }
}

/// Which condition, existence and negation anchor keys were seen in the
/// resource (Kyverno's `AnchorMap`).
#[derive(Default)]
struct AnchorKeys {
    seen: HashMap<String, bool>,
}

impl AnchorKeys {
    fn check(&mut self, pattern: &Map<String, Json>, resource: &Map<String, Json>) {
        for key in pattern.keys() {
            let Some(anchor) = Anchor::parse(key) else {
                continue;
            };
            if !matches!(
                anchor.kind,
                Kind::Condition | Kind::Existence | Kind::Negation
            ) {
                continue;
            }
            let seen = self.seen.entry(key.clone()).or_insert(false);
            if !*seen && resource.contains_key(anchor.key) {
                *seen = true;
            }
        }
    }

    fn keys_are_missing(&self) -> bool {
        self.seen
            .iter()
            .any(|(key, seen)| !seen && Anchor::parse(key).is_none_or(|a| a.kind != Kind::Negation))
    }
}

fn element(
    resource: &Json,
    pattern: &Json,
    path: &str,
    anchors: &mut AnchorKeys,
) -> Result<(), Mismatch> {
    match pattern {
        Json::Object(pattern) => {
            let Json::Object(resource) = resource else {
                return Err(Mismatch::plain(
                    path,
                    format!("pattern and resource have different structures. Path: {path}"),
                ));
            };
            anchors.check(pattern, resource);
            map(resource, pattern, path, anchors)
        }
        Json::Array(pattern) => {
            let Json::Array(resource) = resource else {
                return Err(Mismatch::plain(
                    path,
                    format!(
                        "validation rule failed at path {path}, resource does not satisfy the expected overlay pattern"
                    ),
                ));
            };
            array(resource, pattern, path, anchors)
        }
        scalar => {
            let matches = match resource {
                Json::Array(items) => items.iter().all(|item| value::matches(item, scalar)),
                other => value::matches(other, scalar),
            };
            if matches {
                Ok(())
            } else {
                Err(Mismatch::plain(
                    path,
                    format!(
                        "resource value '{}' does not match '{}' at path {path}",
                        display(resource),
                        display(scalar)
                    ),
                ))
            }
        }
    }
}

/// A value as Go's `%v` prints it in messages.
fn display(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Null => "<nil>".into(),
        other => other.to_string(),
    }
}

fn map(
    resource: &Map<String, Json>,
    pattern: &Map<String, Json>,
    path: &str,
    anchors: &mut AnchorKeys,
) -> Result<(), Mismatch> {
    let pattern = wildcards::expand_in_metadata(pattern, resource);
    let (phase_one, rest): (BTreeMap<&String, &Json>, BTreeMap<&String, &Json>) = pattern
        .iter()
        .partition(|(key, _)| Anchor::parse(key).is_some_and(Anchor::is_phase_one));

    // Phase one: the anchors, sorted by key.
    let mut skipped: Vec<Mismatch> = Vec::new();
    let mut applied = 0usize;
    for (key, value) in &phase_one {
        match handle(key, value, resource, path, anchors) {
            Ok(()) => applied += 1,
            Err(m) if m.skips() => skipped.push(m),
            Err(m) => {
                // A failure beside a condition that already did not hold
                // does not count: the map does not apply.
                if !skipped.iter().any(direct_anchor) {
                    return Err(m);
                }
            }
        }
    }
    if !skipped.is_empty() && (applied == 0 || skipped.iter().any(direct_anchor)) {
        return Err(Mismatch::new(
            MismatchKind::Skipped,
            path,
            combine(&skipped),
        ));
    }

    // Phase two: the other keys, global and nested anchors first.
    for key in ordered(&rest) {
        if let Some(value) = rest.get(key) {
            handle(key, value, resource, path, anchors)?;
        }
    }
    Ok(())
}

/// A skip raised by an anchor itself rather than by a skipped submap.
fn direct_anchor(m: &Mismatch) -> bool {
    m.kind != MismatchKind::Skipped
}

fn combine(mismatches: &[Mismatch]) -> String {
    mismatches
        .iter()
        .map(|m| m.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Kyverno's `getSortedNestedAnchorResource`: keys in sorted order, those
/// with global or nested anchors pushed to the front (so in reverse order).
fn ordered<'a>(rest: &BTreeMap<&'a String, &Json>) -> VecDeque<&'a String> {
    let mut out = VecDeque::new();
    for (key, value) in rest {
        if Anchor::parse(key).is_some_and(|a| a.kind == Kind::Global) || has_nested_anchors(value) {
            out.push_front(*key);
        } else {
            out.push_back(*key);
        }
    }
    out
}

fn has_nested_anchors(value: &Json) -> bool {
    match value {
        Json::Object(map) => {
            map.keys()
                .any(|k| Anchor::parse(k).is_some_and(|a| a.kind != Kind::AddIfNotPresent))
                || map.values().any(has_nested_anchors)
        }
        Json::Array(items) => items.iter().any(has_nested_anchors),
        _ => false,
    }
}

/// One key of a pattern map against the resource map.
fn handle(
    key: &str,
    pattern: &Json,
    resource: &Map<String, Json>,
    path: &str,
    anchors: &mut AnchorKeys,
) -> Result<(), Mismatch> {
    let anchor = Anchor::parse(key).filter(|a| a.kind != Kind::AddIfNotPresent);
    let Some(anchor) = anchor else {
        return plain_key(key, pattern, resource, path, anchors);
    };
    let current = format!("{path}{}/", anchor.key);
    let value = resource.get(anchor.key);
    match anchor.kind {
        Kind::Condition => match value {
            Some(value) => element(value, pattern, &current, anchors).map_err(|m| {
                Mismatch::new(
                    MismatchKind::Conditional,
                    m.path,
                    format!("conditional anchor mismatch: {}", m.message),
                )
            }),
            None => Err(Mismatch::new(
                MismatchKind::Conditional,
                current,
                "conditional anchor mismatch: conditional anchor key doesn't exist in the resource",
            )),
        },
        Kind::Global => match value {
            Some(value) => element(value, pattern, &current, anchors).map_err(|m| {
                Mismatch::new(
                    MismatchKind::Global,
                    m.path,
                    format!("global anchor mismatch: {}", m.message),
                )
            }),
            None => Ok(()),
        },
        Kind::Equality => match value {
            Some(value) => element(value, pattern, &current, anchors),
            None => Ok(()),
        },
        Kind::Negation => match value {
            Some(_) => Err(Mismatch::new(
                MismatchKind::Negation,
                current.clone(),
                format!("negation anchor matched in resource: {current} is not allowed"),
            )),
            None => Ok(()),
        },
        Kind::Existence => match value {
            Some(Json::Array(items)) => existence(items, pattern, &current, anchors),
            Some(_) => Err(Mismatch::plain(
                &current,
                "invalid resource type: Existence ^ () anchor can be used only on list/array type resource",
            )),
            None => Ok(()),
        },
        Kind::AddIfNotPresent => plain_key(key, pattern, resource, path, anchors),
    }
}

fn plain_key(
    key: &str,
    pattern: &Json,
    resource: &Map<String, Json>,
    path: &str,
    anchors: &mut AnchorKeys,
) -> Result<(), Mismatch> {
    let value = resource.get(key).unwrap_or(&Json::Null);
    if pattern.as_str() == Some("*") {
        return if value.is_null() {
            Err(Mismatch::plain(path, format!("{path}/{key} not found")))
        } else {
            Ok(())
        };
    }
    element(value, pattern, &format!("{path}{key}/"), anchors)
}

/// `^(key)`: every map of the pattern list must match at least one element.
fn existence(
    items: &[Json],
    pattern: &Json,
    path: &str,
    anchors: &mut AnchorKeys,
) -> Result<(), Mismatch> {
    let Json::Array(patterns) = pattern else {
        return Err(Mismatch::plain(
            path,
            "invalid pattern type: Pattern has to be of list to compare against resource",
        ));
    };
    for pattern in patterns {
        if !pattern.is_object() {
            return Err(Mismatch::plain(
                path,
                "invalid pattern type: Pattern has to be of type map to compare against items in resource",
            ));
        }
        let found = items
            .iter()
            .enumerate()
            .any(|(i, item)| element(item, pattern, &format!("{path}{i}/"), anchors).is_ok());
        if !found {
            return Err(Mismatch::plain(
                path,
                format!("existence anchor validation failed at path {path}"),
            ));
        }
    }
    Ok(())
}

fn array(
    resource: &[Json],
    pattern: &[Json],
    path: &str,
    anchors: &mut AnchorKeys,
) -> Result<(), Mismatch> {
    let Some(first) = pattern.first() else {
        return Err(Mismatch::plain(path, "pattern Array empty"));
    };
    match first {
        // Maps in a list can hold anchors that concern the whole list, so
        // the first pattern map applies to every element.
        Json::Object(_) => array_of_maps(resource, first, path, anchors),
        Json::Array(_) => {
            if resource.len() < pattern.len() {
                return Err(Mismatch::plain(
                    "",
                    format!(
                        "validate Array failed, array length mismatch, resource Array len is {} and pattern Array len is {}",
                        resource.len(),
                        pattern.len()
                    ),
                ));
            }
            let mut skipped = Vec::new();
            let mut applied = 0usize;
            for (i, (item, pattern)) in resource.iter().zip(pattern).enumerate() {
                match element(item, pattern, &format!("{path}{i}/"), anchors) {
                    Ok(()) => applied += 1,
                    Err(m) if m.skips() => skipped.push(m),
                    Err(m) => return Err(m),
                }
            }
            all_skipped(applied, &skipped, path)
        }
        scalar => element(&Json::Array(resource.to_vec()), scalar, path, anchors),
    }
}

fn array_of_maps(
    resource: &[Json],
    pattern: &Json,
    path: &str,
    anchors: &mut AnchorKeys,
) -> Result<(), Mismatch> {
    let mut skipped = Vec::new();
    let mut applied = 0usize;
    for (i, item) in resource.iter().enumerate() {
        match element(item, pattern, &format!("{path}{i}/"), anchors) {
            Ok(()) => applied += 1,
            Err(m) if m.skips() => skipped.push(m),
            Err(m) => return Err(m),
        }
    }
    all_skipped(applied, &skipped, path)
}

fn all_skipped(applied: usize, skipped: &[Mismatch], path: &str) -> Result<(), Mismatch> {
    if applied == 0 && !skipped.is_empty() {
        return Err(Mismatch::new(MismatchKind::Skipped, path, combine(skipped)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn outcome(resource: Json, pattern: Json) -> Outcome {
        match_pattern(&resource, &pattern)
    }

    fn fails(o: &Outcome) -> bool {
        matches!(o, Outcome::Fail { .. })
    }

    #[test]
    fn plain_values_match_or_fail_with_the_path() {
        let pattern = json!({"spec": {"hostNetwork": false}});
        assert_eq!(
            outcome(json!({"spec": {"hostNetwork": false}}), pattern.clone()),
            Outcome::Pass
        );
        assert_eq!(
            outcome(json!({"spec": {"hostNetwork": true}}), pattern),
            Outcome::Fail {
                path: "/spec/hostNetwork/".into(),
                message: "resource value 'true' does not match 'false' at path /spec/hostNetwork/"
                    .into()
            }
        );
    }

    #[test]
    fn equality_anchor_applies_only_when_present() {
        let pattern = json!({"spec": {"=(hostNetwork)": false}});
        assert_eq!(outcome(json!({"spec": {}}), pattern.clone()), Outcome::Pass);
        assert!(fails(&outcome(
            json!({"spec": {"hostNetwork": true}}),
            pattern
        )));
    }

    #[test]
    fn condition_anchor_skips_the_element_it_does_not_hold_for() {
        let pattern = json!({"spec": {"containers": [{"(name)": "web", "image": "*:1.0"}]}});
        let r = json!({"spec": {"containers": [{"name": "side", "image": "x:latest"}, {"name": "web", "image": "y:1.0"}]}});
        assert_eq!(outcome(r, pattern.clone()), Outcome::Pass);
        let bad = json!({"spec": {"containers": [{"name": "web", "image": "y:latest"}]}});
        // The condition held and the image failed.
        assert!(fails(&outcome(bad, pattern.clone())));
        // No element meets the condition: the rule does not apply.
        let none = json!({"spec": {"containers": [{"name": "side", "image": "x:latest"}]}});
        assert!(matches!(outcome(none, pattern), Outcome::Skip(_)));
    }

    #[test]
    fn negation_anchor_fails_when_the_key_exists() {
        let pattern = json!({"spec": {"X(hostPID)": "null"}});
        assert_eq!(outcome(json!({"spec": {}}), pattern.clone()), Outcome::Pass);
        assert!(fails(&outcome(
            json!({"spec": {"hostPID": false}}),
            pattern
        )));
    }

    #[test]
    fn existence_anchor_needs_one_matching_element() {
        let pattern = json!({"spec": {"^(containers)": [{"image": "nginx:*"}]}});
        assert_eq!(
            outcome(
                json!({"spec": {"containers": [{"image": "a"}, {"image": "nginx:1"}]}}),
                pattern.clone()
            ),
            Outcome::Pass
        );
        assert!(fails(&outcome(
            json!({"spec": {"containers": [{"image": "a"}]}}),
            pattern
        )));
    }

    #[test]
    fn global_anchor_skips_the_rule() {
        let pattern = json!({"spec": {"<(runtimeClassName)": "kata", "hostNetwork": false}});
        assert!(matches!(
            outcome(
                json!({"spec": {"runtimeClassName": "runc", "hostNetwork": true}}),
                pattern.clone()
            ),
            Outcome::Skip(_)
        ));
        assert!(fails(&outcome(
            json!({"spec": {"runtimeClassName": "kata", "hostNetwork": true}}),
            pattern
        )));
    }

    #[test]
    fn a_star_needs_the_key() {
        let pattern = json!({"metadata": {"labels": {"app": "*"}}});
        assert_eq!(
            outcome(
                json!({"metadata": {"labels": {"app": "x"}}}),
                pattern.clone()
            ),
            Outcome::Pass
        );
        assert!(fails(&outcome(
            json!({"metadata": {"labels": {}}}),
            pattern
        )));
    }

    #[test]
    fn structure_mismatch_fails() {
        assert!(fails(&outcome(
            json!({"spec": "x"}),
            json!({"spec": {"a": 1}})
        )));
        assert!(fails(&outcome(
            json!({"spec": {"a": 1}}),
            json!({"spec": [{"a": 1}]})
        )));
    }
}
