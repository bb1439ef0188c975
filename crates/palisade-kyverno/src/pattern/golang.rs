//! How Kyverno's Go code sees a JSON value: its dynamic type, and how
//! `fmt` and `strconv` print and read numbers. Patterns and conditions
//! compare values through these, so the quirks of Go's formatting (`1e+06`,
//! `1E+00`, `0.500000`) decide results and are reproduced here.

use serde_json::{Map, Number, Value};

/// A JSON value as one of the Go types Kyverno switches on.
///
/// Kubernetes decodes an integral JSON number to `int64` and any other to
/// `float64`; serde_json makes the same split, except that an integer
/// beyond `i64` is a `float64` in Go.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GoValue<'a> {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
    Map(&'a Map<String, Value>),
    Slice(&'a [Value]),
}

impl<'a> GoValue<'a> {
    /// The Go type of `value`.
    pub fn of(value: &'a Value) -> Self {
        match value {
            Value::Null => Self::Nil,
            Value::Bool(b) => Self::Bool(*b),
            Value::Number(n) => number(n),
            Value::String(s) => Self::Str(s),
            Value::Object(m) => Self::Map(m),
            Value::Array(a) => Self::Slice(a),
        }
    }
}

/// A JSON number as Go's `int64` or `float64`.
pub fn number(n: &Number) -> GoValue<'static> {
    match n.as_i64() {
        Some(i) => GoValue::Int(i),
        None => GoValue::Float(n.as_f64().unwrap_or(f64::NAN)),
    }
}

/// `fmt.Sprint(v)`: Go's `%v` of a decoded JSON value (strings bare, `nil`
/// as `<nil>`, maps as `map[k:v]` with sorted keys, slices as `[a b]`).
pub fn sprint(value: &Value) -> String {
    sprint_go(GoValue::of(value))
}

/// `fmt.Sprint` of a value already seen as its Go type.
pub fn sprint_go(value: GoValue<'_>) -> String {
    match value {
        GoValue::Nil => "<nil>".to_owned(),
        GoValue::Bool(b) => b.to_string(),
        GoValue::Int(i) => i.to_string(),
        GoValue::Float(f) => format_g(f),
        GoValue::Str(s) => s.to_owned(),
        GoValue::Map(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{k}:{}", sprint(v)))
                .collect();
            format!("map[{}]", inner.join(" "))
        }
        GoValue::Slice(items) => {
            let inner: Vec<String> = items.iter().map(sprint).collect();
            format!("[{}]", inner.join(" "))
        }
    }
}

/// The shortest decimal digits of `f` and the power of ten of the first
/// one: `1500.0` is `("15", 3)`.
fn shortest_digits(f: f64) -> (String, i32) {
    let text = format!("{:e}", f.abs());
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exp.parse().unwrap_or(0))
}

/// Go's `%e` layout of shortest digits, with `e` or `E`.
fn layout_e(f: f64, letter: char) -> String {
    let (digits, exp) = shortest_digits(f);
    let sign = if f.is_sign_negative() { "-" } else { "" };
    let (first, rest) = digits.split_at(1.min(digits.len()));
    let fraction = if rest.is_empty() {
        String::new()
    } else {
        format!(".{rest}")
    };
    let exp_sign = if exp < 0 { '-' } else { '+' };
    format!(
        "{sign}{first}{fraction}{letter}{exp_sign}{:02}",
        exp.unsigned_abs()
    )
}

/// `strconv.FormatFloat(f, 'g', -1, 64)`, which is also `%v`: shortest
/// digits, in exponent form when the exponent is below -4 or at least 6.
pub fn format_g(f: f64) -> String {
    if let Some(special) = non_finite(f) {
        return special;
    }
    let (digits, exp) = shortest_digits(f);
    if !(-4..6).contains(&exp) {
        return layout_e(f, 'e');
    }
    let sign = if f.is_sign_negative() { "-" } else { "" };
    let point = usize::try_from(exp + 1).unwrap_or(0);
    if exp < 0 {
        let zeros = "0".repeat(exp.unsigned_abs() as usize - 1);
        return format!("{sign}0.{zeros}{digits}");
    }
    if digits.len() <= point {
        return format!("{sign}{digits}{}", "0".repeat(point - digits.len()));
    }
    let (whole, fraction) = digits.split_at(point);
    format!("{sign}{whole}.{fraction}")
}

/// `strconv.FormatFloat(f, 'E', -1, 64)`: `1E+00`, `1.5E+03`.
pub fn format_upper_e(f: f64) -> String {
    non_finite(f).unwrap_or_else(|| layout_e(f, 'E'))
}

/// Go's `%f`: six decimals.
pub fn format_f(f: f64) -> String {
    non_finite(f).unwrap_or_else(|| format!("{f:.6}"))
}

/// How Go prints infinities and NaN (never produced by JSON, but kept total).
fn non_finite(f: f64) -> Option<String> {
    if f.is_nan() {
        Some("NaN".to_owned())
    } else if f.is_infinite() {
        Some(if f > 0.0 { "+Inf" } else { "-Inf" }.to_owned())
    } else {
        None
    }
}

/// `strconv.ParseInt(s, 10, 64)`.
pub fn parse_int(s: &str) -> Option<i64> {
    s.parse().ok()
}

/// `strconv.ParseFloat(s, 64)` for decimal input: a value out of range is
/// an error, as in Go (which returns ±Inf with `ErrRange`). Go's hexadecimal
/// floats and `_` separators are not read.
pub fn parse_float(s: &str) -> Option<f64> {
    let f: f64 = s.parse().ok()?;
    let literal_inf = {
        let bare = s.trim_start_matches(['+', '-']).to_ascii_lowercase();
        bare == "inf" || bare == "infinity"
    };
    (f.is_finite() || f.is_nan() || literal_inf).then_some(f)
}

/// Go's `math.Trunc(f) == f` check for a float with no fraction.
pub fn is_integral(f: f64) -> bool {
    f.trunc() == f
}

/// Go's `int64(f)` conversion (saturating here where Go's is undefined).
pub fn to_int(f: f64) -> i64 {
    f as i64
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    // Go's tests use 3.14 as a plain value, not as π.
    #![allow(clippy::approx_constant)]

    use serde_json::json;

    use super::*;

    #[test]
    fn prints_like_fmt() {
        let cases = [
            (json!(null), "<nil>"),
            (json!(true), "true"),
            (json!(42), "42"),
            (json!(-3), "-3"),
            (json!(1.0), "1"),
            (json!(1.5), "1.5"),
            (json!(3.14), "3.14"),
            (json!(100000.0), "100000"),
            (json!(1000000.0), "1e+06"),
            (json!(123456789.0), "1.23456789e+08"),
            (json!(0.0001), "0.0001"),
            (json!(0.00001), "1e-05"),
            (json!(-2.5e-7), "-2.5e-07"),
            (json!("s"), "s"),
            (json!(["a", 1, null]), "[a 1 <nil>]"),
            (json!({"b": 1, "a": "x"}), "map[a:x b:1]"),
        ];
        for (value, want) in cases {
            assert_eq!(sprint(&value), want, "{value}");
        }
    }

    #[test]
    fn formats_floats() {
        assert_eq!(format_upper_e(1.0), "1E+00");
        assert_eq!(format_upper_e(7.00001), "7.00001E+00");
        assert_eq!(format_upper_e(1500.0), "1.5E+03");
        assert_eq!(format_upper_e(1e100), "1E+100");
        assert_eq!(format_f(0.0), "0.000000");
        assert_eq!(format_f(3.10), "3.100000");
        assert_eq!(format_f(-3.10), "-3.100000");
    }

    #[test]
    fn parses_like_strconv() {
        assert_eq!(parse_float("8.1"), Some(8.1));
        assert_eq!(parse_float(".5"), Some(0.5));
        assert_eq!(parse_float("1e3"), Some(1000.0));
        assert_eq!(parse_float("1e400"), None);
        assert_eq!(parse_float("inf"), Some(f64::INFINITY));
        assert_eq!(parse_float("abc"), None);
        assert_eq!(parse_float(""), None);
        assert_eq!(parse_int("+8"), Some(8));
        assert_eq!(parse_int("8.1"), None);
        assert_eq!(parse_int("99999999999999999999"), None);
    }

    #[test]
    fn go_types() {
        assert_eq!(GoValue::of(&json!(5)), GoValue::Int(5));
        assert_eq!(GoValue::of(&json!(5.0)), GoValue::Float(5.0));
        assert_eq!(
            GoValue::of(&json!(u64::MAX)),
            GoValue::Float(u64::MAX as f64)
        );
    }
}
