//! `add`, `sum`, `subtract`, `multiply`, `divide`, `modulo`, `round` over
//! numbers, quantities (`"100Mi"`) and durations (`"1h"`).
//!
//! A string operand is a quantity if Kubernetes parses it as one, else a
//! duration if Go does (so `"1m"` is a milli-quantity, `"1h"` an hour).
//! Which combinations are allowed, and what they give:
//!
//! | op | allowed |
//! | --- | --- |
//! | `+ -` | same kinds only; quantity and duration results are strings |
//! | `*` | number × number; quantity or duration × number (either order) |
//! | `/` | number / number; quantity / quantity or duration / duration (a number); quantity or duration / number |
//! | `%` | same kinds, integral values |

use jmespath::{Rcvar, Variable};

use super::{FnError, error, number_arg, number_result};
use crate::duration;
use crate::jmespath::value::{self, string};
use crate::quantity::Quantity;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Operand {
    Scalar(f64),
    Quantity(Quantity),
    Duration(i64),
}

fn operand(name: &str, args: &[Rcvar], i: usize) -> Result<Operand, FnError> {
    match args.get(i).map(|v| &**v) {
        Some(Variable::Number(n)) => Ok(Operand::Scalar(n.as_f64().unwrap_or(0.0))),
        Some(Variable::String(s)) => {
            if let Some(q) = Quantity::parse(s) {
                Ok(Operand::Quantity(q))
            } else if let Ok(d) = duration::parse(s) {
                Ok(Operand::Duration(d))
            } else {
                Err(error(name, "invalid operand"))
            }
        }
        _ => Err(error(name, "invalid operand")),
    }
}

fn operands(name: &str, args: &[Rcvar]) -> Result<(Operand, Operand), FnError> {
    Ok((operand(name, args, 0)?, operand(name, args, 1)?))
}

fn mismatch(name: &str) -> FnError {
    error(name, "Types mismatch")
}

fn zero_divisor(name: &str) -> FnError {
    error(name, "Zero divisor passed")
}

fn overflow(name: &str) -> FnError {
    error(name, "result out of range")
}

/// A quantity result, as its canonical string.
fn quantity_result(name: &str, q: Option<Quantity>) -> Result<Rcvar, FnError> {
    q.map(|q| string(q.canonical()))
        .ok_or_else(|| overflow(name))
}

/// A scalar as a quantity, the way Kyverno makes one: from its `%v` text.
fn scalar_quantity(name: &str, f: f64) -> Result<Quantity, FnError> {
    Quantity::parse(&value::go_g_string(f)).ok_or_else(|| {
        error(
            name,
            format!("quantities must match the regular expression: {f}"),
        )
    })
}

/// Seconds (a float, as Go's `Duration.Seconds`) back to a duration,
/// truncated to the nanosecond.
fn from_seconds(seconds: f64) -> i64 {
    #[allow(clippy::cast_possible_truncation)]
    let nanos = (seconds * 1e9) as i64;
    nanos
}

fn seconds(d: i64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let s = (d / 1_000_000_000) as f64 + (d % 1_000_000_000) as f64 / 1e9;
    s
}

fn add_two(name: &str, a: Operand, b: Operand) -> Result<Rcvar, FnError> {
    match (a, b) {
        (Operand::Scalar(x), Operand::Scalar(y)) => number_result(name, x + y),
        (Operand::Quantity(x), Operand::Quantity(y)) => quantity_result(name, x.add(&y)),
        (Operand::Duration(x), Operand::Duration(y)) => x
            .checked_add(y)
            .map(|d| string(duration::format(d)))
            .ok_or_else(|| overflow(name)),
        _ => Err(mismatch(name)),
    }
}

pub(crate) fn add(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let (a, b) = operands("add", args)?;
    add_two("add", a, b)
}

/// Adds the items left to right, each partial sum parsed again as Kyverno
/// does (so a quantity sum stays a quantity).
pub(crate) fn sum(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let items = args
        .first()
        .and_then(|v| v.as_array())
        .ok_or_else(|| mismatch("sum"))?;
    let Some((first, rest)) = items.split_first() else {
        return Err(error(
            "sum",
            "at least one element in the array is required",
        ));
    };
    let mut total = first.clone();
    for item in rest {
        let pair = [total, item.clone()];
        let (a, b) = operands("sum", &pair)?;
        total = add_two("sum", a, b)?;
    }
    Ok(total)
}

pub(crate) fn subtract(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    const NAME: &str = "subtract";
    match operands(NAME, args)? {
        (Operand::Scalar(x), Operand::Scalar(y)) => number_result(NAME, x - y),
        (Operand::Quantity(x), Operand::Quantity(y)) => quantity_result(NAME, x.sub(&y)),
        (Operand::Duration(x), Operand::Duration(y)) => x
            .checked_sub(y)
            .map(|d| string(duration::format(d)))
            .ok_or_else(|| overflow(NAME)),
        _ => Err(mismatch(NAME)),
    }
}

pub(crate) fn multiply(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    const NAME: &str = "multiply";
    let (a, b) = operands(NAME, args)?;
    match (a, b) {
        (Operand::Scalar(x), Operand::Scalar(y)) => number_result(NAME, x * y),
        (Operand::Quantity(q), Operand::Scalar(f)) | (Operand::Scalar(f), Operand::Quantity(q)) => {
            let factor = scalar_quantity(NAME, f)?;
            quantity_result(NAME, q.mul(&factor))
        }
        (Operand::Duration(d), Operand::Scalar(f)) | (Operand::Scalar(f), Operand::Duration(d)) => {
            Ok(string(duration::format(from_seconds(seconds(d) * f))))
        }
        _ => Err(mismatch(NAME)),
    }
}

pub(crate) fn divide(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    const NAME: &str = "divide";
    match operands(NAME, args)? {
        (Operand::Scalar(x), Operand::Scalar(y)) => {
            if y == 0.0 {
                return Err(zero_divisor(NAME));
            }
            number_result(NAME, x / y)
        }
        (Operand::Quantity(x), Operand::Quantity(y)) => {
            let divisor = y.as_f64();
            if divisor == 0.0 {
                return Err(zero_divisor(NAME));
            }
            number_result(NAME, x.as_f64() / divisor)
        }
        (Operand::Quantity(x), Operand::Scalar(f)) => {
            if f == 0.0 {
                return Err(zero_divisor(NAME));
            }
            let divisor = scalar_quantity(NAME, f)?;
            quantity_result(NAME, x.div_truncated(&divisor))
        }
        (Operand::Duration(x), Operand::Duration(y)) => {
            if y == 0 {
                return Err(zero_divisor(NAME));
            }
            number_result(NAME, seconds(x) / seconds(y))
        }
        (Operand::Duration(x), Operand::Scalar(f)) => {
            if f == 0.0 {
                return Err(zero_divisor(NAME));
            }
            Ok(string(duration::format(from_seconds(seconds(x) / f))))
        }
        _ => Err(mismatch(NAME)),
    }
}

/// `f` as an integer, or Kyverno's modulo error.
fn integer(f: f64) -> Result<i64, FnError> {
    #[allow(clippy::cast_possible_truncation)]
    let i = f as i64;
    #[allow(clippy::cast_precision_loss)]
    let back = i as f64;
    if back == f {
        Ok(i)
    } else {
        Err(error("modulo", "Non-integer argument(s) passed for modulo"))
    }
}

pub(crate) fn modulo(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    const NAME: &str = "modulo";
    match operands(NAME, args)? {
        (Operand::Scalar(x), Operand::Scalar(y)) => {
            let (a, b) = (integer(x)?, integer(y)?);
            if b == 0 {
                return Err(zero_divisor(NAME));
            }
            #[allow(clippy::cast_precision_loss)]
            let r = a.wrapping_rem(b) as f64;
            number_result(NAME, r)
        }
        (Operand::Quantity(x), Operand::Quantity(y)) => {
            let (a, b) = (integer(x.as_f64())?, integer(y.as_f64())?);
            if b == 0 {
                return Err(zero_divisor(NAME));
            }
            Ok(string(
                Quantity::from_int(a.wrapping_rem(b), x.format).canonical(),
            ))
        }
        (Operand::Duration(x), Operand::Duration(y)) => {
            if y == 0 {
                return Err(zero_divisor(NAME));
            }
            Ok(string(duration::format(x.wrapping_rem(y))))
        }
        _ => Err(mismatch(NAME)),
    }
}

/// Rounds half away from zero to `digits` decimal places.
pub(crate) fn round(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    const NAME: &str = "round";
    let x = number_arg(NAME, args, 0)?;
    let digits = number_arg(NAME, args, 1)?;
    let digits = super::collections::int_number(digits)
        .map_err(|_| error(NAME, "Non-integer argument(s) passed for round off"))?;
    if digits < 0 {
        return Err(error(NAME, "argument is out of bounds"));
    }
    let shift = 10f64.powi(i32::try_from(digits).unwrap_or(i32::MAX));
    number_result(NAME, (x * shift).round() / shift)
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

    use super::super::testing::args;
    use super::*;

    // Go: TestScalar_Multiply and TestParseArithemticOperands.
    #[test]
    fn invalid_operands() {
        assert!(multiply(&args(&[json!(123), json!(true)])).is_err());
        assert!(operands("add", &args(&[json!(true), json!(1.0)])).is_err());
        assert!(operands("add", &args(&[json!(1.0), json!(true)])).is_err());
    }

    #[test]
    fn seconds_round_trip() {
        assert_eq!(seconds(40_000_000_000), 40.0);
        assert_eq!(from_seconds(seconds(40_000_000_000) * 2.5), 100_000_000_000);
    }
}
