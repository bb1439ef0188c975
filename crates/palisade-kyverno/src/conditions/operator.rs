//! The operators of deny conditions and preconditions
//! (`pkg/engine/variables/operator`), applied to a key and a value whose
//! variables are already substituted.
//!
//! Each operator switches on the Go type of the key, then of the value, as
//! Kyverno's handlers do; a combination Kyverno does not handle is `false`.
//! Top-level numbers are `float64` in Kyverno (conditions go through a JSON
//! round trip before they are evaluated), so an integral key or value is
//! compared as a float here too; numbers inside lists keep their type.

use std::cmp::Ordering;
use std::str::FromStr;

use serde_json::Value;

use super::semver::Version;
use crate::duration;
use crate::pattern::golang::{self, GoValue};
use crate::pattern::value as pattern;
use crate::quantity::Quantity;
use crate::wildcards;

/// A condition operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `Equals` or `Equal`.
    Equals,
    /// `NotEquals` or `NotEqual`.
    NotEquals,
    /// `In` (deprecated): every key is one of the values.
    In,
    /// `AnyIn`: some key matches some value.
    AnyIn,
    /// `AllIn`: every key matches some value.
    AllIn,
    /// `NotIn` (deprecated): some key is not one of the values.
    NotIn,
    /// `AnyNotIn`: some key matches no value.
    AnyNotIn,
    /// `AllNotIn`: no key matches any value.
    AllNotIn,
    /// `GreaterThan`, on numbers, durations, quantities or versions.
    GreaterThan,
    /// `GreaterThanOrEquals`.
    GreaterThanOrEquals,
    /// `LessThan`.
    LessThan,
    /// `LessThanOrEquals`.
    LessThanOrEquals,
    /// `DurationGreaterThan` (deprecated), on durations or seconds.
    DurationGreaterThan,
    /// `DurationGreaterThanOrEquals` (deprecated).
    DurationGreaterThanOrEquals,
    /// `DurationLessThan` (deprecated).
    DurationLessThan,
    /// `DurationLessThanOrEquals` (deprecated).
    DurationLessThanOrEquals,
    /// A numeric or duration operator not spelled in Kyverno's case, such as
    /// `greaterthan`: Kyverno finds its handler case-insensitively, but the
    /// handler compares the name case-sensitively, so it is always false.
    MiscasedComparison,
}

/// An operator name Kyverno has no handler for; evaluating the condition
/// is an error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("operator not supported: {0:?}")]
pub struct UnknownOperator(pub String);

/// The operator names of the policy schema, exactly as written there.
const NAMES: [(&str, Operator); 18] = [
    ("Equal", Operator::Equals),
    ("Equals", Operator::Equals),
    ("NotEqual", Operator::NotEquals),
    ("NotEquals", Operator::NotEquals),
    ("In", Operator::In),
    ("AnyIn", Operator::AnyIn),
    ("AllIn", Operator::AllIn),
    ("NotIn", Operator::NotIn),
    ("AnyNotIn", Operator::AnyNotIn),
    ("AllNotIn", Operator::AllNotIn),
    ("GreaterThanOrEquals", Operator::GreaterThanOrEquals),
    ("GreaterThan", Operator::GreaterThan),
    ("LessThanOrEquals", Operator::LessThanOrEquals),
    ("LessThan", Operator::LessThan),
    (
        "DurationGreaterThanOrEquals",
        Operator::DurationGreaterThanOrEquals,
    ),
    ("DurationGreaterThan", Operator::DurationGreaterThan),
    (
        "DurationLessThanOrEquals",
        Operator::DurationLessThanOrEquals,
    ),
    ("DurationLessThan", Operator::DurationLessThan),
];

impl FromStr for Operator {
    type Err = UnknownOperator;

    /// Any case, as `CreateOperatorHandler` lowercases the name.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let lower = name.to_lowercase();
        let (canonical, op) = NAMES
            .iter()
            .find(|(n, _)| n.to_lowercase() == lower)
            .ok_or_else(|| UnknownOperator(name.to_owned()))?;
        if op.compares_by_exact_name() && name != *canonical {
            return Ok(Self::MiscasedComparison);
        }
        Ok(*op)
    }
}

/// Whether `name` is an operator name as the policy schema spells it
/// (`IsOperatorValid`, case-sensitive); Kyverno's policy validation
/// rejects other spellings.
pub fn is_valid_name(name: &str) -> bool {
    NAMES.iter().any(|(n, _)| *n == name)
}

/// Whether `name` is a deprecated operator (`In`, `NotIn`), whose
/// replacements are `AnyIn`/`AllIn` and `AnyNotIn`/`AllNotIn`.
pub fn is_deprecated_name(name: &str) -> bool {
    matches!(name, "In" | "NotIn")
}

impl Operator {
    /// The operators whose handler switches on the exact name.
    fn compares_by_exact_name(self) -> bool {
        self.comparison().is_some() || self.duration_comparison().is_some()
    }

    /// The ordering test of `GreaterThan` and its family.
    fn comparison(self) -> Option<fn(Ordering) -> bool> {
        match self {
            Self::GreaterThan => Some(Ordering::is_gt),
            Self::GreaterThanOrEquals => Some(Ordering::is_ge),
            Self::LessThan => Some(Ordering::is_lt),
            Self::LessThanOrEquals => Some(Ordering::is_le),
            _ => None,
        }
    }

    /// The ordering test of `DurationGreaterThan` and its family.
    fn duration_comparison(self) -> Option<fn(Ordering) -> bool> {
        match self {
            Self::DurationGreaterThan => Some(Ordering::is_gt),
            Self::DurationGreaterThanOrEquals => Some(Ordering::is_ge),
            Self::DurationLessThan => Some(Ordering::is_lt),
            Self::DurationLessThanOrEquals => Some(Ordering::is_le),
            _ => None,
        }
    }

    /// Whether the condition `key <operator> value` holds.
    pub fn evaluate(&self, key: &Value, value: &Value) -> bool {
        self.evaluate_go(top_level(key), top_level(value))
    }

    /// [`Operator::evaluate`] on values already seen as Go types.
    fn evaluate_go(&self, key: GoValue<'_>, value: GoValue<'_>) -> bool {
        if let Some(test) = self.comparison() {
            return numeric(key, value, test);
        }
        if let Some(test) = self.duration_comparison() {
            return durations(key, value, test);
        }
        match self {
            Self::Equals => equals(key, value),
            Self::NotEquals => not_equals(key, value),
            Self::In => membership(key, value, false),
            Self::NotIn => membership(key, value, true),
            Self::AnyIn => any_in(key, value, false),
            Self::AnyNotIn => any_in(key, value, true),
            Self::AllIn => all_in(key, value, false),
            Self::AllNotIn => all_in(key, value, true),
            _ => false,
        }
    }
}

/// A top-level key or value as Kyverno holds it: integers are floats.
fn top_level(value: &Value) -> GoValue<'_> {
    match GoValue::of(value) {
        GoValue::Int(i) => GoValue::Float(i as f64),
        other => other,
    }
}

// ---------------------------------------------------------------- Equals

/// `EqualHandler.Evaluate`.
fn equals(key: GoValue<'_>, value: GoValue<'_>) -> bool {
    match key {
        GoValue::Bool(k) => value == GoValue::Bool(k),
        GoValue::Int(k) => int_equals(k, value).unwrap_or(false),
        GoValue::Float(k) => float_equals(k, value).unwrap_or(false),
        GoValue::Str(k) => string_equals(k, value).unwrap_or(false),
        GoValue::Map(k) => matches!(value, GoValue::Map(v) if k == v),
        GoValue::Slice(k) => matches!(value, GoValue::Slice(v) if k == v),
        GoValue::Nil => false,
    }
}

/// `NotEqualHandler.Evaluate`: the negation of [`equals`], except that a
/// `null` key is false and an unreadable value counts as different.
fn not_equals(key: GoValue<'_>, value: GoValue<'_>) -> bool {
    match key {
        GoValue::Bool(k) => value != GoValue::Bool(k),
        GoValue::Int(k) => int_equals(k, value).is_none_or(|eq| !eq),
        GoValue::Float(k) => float_equals(k, value).is_none_or(|eq| !eq),
        GoValue::Str(k) => string_not_equals(k, value),
        GoValue::Map(k) => !matches!(value, GoValue::Map(v) if k == v),
        GoValue::Slice(k) => !matches!(value, GoValue::Slice(v) if k == v),
        GoValue::Nil => false,
    }
}

/// An integer key against a value; `None` when the value cannot be read as
/// an integer.
fn int_equals(key: i64, value: GoValue<'_>) -> Option<bool> {
    match value {
        GoValue::Int(v) => Some(v == key),
        GoValue::Float(v) => golang::is_integral(v).then(|| golang::to_int(v) == key),
        GoValue::Str(s) => golang::parse_int(s).map(|v| v == key),
        _ => None,
    }
}

/// A float key against a value; `None` when the value cannot be compared.
fn float_equals(key: f64, value: GoValue<'_>) -> Option<bool> {
    match value {
        GoValue::Int(v) => golang::is_integral(key).then(|| golang::to_int(key) == v),
        GoValue::Float(v) => Some(v == key),
        GoValue::Str(s) => golang::parse_float(s).map(|v| v == key),
        _ => None,
    }
}

/// A string key against a value: durations, then quantities, then the
/// value as a wildcard pattern for the key. `None` for a non-string value.
fn string_equals(key: &str, value: GoValue<'_>) -> Option<bool> {
    if let Some((k, v)) = duration_pair(GoValue::Str(key), value) {
        return Some(duration::seconds(k) == duration::seconds(v));
    }
    if let (Some(k), GoValue::Str(v)) = (Quantity::parse(key), value) {
        return Some(Quantity::parse(v).is_some_and(|v| v == k));
    }
    match value {
        GoValue::Str(v) => Some(wildcards::matches(v, key)),
        _ => None,
    }
}

/// `NotEqualHandler.validateValueWithStringPattern`.
fn string_not_equals(key: &str, value: GoValue<'_>) -> bool {
    if let Some((k, v)) = duration_pair(GoValue::Str(key), value) {
        return duration::seconds(k) != duration::seconds(v);
    }
    if let (Some(k), GoValue::Str(v)) = (Quantity::parse(key), value) {
        if v.is_empty() {
            return !wildcards::matches(v, key);
        }
        return Quantity::parse(v).is_none_or(|v| v != k);
    }
    match value {
        GoValue::Str(v) => !wildcards::matches(v, key),
        _ => true,
    }
}

/// Both sides as durations when at least one is a duration string (not
/// `"0"`) and the other a duration string or a number of seconds
/// (`parseDuration`).
fn duration_pair(key: GoValue<'_>, value: GoValue<'_>) -> Option<(i64, i64)> {
    let as_duration = |v: GoValue<'_>| match v {
        GoValue::Str(s) if s != "0" => duration::parse(s).ok(),
        _ => None,
    };
    let as_seconds = |v: GoValue<'_>| match v {
        GoValue::Int(i) => Some(duration::from_int_seconds(i)),
        GoValue::Float(f) => Some(duration::from_seconds(f)),
        _ => None,
    };
    let (k, v) = (as_duration(key), as_duration(value));
    if k.is_none() && v.is_none() {
        return None;
    }
    Some((
        k.or_else(|| as_seconds(key))?,
        v.or_else(|| as_seconds(value))?,
    ))
}

// ------------------------------------------------------- GreaterThan etc.

/// `NumericOperatorHandler.Evaluate`.
fn numeric(key: GoValue<'_>, value: GoValue<'_>, test: fn(Ordering) -> bool) -> bool {
    match key {
        GoValue::Int(k) => number_against(key, k as f64, value, test),
        GoValue::Float(k) => number_against(key, k, value, test),
        GoValue::Str(k) => string_against(k, value, test),
        _ => false,
    }
}

/// Orders two floats as Go's `>=`/`>`/`<=`/`<` do (false with NaN).
fn ordered(a: f64, b: f64, test: fn(Ordering) -> bool) -> bool {
    a.partial_cmp(&b).is_some_and(test)
}

/// A number key (`as_float`, from `key`) against a value: numbers, then
/// for a string, a duration, then a number in it.
fn number_against(
    key: GoValue<'_>,
    as_float: f64,
    value: GoValue<'_>,
    test: fn(Ordering) -> bool,
) -> bool {
    match value {
        GoValue::Int(v) => ordered(as_float, v as f64, test),
        GoValue::Float(v) => ordered(as_float, v, test),
        GoValue::Str(s) => {
            if let Some((k, v)) = duration_pair(key, value) {
                return ordered(duration::seconds(k), duration::seconds(v), test);
            }
            match golang::parse_float(s).or_else(|| golang::parse_int(s).map(|i| i as f64)) {
                Some(v) => ordered(as_float, v, test),
                None => false,
            }
        }
        _ => false,
    }
}

/// A string key: as a duration, a quantity, a float, an integer, then a
/// semantic version, whichever reads first.
fn string_against(key: &str, value: GoValue<'_>, test: fn(Ordering) -> bool) -> bool {
    if let Some((k, v)) = duration_pair(GoValue::Str(key), value) {
        return ordered(duration::seconds(k), duration::seconds(v), test);
    }
    if let GoValue::Str(v) = value
        && let (Some(k), Some(v)) = (Quantity::parse(key), Quantity::parse(v))
    {
        return test(k.cmp(&v));
    }
    if let Some(k) = golang::parse_float(key) {
        return number_against(GoValue::Float(k), k, value, test);
    }
    if let Some(k) = golang::parse_int(key) {
        return number_against(GoValue::Int(k), k as f64, value, test);
    }
    match (Version::parse(key), value) {
        (Some(k), GoValue::Str(v)) => Version::parse(v).is_some_and(|v| test(k.cmp(&v))),
        _ => false,
    }
}

// --------------------------------------------------- Duration operators

/// `DurationOperatorHandler.Evaluate`: numbers are seconds, strings Go
/// durations.
fn durations(key: GoValue<'_>, value: GoValue<'_>, test: fn(Ordering) -> bool) -> bool {
    let read = |v: GoValue<'_>| match v {
        GoValue::Int(i) => Some(duration::from_int_seconds(i)),
        GoValue::Float(f) => Some(duration::from_seconds(f)),
        GoValue::Str(s) => duration::parse(s).ok(),
        _ => None,
    };
    match (read(key), read(value)) {
        (Some(k), Some(v)) => test(k.cmp(&v)),
        _ => false,
    }
}

// ------------------------------------------------------------ In, NotIn

/// The key as the string or strings the membership operators compare:
/// scalars through `fmt.Sprint`, lists element by element.
enum Keys {
    One(String),
    Many(Vec<String>),
}

/// Reads the key of an `In` family operator; `None` for a map or `null`.
fn keys(key: GoValue<'_>) -> Option<Keys> {
    match key {
        GoValue::Str(s) => Some(Keys::One(s.to_owned())),
        GoValue::Int(_) | GoValue::Float(_) | GoValue::Bool(_) => {
            Some(Keys::One(golang::sprint_go(key)))
        }
        GoValue::Slice(items) => Some(Keys::Many(items.iter().map(golang::sprint).collect())),
        GoValue::Map(_) | GoValue::Nil => None,
    }
}

/// The value is of a type the operator cannot look keys up in; the
/// condition is then false.
struct InvalidType;

/// `In` and `NotIn` (`InHandler`, `NotInHandler`).
fn membership(key: GoValue<'_>, value: GoValue<'_>, negate: bool) -> bool {
    let result = match key {
        // Kyverno panics on a list key with a non-string element.
        GoValue::Slice(items) if !items.iter().all(Value::is_string) => return false,
        _ => match keys(key) {
            Some(Keys::One(k)) => key_in(&k, value).map(|found| found != negate),
            Some(Keys::Many(ks)) => set_in(&ks, value, negate),
            None => return false,
        },
    };
    result.unwrap_or(false)
}

/// Whether one key is in the value: a list (wildcards either way), a
/// wildcard string, or a JSON list of strings (`keyExistsInArray`).
fn key_in(key: &str, value: GoValue<'_>) -> Result<bool, InvalidType> {
    match value {
        GoValue::Slice(values) => Ok(values
            .iter()
            .any(|v| either_matches(key, &golang::sprint(v)))),
        GoValue::Str(v) => {
            if wildcards::matches(v, key) {
                return Ok(true);
            }
            Ok(json_strings(v)?.iter().any(|s| s == key))
        }
        _ => Err(InvalidType),
    }
}

/// `setExistsInArray`: every key in the values (`In`), or some key not in
/// them (`NotIn`), compared exactly.
fn set_in(keys: &[String], value: GoValue<'_>, not_in: bool) -> Result<bool, InvalidType> {
    let values: Vec<String> = match value {
        GoValue::Slice(values) => values
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or(InvalidType))
            .collect::<Result<_, _>>()?,
        GoValue::Str(v) => {
            // A single key equal to the value is "in" for both operators.
            if let [only] = keys
                && only == v
            {
                return Ok(true);
            }
            json_strings(v)?
        }
        _ => return Err(InvalidType),
    };
    let contained = |k: &String| values.contains(k);
    Ok(if not_in {
        !keys.iter().all(contained)
    } else {
        keys.iter().all(contained)
    })
}

// ------------------------------------------- AnyIn, AllIn, AnyNotIn, ...

/// `AnyIn` and `AnyNotIn`.
fn any_in(key: GoValue<'_>, value: GoValue<'_>, not_in: bool) -> bool {
    let result = match keys(key) {
        Some(Keys::One(k)) => one_key_in(&k, value).map(|found| found != not_in),
        Some(Keys::Many(ks)) => any_set_in(&ks, value, not_in),
        None => return false,
    };
    result.unwrap_or(false)
}

/// `AllIn` and `AllNotIn`.
fn all_in(key: GoValue<'_>, value: GoValue<'_>, not_in: bool) -> bool {
    let result = match keys(key) {
        Some(Keys::One(k)) => one_key_in(&k, value).map(|found| found != not_in),
        Some(Keys::Many(ks)) => all_set_in(&ks, value, not_in),
        None => return false,
    };
    result.unwrap_or(false)
}

/// Whether one key is in the value: a list (wildcards either way), a
/// wildcard string, a range `a-b`, or a JSON list of strings
/// (`anyKeyExistsInArray`, `allKeyExistsInArray`).
fn one_key_in(key: &str, value: GoValue<'_>) -> Result<bool, InvalidType> {
    match value {
        GoValue::Slice(values) => Ok(values
            .iter()
            .any(|v| either_matches(key, &golang::sprint(v)))),
        GoValue::Str(v) => {
            if wildcards::matches(v, key) {
                return Ok(true);
            }
            if is_range(v) {
                return Ok(in_range(key, v));
            }
            Ok(strings_or_itself(v)?.iter().any(|s| s == key))
        }
        _ => Err(InvalidType),
    }
}

/// `anySetExistsInArray`: some key matches a value (`AnyIn`), or some key
/// matches none (`AnyNotIn`).
fn any_set_in(keys: &[String], value: GoValue<'_>, not_in: bool) -> Result<bool, InvalidType> {
    let values: Vec<String> = match value {
        GoValue::Slice(values) => values.iter().map(golang::sprint).collect(),
        GoValue::Int(_) | GoValue::Float(_) | GoValue::Bool(_) => vec![golang::sprint_go(value)],
        GoValue::Str(v) => {
            if let [only] = keys
                && only == v
            {
                return Ok(!not_in);
            }
            if is_range(v) {
                // Kyverno turns `a-b` into `a!-b` for AnyNotIn by replacing
                // the first `-`, which is the sign of a negative bound.
                let range = if not_in {
                    v.replacen('-', "!-", 1)
                } else {
                    v.to_owned()
                };
                return Ok(keys.iter().any(|k| in_range(k, &range)));
            }
            strings_or_itself(v)?
        }
        _ => return Err(InvalidType),
    };
    let matched = |k: &String| values.iter().any(|v| either_matches(k, v));
    Ok(if not_in {
        !keys.iter().all(matched)
    } else {
        keys.iter().any(matched)
    })
}

/// `allSetExistsInArray`: every key matches a value (`AllIn`), or none
/// does (`AllNotIn`).
fn all_set_in(keys: &[String], value: GoValue<'_>, not_in: bool) -> Result<bool, InvalidType> {
    let values: Vec<String> = match value {
        GoValue::Slice(values) => values.iter().map(golang::sprint).collect(),
        GoValue::Str(v) => {
            if let [only] = keys
                && only == v
            {
                return Ok(!not_in);
            }
            if is_range(v) {
                let inside = keys.iter().filter(|k| in_range(k, v)).count();
                return Ok(if not_in {
                    inside == 0
                } else {
                    inside == keys.len()
                });
            }
            strings_or_itself(v)?
        }
        _ => return Err(InvalidType),
    };
    let matched = |k: &String| values.iter().any(|v| either_matches(k, v));
    Ok(if not_in {
        !keys.iter().any(matched)
    } else {
        keys.iter().all(matched)
    })
}

/// Whether either string matches the other as a wildcard pattern.
fn either_matches(a: &str, b: &str) -> bool {
    wildcards::matches(a, b) || wildcards::matches(b, a)
}

/// Whether a value string is a range `a-b`.
fn is_range(v: &str) -> bool {
    pattern::operator(v) == pattern::Op::InRange
}

/// Whether a key falls in a range, through the pattern matcher
/// (`handleRange`).
fn in_range(key: &str, range: &str) -> bool {
    pattern::matches(
        &Value::String(key.to_owned()),
        &Value::String(range.to_owned()),
    )
}

/// A value string as a list: its JSON list of strings if it is JSON, else
/// the string itself.
fn strings_or_itself(v: &str) -> Result<Vec<String>, InvalidType> {
    if serde_json::from_str::<serde::de::IgnoredAny>(v).is_ok() {
        json_strings(v)
    } else {
        Ok(vec![v.to_owned()])
    }
}

/// Go's `json.Unmarshal` of a string into `[]string`: `null` is empty, a
/// `null` element is `""`, anything else is an error.
fn json_strings(v: &str) -> Result<Vec<String>, InvalidType> {
    match serde_json::from_str::<Value>(v) {
        Ok(Value::Null) => Ok(Vec::new()),
        Ok(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Ok(s),
                Value::Null => Ok(String::new()),
                _ => Err(InvalidType),
            })
            .collect(),
        _ => Err(InvalidType),
    }
}

#[cfg(test)]
mod tests;
