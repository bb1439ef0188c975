//! Plain scalars resolved as the Kubernetes API server resolves them.
//!
//! `kubectl` and the API server read YAML through `sigs.k8s.io/yaml`, which
//! uses go-yaml v2: YAML 1.1 rules, where `yes`/`on`/`y` are `true`, `012` is
//! octal and `0x1F` hex. Every Rust YAML crate speaks YAML 1.2, where those are
//! strings, so `privileged: yes` would slip through. The table below follows
//! go-yaml v2's `resolve.go`.

use palisade_model::Value;

/// Resolves an untagged plain scalar.
pub(crate) fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let first = text.as_bytes().first().copied().unwrap_or(b' ');
    if first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.') {
        if let Some(int) = parse_int(text) {
            return Value::Int(int);
        }
        if is_yaml_float(text)
            && let Ok(f) = text.replace('_', "").parse::<f64>()
        {
            return Value::Float(f);
        }
    }
    Value::String(text.to_owned())
}

/// Resolves a scalar carrying a core-schema tag (`!!str`, `!!int`, ...).
/// Unknown tags resolve like plain scalars, as go-yaml does.
pub(crate) fn resolve_tagged(text: &str, suffix: &str) -> Value {
    match suffix {
        "str" => Value::String(text.to_owned()),
        "null" => Value::Null,
        "bool" => match resolve_plain(text) {
            b @ Value::Bool(_) => b,
            _ => Value::String(text.to_owned()),
        },
        "int" => parse_int(text).map_or_else(|| Value::String(text.to_owned()), Value::Int),
        "float" => match resolve_plain(text) {
            Value::Int(i) => Value::Float(i as f64),
            f @ Value::Float(_) => f,
            _ => Value::String(text.to_owned()),
        },
        _ => resolve_plain(text),
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` after go-yaml strips `_`: optional sign,
/// then `0x` hex, `0b` binary, `0o` or a leading `0` octal, or decimal.
fn parse_int(text: &str) -> Option<i64> {
    let cleaned = text.replace('_', "");
    let (negative, digits) = match cleaned.as_bytes().first() {
        Some(b'-') => (true, &cleaned[1..]),
        Some(b'+') => (false, &cleaned[1..]),
        _ => (false, cleaned.as_str()),
    };
    if digits.is_empty() {
        return None;
    }
    let (radix, body) = if let Some(rest) = digits.strip_prefix("0x").or(digits.strip_prefix("0X"))
    {
        (16, rest)
    } else if let Some(rest) = digits.strip_prefix("0b").or(digits.strip_prefix("0B")) {
        (2, rest)
    } else if let Some(rest) = digits.strip_prefix("0o").or(digits.strip_prefix("0O")) {
        (8, rest)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(body, radix).ok()?;
    let value = if negative { -magnitude } else { magnitude };
    i64::try_from(value).ok()
}

/// go-yaml v2's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(text: &str) -> bool {
    let s = text.replace('_', "");
    let s = s.strip_prefix(['-', '+']).unwrap_or(&s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit()),
        Some((int, frac)) => {
            !int.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_booleans() {
        for t in [
            "yes", "Yes", "YES", "on", "On", "ON", "y", "Y", "true", "True",
        ] {
            assert_eq!(resolve_plain(t), Value::Bool(true), "{t}");
        }
        for f in [
            "no", "No", "NO", "off", "Off", "OFF", "n", "N", "false", "FALSE",
        ] {
            assert_eq!(resolve_plain(f), Value::Bool(false), "{f}");
        }
        assert_eq!(resolve_plain("yEs"), Value::String("yEs".into()));
    }

    #[test]
    fn yaml_1_1_integers() {
        assert_eq!(resolve_plain("012"), Value::Int(10));
        assert_eq!(resolve_plain("0x1F"), Value::Int(31));
        assert_eq!(resolve_plain("0b101"), Value::Int(5));
        assert_eq!(resolve_plain("-0"), Value::Int(0));
        assert_eq!(resolve_plain("+80"), Value::Int(80));
        assert_eq!(resolve_plain("1_000"), Value::Int(1000));
        assert_eq!(resolve_plain("0"), Value::Int(0));
        // go-yaml: not an octal int, but it matches the float pattern.
        assert_eq!(resolve_plain("09"), Value::Float(9.0));
        assert_eq!(resolve_plain("1.5"), Value::Float(1.5));
        assert_eq!(resolve_plain("1e3"), Value::Float(1000.0));
        assert_eq!(resolve_plain("1.2.3"), Value::String("1.2.3".into()));
        assert_eq!(resolve_plain("v1"), Value::String("v1".into()));
        assert_eq!(resolve_plain("-"), Value::String("-".into()));
    }

    #[test]
    fn nulls_and_tags() {
        assert_eq!(resolve_plain("~"), Value::Null);
        assert_eq!(resolve_plain(""), Value::Null);
        assert_eq!(resolve_tagged("yes", "str"), Value::String("yes".into()));
        assert_eq!(resolve_tagged("012", "int"), Value::Int(10));
        assert_eq!(resolve_tagged("on", "bool"), Value::Bool(true));
    }
}
