//! How one resource value matches one pattern value that is not walked
//! into (`pkg/engine/pattern/pattern.go`, `Validate`).
//!
//! By the pattern's type: a bool, number or `null` compares with the value
//! (numbers across int, float and numeric strings); a map only asks that the
//! value be a map; a list never matches; a string is an expression:
//! alternatives split on `|`, each a conjunction split on `&`, each an
//! operator (`!`, `>`, `<`, `>=`, `<=`, nothing) or a range (`a-b`, `a!-b`)
//! and an operand compared as a duration, else a quantity, else a wildcard
//! string.

use serde_json::Value;

use super::golang::{self, GoValue};
use crate::duration;
use crate::quantity::Quantity;
use crate::wildcards;

/// The operator at the start of one string pattern
/// (`pkg/engine/operator`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// No operator: equality, with wildcards for strings.
    Equal,
    /// `!`
    NotEqual,
    /// `>`
    More,
    /// `<`
    Less,
    /// `>=`
    MoreEqual,
    /// `<=`
    LessEqual,
    /// `a-b`: within the range, bounds included.
    InRange,
    /// `a!-b`: outside the range.
    NotInRange,
}

impl Op {
    /// How many bytes of the pattern the operator takes.
    fn len(self) -> usize {
        match self {
            Self::Equal | Self::InRange | Self::NotInRange => 0,
            Self::NotEqual | Self::More | Self::Less => 1,
            Self::MoreEqual | Self::LessEqual => 2,
        }
    }
}

/// Whether the resource `value` matches the leaf `pattern`.
pub fn matches(value: &Value, pattern: &Value) -> bool {
    match GoValue::of(pattern) {
        GoValue::Bool(p) => value.as_bool() == Some(p),
        GoValue::Int(p) => int_pattern(value, p),
        GoValue::Float(p) => float_pattern(value, p),
        GoValue::Nil => nil_pattern(value),
        // Only the presence of a map is checked here; the walk goes inside.
        GoValue::Map(_) => value.is_object(),
        GoValue::Str(p) => string_patterns(value, p),
        GoValue::Slice(_) => false,
    }
}

/// An integer pattern: equal integers, integral floats, or a string that
/// reads as that integer.
fn int_pattern(value: &Value, pattern: i64) -> bool {
    match GoValue::of(value) {
        GoValue::Int(v) => v == pattern,
        GoValue::Float(v) => golang::is_integral(v) && golang::to_int(v) == pattern,
        GoValue::Str(s) => golang::parse_int(s) == Some(pattern),
        _ => false,
    }
}

/// A float pattern: an integer if the pattern has no fraction, an equal
/// float, or a string that reads as that float.
fn float_pattern(value: &Value, pattern: f64) -> bool {
    match GoValue::of(value) {
        GoValue::Int(v) => golang::is_integral(pattern) && golang::to_int(pattern) == v,
        GoValue::Float(v) => v == pattern,
        GoValue::Str(s) => golang::parse_float(s) == Some(pattern),
        _ => false,
    }
}

/// A `null` pattern: the value is absent or the zero of its type.
fn nil_pattern(value: &Value) -> bool {
    match GoValue::of(value) {
        GoValue::Nil => true,
        GoValue::Bool(b) => !b,
        GoValue::Int(i) => i == 0,
        GoValue::Float(f) => f == 0.0,
        GoValue::Str(s) => s.is_empty(),
        GoValue::Map(_) | GoValue::Slice(_) => false,
    }
}

/// A string pattern: the value equals it, or one of its `|` alternatives
/// holds.
fn string_patterns(value: &Value, pattern: &str) -> bool {
    if value.as_str() == Some(pattern) {
        return true;
    }
    pattern
        .split('|')
        .any(|alternative| all_conditions(value, alternative.trim_matches(' ')))
}

/// Every `&` part of one alternative holds.
fn all_conditions(value: &Value, pattern: &str) -> bool {
    pattern
        .split('&')
        .all(|part| string_pattern(value, part.trim_matches(' ')))
}

/// One operator-and-operand pattern (`validateStringPattern`); a range
/// becomes two comparisons.
pub fn string_pattern(value: &Value, pattern: &str) -> bool {
    match operator(pattern) {
        Op::InRange => range(pattern, "-").is_some_and(|(low, high)| {
            string_pattern(value, &format!(">= {low}"))
                && string_pattern(value, &format!("<= {high}"))
        }),
        Op::NotInRange => range(pattern, "!-").is_some_and(|(low, high)| {
            string_pattern(value, &format!("< {low}"))
                || string_pattern(value, &format!("> {high}"))
        }),
        op => {
            let operand = pattern.get(op.len()..).unwrap_or("").trim();
            compare(value, operand, op)
        }
    }
}

/// The operator a string pattern starts with
/// (`GetOperatorFromStringPattern`).
pub fn operator(pattern: &str) -> Op {
    if pattern.len() < 2 {
        return Op::Equal;
    }
    let prefixes = [
        (">=", Op::MoreEqual),
        ("<=", Op::LessEqual),
        (">", Op::More),
        ("<", Op::Less),
        ("!", Op::NotEqual),
    ];
    if let Some((_, op)) = prefixes.iter().find(|(p, _)| pattern.starts_with(p)) {
        return *op;
    }
    if range(pattern, "!-").is_some() {
        return Op::NotInRange;
    }
    if range(pattern, "-").is_some() {
        return Op::InRange;
    }
    Op::Equal
}

/// The two bounds of `low<separator>high`, each a number with an optional
/// sign, fraction and unit letters
/// (`^([-|+]?\d+(\.\d+)?[A-Za-z]*)-(…)$`).
pub fn range<'a>(pattern: &'a str, separator: &str) -> Option<(&'a str, &'a str)> {
    let low_len = bound_len(pattern)?;
    let (low, rest) = pattern.split_at_checked(low_len)?;
    let high = rest.strip_prefix(separator)?;
    (bound_len(high)? == high.len()).then_some((low, high))
}

/// The length of the range bound at the start of `s`, if there is one.
fn bound_len(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut pos = usize::from(matches!(bytes.first(), Some(b'-' | b'|' | b'+')));
    let digits = |from: usize| {
        bytes
            .get(from..)
            .map_or(0, |r| r.iter().take_while(|b| b.is_ascii_digit()).count())
    };
    let whole = digits(pos);
    if whole == 0 {
        return None;
    }
    pos += whole;
    if bytes.get(pos) == Some(&b'.') && digits(pos + 1) > 0 {
        pos += 1 + digits(pos + 1);
    }
    let letters = bytes.get(pos..).map_or(0, |r| {
        r.iter().take_while(|b| b.is_ascii_alphabetic()).count()
    });
    Some(pos + letters)
}

/// Compares the value with one operand: as durations if both read as
/// durations, else as quantities, else as wildcard strings
/// (`validateString`).
pub fn compare(value: &Value, operand: &str, op: Op) -> bool {
    compare_duration(value, operand, op)
        .or_else(|| compare_quantity(value, operand, op))
        .unwrap_or_else(|| compare_string(value, operand, op))
}

/// A duration comparison, or `None` when either side is not a duration.
fn compare_duration(value: &Value, operand: &str, op: Op) -> Option<bool> {
    let pattern = duration::parse(operand).ok()?;
    let value = duration::parse(&number_to_string(value)?).ok()?;
    ordered(value.cmp(&pattern), op)
}

/// A quantity comparison, or `None` when either side is not a quantity.
fn compare_quantity(value: &Value, operand: &str, op: Op) -> Option<bool> {
    let pattern = Quantity::parse(operand)?;
    let value = Quantity::parse(&number_to_string(value)?)?;
    ordered(value.cmp(&pattern), op)
}

/// Whether `ordering` (value against pattern) satisfies a comparison
/// operator; `None` for the range operators, which never get here.
fn ordered(ordering: std::cmp::Ordering, op: Op) -> Option<bool> {
    use std::cmp::Ordering::{Equal, Greater, Less};
    Some(match op {
        Op::Equal => ordering == Equal,
        Op::NotEqual => ordering != Equal,
        Op::More => ordering == Greater,
        Op::Less => ordering == Less,
        Op::MoreEqual => ordering != Less,
        Op::LessEqual => ordering != Greater,
        Op::InRange | Op::NotInRange => return None,
    })
}

/// The value as the text duration and quantity parsing read
/// (`convertNumberToString`): `null` is `"0"`, floats have six decimals.
fn number_to_string(value: &Value) -> Option<String> {
    match GoValue::of(value) {
        GoValue::Nil => Some("0".to_owned()),
        GoValue::Str(s) => Some(s.to_owned()),
        GoValue::Float(f) => Some(golang::format_f(f)),
        GoValue::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

/// A wildcard string comparison; only `!` and no operator apply to strings
/// (`compareString`). Floats print as Go's `%E` (`1E+00`).
fn compare_string(value: &Value, operand: &str, op: Op) -> bool {
    if !matches!(op, Op::Equal | Op::NotEqual) {
        return false;
    }
    let text = match GoValue::of(value) {
        GoValue::Float(f) => golang::format_upper_e(f),
        GoValue::Int(i) => i.to_string(),
        GoValue::Str(s) => s.to_owned(),
        GoValue::Bool(b) => b.to_string(),
        _ => return false,
    };
    wildcards::matches(operand, &text) == (op == Op::Equal)
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

    /// `TestValidateValueWithFloatPattern_*` and `…IntPattern_*`.
    #[test]
    fn float_and_int_patterns() {
        assert!(float_pattern(&json!(7.9914), 7.9914));
        assert!(!float_pattern(&json!(7.9914), 7.99141));
        assert!(float_pattern(&json!(7), 7.0));
        assert!(float_pattern(&json!(7.0), 7.0));
        assert!(int_pattern(&json!(7.0), 7));
        assert!(!int_pattern(&json!(7.000001), 7));
        assert!(!int_pattern(&json!(8), 7));
    }

    /// `TestValidateValueWithStringPattern_WithSpace` and `…_Ranges`.
    #[test]
    fn ranges() {
        let cases = [
            (json!(4), ">= 3", true),
            (json!(0), "0-2", true),
            (json!(1), "0-2", true),
            (json!(2), "0-2", true),
            (json!(3), "0-2", false),
            (json!(0), "10!-20", true),
            (json!(15), "10!-20", false),
            (json!(25), "10!-20", true),
            (json!(0), "0.00001-2.00001", false),
            (json!(1), "0.00001-2.00001", true),
            (json!(2), "0.00001-2.00001", true),
            (json!(2.0001), "0.00001-2.00001", false),
            (json!(0), "0.00001!-2.00001", true),
            (json!(1), "0.00001!-2.00001", false),
            (json!(2), "0.00001!-2.00001", false),
            (json!(2.0001), "0.00001!-2.00001", true),
            (json!(2), "2-2", true),
            (json!(2), "2!-2", false),
            (json!(2.99999), "2.99998-3", true),
            (json!(2.99997), "2.99998!-3", true),
            (json!(3.00001), "2.99998!-3", true),
            (json!("256Mi"), "128Mi-512Mi", true),
            (json!("1024Mi"), "128Mi-512Mi", false),
            (json!("64Mi"), "128Mi-512Mi", false),
            (json!("256Mi"), "128Mi!-512Mi", false),
            (json!("1024Mi"), "128Mi!-512Mi", true),
            (json!("64Mi"), "128Mi!-512Mi", true),
            (json!(-9), "-10-8", true),
            (json!(9), "-10--8", false),
            (json!(9), "-10!--8", true),
            (json!("9Mi"), "-10Mi!--8Mi", true),
            (json!(-9), "-10!--8", false),
            (json!("-9Mi"), "-10Mi-8Mi", true),
            (json!("9Mi"), "-10Mi!-8Mi", true),
            (json!(0), "-10-+8", true),
            (json!("7Mi"), "-10Mi-+8Mi", true),
            (json!(10), "-10!-+8", true),
            (json!("10Mi"), "-10Mi!-+8Mi", true),
            (json!(0), "+0-+1", true),
            (json!("10Mi"), "+0Mi-+1024Mi", true),
            (json!(10), "+0!-+1", true),
            (json!("1025Mi"), "+0Mi!-+1024Mi", true),
        ];
        for (value, pattern, want) in cases {
            assert_eq!(
                string_pattern(&value, pattern),
                want,
                "{value} vs {pattern:?}"
            );
        }
    }

    /// `TestValidateNumberWithStr_LessFloatAndInt`, `TestValidateQuantity_*`
    /// and `TestValidateDuration`.
    #[test]
    fn typed_comparisons() {
        let cases = [
            (json!(7.00001), "7.000001", Op::More, true),
            (json!(7.00001), "7", Op::NotEqual, true),
            (json!(7.0), "7", Op::Equal, true),
            (json!(6.000000001), "6", Op::Less, false),
            (json!("1024Gi"), "", Op::Equal, false),
            (json!("gii"), "1024Gi", Op::Equal, false),
            (json!("12s"), "12s", Op::Equal, true),
            (json!("12s"), "15s", Op::NotEqual, true),
            (json!("12s"), "15s", Op::Less, true),
            (json!("12s"), "15s", Op::LessEqual, true),
            (json!("12s"), "12s", Op::LessEqual, true),
            (json!("15s"), "12s", Op::Less, false),
            (json!("15s"), "12s", Op::LessEqual, false),
            (json!("15s"), "12s", Op::More, true),
            (json!("15s"), "12s", Op::MoreEqual, true),
            (json!("12s"), "12s", Op::MoreEqual, true),
            (json!("12s"), "15s", Op::More, false),
            (json!("12s"), "15s", Op::MoreEqual, false),
            (json!("1024Gi"), "1024Gi", Op::Equal, true),
            (json!("1024Mi"), "1Gi", Op::Equal, true),
            (json!("0.2"), "200m", Op::Equal, true),
            (json!("500"), "500", Op::Equal, true),
            (json!("2048"), "1024", Op::Equal, false),
            (json!(1024), "1024", Op::Equal, true),
            (json!("1Gi"), "1000Mi", Op::More, true),
            (json!("1G"), "1Gi", Op::Less, true),
            (json!("500m"), "0.5", Op::MoreEqual, true),
            (json!("1"), "500m", Op::MoreEqual, true),
            (json!("0.5"), ".5", Op::LessEqual, true),
            (json!("0.2"), ".5", Op::LessEqual, true),
            (json!("0.2"), ".5", Op::NotEqual, true),
            // TestValidateQuantity_Operation_No_String_Check: decided as
            // quantities, never reaching the string comparison.
            (json!("500m"), "0.6", Op::MoreEqual, false),
        ];
        for (value, operand, op, want) in cases {
            assert_eq!(
                compare(&value, operand, op),
                want,
                "{value} {op:?} {operand:?}"
            );
        }
        assert_eq!(
            compare_quantity(&json!("500m"), "0.6", Op::MoreEqual),
            Some(false)
        );
    }

    /// `TestGetOperatorFromStringPattern_*` (both copies).
    #[test]
    fn operators() {
        let cases = [
            ("f", Op::Equal),
            ("", Op::Equal),
            (">=", Op::MoreEqual),
            ("0-1", Op::InRange),
            ("0Mi-1024Mi", Op::InRange),
            ("0!-1", Op::NotInRange),
            ("0Mi!-1024Mi", Op::NotInRange),
            ("text1024Mi-2048Mi", Op::Equal),
            ("test-value", Op::Equal),
            ("value-*", Op::Equal),
            ("text1024Mi!-2048Mi", Op::Equal),
            ("test!-value", Op::Equal),
            ("value!-*", Op::Equal),
            ("-10--8", Op::InRange),
            ("-10Mi--8Mi", Op::InRange),
            ("-10!--8", Op::NotInRange),
            ("-10Mi!--8Mi", Op::NotInRange),
            ("-10-+8", Op::InRange),
            ("-10Mi-+8Mi", Op::InRange),
            ("-10!-+8", Op::NotInRange),
            ("-10Mi!-+8Mi", Op::NotInRange),
            ("+0-+1", Op::InRange),
            ("+0Mi-+1024Mi", Op::InRange),
            ("+0!-+1", Op::NotInRange),
            ("+0Mi!-+1024Mi", Op::NotInRange),
            ("<=5", Op::LessEqual),
            ("<5", Op::Less),
            (">5", Op::More),
            ("!5", Op::NotEqual),
        ];
        for (pattern, want) in cases {
            assert_eq!(operator(pattern), want, "{pattern:?}");
        }
    }

    /// `TestValidate`, every case (Go's `[]string{}` pattern is a list too).
    #[test]
    fn validate_cases() {
        let cases = [
            (json!(true), json!(true), true),
            (json!(true), json!(false), false),
            (json!(false), json!(true), false),
            (json!(false), json!(false), true),
            (json!("value"), json!(null), false),
            (json!(""), json!(null), true),
            (json!(0.0), json!(null), true),
            (json!(0), json!(null), true),
            (json!(false), json!(null), true),
            (
                json!("10.100.11.54"),
                json!("192.168.88.1 | 10.100.11.*"),
                true,
            ),
            (json!("10"), json!(">1 & <20"), true),
            (json!("10"), json!(">1 & <20 | >31 & <33"), true),
            (json!("32"), json!(">1 & <20 | >31 & <33"), true),
            (json!("21"), json!(">1 & <20 | >31 & <33"), false),
            (json!(7.0), json!(7.000), true),
            (json!(10), json!(10), true),
            (json!(8), json!(10), false),
            (json!(10), json!(10), true),
            (json!(8), json!(10), false),
            (json!(null), json!([]), false),
            (json!(null), json!([]), false),
            (json!({"a": true}), json!({"a": true}), true),
            (json!({"a": true}), json!({"b": false}), true),
            (json!(null), json!(false), false),
            (json!(8.0), json!(8), true),
            (json!(8.1), json!(8), false),
            (json!("8"), json!(8), true),
            (json!("8.1"), json!(8), false),
            (json!(false), json!(8), false),
            (json!(8), json!(8.0), true),
            (json!(8), json!(8.1), false),
            (json!(8), json!(8.0), true),
            (json!(8), json!(8.1), false),
            (json!("8"), json!(8.0), true),
            (json!("8.1"), json!(8.1), true),
            (json!("abc"), json!(8.1), false),
            (json!(false), json!(8.0), false),
        ];
        for (value, pattern, want) in cases {
            assert_eq!(matches(&value, &pattern), want, "{value} vs {pattern}");
        }
    }

    /// `Test_convertNumberToString`.
    #[test]
    fn number_to_string_cases() {
        let cases = [
            (json!(null), Some("0")),
            (json!("123"), Some("123")),
            (json!(""), Some("")),
            (json!("abc"), Some("abc")),
            (json!(0.0), Some("0.000000")),
            (json!(3.10), Some("3.100000")),
            (json!(-3.10), Some("-3.100000")),
            (json!(-3), Some("-3")),
            (json!(3), Some("3")),
            (json!(0), Some("0")),
            (json!(false), None),
        ];
        for (value, want) in cases {
            assert_eq!(number_to_string(&value).as_deref(), want, "{value}");
        }
    }

    /// `Test_validateMapPattern` and `Test_validateNilPattern`.
    #[test]
    fn map_and_nil_patterns() {
        let map = json!({});
        for (value, want) in [
            (json!(null), false),
            (json!(true), false),
            (json!(8), false),
            (json!(""), false),
            (json!("abc"), false),
            (json!({}), true),
            (json!({"a": true}), true),
        ] {
            assert_eq!(matches(&value, &map), want, "{value}");
        }
        for (value, want) in [
            (json!(null), true),
            (json!(0.0), true),
            (json!(0), true),
            (json!(""), true),
            (json!(false), true),
            (json!({}), false),
            (json!([]), false),
            (json!(1.0), false),
            (json!(1), false),
            (json!("abc"), false),
            (json!(true), false),
        ] {
            assert_eq!(nil_pattern(&value), want, "{value}");
        }
    }

    /// `Test_validateStringPatterns`.
    #[test]
    fn string_patterns_cases() {
        let cases = [
            ("5.16.5-arch1-1", "!5.10.84-1", true),
            ("5.10.84-1", "5.10.84-1", true),
            ("!5.10.84-1", "!5.10.84-1", true),
            ("5.10.84-1", "!5.10.84-1", false),
            ("5.16.5-arch1-1", "!5.10.84-1 & !5.15.2-1", true),
            ("5.10.84-1", "!5.10.84-1 & !5.15.2-1", false),
            ("5.15.2-1", "!5.10.84-1 & !5.15.2-1", false),
        ];
        for (value, pattern, want) in cases {
            assert_eq!(
                string_patterns(&json!(value), pattern),
                want,
                "{value} vs {pattern:?}"
            );
        }
    }

    /// `Test_split`.
    #[test]
    fn split_empty() {
        assert_eq!(range("", "-"), None);
        assert_eq!(range("", "!-"), None);
        assert_eq!(range("1.5Mi-2", "-"), Some(("1.5Mi", "2")));
    }

    /// `Test_compareString`.
    #[test]
    fn compare_string_cases() {
        let cases = [
            (json!("anything"), "*", true),
            (json!(""), "*", true),
            (json!("leftright"), "*right", true),
            (json!("right"), "*right", true),
            (json!("leftmiddle"), "*right", false),
            (json!("middle"), "*right", false),
            (json!("abbeba"), "ab*ba", true),
            (json!("abbca"), "ab*ba", false),
            (json!("abbba"), "ab?ba", true),
            (json!("abbbba"), "ab?ba", false),
            (json!(null), "ab?ba", false),
            (json!(""), "ab?ba", false),
            (json!(""), "", true),
            (json!(1), "1", true),
            (json!(1), "1", true),
            (json!(1.0), "1E+*", true),
            (json!(true), "true", true),
        ];
        for (value, pattern, want) in cases {
            assert_eq!(
                compare_string(&value, pattern, Op::Equal),
                want,
                "{value} vs {pattern:?}"
            );
        }
        assert!(!compare_string(&json!("a"), "a", Op::More));
        assert!(!compare_string(&json!(null), "a", Op::NotEqual));
    }

    /// Cases the Go tests leave out but policies meet.
    #[test]
    fn quirks() {
        // Absent values read as "0" for durations and quantities.
        assert!(matches(&json!(null), &json!("0")));
        assert!(matches(&json!(null), &json!("<1")));
        assert!(!matches(&json!(null), &json!("*")));
        assert!(matches(&json!(5), &json!("*")));
        assert!(matches(&json!("?*"), &json!("?*")));
        assert!(!matches(&json!({"a": 1}), &json!("*")));
        assert!(!matches(&json!([1]), &json!("*")));
        assert!(matches(&json!("1h30m"), &json!(">1h")));
        assert!(matches(&json!("100Mi"), &json!("<= 1Gi")));
        assert!(matches(&json!("nginx:1.2"), &json!("!*:latest")));
        assert!(!matches(&json!("nginx:latest"), &json!("!*:latest")));
    }
}
