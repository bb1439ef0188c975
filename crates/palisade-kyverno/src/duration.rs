//! Go's `time.Duration`: nanoseconds in an `i64`, parsed by
//! `time.ParseDuration` and printed by `Duration.String` (`1h2m3.5s`).

const NANOSECOND: u64 = 1;
const MICROSECOND: u64 = 1_000;
const MILLISECOND: u64 = 1_000_000;
const SECOND: u64 = 1_000_000_000;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;
/// 1 << 63, the magnitude of the most negative duration.
const LIMIT: u64 = 1 << 63;

fn unit(name: &str) -> Option<u64> {
    Some(match name {
        "ns" => NANOSECOND,
        "us" | "\u{b5}s" | "\u{3bc}s" => MICROSECOND,
        "ms" => MILLISECOND,
        "s" => SECOND,
        "m" => MINUTE,
        "h" => HOUR,
        _ => return None,
    })
}

/// `time.ParseDuration`: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or `0`.
pub(crate) fn parse(text: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration \"{text}\"");
    let overflow = || format!("time: invalid duration \"{text}\"");
    let (neg, mut s) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..).unwrap_or("")),
        Some(b'+') => (false, text.get(1..).unwrap_or("")),
        _ => (false, text),
    };
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        let first = s.as_bytes().first().copied().unwrap_or(b'x');
        if !(first == b'.' || first.is_ascii_digit()) {
            return Err(invalid());
        }
        // Whole part.
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        let mut whole: u64 = 0;
        for b in s.bytes().take(digits) {
            if whole > LIMIT / 10 {
                return Err(overflow());
            }
            whole = whole * 10 + u64::from(b - b'0');
            if whole > LIMIT {
                return Err(overflow());
            }
        }
        s = s.get(digits..).unwrap_or("");
        // Fraction, digits past what fits ignored.
        let (mut fraction, mut scale, mut post) = (0u64, 1f64, false);
        if s.starts_with('.') {
            s = s.get(1..).unwrap_or("");
            let count = s.bytes().take_while(u8::is_ascii_digit).count();
            post = count > 0;
            let mut overflowed = false;
            for b in s.bytes().take(count) {
                if overflowed || fraction > (LIMIT - 1) / 10 {
                    overflowed = true;
                    continue;
                }
                let next = fraction * 10 + u64::from(b - b'0');
                if next > LIMIT {
                    overflowed = true;
                    continue;
                }
                fraction = next;
                scale *= 10.0;
            }
            s = s.get(count..).unwrap_or("");
        }
        if digits == 0 && !post {
            return Err(invalid());
        }
        // Unit: everything up to the next digit or period.
        let end = s
            .bytes()
            .position(|b| b == b'.' || b.is_ascii_digit())
            .unwrap_or(s.len());
        if end == 0 {
            return Err(format!("time: missing unit in duration \"{text}\""));
        }
        let name = s.get(..end).unwrap_or("");
        let unit = unit(name)
            .ok_or_else(|| format!("time: unknown unit \"{name}\" in duration \"{text}\""))?;
        s = s.get(end..).unwrap_or("");
        if whole > LIMIT / unit {
            return Err(overflow());
        }
        let mut value = whole * unit;
        if fraction > 0 {
            // As Go: a float is exact enough for fractions of an hour.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let extra = (fraction as f64 * (unit as f64 / scale)) as u64;
            value = value.saturating_add(extra);
            if value > LIMIT {
                return Err(overflow());
            }
        }
        total = total.saturating_add(value);
        if total > LIMIT {
            return Err(overflow());
        }
    }
    if neg {
        // total <= 2^63, so the negation fits.
        return Ok(0i64.wrapping_sub_unsigned(total));
    }
    i64::try_from(total).map_err(|_| overflow())
}

/// `Duration.String`.
pub(crate) fn format(d: i64) -> String {
    let sign = if d < 0 { "-" } else { "" };
    let u = d.unsigned_abs();
    if u == 0 {
        return "0s".to_string();
    }
    if u < SECOND {
        let (digits, unit) = if u < MICROSECOND {
            (0, "ns")
        } else if u < MILLISECOND {
            (3, "\u{b5}s")
        } else {
            (6, "ms")
        };
        return format!("{sign}{}{unit}", fixed(u, digits));
    }
    let seconds = fixed(u % MINUTE, 9);
    let minutes = u / MINUTE;
    if minutes == 0 {
        return format!("{sign}{seconds}s");
    }
    let hours = minutes / 60;
    if hours == 0 {
        return format!("{sign}{minutes}m{seconds}s");
    }
    format!("{sign}{hours}h{}m{seconds}s", minutes % 60)
}

/// `v / 10^digits` with its fraction, trailing zeros (and a bare point)
/// dropped.
fn fixed(v: u64, digits: u32) -> String {
    let scale = 10u64.pow(digits);
    let (whole, fraction) = (v / scale, v % scale);
    if fraction == 0 {
        return whole.to_string();
    }
    let fraction = format!("{fraction:0width$}", width = digits as usize);
    format!("{whole}.{}", fraction.trim_end_matches('0'))
}

/// A duration in seconds, as Go's `Duration.Seconds`.
pub(crate) fn seconds(nanos: i64) -> f64 {
    let whole = nanos / 1_000_000_000;
    let rest = nanos % 1_000_000_000;
    whole as f64 + rest as f64 / 1e9
}

/// `time.Duration(n) * time.Second` for a number of seconds: Go truncates a
/// float toward zero and wraps on overflow.
pub(crate) fn from_seconds(seconds: f64) -> i64 {
    (seconds as i64).wrapping_mul(1_000_000_000)
}

/// `time.Duration(n) * time.Second` for an integer number of seconds.
pub(crate) fn from_int_seconds(seconds: i64) -> i64 {
    seconds.wrapping_mul(1_000_000_000)
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

    #[test]
    fn parses_as_go() {
        for (text, want) in [
            ("0", 0),
            ("-0", 0),
            ("20s", 20 * 1_000_000_000),
            ("1h30m", 5_400_000_000_000),
            ("1.5h", 5_400_000_000_000),
            ("-2s", -2_000_000_000),
            ("300ms", 300_000_000),
            ("1\u{b5}s", 1_000),
            ("1us", 1_000),
            (".5s", 500_000_000),
            ("5h30m40s", 19_840_000_000_000),
        ] {
            assert_eq!(parse(text).unwrap(), want, "{text}");
        }
        for text in ["", "s", "1", "1x", "-", "1.s.", "9999999999h", "+"] {
            assert!(parse(text).is_err(), "{text}");
        }
    }

    // Go: Test_getDurationArg.
    #[test]
    fn duration_arguments() {
        assert_eq!(parse("20s").unwrap(), 20_000_000_000);
        assert!(parse("").is_err());
    }

    #[test]
    fn formats_as_go() {
        for (d, want) in [
            (0, "0s"),
            (1, "1ns"),
            (1_500, "1.5\u{b5}s"),
            (1_500_000, "1.5ms"),
            (24_000_000_000, "24s"),
            (-1_000_000_000, "-1s"),
            (100_000_000_000, "1m40s"),
            (648_600_000_000_000, "180h10m0s"),
            (3_600_000_000_000, "1h0m0s"),
            (1_500_000_000, "1.5s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
        ] {
            assert_eq!(format(d), want, "{d}");
        }
    }
}
