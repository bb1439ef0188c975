//! Event times: UTC milliseconds, written as RFC 3339 (`2026-11-23T21:45:00.123Z`).
//!
//! Milliseconds because that is what both stores index as an integer and
//! what the canonical JSON must spell the same way on every machine.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

/// A point in time, UTC, millisecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The current time.
    pub fn now() -> Self {
        let now = OffsetDateTime::now_utc();
        Timestamp((now.unix_timestamp_nanos() / 1_000_000) as i64)
    }

    pub fn from_millis(ms: i64) -> Self {
        Timestamp(ms)
    }

    pub fn as_millis(self) -> i64 {
        self.0
    }

    /// This time minus a number of milliseconds.
    pub fn minus_millis(self, ms: i64) -> Self {
        Timestamp(self.0.saturating_sub(ms))
    }

    /// Reads what a person types after `--since` / `--until`: an RFC 3339
    /// time (`2026-11-23T21:45:00Z`), a date (`2026-11-23`, midnight UTC), or
    /// an age relative to `now` (`30m`, `24h`, `7d`).
    pub fn parse_human(text: &str, now: Timestamp) -> Result<Timestamp, String> {
        let text = text.trim();
        if let Some(age) = parse_age(text) {
            return Ok(now.minus_millis(age));
        }
        if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
            return Ok(Timestamp((t.unix_timestamp_nanos() / 1_000_000) as i64));
        }
        let date_format = format_description!("[year]-[month]-[day]");
        if let Ok(d) = Date::parse(text, &date_format) {
            let t = PrimitiveDateTime::new(d, Time::MIDNIGHT).assume_utc();
            return Ok(Timestamp(t.unix_timestamp() * 1000));
        }
        Err(format!(
            "`{text}` is not a time: use RFC 3339 (2026-11-23T21:45:00Z), a date (2026-11-23) or an age (30m, 24h, 7d)"
        ))
    }

    /// Reads a duration as `--min-retention` takes it (`90d`, `36h`,
    /// `45m`, `30s`), in milliseconds.
    pub fn parse_duration(text: &str) -> Result<i64, String> {
        parse_age(text.trim())
            .filter(|ms| *ms >= 0)
            .ok_or_else(|| format!("`{text}` is not a duration: use 90d, 36h, 45m or 30s"))
    }

    fn to_rfc3339(self) -> String {
        let format = format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .ok()
            .and_then(|t| t.format(&format).ok())
            .unwrap_or_else(|| format!("@{}ms", self.0))
    }
}

/// `30s`, `30m`, `24h`, `7d` in milliseconds.
fn parse_age(text: &str) -> Option<i64> {
    let unit = text.chars().last()?;
    let number: i64 = text.get(..text.len() - unit.len_utf8())?.parse().ok()?;
    let ms = match unit {
        's' => 1_000,
        'm' => 60_000,
        'h' => 3_600_000,
        'd' => 86_400_000,
        _ => return None,
    };
    number.checked_mul(ms)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let t = OffsetDateTime::parse(&text, &Rfc3339).map_err(serde::de::Error::custom)?;
        Ok(Timestamp((t.unix_timestamp_nanos() / 1_000_000) as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_rfc3339() {
        let t = Timestamp::from_millis(1_795_470_300_123);
        let text = serde_json::to_string(&t).unwrap();
        assert_eq!(text, "\"2026-11-23T21:45:00.123Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&text).unwrap(), t);
    }

    #[test]
    fn parses_dates_times_and_ages() {
        let now = Timestamp::from_millis(10 * 86_400_000);
        assert_eq!(
            Timestamp::parse_human("7d", now).unwrap(),
            Timestamp::from_millis(3 * 86_400_000)
        );
        assert_eq!(
            Timestamp::parse_human("1970-01-02", now).unwrap(),
            Timestamp::from_millis(86_400_000)
        );
        assert_eq!(
            Timestamp::parse_human("1970-01-01T00:00:01Z", now).unwrap(),
            Timestamp::from_millis(1000)
        );
        assert!(Timestamp::parse_human("yesterday", now).is_err());
    }
}
