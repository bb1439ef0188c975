//! Functions over objects and arrays, and `to_string`.

use std::collections::BTreeMap;

use jmespath::{Rcvar, Variable};

use super::{FnError, error, not_of_type, stringish_arg};
use crate::jmespath::value::{self, boolean, null, string};

/// Whether every label of the first object is in the second, equal.
pub(crate) fn label_match(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    // Kyverno numbers these two arguments from 0.
    let labels = args
        .first()
        .and_then(|v| v.as_object())
        .ok_or_else(|| error("label_match", "argument #0 is not of type Object"))?;
    let target = args
        .get(1)
        .and_then(|v| v.as_object())
        .ok_or_else(|| error("label_match", "argument #1 is not of type Object"))?;
    Ok(boolean(
        labels
            .iter()
            .all(|(k, v)| target.get(k).is_some_and(|t| t == v)),
    ))
}

/// The value at a key of an object or an index of an array; null when
/// absent.
pub(crate) fn lookup(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let key = args.get(1).map(|v| &**v);
    match args.first().map(|v| &**v) {
        Some(Variable::Object(map)) => match key {
            Some(Variable::String(k)) => Ok(map.get(k).cloned().unwrap_or_else(null)),
            _ => Err(not_of_type("lookup", 1, "String")),
        },
        Some(Variable::Array(items)) => {
            let Some(Variable::Number(n)) = key else {
                return Err(not_of_type("lookup", 1, "Number"));
            };
            let index = int_number(n.as_f64().unwrap_or(f64::NAN))
                .map_err(|e| error("lookup", format!("argument #2: {e}")))?;
            Ok(usize::try_from(index)
                .ok()
                .and_then(|i| items.get(i).cloned())
                .unwrap_or_else(null))
        }
        _ => Err(not_of_type("lookup", 0, "Object or Array")),
    }
}

/// Kyverno's `intNumber`: the integer `f` is, or why it is not one.
pub(crate) fn int_number(f: f64) -> Result<i64, String> {
    if !f.is_finite() || f.trunc() != f {
        return Err(format!(
            "expected an integer number but got: {}",
            value::go_g_string(f)
        ));
    }
    // 2^63 is exact as an f64; within (-2^63, 2^63) the cast is lossless.
    if f.abs() >= 9_223_372_036_854_775_808.0 {
        return Err(format!(
            "number is outside the range of integer numbers: {}",
            value::go_g_string(f)
        ));
    }
    #[allow(clippy::cast_possible_truncation)]
    Ok(f as i64)
}

/// An object or array as an array of `{keyName: key, valName: value}`,
/// keys sorted.
pub(crate) fn items(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let key_name = args
        .get(1)
        .and_then(|v| v.as_string())
        .ok_or_else(|| not_of_type("items", 1, "String"))?;
    let value_name = args
        .get(2)
        .and_then(|v| v.as_string())
        .ok_or_else(|| not_of_type("items", 2, "String"))?;
    let pair = |key: Rcvar, value: &Rcvar| {
        let mut map = BTreeMap::new();
        map.insert(key_name.clone(), key);
        map.insert(value_name.clone(), value.clone());
        Rcvar::new(Variable::Object(map))
    };
    let result: Vec<Rcvar> = match args.first().map(|v| &**v) {
        Some(Variable::Object(map)) => map
            .iter()
            .map(|(k, v)| pair(string(k.clone()), v))
            .collect(),
        Some(Variable::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, v)| pair(value::number(i as f64).unwrap_or_else(null), v))
            .collect(),
        _ => return Err(not_of_type("items", 0, "Object or Array")),
    };
    Ok(Rcvar::new(Variable::Array(result)))
}

/// An object from a list of keys and a list of values; a key without a
/// value maps to null.
pub(crate) fn object_from_lists(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let keys = args
        .first()
        .and_then(|v| v.as_array())
        .ok_or_else(|| not_of_type("object_from_lists", 0, "Array"))?;
    let values = args
        .get(1)
        .and_then(|v| v.as_array())
        .ok_or_else(|| not_of_type("object_from_lists", 1, "Array"))?;
    let mut map = BTreeMap::new();
    for (i, key) in keys.iter().enumerate() {
        let key = stringish_arg("object_from_lists", std::slice::from_ref(key), 0)
            .map_err(|_| not_of_type("object_from_lists", 0, "StringArray"))?;
        map.insert(key, values.get(i).cloned().unwrap_or_else(null));
    }
    Ok(Rcvar::new(Variable::Object(map)))
}

/// JMESPath's `to_string`, with Go's JSON encoding: `3` rather than
/// `3.0`, and `<`, `>`, `&` escaped.
pub(crate) fn to_string(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    match args.first().map(|v| &**v) {
        Some(Variable::String(s)) => Ok(string(s.clone())),
        Some(other) => {
            let json = value::to_json(other).map_err(|e| error("to_string", e))?;
            Ok(string(value::go_json(&json)))
        }
        None => Err(not_of_type("to_string", 0, "any")),
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

    // Go: Test_intNumber and Test_intNumber_Error.
    #[test]
    fn int_numbers() {
        for (f, want) in [
            (0.0, 0),
            (1.0, 1),
            (-1.0, -1),
            (f64::from(i32::MAX), i64::from(i32::MAX)),
            (f64::from(i32::MIN), i64::from(i32::MIN)),
        ] {
            assert_eq!(int_number(f).unwrap(), want);
        }
        for (f, want) in [
            (1.5, "expected an integer number but got: 1.5"),
            (f64::NAN, "expected an integer number but got: NaN"),
            (f64::INFINITY, "expected an integer number but got: +Inf"),
            (
                f64::NEG_INFINITY,
                "expected an integer number but got: -Inf",
            ),
            (
                f64::MAX,
                "number is outside the range of integer numbers: 1.7976931348623157e+308",
            ),
        ] {
            assert_eq!(int_number(f).unwrap_err(), want);
        }
    }
}
