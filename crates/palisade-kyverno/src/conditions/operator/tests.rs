//! Ported from Kyverno's `pkg/engine/variables/operator/*_test.go` and
//! `pkg/engine/variables/evaluate_test.go` (`TestEvaluate`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
// Go's tests use 3.14 as a plain value, not as π.
#![allow(clippy::approx_constant)]

use serde_json::{Value, json};

use super::*;

/// A condition as Kyverno evaluates it, top-level numbers as floats.
fn eval(op: &str, key: &Value, value: &Value) -> bool {
    Operator::from_str(op).unwrap().evaluate(key, value)
}

/// A handler called directly, as the Go handler tests do: integers stay
/// integers.
fn raw(op: &str, key: &Value, value: &Value) -> bool {
    Operator::from_str(op)
        .unwrap()
        .evaluate_go(GoValue::of(key), GoValue::of(value))
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// `(invalid type, found)` as the Go helpers return it.
fn pair(result: Result<bool, InvalidType>) -> (bool, bool) {
    match result {
        Ok(found) => (false, found),
        Err(InvalidType) => (true, false),
    }
}

/// `evaluate_test.go` TestEvaluate: every literal condition.
#[test]
fn evaluate_table() {
    let cases = [
        (json!("string"), "Equals", json!("string"), true),
        (json!(1), "Equals", json!(1), true),
        (json!(1), "Equals", json!(1), true),
        (json!(1), "Equals", json!(1), true),
        (json!(1.0), "Equals", json!(1.0), true),
        (json!(true), "Equals", json!(true), true),
        (json!(false), "Equals", json!(false), true),
        (json!("1024"), "Equals", json!("1Ki"), true),
        (json!("1Ki"), "Equals", json!("1024"), true),
        (json!("1Gi"), "Equals", json!("1Gi"), true),
        (json!("1Gi"), "Equals", json!("1024Mi"), true),
        (json!("1h"), "Equals", json!("1h"), true),
        (json!("1h"), "Equals", json!("60m"), true),
        (json!({"foo": "bar"}), "Equals", json!({"foo": "bar"}), true),
        (json!(["foo", "bar"]), "Equals", json!(["foo", "bar"]), true),
        (
            json!([{"foo": "bar"}]),
            "Equals",
            json!([{"foo": "bar"}]),
            true,
        ),
        (json!("string"), "Equals", json!("not string"), false),
        (json!(1), "Equals", json!(2), false),
        (json!(1), "Equals", json!(2), false),
        (json!(1), "Equals", json!(2), false),
        (json!(1.0), "Equals", json!(2.0), false),
        (json!(true), "Equals", json!(false), false),
        (json!(false), "Equals", json!(true), false),
        (json!("1Gi"), "Equals", json!("10Gi"), false),
        (json!("10Gi"), "Equals", json!("1024Mi"), false),
        (json!("1h"), "Equals", json!("5h"), false),
        (json!("1h"), "Equals", json!("30m"), false),
        (json!("string"), "Equals", json!(1), false),
        (json!(1), "Equals", json!("2"), false),
        (json!(1.0), "Equals", json!("2.0"), false),
        (json!(true), "Equals", json!("false"), false),
        (json!(false), "Equals", json!("true"), false),
        (
            json!({"foo": "bar"}),
            "Equals",
            json!({"bar": "foo"}),
            false,
        ),
        (
            json!(["foo", "bar"]),
            "Equals",
            json!(["bar", "foo"]),
            false,
        ),
        (
            json!([{"foo": "bar"}]),
            "Equals",
            json!([{"bar": "foo"}]),
            false,
        ),
        (json!("1h"), "Equals", json!(3600), true),
        (json!("2h"), "Equals", json!(3600), false),
        (json!("1.5.2"), "Equals", json!("1.5.2"), true),
        (json!("1.5.2"), "Equals", json!("1.5.*"), true),
        (json!("1.5.0"), "Equals", json!("1.5.5"), false),
        (json!("string"), "NotEquals", json!("string"), false),
        (json!(1), "NotEquals", json!(1), false),
        (json!(1), "NotEquals", json!(1), false),
        (json!(1), "NotEquals", json!(1), false),
        (json!(1.0), "NotEquals", json!(1.0), false),
        (json!(true), "NotEquals", json!(false), true),
        (json!(false), "NotEquals", json!(false), false),
        (json!("1024"), "NotEquals", json!("1Ki"), false),
        (json!("1Ki"), "NotEquals", json!("1024"), false),
        (json!("1023"), "NotEquals", json!("1Ki"), true),
        (json!("1Ki"), "NotEquals", json!("1023"), true),
        (json!("1Gi"), "NotEquals", json!("1Gi"), false),
        (json!("10Gi"), "NotEquals", json!("1024Mi"), true),
        (json!("1h"), "NotEquals", json!("1h"), false),
        (json!("1h"), "NotEquals", json!("60m"), false),
        (
            json!({"foo": "bar"}),
            "NotEquals",
            json!({"foo": "bar"}),
            false,
        ),
        (
            json!(["foo", "bar"]),
            "NotEquals",
            json!(["foo", "bar"]),
            false,
        ),
        (
            json!([{"foo": "bar"}]),
            "NotEquals",
            json!([{"foo": "bar"}]),
            false,
        ),
        (json!("string"), "NotEquals", json!("not string"), true),
        (json!(1), "NotEquals", json!(2), true),
        (json!(1), "NotEquals", json!(2), true),
        (json!(1), "NotEquals", json!(2), true),
        (json!(1.0), "NotEquals", json!(2.0), true),
        (json!(true), "NotEquals", json!(true), false),
        (json!(false), "NotEquals", json!(true), true),
        (json!("1Gi"), "NotEquals", json!("10Gi"), true),
        (json!("1Gi"), "NotEquals", json!("1024Mi"), false),
        (json!("1h"), "NotEquals", json!("5h"), true),
        (json!("1h"), "NotEquals", json!("30m"), true),
        (json!("string"), "NotEquals", json!(1), true),
        (json!(1), "NotEquals", json!("2"), true),
        (json!(1.0), "NotEquals", json!("2.0"), true),
        (json!(true), "NotEquals", json!("false"), true),
        (json!(false), "NotEquals", json!("true"), true),
        (
            json!({"foo": "bar"}),
            "NotEquals",
            json!({"bar": "foo"}),
            true,
        ),
        (
            json!(["foo", "bar"]),
            "NotEquals",
            json!(["bar", "foo"]),
            true,
        ),
        (
            json!([{"foo": "bar"}]),
            "NotEquals",
            json!([{"bar": "foo"}]),
            true,
        ),
        (json!("1h"), "NotEquals", json!(3600), false),
        (json!("2h"), "NotEquals", json!(3600), true),
        (json!("1.5.2"), "NotEquals", json!("1.5.5"), true),
        (json!("1.5.2"), "NotEquals", json!("1.5.*"), false),
        (json!("1.5.0"), "NotEquals", json!("1.5.0"), false),
        (json!(10), "GreaterThan", json!(1), true),
        (json!(1.5), "GreaterThan", json!(1.0), true),
        (json!(1.5), "GreaterThan", json!(1), true),
        (json!(1), "GreaterThan", json!(10), false),
        (json!(1.0), "GreaterThan", json!(1.5), false),
        (json!(1), "GreaterThan", json!(1.5), false),
        (json!(1), "GreaterThan", json!(1), false),
        (json!(1.0), "GreaterThan", json!(1.0), false),
        (json!("1025"), "GreaterThan", json!("1Ki"), true),
        (json!("1Ki"), "GreaterThan", json!("1023"), true),
        (json!("10Gi"), "GreaterThan", json!("1Gi"), true),
        (json!("1Gi"), "GreaterThan", json!("1Mi"), true),
        (json!("1Gi"), "GreaterThan", json!("10Gi"), false),
        (json!("10Mi"), "GreaterThan", json!("10Mi"), false),
        (json!("10h"), "GreaterThan", json!("1h"), true),
        (json!("1h"), "GreaterThan", json!("30m"), true),
        (json!("1h"), "GreaterThan", json!("1h"), false),
        (json!("1Gi"), "GreaterThan", json!("1Gi"), false),
        (json!("10"), "GreaterThan", json!(1), true),
        (json!(100), "GreaterThan", json!("10"), true),
        (json!("100"), "GreaterThan", json!("10"), true),
        (json!("10"), "GreaterThan", json!("10"), false),
        (json!("1"), "GreaterThan", json!("10"), false),
        (json!("1"), "GreaterThan", json!(10), false),
        (json!(1), "GreaterThan", json!("10"), false),
        (json!("1h"), "GreaterThan", json!(3600), false),
        (json!("2h"), "GreaterThan", json!(3600), true),
        (json!(3600), "GreaterThan", json!("1h"), false),
        (json!(3600), "GreaterThan", json!("30m"), true),
        (json!(1), "GreaterThan", json!(1), false),
        (json!(10), "GreaterThan", json!(1), true),
        (json!(1), "GreaterThan", json!(10), false),
        (json!(1), "GreaterThan", json!(1), false),
        (json!(10), "GreaterThan", json!(1), true),
        (json!(1), "GreaterThan", json!(10), false),
        (json!(1), "GreaterThan", json!(1), false),
        (json!(10), "GreaterThan", json!(1), true),
        (json!(1), "GreaterThan", json!(10), false),
        (json!(-5), "GreaterThan", json!(1), false),
        (json!(-5), "GreaterThan", json!(-10), true),
        (json!(1), "GreaterThan", json!(-10), true),
        (json!("1.5.5"), "GreaterThan", json!("1.5.0"), true),
        (json!("1.5.0"), "GreaterThan", json!("1.5.5"), false),
        (json!(10), "LessThan", json!(1), false),
        (json!(1.5), "LessThan", json!(1.0), false),
        (json!(1.5), "LessThan", json!(1), false),
        (json!(1), "LessThan", json!(10), true),
        (json!(1.0), "LessThan", json!(1.5), true),
        (json!(1), "LessThan", json!(1.5), true),
        (json!(1), "LessThan", json!(1), false),
        (json!(1.0), "LessThan", json!(1.0), false),
        (json!("1023"), "LessThan", json!("1Ki"), true),
        (json!("1Ki"), "LessThan", json!("1025"), true),
        (json!("10Gi"), "LessThan", json!("1Gi"), false),
        (json!("1Gi"), "LessThan", json!("10Gi"), true),
        (json!("1Gi"), "LessThan", json!("1Mi"), false),
        (json!("1Mi"), "LessThan", json!("1Gi"), true),
        (json!("10h"), "LessThan", json!("1h"), false),
        (json!("1h"), "LessThan", json!("30m"), false),
        (json!("1h"), "LessThan", json!("1h"), false),
        (json!("1Gi"), "LessThan", json!("1Gi"), false),
        (json!("10"), "LessThan", json!(1), false),
        (json!(100), "LessThan", json!("10"), false),
        (json!("100"), "LessThan", json!("10"), false),
        (json!("10"), "LessThan", json!("10"), false),
        (json!("1"), "LessThan", json!("10"), true),
        (json!("1"), "LessThan", json!(10), true),
        (json!(1), "LessThan", json!("10"), true),
        (json!("1h"), "LessThan", json!(3600), false),
        (json!("30m"), "LessThan", json!(3600), true),
        (json!(3600), "LessThan", json!("1h"), false),
        (json!(3600), "LessThan", json!("30m"), false),
        (json!(1), "LessThan", json!(1), false),
        (json!(10), "LessThan", json!(1), false),
        (json!(1), "LessThan", json!(10), true),
        (json!(1), "LessThan", json!(1), false),
        (json!(10), "LessThan", json!(1), false),
        (json!(1), "LessThan", json!(10), true),
        (json!(1), "LessThan", json!(1), false),
        (json!(10), "LessThan", json!(1), false),
        (json!(1), "LessThan", json!(10), true),
        (json!(-5), "LessThan", json!(1), true),
        (json!(-5), "LessThan", json!(-10), false),
        (json!(1), "LessThan", json!(-10), false),
        (json!("1.5.5"), "LessThan", json!("1.5.0"), false),
        (json!("1.5.0"), "LessThan", json!("1.5.5"), true),
        (json!(10), "GreaterThanOrEquals", json!(1), true),
        (json!(1.5), "GreaterThanOrEquals", json!(1.0), true),
        (json!(1.5), "GreaterThanOrEquals", json!(1), true),
        (json!(1), "GreaterThanOrEquals", json!(10), false),
        (json!(1.0), "GreaterThanOrEquals", json!(1.5), false),
        (json!(1), "GreaterThanOrEquals", json!(1.5), false),
        (json!(1), "GreaterThanOrEquals", json!(1), true),
        (json!(1.0), "GreaterThanOrEquals", json!(1.0), true),
        (json!(1.0), "GreaterThanOrEquals", json!(1), true),
        (json!("1025"), "GreaterThanOrEquals", json!("1Ki"), true),
        (json!("1024"), "GreaterThanOrEquals", json!("1Ki"), true),
        (json!("1Ki"), "GreaterThanOrEquals", json!("1023"), true),
        (json!("1Ki"), "GreaterThanOrEquals", json!("1024"), true),
        (json!("10Gi"), "GreaterThanOrEquals", json!("1Gi"), true),
        (json!("1Gi"), "GreaterThanOrEquals", json!("1Mi"), true),
        (json!("1Gi"), "GreaterThanOrEquals", json!("10Gi"), false),
        (json!("10h"), "GreaterThanOrEquals", json!("1h"), true),
        (json!("1h"), "GreaterThanOrEquals", json!("30m"), true),
        (json!("1h"), "GreaterThanOrEquals", json!("1h"), true),
        (json!("1Gi"), "GreaterThanOrEquals", json!("1Gi"), true),
        (json!("10"), "GreaterThanOrEquals", json!(1), true),
        (json!(100), "GreaterThanOrEquals", json!("10"), true),
        (json!("100"), "GreaterThanOrEquals", json!("10"), true),
        (json!("10"), "GreaterThanOrEquals", json!("10"), true),
        (json!("1"), "GreaterThanOrEquals", json!("10"), false),
        (json!("1"), "GreaterThanOrEquals", json!(10), false),
        (json!(1), "GreaterThanOrEquals", json!("10"), false),
        (json!("1h"), "GreaterThanOrEquals", json!(3600), true),
        (json!("2h"), "GreaterThanOrEquals", json!(3600), true),
        (json!(1), "GreaterThanOrEquals", json!(1), true),
        (json!(10), "GreaterThanOrEquals", json!(1), true),
        (json!(1), "GreaterThanOrEquals", json!(10), false),
        (json!(1), "GreaterThanOrEquals", json!(1), true),
        (json!(10), "GreaterThanOrEquals", json!(1), true),
        (json!(1), "GreaterThanOrEquals", json!(10), false),
        (json!(1), "GreaterThanOrEquals", json!(1), true),
        (json!(10), "GreaterThanOrEquals", json!(1), true),
        (json!(1), "GreaterThanOrEquals", json!(10), false),
        (json!("1.5.5"), "GreaterThanOrEquals", json!("1.5.5"), true),
        (json!("1.5.5"), "GreaterThanOrEquals", json!("1.5.0"), true),
        (json!("1.5.0"), "GreaterThanOrEquals", json!("1.5.5"), false),
        (json!(10), "LessThanOrEquals", json!(1), false),
        (json!(1.5), "LessThanOrEquals", json!(1.0), false),
        (json!(1.5), "LessThanOrEquals", json!(1), false),
        (json!(1), "LessThanOrEquals", json!(10), true),
        (json!(1.0), "LessThanOrEquals", json!(1.5), true),
        (json!(1), "LessThanOrEquals", json!(1.5), true),
        (json!(1), "LessThanOrEquals", json!(1), true),
        (json!(1.0), "LessThanOrEquals", json!(1.0), true),
        (json!("1Ki"), "LessThanOrEquals", json!("1024"), true),
        (json!("1024"), "LessThanOrEquals", json!("1Ki"), true),
        (json!("1Ki"), "LessThanOrEquals", json!("1025"), true),
        (json!("1023"), "LessThanOrEquals", json!("1Ki"), true),
        (json!("10Gi"), "LessThanOrEquals", json!("1Gi"), false),
        (json!("1Gi"), "LessThanOrEquals", json!("10Gi"), true),
        (json!("1Gi"), "LessThanOrEquals", json!("1Mi"), false),
        (json!("1Mi"), "LessThanOrEquals", json!("1Gi"), true),
        (json!("10h"), "LessThanOrEquals", json!("1h"), false),
        (json!("1h"), "LessThanOrEquals", json!("30m"), false),
        (json!("1h"), "LessThanOrEquals", json!("1h"), true),
        (json!("1Gi"), "LessThanOrEquals", json!("1Gi"), true),
        (json!("10"), "LessThanOrEquals", json!(1), false),
        (json!(100), "LessThanOrEquals", json!("10"), false),
        (json!("100"), "LessThanOrEquals", json!("10"), false),
        (json!("10"), "LessThanOrEquals", json!("10"), true),
        (json!("1"), "LessThanOrEquals", json!("10"), true),
        (json!("1"), "LessThanOrEquals", json!(10), true),
        (json!(1), "LessThanOrEquals", json!("10"), true),
        (json!("1h"), "LessThanOrEquals", json!(3600), true),
        (json!("2h"), "LessThanOrEquals", json!(3600), false),
        (json!(1), "LessThanOrEquals", json!(1), true),
        (json!(10), "LessThanOrEquals", json!(1), false),
        (json!(1), "LessThanOrEquals", json!(10), true),
        (json!(1), "LessThanOrEquals", json!(1), true),
        (json!(10), "LessThanOrEquals", json!(1), false),
        (json!(1), "LessThanOrEquals", json!(10), true),
        (json!(1), "LessThanOrEquals", json!(1), true),
        (json!(10), "LessThanOrEquals", json!(1), false),
        (json!(1), "LessThanOrEquals", json!(10), true),
        (json!("1.5.5"), "LessThanOrEquals", json!("1.5.5"), true),
        (json!("1.5.0"), "LessThanOrEquals", json!("1.5.5"), true),
        (json!("1.5.5"), "LessThanOrEquals", json!("1.5.0"), false),
        (json!(1), "In", json!([1, 2, 3]), true),
        (json!(1.5), "In", json!([1, 1.5, 2, 3]), true),
        (json!("1"), "In", json!(["1", "2", "3"]), true),
        (
            json!(["1.1.1.1", "2.2.2.2"]),
            "In",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3"]),
            true,
        ),
        (json!(5), "In", json!([1, 2, 3]), false),
        (json!(5.5), "In", json!([1, 1.5, 2, 3]), false),
        (json!("5"), "In", json!(["1", "2", "3"]), false),
        (json!("1.1.1.1"), "In", json!(["1*"]), true),
        (
            json!(["1.1.1.1", "4.4.4.4"]),
            "In",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3"]),
            false,
        ),
        (json!(1), "NotIn", json!([1, 2, 3]), false),
        (json!(1.5), "NotIn", json!([1, 1.5, 2, 3]), false),
        (json!("1"), "NotIn", json!(["1", "2", "3"]), false),
        (
            json!(["1.1.1.1", "2.2.2.2"]),
            "NotIn",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3"]),
            false,
        ),
        (json!(5), "NotIn", json!([1, 2, 3]), true),
        (json!(5.5), "NotIn", json!([1, 1.5, 2, 3]), true),
        (json!("5"), "NotIn", json!(["1", "2", "3"]), true),
        (
            json!(["1.1.1.1", "4.4.4.4"]),
            "NotIn",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3"]),
            true,
        ),
        (
            json!(["1.1.1.1", "5.5.5.5"]),
            "AnyIn",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3"]),
            true,
        ),
        (
            json!(["1.1.1.1", "5.5.5.5"]),
            "AnyIn",
            json!("1.1.1.1"),
            true,
        ),
        (
            json!(["4.4.4.4", "5.5.5.5"]),
            "AnyIn",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3"]),
            false,
        ),
        (
            json!(["1.1.1.1", "5.5.5.5"]),
            "AnyIn",
            json!(["1.1.1.1"]),
            true,
        ),
        (json!([1, 2]), "AnyIn", json!([1, 2, 3, 4]), true),
        (json!([1, 5]), "AnyIn", json!([1, 2, 3, 4]), true),
        (json!([5]), "AnyIn", json!([1, 2, 3, 4]), false),
        (
            json!(["1*"]),
            "AnyIn",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3"]),
            true,
        ),
        (
            json!(["5*"]),
            "AnyIn",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3"]),
            false,
        ),
        (
            json!(["1.1.1.1", "2.2.2.2", "5.5.5.5"]),
            "AnyIn",
            json!(["2*"]),
            true,
        ),
        (
            json!(["1.1.1.1", "2.2.2.2", "5.5.5.5"]),
            "AnyIn",
            json!(["4*"]),
            false,
        ),
        (json!(["5"]), "AnyIn", json!("1-3"), false),
        (json!("1.1.1.1"), "AnyIn", json!(["1*"]), true),
        (json!("5"), "AnyIn", json!("1-10"), true),
        (json!(5), "AnyIn", json!("1-10"), true),
        (json!([1, 5]), "AnyIn", json!("7-10"), false),
        (json!([1, 5]), "AnyIn", json!("0-10"), true),
        (json!([1.002, 1.222]), "AnyIn", json!("1.001-10"), true),
        (
            json!(["1.1.1.1", "2.2.2.2"]),
            "AllIn",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3"]),
            true,
        ),
        (
            json!(["1.1.1.1", "5.5.5.5"]),
            "AllIn",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3"]),
            false,
        ),
        (
            json!(["4.4.4.4", "5.5.5.5"]),
            "AllIn",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3"]),
            false,
        ),
        (
            json!(["1.1.1.1", "5.5.5.5"]),
            "AllIn",
            json!(["1.1.1.1"]),
            false,
        ),
        (json!([1, 2]), "AllIn", json!([1, 2, 3, 4]), true),
        (json!([1, 5]), "AllIn", json!([1, 2, 3, 4]), false),
        (json!([5]), "AllIn", json!([1, 2, 3, 4]), false),
        (
            json!(["1*"]),
            "AllIn",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3"]),
            true,
        ),
        (
            json!(["5*"]),
            "AllIn",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3"]),
            false,
        ),
        (
            json!(["2.1.1.1", "2.2.2.2", "2.5.5.5"]),
            "AllIn",
            json!(["2*"]),
            true,
        ),
        (
            json!(["1.1.1.1", "2.2.2.2", "5.5.5.5"]),
            "AllIn",
            json!(["4*"]),
            false,
        ),
        (
            json!(["1.1.1.1", "5.5.5.5"]),
            "AllIn",
            json!("5.5.5.5"),
            false,
        ),
        (json!(5), "AllIn", json!("1-10"), true),
        (json!([3, 2]), "AllIn", json!("1-10"), true),
        (json!([3, 2]), "AllIn", json!("5-10"), false),
        (json!(1), "AllNotIn", json!([1, 2, 3]), false),
        (json!(1.5), "AllNotIn", json!([1, 1.5, 2, 3]), false),
        (json!("1"), "AllNotIn", json!(["1", "2", "3"]), false),
        (
            json!(["1.1.1.1", "2.2.2.2"]),
            "AllNotIn",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3"]),
            false,
        ),
        (json!(5), "AllNotIn", json!([1, 2, 3]), true),
        (json!(5.5), "AllNotIn", json!([1, 1.5, 2, 3]), true),
        (json!("5"), "AllNotIn", json!(["1", "2", "3"]), true),
        (
            json!(["1.1.1.1", "4.4.4.4"]),
            "AllNotIn",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3"]),
            false,
        ),
        (
            json!(["1.1.1.1", "4.4.4.4"]),
            "AllNotIn",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3", "1.1.1.1"]),
            false,
        ),
        (
            json!(["1.1.1.1", "4.4.4.4", "1.1.1.1"]),
            "AllNotIn",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3", "1.1.1.1", "4.4.4.4"]),
            false,
        ),
        (
            json!(["5.5.5.5", "4.4.4.4"]),
            "AllNotIn",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3"]),
            true,
        ),
        (
            json!(["7*", "6*", "5*"]),
            "AllNotIn",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3"]),
            true,
        ),
        (
            json!(["1*", "2*"]),
            "AllNotIn",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3"]),
            false,
        ),
        (
            json!(["1.1.1.1", "3.3.3.3", "5.5.5.5"]),
            "AllNotIn",
            json!(["2*"]),
            true,
        ),
        (
            json!(["4.1.1.1", "4.2.2.2", "4.5.5.5"]),
            "AllNotIn",
            json!(["4*"]),
            false,
        ),
        (
            json!(["1.1.1.1", "4.4.4.4"]),
            "AllNotIn",
            json!("2.2.2.2"),
            true,
        ),
        (json!(5.5), "AllNotIn", json!("6-10"), true),
        (json!("5"), "AllNotIn", json!("1-6"), false),
        (json!([3, 2]), "AllNotIn", json!("5-10"), true),
        (json!([2, 6]), "AllNotIn", json!("5-10"), false),
        (json!(1), "AnyNotIn", json!([1, 2, 3]), false),
        (json!(1.5), "AnyNotIn", json!([1, 1.5, 2, 3]), false),
        (json!("1"), "AnyNotIn", json!(["1", "2", "3"]), false),
        (
            json!(["1.1.1.1", "2.2.2.2"]),
            "AnyNotIn",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3"]),
            false,
        ),
        (json!(5), "AnyNotIn", json!([1, 2, 3]), true),
        (json!(5.5), "AnyNotIn", json!([1, 1.5, 2, 3]), true),
        (json!("5"), "AnyNotIn", json!(["1", "2", "3"]), true),
        (
            json!(["1.1.1.1", "4.4.4.4"]),
            "AnyNotIn",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3"]),
            true,
        ),
        (
            json!(["5.5.5.5", "4.4.4.4"]),
            "AnyNotIn",
            json!("4.4.4.4"),
            true,
        ),
        (
            json!(["5.5.5.5", "4.4.4.4"]),
            "AnyNotIn",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3"]),
            true,
        ),
        (
            json!(["1*", "3*", "5*"]),
            "AnyNotIn",
            json!(["1.1.1.1", "2.2.2.2", "3.3.3.3"]),
            true,
        ),
        (
            json!(["1.1.1.1", "2.2.2.2", "5.5.5.5"]),
            "AnyNotIn",
            json!(["2*"]),
            true,
        ),
        (json!(["2.2*"]), "AnyNotIn", json!(["2.2.2.2"]), false),
        (json!("5"), "AnyNotIn", json!("1-3"), true),
        (json!([1, 5, 11]), "AnyNotIn", json!("0-10"), true),
        (json!([1, 5, 7]), "AnyNotIn", json!("0-10"), false),
    ];
    assert_eq!(cases.len(), 336);
    for (key, op, value, want) in cases {
        assert_eq!(eval(op, &key, &value), want, "{key} {op} {value}");
    }
}

/// `operator_test.go` TestCreateOperatorHandler_*: names, aliases, case.
#[test]
fn operator_names() {
    let cases = [
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
        ("EQUALS", Operator::Equals),
        ("equals", Operator::Equals),
        ("anyin", Operator::AnyIn),
        ("NOTEQUAL", Operator::NotEquals),
        ("greaterthan", Operator::MiscasedComparison),
        ("durationLessThan", Operator::MiscasedComparison),
    ];
    for (name, want) in cases {
        assert_eq!(Operator::from_str(name), Ok(want), "{name}");
    }
    assert_eq!(
        Operator::from_str("InvalidOp"),
        Err(UnknownOperator("InvalidOp".into()))
    );
    assert!(Operator::from_str("").is_err());
}

/// A numeric operator in another case never holds, as in Kyverno.
#[test]
fn miscased_comparison_is_false() {
    assert!(eval("GreaterThan", &json!(10), &json!(1)));
    assert!(!eval("greaterthan", &json!(10), &json!(1)));
    assert!(!eval("LESSTHAN", &json!(1), &json!(10)));
    assert!(!eval("durationgreaterthan", &json!("2h"), &json!("1h")));
}

/// `utils_test.go` TestIsOperatorValid and TestIsOperatorDeprecated.
#[test]
fn valid_and_deprecated_names() {
    for name in [
        "Equals",
        "NotEquals",
        "GreaterThan",
        "GreaterThanOrEquals",
        "LessThan",
        "LessThanOrEquals",
    ] {
        assert!(is_valid_name(name), "{name}");
    }
    for name in ["AllIn", "AnyIn", "AllNotIn", "AnyNotIn"] {
        assert!(is_valid_name(name), "{name}");
    }
    assert!(!is_valid_name("InvalidOperator"));
    assert!(!is_valid_name(""));
    assert!(!is_valid_name("equals"));
    assert!(is_deprecated_name("In"));
    assert!(is_deprecated_name("NotIn"));
    for name in [
        "Equals", "AllIn", "AnyIn", "AllNotIn", "AnyNotIn", "Unknown", "",
    ] {
        assert!(!is_deprecated_name(name), "{name}");
    }
}

const SECOND: i64 = 1_000_000_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;

/// `operator_test.go` TestParseDuration_*.
#[test]
fn parse_duration_pairs() {
    let ok = [
        (json!("2h"), json!("1h"), 2 * HOUR, HOUR),
        (json!("90m"), json!("1h30m"), 90 * MINUTE, 90 * MINUTE),
        (json!("30s"), json!("45s"), 30 * SECOND, 45 * SECOND),
        (json!("0s"), json!("1h"), 0, HOUR),
        (json!("2m"), json!(60), 2 * MINUTE, 60 * SECOND),
        (json!("1h"), json!(120), HOUR, 120 * SECOND),
        (json!("30s"), json!(10.0), 30 * SECOND, 10 * SECOND),
        (json!(120), json!("2m"), 120 * SECOND, 2 * MINUTE),
        (json!(3600), json!("30m"), HOUR, 30 * MINUTE),
        (json!(60.0), json!("1m"), MINUTE, MINUTE),
    ];
    for (key, value, k, v) in ok {
        assert_eq!(
            duration_pair(GoValue::of(&key), GoValue::of(&value)),
            Some((k, v)),
            "{key} {value}"
        );
    }
    // Neither is a duration, or the other side is not a number.
    let bad = [
        (json!("hello"), json!("world")),
        (json!(100), json!(200)),
        (json!("0"), json!("0")),
        (json!("1h"), json!(true)),
        (json!(true), json!("1h")),
        (json!("1h"), json!({})),
    ];
    for (key, value) in bad {
        assert_eq!(
            duration_pair(GoValue::of(&key), GoValue::of(&value)),
            None,
            "{key} {value}"
        );
    }
}

/// `equal_test.go` TestEqualHandler_Evaluate and the typed helpers.
#[test]
fn equal_handler() {
    let cases = [
        (json!(true), json!(true), true),
        (json!(false), json!(false), true),
        (json!(true), json!(false), false),
        (json!(true), json!("true"), false),
        (json!(42), json!(42), true),
        (json!(42), json!(43), false),
        (json!(100), json!(100), true),
        (json!(42), json!(42), true),
        (json!(42), json!(42.0), true),
        (json!(42), json!(42.5), false),
        (json!(42), json!("42"), true),
        (json!(42), json!("invalid"), false),
        (json!(3.14), json!(3.14), true),
        (json!(3.14), json!(2.71), false),
        (json!(42.0), json!(42), true),
        (json!(100.0), json!(100), true),
        (json!(3.14), json!("3.14"), true),
        (json!(3.14), json!("invalid"), false),
        (json!("hello"), json!("hello"), true),
        (json!("hello"), json!("world"), false),
        (json!("hello-world"), json!("hello-*"), true),
        (json!("goodbye-world"), json!("hello-*"), false),
        (json!("hello"), json!(123), false),
        (json!("100Mi"), json!("100Mi"), true),
        (json!("1Gi"), json!("1024Mi"), true),
        (json!("100Mi"), json!("200Mi"), false),
        (json!("1h"), json!("60m"), true),
        (json!("1h"), json!("30m"), false),
        (json!({"foo": "bar"}), json!({"foo": "bar"}), true),
        (json!({"foo": "bar"}), json!({"foo": "baz"}), false),
        (json!({"foo": "bar"}), json!("not a map"), false),
        (json!(["a", "b", "c"]), json!(["a", "b", "c"]), true),
        (json!(["a", "b", "c"]), json!(["a", "b", "d"]), false),
        (json!(["a", "b", "c"]), json!(["a", "b"]), false),
        (json!(["a", "b", "c"]), json!("not a slice"), false),
        (json!(null), json!(null), false),
        // TestEqualHandler_ValidateValueWith{Int,Float,Bool}Pattern.
        (json!(10), json!(10), true),
        (json!(10), json!(10.0), true),
        (json!(10), json!(10.5), false),
        (json!(10), json!("10"), true),
        (json!(10), json!("abc"), false),
        (json!(10), json!(true), false),
        (json!(10.0), json!(10), true),
        (json!(10.5), json!(10), false),
        (json!(3.14), json!(true), false),
        (json!(false), json!(false), true),
    ];
    for (key, value, want) in cases {
        assert_eq!(raw("Equals", &key, &value), want, "{key} == {value}");
    }
    // Integer against a float string: the integer path does not read it,
    // the float path that Kyverno takes at runtime does.
    assert!(!raw("Equals", &json!(1), &json!("1.0")));
    assert!(eval("Equals", &json!(1), &json!("1.0")));
}

/// `notequal_test.go` TestNotEqualHandler_Evaluate.
#[test]
fn not_equal_handler() {
    let cases = [
        (json!(true), json!(false), true),
        (json!(42), json!(43), true),
        (json!(5), json!(5.5), true),
        (json!(3.14), json!(2.71), true),
        (json!("hello"), json!("world"), true),
        (json!("100Mi"), json!("not-a-quantity"), true),
        (json!("1h"), json!("30m"), true),
        (json!({"foo": "bar"}), json!({"foo": "baz"}), true),
        (json!(["a", "b"]), json!(["a", "c"]), true),
        // The other branches of the handler.
        (json!(true), json!("x"), true),
        (json!(5), json!("abc"), true),
        (json!(5.5), json!(5), true),
        (json!("100Mi"), json!(""), true),
        (json!("100Mi"), json!("100Mi"), false),
        (json!("abc"), json!(1), true),
        (json!({"a": 1}), json!([]), true),
        (json!(null), json!(1), false),
    ];
    for (key, value, want) in cases {
        assert_eq!(raw("NotEquals", &key, &value), want, "{key} != {value}");
    }
}

/// `numeric_test.go` Test_NumericOperatorHandler_Evaluate.
#[test]
fn numeric_handler() {
    let cases = [
        ("GreaterThan", json!(10), json!(5), true),
        ("GreaterThan", json!(5), json!(10), false),
        ("GreaterThan", json!(5), json!(5), false),
        ("GreaterThanOrEquals", json!(10), json!(10), true),
        ("LessThan", json!(5), json!(10), true),
        ("LessThanOrEquals", json!(5), json!(5), true),
        ("GreaterThan", json!(10.5), json!(10.4), true),
        ("LessThan", json!(10.4), json!(10.5), true),
        ("GreaterThan", json!("100"), json!(50), true),
        ("LessThan", json!("50"), json!("100"), true),
        ("GreaterThan", json!("1.2.3"), json!("1.2.2"), true),
        ("LessThan", json!("1.1.0"), json!("1.2.0"), true),
        ("GreaterThanOrEquals", json!("1.2.0"), json!("1.2.0"), true),
        ("GreaterThan", json!("200Mi"), json!("100Mi"), true),
        ("LessThan", json!("1Gi"), json!("2Gi"), true),
        ("GreaterThanOrEquals", json!("500m"), json!("0.5"), true),
        ("GreaterThan", json!(true), json!(5), false),
        ("GreaterThan", json!("not-a-number"), json!(5), false),
        ("GreaterThan", json!(null), json!(5), false),
    ];
    for (op, key, value, want) in cases {
        assert_eq!(raw(op, &key, &value), want, "{key} {op} {value}");
        assert_eq!(eval(op, &key, &value), want, "{key} {op} {value}");
    }
}

/// `duration_test.go`: the four operators, the typed helpers and
/// `durationCompareByCondition`.
#[test]
fn duration_handlers() {
    let cases = [
        ("DurationGreaterThan", json!("2h"), json!("1h"), true),
        ("DurationGreaterThan", json!("1h"), json!("2h"), false),
        ("DurationGreaterThan", json!("1h"), json!("1h"), false),
        ("DurationGreaterThan", json!("60m"), json!("1h"), false),
        ("DurationGreaterThan", json!("61m"), json!("1h"), true),
        ("DurationGreaterThan", json!(120), json!(60), true),
        ("DurationGreaterThan", json!(60), json!(120), false),
        ("DurationGreaterThan", json!(3600), json!(1800), true),
        ("DurationGreaterThan", json!(120), json!("1m"), true),
        ("DurationGreaterThan", json!(120.5), json!(60.5), true),
        ("DurationGreaterThan", json!(120.5), json!(60), true),
        ("DurationGreaterThan", json!(120.0), json!("1m"), true),
        ("DurationGreaterThan", json!(true), json!(false), false),
        (
            "DurationGreaterThanOrEquals",
            json!("2h"),
            json!("1h"),
            true,
        ),
        (
            "DurationGreaterThanOrEquals",
            json!("1h"),
            json!("60m"),
            true,
        ),
        (
            "DurationGreaterThanOrEquals",
            json!("30m"),
            json!("1h"),
            false,
        ),
        ("DurationGreaterThanOrEquals", json!(60), json!(60), true),
        ("DurationLessThan", json!("30m"), json!("1h"), true),
        ("DurationLessThan", json!("2h"), json!("1h"), false),
        ("DurationLessThan", json!("1h"), json!("60m"), false),
        ("DurationLessThan", json!(30), json!(60), true),
        ("DurationLessThanOrEquals", json!("30m"), json!("1h"), true),
        ("DurationLessThanOrEquals", json!("1h"), json!("60m"), true),
        ("DurationLessThanOrEquals", json!("2h"), json!("1h"), false),
        ("DurationLessThanOrEquals", json!(60), json!(60), true),
        // Typed helpers, with DurationGreaterThan.
        ("DurationGreaterThan", json!(120), json!(60.0), true),
        ("DurationGreaterThan", json!(120), json!("invalid"), false),
        ("DurationGreaterThan", json!(120), json!(true), false),
        ("DurationGreaterThan", json!(120.0), json!(60), true),
        ("DurationGreaterThan", json!(120.0), json!(60.0), true),
        ("DurationGreaterThan", json!(120.0), json!("invalid"), false),
        ("DurationGreaterThan", json!(120.0), json!(true), false),
        ("DurationGreaterThan", json!("2m"), json!(60), true),
        ("DurationGreaterThan", json!("2m"), json!(60.0), true),
        ("DurationGreaterThan", json!("invalid"), json!(60), false),
        ("DurationGreaterThan", json!("1h"), json!("invalid"), false),
        ("DurationGreaterThan", json!("1h"), json!(true), false),
        ("DurationGreaterThan", json!({}), json!({}), false),
        // durationCompareByCondition.
        (
            "DurationGreaterThanOrEquals",
            json!("2h"),
            json!("1h"),
            true,
        ),
        (
            "DurationGreaterThanOrEquals",
            json!("1h"),
            json!("1h"),
            true,
        ),
        ("DurationLessThanOrEquals", json!("1h"), json!("1h"), true),
        ("DurationLessThan", json!("1h"), json!("1h"), false),
    ];
    for (op, key, value, want) in cases {
        assert_eq!(raw(op, &key, &value), want, "{key} {op} {value}");
    }
    // A float number of seconds is truncated, as Go's Duration(f) does.
    assert!(!eval("DurationGreaterThan", &json!(60.9), &json!(60)));
}

/// `in_test.go` TestInHandler_Evaluate and ValidateValueWith*Pattern.
#[test]
fn in_handler() {
    let cases = [
        (json!("apple"), json!(["apple", "banana", "cherry"]), true),
        (json!("grape"), json!(["apple", "banana", "cherry"]), false),
        (json!("apple"), json!([]), false),
        (json!("hello"), json!("hello"), true),
        (json!("hello-world"), json!("hello-*"), true),
        (json!("goodbye-world"), json!("hello-*"), false),
        (
            json!("apple"),
            json!(r#"["apple", "banana", "cherry"]"#),
            true,
        ),
        (
            json!("grape"),
            json!(r#"["apple", "banana", "cherry"]"#),
            false,
        ),
        (json!(42), json!(["42", "43", "44"]), true),
        (json!(99), json!(["42", "43", "44"]), false),
        (json!(100), json!(["100", "200"]), true),
        (json!(3.14), json!(["3.14", "2.71"]), true),
        (json!(true), json!(["true", "false"]), true),
        (
            json!(["apple", "banana"]),
            json!(["apple", "banana", "cherry"]),
            true,
        ),
        (
            json!(["apple", "grape"]),
            json!(["apple", "banana", "cherry"]),
            false,
        ),
        (
            json!(["apple", "banana"]),
            json!(r#"["apple", "banana", "cherry"]"#),
            true,
        ),
        (json!({"foo": "bar"}), json!(["a", "b"]), false),
        (json!("apple"), json!(12345), false),
        (json!("test"), json!(["test", "other"]), true),
        (json!("missing"), json!(["test", "other"]), false),
        (json!("prefix-suffix"), json!("prefix-*"), true),
        (json!("test"), json!(123), false),
        (json!(["a", "b"]), json!(["a", "b", "c"]), true),
        (json!(["a", "d"]), json!(["a", "b", "c"]), false),
        (json!(["a", "b"]), json!(r#"["a", "b", "c"]"#), true),
        (json!(["test"]), json!("test"), true),
        (json!(["other"]), json!("test"), false),
        (json!(["a"]), json!(123), false),
        // Kyverno panics on a non-string list element; false here.
        (json!([1]), json!(["1"]), false),
    ];
    for (key, value, want) in cases {
        assert_eq!(raw("In", &key, &value), want, "{key} In {value}");
        assert_eq!(eval("In", &key, &value), want, "{key} In {value}");
    }
}

/// `in_test.go` TestKeyExistsInArray.
#[test]
fn key_exists_in_array() {
    let cases = [
        ("apple", json!(["apple", "banana"]), (false, true)),
        ("cherry", json!(["apple", "banana"]), (false, false)),
        ("hello-world", json!(["hello-*", "goodbye"]), (false, true)),
        ("hello-*", json!(["hello-world", "goodbye"]), (false, true)),
        ("test", json!("test"), (false, true)),
        ("prefix-suffix", json!("prefix-*"), (false, true)),
        ("a", json!(r#"["a", "b", "c"]"#), (false, true)),
        ("d", json!(r#"["a", "b", "c"]"#), (false, false)),
        ("a", json!("not-valid-json"), (true, false)),
        ("a", json!(12345), (true, false)),
    ];
    for (key, value, want) in cases {
        assert_eq!(
            pair(key_in(key, GoValue::of(&value))),
            want,
            "{key} in {value}"
        );
    }
}

/// `in_test.go` TestSetExistsInArray, TestIsIn and TestIsNotIn.
#[test]
fn set_exists_in_array() {
    let cases = [
        (
            &["a", "b"][..],
            json!(["a", "b", "c"]),
            false,
            (false, true),
        ),
        (
            &["a", "d"][..],
            json!(["a", "b", "c"]),
            false,
            (false, false),
        ),
        (&["a", "d"][..], json!(["a", "b", "c"]), true, (false, true)),
        (
            &["a", "b"][..],
            json!(["a", "b", "c"]),
            true,
            (false, false),
        ),
        (&["test"][..], json!("test"), false, (false, true)),
        (
            &["a", "b"][..],
            json!(r#"["a", "b", "c"]"#),
            false,
            (false, true),
        ),
        (&["a"][..], json!("not-json"), false, (true, false)),
        (&["a"][..], json!(["a", 123]), false, (true, false)),
        (&["a"][..], json!(12345), false, (true, false)),
        // isIn / isNotIn on the edges.
        (&[][..], json!(["a", "b"]), false, (false, true)),
        (&["a"][..], json!([]), false, (false, false)),
        (&[][..], json!([]), false, (false, true)),
        (&[][..], json!(["a", "b"]), true, (false, false)),
        (&["a"][..], json!([]), true, (false, true)),
        (&[][..], json!([]), true, (false, false)),
    ];
    for (keys, value, not_in, want) in cases {
        assert_eq!(
            pair(set_in(&strings(keys), GoValue::of(&value), not_in)),
            want,
            "{keys:?} {value} {not_in}"
        );
    }
}

/// `anynotin_test.go` TestAnyNotInHandler_Evaluate.
#[test]
fn any_not_in_handler() {
    let cases = [
        (json!("kyverno"), json!("kyverno"), false),
        (json!("kube-system"), json!(["default", "kube-*"]), false),
        (json!("kyverno"), json!("default"), true),
        (json!(64), json!("64"), false),
        (json!(1), json!([1, 2, 3]), false),
        (json!(64), json!("default"), true),
        (json!(3.14), json!("3.14"), false),
        (json!(2.2), json!([1.1, 2.2, 3.3]), false),
        (json!(3.14), json!("default"), true),
        (json!(true), json!(true), false),
        (
            json!(["kube-system", "kube-public"]),
            json!("kube-*"),
            false,
        ),
        (
            json!(["kube-system", "default"]),
            json!("kube-system"),
            true,
        ),
        (json!(["default", "kyverno"]), json!("kube-*"), true),
        (json!([1, 2, 3]), json!(2), true),
        (json!([1, 2, 3]), json!(4), true),
        (json!([1.1, 2.2, 3.3]), json!(1.1), true),
        (json!([1.1, 2.2, 3.3]), json!(4.4), true),
        (json!([true, false]), json!(true), true),
        (json!([true]), json!(false), true),
        (
            json!(["default", "kyverno"]),
            json!(["kube-*", "kube-system"]),
            true,
        ),
        (
            json!(["default", "kyverno"]),
            json!(["kube-*", "ky*"]),
            true,
        ),
        (json!([]), json!(["default", "kyverno"]), false),
        (json!(""), json!(["default", "kyverno"]), true),
    ];
    for (key, value, want) in cases {
        assert_eq!(
            raw("AnyNotIn", &key, &value),
            want,
            "{key} AnyNotIn {value}"
        );
        assert_eq!(
            eval("AnyNotIn", &key, &value),
            want,
            "{key} AnyNotIn {value}"
        );
    }
}

/// `allnotin_test.go` TestAllNotInHandler_Evaluate.
#[test]
fn all_not_in_handler() {
    let cases = [
        (json!("kyverno"), json!("kyverno"), false),
        (json!("kube-system"), json!(["default", "kube-*"]), false),
        (json!("kyverno"), json!("default"), true),
        (json!(64), json!("64"), false),
        (json!(64), json!("default"), true),
        (
            json!(["kube-system", "kube-public"]),
            json!("kube-*"),
            false,
        ),
        (
            json!(["kube-system", "default"]),
            json!("kube-system"),
            false,
        ),
        (json!(["default", "kyverno"]), json!("kube-*"), true),
        (
            json!(["default", "kyverno"]),
            json!(["kube-*", "kube-system"]),
            true,
        ),
        (
            json!(["default", "kyverno"]),
            json!(["kube-*", "ky*"]),
            false,
        ),
    ];
    for (key, value, want) in cases {
        assert_eq!(
            raw("AllNotIn", &key, &value),
            want,
            "{key} AllNotIn {value}"
        );
        assert_eq!(
            eval("AllNotIn", &key, &value),
            want,
            "{key} AllNotIn {value}"
        );
    }
}

/// Range values and their quirks in the `…In` family.
#[test]
fn ranges_in_membership() {
    assert!(eval("AnyIn", &json!("5"), &json!("1-10")));
    assert!(eval("AnyNotIn", &json!("50"), &json!("1-10")));
    assert!(!eval("AnyNotIn", &json!("5"), &json!("1-10")));
    assert!(eval("AllNotIn", &json!(["11", "12"]), &json!("1-10")));
    assert!(eval("AllIn", &json!(["1Gi", "2Gi"]), &json!("1Gi-4Gi")));
    // AnyNotIn on a list rewrites the first `-` only: `-5-5` becomes
    // `!-5-5`, a `!` pattern, which every other key satisfies.
    assert!(eval("AnyNotIn", &json!(["0"]), &json!("-5-5")));
    // The JSON list form and its Go decoding edge cases.
    assert!(eval("AnyIn", &json!("a"), &json!(r#"["a","b"]"#)));
    assert!(!eval("AnyIn", &json!("a"), &json!(r#"[1]"#)));
    assert!(eval("AnyIn", &json!(""), &json!(r#"[null]"#)));
    assert!(!eval("AnyIn", &json!("a"), &json!("null")));
    assert!(eval("AnyIn", &json!("a b"), &json!("a b")));
}
