//! `time_*` functions. Times are RFC 3339 strings (`time.RFC3339` in Go,
//! fractions accepted on input, dropped on output); durations are Go's.

use std::time::{SystemTime, UNIX_EPOCH};

use jmespath::Rcvar;

use super::golayout::{self, RFC3339, Time};
use super::{FnError, error, string_arg};
use crate::duration;
use crate::jmespath::value::{boolean, string};

/// Argument `i`, an RFC 3339 time.
fn time_arg(name: &str, args: &[Rcvar], i: usize) -> Result<Time, FnError> {
    let text = string_arg(name, args, i)?;
    golayout::parse(RFC3339, text).map_err(|e| error(name, e))
}

/// Argument `i`, a Go duration.
fn duration_arg(name: &str, args: &[Rcvar], i: usize) -> Result<i64, FnError> {
    let text = string_arg(name, args, i)?;
    duration::parse(text).map_err(|e| error(name, e))
}

fn now() -> Time {
    let unix_nanos = match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i128::try_from(d.as_nanos()).unwrap_or(i128::MAX),
        Err(e) => -i128::try_from(e.duration().as_nanos()).unwrap_or(i128::MAX),
    };
    Time {
        unix_nanos,
        offset: 0,
    }
}

/// `t.Sub(u)`: saturates at the range of a duration, as Go's does.
fn sub(t: Time, u: Time) -> i64 {
    let d = t.unix_nanos - u.unix_nanos;
    i64::try_from(d).unwrap_or(if d < 0 { i64::MIN } else { i64::MAX })
}

fn add(t: Time, d: i64) -> Time {
    Time {
        unix_nanos: t.unix_nanos + i128::from(d),
        ..t
    }
}

/// The duration from the first time to the second (or to now when the
/// second is empty), both in `layout` (RFC 3339 when empty).
pub(crate) fn time_since(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    const NAME: &str = "time_since";
    let layout = string_arg(NAME, args, 0)?;
    let start = string_arg(NAME, args, 1)?;
    let end = string_arg(NAME, args, 2)?;
    let layout = if layout.is_empty() { RFC3339 } else { layout };
    let parse = |text| golayout::parse(layout, text).map_err(|e| error(NAME, e));
    let t1 = parse(start)?;
    let t2 = if end.is_empty() { now() } else { parse(end)? };
    Ok(string(duration::format(sub(t2, t1))))
}

/// The current time. Kyverno prints it in the local zone; we print UTC,
/// which is the same where Kyverno runs (in a container).
pub(crate) fn time_now(_args: &[Rcvar]) -> Result<Rcvar, FnError> {
    Ok(string(now().rfc3339()))
}

pub(crate) fn time_now_utc(_args: &[Rcvar]) -> Result<Rcvar, FnError> {
    Ok(string(now().rfc3339()))
}

/// `minute hour day month weekday`, in the time's own offset.
pub(crate) fn time_to_cron(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let c = time_arg("time_to_cron", args, 0)?.civil();
    Ok(string(format!(
        "{} {} {} {} {}",
        c.minute, c.hour, c.day, c.month, c.weekday
    )))
}

pub(crate) fn time_add(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let t = time_arg("time_add", args, 0)?;
    let d = duration_arg("time_add", args, 1)?;
    Ok(string(add(t, d).rfc3339()))
}

/// A time in a Go layout, as RFC 3339; a layout that is an integer means
/// the time is Unix seconds.
pub(crate) fn time_parse(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    const NAME: &str = "time_parse";
    let layout = string_arg(NAME, args, 0)?;
    let text = string_arg(NAME, args, 1)?;
    if layout.parse::<i64>().is_ok() {
        let seconds: i64 = text.parse().map_err(|_| {
            error(
                NAME,
                format!("strconv.ParseInt: parsing \"{text}\": invalid syntax"),
            )
        })?;
        let t = Time {
            unix_nanos: i128::from(seconds) * 1_000_000_000,
            offset: 0,
        };
        return Ok(string(t.rfc3339()));
    }
    let t = golayout::parse(layout, text).map_err(|e| error(NAME, e))?;
    Ok(string(t.rfc3339()))
}

pub(crate) fn time_utc(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    Ok(string(time_arg("time_utc", args, 0)?.utc().rfc3339()))
}

/// The duration from the first time to the second.
pub(crate) fn time_diff(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let t1 = time_arg("time_diff", args, 0)?;
    let t2 = time_arg("time_diff", args, 1)?;
    Ok(string(duration::format(sub(t2, t1))))
}

pub(crate) fn time_before(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let t1 = time_arg("time_before", args, 0)?;
    let t2 = time_arg("time_before", args, 1)?;
    Ok(boolean(t1.unix_nanos < t2.unix_nanos))
}

pub(crate) fn time_after(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let t1 = time_arg("time_after", args, 0)?;
    let t2 = time_arg("time_after", args, 1)?;
    Ok(boolean(t1.unix_nanos > t2.unix_nanos))
}

/// Strictly after the start and before the end.
pub(crate) fn time_between(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let t = time_arg("time_between", args, 0)?;
    let start = time_arg("time_between", args, 1)?;
    let end = time_arg("time_between", args, 2)?;
    Ok(boolean(
        t.unix_nanos > start.unix_nanos && t.unix_nanos < end.unix_nanos,
    ))
}

/// Seconds from 0001-01-01 to 1970-01-01: Go truncates times counted from
/// year 1, which matters for durations that do not divide a day.
const YEAR_ONE_TO_UNIX: i128 = 62_135_596_800;

/// Rounds down to a multiple of the duration since year 1 (`t.Truncate(d)`).
pub(crate) fn time_truncate(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let t = time_arg("time_truncate", args, 0)?;
    let d = duration_arg("time_truncate", args, 1)?;
    if d <= 0 {
        return Ok(string(t.rfc3339()));
    }
    let since_year_one = t.unix_nanos + YEAR_ONE_TO_UNIX * 1_000_000_000;
    let remainder = since_year_one.rem_euclid(i128::from(d));
    let truncated = Time {
        unix_nanos: t.unix_nanos - remainder,
        ..t
    };
    Ok(string(truncated.rfc3339()))
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use serde_json::{Value as Json, json};

    use super::super::testing::{args, json};
    use super::*;

    type Handler = fn(&[Rcvar]) -> Result<Rcvar, FnError>;

    fn table(handler: Handler, cases: &[(Json, Option<Json>)]) {
        for (input, want) in cases {
            let got = handler(&args(input.as_array().unwrap()));
            match want {
                Some(want) => assert_eq!(&json(&got.unwrap()), want, "{input}"),
                None => assert!(got.is_err(), "{input} should fail"),
            }
        }
    }

    const T15: &str = "2021-01-02T15:04:05-07:00";
    const T16: &str = "2021-01-02T16:04:05-07:00";

    // Go: Test_getTimeArg.
    #[test]
    fn time_arguments() {
        assert_eq!(
            time_arg("test", &args(&[json!(T15)]), 0).unwrap().rfc3339(),
            T15
        );
        assert!(time_arg("test", &args(&[json!(T15)]), 1).is_err());
        assert!(time_arg("test", &args(&[json!(1)]), 0).is_err());
        assert!(time_arg("test", &args(&[json!("")]), 0).is_err());
    }

    // Go: Test_getDurationArg.
    #[test]
    fn duration_arguments() {
        assert_eq!(
            duration_arg("test", &args(&[json!("20s")]), 0).unwrap(),
            20_000_000_000
        );
        assert!(duration_arg("test", &args(&[json!("20s")]), 1).is_err());
        assert!(duration_arg("test", &args(&[json!(1)]), 0).is_err());
        assert!(duration_arg("test", &args(&[json!("")]), 0).is_err());
    }

    // Go: Test_jpTimeBefore.
    #[test]
    fn before() {
        table(
            time_before,
            &[
                (json!([T15, T16]), Some(json!(true))),
                (json!([T15, T15]), Some(json!(false))),
                (json!([T16, T15]), Some(json!(false))),
                (json!([1, T15]), None),
                (json!([T15, 1]), None),
            ],
        );
    }

    // Go: Test_jpTimeAfter.
    #[test]
    fn after() {
        table(
            time_after,
            &[
                (json!([T15, T16]), Some(json!(false))),
                (json!([T15, T15]), Some(json!(false))),
                (json!([T16, T15]), Some(json!(true))),
                (json!([1, T15]), None),
                (json!([T15, 1]), None),
            ],
        );
    }

    // Go: Test_jpTimeBetween.
    #[test]
    fn between() {
        let t17 = "2021-01-02T17:04:05-07:00";
        let t18 = "2021-01-02T18:04:05-07:00";
        table(
            time_between,
            &[
                (json!([t17, T15, t18]), Some(json!(true))),
                (json!([T15, T15, t18]), Some(json!(false))),
                (json!([t18, T15, t18]), Some(json!(false))),
                (json!([1, T15, t18]), None),
                (json!([T15, 1, t18]), None),
                (json!([T15, t18, 1]), None),
            ],
        );
    }

    #[test]
    fn truncate_counts_from_year_one() {
        table(
            time_truncate,
            &[
                (
                    json!(["2021-01-02T15:04:05Z", "1h"]),
                    Some(json!("2021-01-02T15:00:00Z")),
                ),
                (
                    json!([T15, "24h"]),
                    Some(json!("2021-01-01T17:00:00-07:00")),
                ),
                // 2021-01-02 is a Saturday; weeks count from Monday 0001-01-01.
                (
                    json!(["2021-01-02T15:04:05Z", "168h"]),
                    Some(json!("2020-12-28T00:00:00Z")),
                ),
                (json!([T15, "0s"]), Some(json!(T15))),
            ],
        );
    }

    #[test]
    fn now_is_rfc3339() {
        let got = json(&time_now(&[]).unwrap());
        assert!(golayout::parse(RFC3339, got.as_str().unwrap()).is_ok());
    }
}
