//! Between JSON and JMESPath variables, with numbers as Go holds them.
//!
//! The fork decodes every JSON number to a float64 and encodes integral
//! floats without a fraction; numbers we make are stored as integers when
//! integral, so the crate's built-ins (`to_string`, `join`) print `3`, and
//! results convert back the same way.

use std::collections::BTreeMap;

use jmespath::{Rcvar, Variable};
use serde_json::{Number, Value as Json};

/// A JSON value as a JMESPath variable.
pub(crate) fn from_json(value: &Json) -> Rcvar {
    Rcvar::new(variable(value))
}

fn variable(value: &Json) -> Variable {
    match value {
        Json::Null => Variable::Null,
        Json::Bool(b) => Variable::Bool(*b),
        Json::Number(n) => Variable::Number(n.clone()),
        Json::String(s) => Variable::String(s.clone()),
        Json::Array(items) => Variable::Array(items.iter().map(from_json).collect()),
        Json::Object(map) => Variable::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), from_json(v)))
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

/// A variable as JSON; integral numbers become integers. An expression
/// reference (only a function could return one) has no JSON form.
pub(crate) fn to_json(value: &Variable) -> Result<Json, String> {
    Ok(match value {
        Variable::Null => Json::Null,
        Variable::Bool(b) => Json::Bool(*b),
        Variable::Number(n) => Json::Number(normalize(n)),
        Variable::String(s) => Json::String(s.clone()),
        Variable::Array(items) => Json::Array(
            items
                .iter()
                .map(|v| to_json(v))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Variable::Object(map) => Json::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), to_json(v)?)))
                .collect::<Result<serde_json::Map<_, _>, String>>()?,
        ),
        Variable::Expref(_) => return Err("an expression reference is not a JSON value".into()),
    })
}

/// `n` as an integer when it is an integral float that fits one.
fn normalize(n: &Number) -> Number {
    if n.is_f64()
        && let Some(i) = n.as_f64().and_then(integral)
    {
        return i;
    }
    n.clone()
}

/// `f` as an integer JSON number, if it is integral and within 64 bits.
fn integral(f: f64) -> Option<Number> {
    if f.fract() != 0.0 || !f.is_finite() {
        return None;
    }
    // 2^63 and 2^64 are exact as f64; the casts below are then lossless.
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    const TWO_64: f64 = 18_446_744_073_709_551_616.0;
    if (-TWO_63..TWO_63).contains(&f) {
        #[allow(clippy::cast_possible_truncation)]
        return Some(Number::from(f as i64));
    }
    if (0.0..TWO_64).contains(&f) {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        return Some(Number::from(f as u64));
    }
    None
}

/// A number variable for `f`, or `None` when `f` is not finite (JSON has
/// no NaN or infinity).
pub(crate) fn number(f: f64) -> Option<Rcvar> {
    let n = integral(f).or_else(|| Number::from_f64(f))?;
    Some(Rcvar::new(Variable::Number(n)))
}

pub(crate) fn string(s: impl Into<String>) -> Rcvar {
    Rcvar::new(Variable::String(s.into()))
}

pub(crate) fn boolean(b: bool) -> Rcvar {
    Rcvar::new(Variable::Bool(b))
}

pub(crate) fn null() -> Rcvar {
    Rcvar::new(Variable::Null)
}

/// A float as Go's `strconv.FormatFloat(f, 'f', -1, 32)` prints it, which
/// is how Kyverno turns a number argument into a string: the shortest
/// digits that identify the float32, never an exponent.
pub(crate) fn go_float32_string(f: f64) -> String {
    #[allow(clippy::cast_possible_truncation)]
    let f = f as f32;
    format!("{f}")
}

/// A float as Go's `fmt.Sprintf("%v", f)` (and `%g`): shortest digits,
/// with a signed exponent of two digits at least below 1e-4 or from 1e6 on
/// (`1e+06`).
pub(crate) fn go_g_string(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let e = format!("{f:e}");
    let Some((mantissa, exp)) = e.split_once('e') else {
        return e;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    if f != 0.0 && !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.unsigned_abs())
    } else {
        format!("{f}")
    }
}

/// JSON as Go's `json.Marshal` writes it: compact, keys sorted, `<`, `>`,
/// `&`, U+2028 and U+2029 escaped, floats in Go's notation.
pub(crate) fn go_json(value: &Json) -> String {
    let mut out = String::new();
    write_go_json(value, &mut out);
    out
}

fn write_go_json(value: &Json, out: &mut String) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => out.push_str(&go_number(n)),
        Json::String(s) => write_go_string(s, out),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_json(item, out);
            }
            out.push(']');
        }
        Json::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_string(k, out);
                out.push(':');
                write_go_json(v, out);
            }
            out.push('}');
        }
    }
}

fn write_go_string(s: &str, out: &mut String) {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    for c in quoted.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
}

/// A number as Go's JSON encoder writes a float64.
fn go_number(n: &Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let Some(f) = n.as_f64() else {
        return n.to_string();
    };
    if let Some(i) = integral(f).filter(|_| f.abs() < 1e21) {
        return i.to_string();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let e = format!("{f:e}");
        // Go writes a sign on positive exponents: 1e+21.
        match e.split_once('e') {
            Some((m, x)) if !x.starts_with('-') => format!("{m}e+{x}"),
            _ => e,
        }
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;
    use serde_json::json;

    #[test]
    fn integral_floats_become_integers() {
        let v = Variable::Number(Number::from_f64(3.0).unwrap());
        assert_eq!(to_json(&v).unwrap(), json!(3));
        let v = Variable::Number(Number::from_f64(2.5).unwrap());
        assert_eq!(to_json(&v).unwrap(), json!(2.5));
    }

    #[test]
    fn go_number_strings() {
        assert_eq!(go_float32_string(12.0), "12");
        assert_eq!(go_float32_string(-12.5), "-12.5");
        assert_eq!(go_float32_string(0.1), "0.1");
        assert_eq!(go_g_string(3.0), "3");
        assert_eq!(go_g_string(2.5), "2.5");
        assert_eq!(go_g_string(100000.0), "100000");
        assert_eq!(go_g_string(1e6), "1e+06");
        assert_eq!(go_g_string(1e21), "1e+21");
        assert_eq!(go_g_string(0.00001), "1e-05");
        assert_eq!(go_g_string(f64::MAX), "1.7976931348623157e+308");
    }

    #[test]
    fn go_json_encoding() {
        assert_eq!(
            go_json(&json!({"b": 1.5, "a": "<&>"})),
            r#"{"a":"\u003c\u0026\u003e","b":1.5}"#
        );
        assert_eq!(go_json(&json!(1e-7)), "1e-7");
        assert_eq!(go_json(&json!(1e22)), "1e+22");
        assert_eq!(go_json(&json!(2.0)), "2");
    }
}
