//! Go's `time.Time` as far as Kyverno's time functions need it: parsing
//! with a Go layout (`Mon Jan _2 15:04:05 MST 2006`, `2006-01-02T15:04:05Z07:00`)
//! and printing as RFC 3339.
//!
//! A zone abbreviation (`MST`) parses as offset zero, as Go parses an
//! abbreviation its local zone does not know (Kyverno runs in UTC); `UTC`
//! is UTC, `GMT+3` three hours east.

/// An instant and the UTC offset it is shown in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Time {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    pub(crate) unix_nanos: i128,
    /// Seconds east of UTC.
    pub(crate) offset: i32,
}

pub(crate) const RFC3339: &str = "2006-01-02T15:04:05Z07:00";
const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in(month: u32, year: i64) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Wall-clock fields of a time in its own offset.
pub(crate) struct Civil {
    pub(crate) year: i64,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    pub(crate) second: u32,
    /// 0 is Sunday.
    pub(crate) weekday: u32,
}

impl Time {
    pub(crate) fn civil(&self) -> Civil {
        let local = self.unix_nanos.div_euclid(NANOS_PER_SECOND) + i128::from(self.offset);
        let local = i64::try_from(local).unwrap_or(0);
        let days = local.div_euclid(86_400);
        let secs = u32::try_from(local.rem_euclid(86_400)).unwrap_or(0);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: secs / 3600,
            minute: secs / 60 % 60,
            second: secs % 60,
            // 1970-01-01 was a Thursday.
            weekday: u32::try_from((days + 4).rem_euclid(7)).unwrap_or(0),
        }
    }

    /// `t.Format(time.RFC3339)`.
    pub(crate) fn rfc3339(&self) -> String {
        let c = self.civil();
        let zone = if self.offset == 0 {
            "Z".to_string()
        } else {
            let minutes = self.offset / 60;
            let sign = if minutes < 0 { '-' } else { '+' };
            let minutes = minutes.unsigned_abs();
            format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
        };
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{zone}",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        )
    }

    pub(crate) fn utc(self) -> Time {
        Time { offset: 0, ..self }
    }
}

/// Layout elements (Go's `std*` constants).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    Pm {
        upper: bool,
    },
    Tz,
    /// A numeric zone; `z`: `Z` may stand for UTC; then the digit layout.
    NumTz {
        z: bool,
        shape: TzShape,
    },
    /// `.000` (`exact`) or `.999`, with the digit count.
    Frac {
        exact: bool,
        digits: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum TzShape {
    /// -07
    Short,
    /// -0700
    Plain,
    /// -07:00
    Colon,
    /// -070000
    Seconds,
    /// -07:00:00
    ColonSeconds,
}

/// Splits `layout` at its first element: (literal prefix, element, rest).
fn next_chunk(layout: &str) -> (&str, Option<(Std, usize)>) {
    let b = layout.as_bytes();
    let starts = |i: usize, s: &str| b.get(i..i + s.len()) == Some(s.as_bytes());
    let lower_at = |i: usize| b.get(i).is_some_and(u8::is_ascii_lowercase);
    let digit_at = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let found: Option<(Std, usize)> = match c {
            b'J' if starts(i, "January") => Some((Std::LongMonth, 7)),
            b'J' if starts(i, "Jan") && !lower_at(i + 3) => Some((Std::Month, 3)),
            b'M' if starts(i, "Monday") => Some((Std::LongWeekDay, 6)),
            b'M' if starts(i, "Mon") && !lower_at(i + 3) => Some((Std::WeekDay, 3)),
            b'M' if starts(i, "MST") => Some((Std::Tz, 3)),
            b'0' => match b.get(i + 1) {
                Some(b'1') => Some((Std::ZeroMonth, 2)),
                Some(b'2') => Some((Std::ZeroDay, 2)),
                Some(b'3') => Some((Std::ZeroHour12, 2)),
                Some(b'4') => Some((Std::ZeroMinute, 2)),
                Some(b'5') => Some((Std::ZeroSecond, 2)),
                Some(b'6') => Some((Std::Year, 2)),
                Some(b'0') if b.get(i + 2) == Some(&b'2') => Some((Std::ZeroYearDay, 3)),
                _ => None,
            },
            b'1' if b.get(i + 1) == Some(&b'5') => Some((Std::Hour, 2)),
            b'1' => Some((Std::NumMonth, 1)),
            b'2' if starts(i, "2006") => Some((Std::LongYear, 4)),
            b'2' => Some((Std::Day, 1)),
            b'_' if b.get(i + 1) == Some(&b'2') => {
                if starts(i + 1, "2006") {
                    // `_2006` is a literal underscore, then the year.
                    return (layout.get(..i + 1).unwrap_or(""), Some((Std::LongYear, 4)));
                }
                Some((Std::UnderDay, 2))
            }
            b'_' if starts(i + 1, "_2") => Some((Std::UnderYearDay, 3)),
            b'3' => Some((Std::Hour12, 1)),
            b'4' => Some((Std::Minute, 1)),
            b'5' => Some((Std::Second, 1)),
            b'P' if b.get(i + 1) == Some(&b'M') => Some((Std::Pm { upper: true }, 2)),
            b'p' if b.get(i + 1) == Some(&b'm') => Some((Std::Pm { upper: false }, 2)),
            b'-' | b'Z' => {
                let z = c == b'Z';
                let shapes = [
                    ("070000", TzShape::Seconds),
                    ("07:00:00", TzShape::ColonSeconds),
                    ("0700", TzShape::Plain),
                    ("07:00", TzShape::Colon),
                    ("07", TzShape::Short),
                ];
                shapes
                    .iter()
                    .find(|(s, _)| starts(i + 1, s))
                    .map(|(s, shape)| (Std::NumTz { z, shape: *shape }, s.len() + 1))
            }
            b'.' | b',' if matches!(b.get(i + 1), Some(b'0' | b'9')) => {
                let ch = b.get(i + 1).copied().unwrap_or(b'0');
                let digits = b
                    .get(i + 1..)
                    .map_or(0, |r| r.iter().take_while(|&&x| x == ch).count());
                if digit_at(i + 1 + digits) {
                    None
                } else {
                    Some((
                        Std::Frac {
                            exact: ch == b'0',
                            digits,
                        },
                        digits + 1,
                    ))
                }
            }
            _ => None,
        };
        if let Some(found) = found {
            return (layout.get(..i).unwrap_or(""), Some(found));
        }
        i += 1;
    }
    (layout, None)
}

const LONG_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Index of the name `value` starts with (any case), and the rest.
fn lookup<'a>(names: &[&str], short: bool, value: &'a str) -> Option<(usize, &'a str)> {
    names.iter().enumerate().find_map(|(i, name)| {
        let name = if short { name.get(..3)? } else { name };
        let head = value.get(..name.len())?;
        head.eq_ignore_ascii_case(name)
            .then(|| (i, value.get(name.len()..).unwrap_or("")))
    })
}

/// One or two digits (exactly two when `fixed`).
fn getnum(value: &str, fixed: bool) -> Option<(u32, &str)> {
    let b = value.as_bytes();
    let d0 = b.first().filter(|c| c.is_ascii_digit())?;
    match b.get(1).filter(|c| c.is_ascii_digit()) {
        Some(d1) => Some((
            u32::from(d0 - b'0') * 10 + u32::from(d1 - b'0'),
            value.get(2..)?,
        )),
        None if fixed => None,
        None => Some((u32::from(d0 - b'0'), value.get(1..)?)),
    }
}

/// One to three digits (exactly three when `fixed`).
fn getnum3(value: &str, fixed: bool) -> Option<(u32, &str)> {
    let n = value.bytes().take(3).take_while(u8::is_ascii_digit).count();
    if n == 0 || (fixed && n != 3) {
        return None;
    }
    Some((value.get(..n)?.parse().ok()?, value.get(n..)?))
}

/// Nanoseconds from `.123` (the first `len` bytes of `value`).
fn nanoseconds(value: &str, len: usize) -> Option<u32> {
    if !value.starts_with(['.', ',']) {
        return None;
    }
    let digits = value.get(1..len)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = digits.get(..digits.len().min(9))?;
    let mut ns: u32 = if digits.is_empty() {
        0
    } else {
        digits.parse().ok()?
    };
    for _ in digits.len()..9 {
        ns *= 10;
    }
    Some(ns)
}

/// Matches a literal layout prefix; a space matches a run of spaces.
fn skip<'a>(mut value: &'a str, mut prefix: &str) -> Option<&'a str> {
    while let Some(p) = prefix.chars().next() {
        if p == ' ' {
            if !value.is_empty() && !value.starts_with(' ') {
                return None;
            }
            prefix = prefix.trim_start_matches(' ');
            value = value.trim_start_matches(' ');
            continue;
        }
        value = value.strip_prefix(p)?;
        prefix = prefix.get(p.len_utf8()..)?;
    }
    Some(value)
}

/// Length of a zone abbreviation at the start of `value` (Go's
/// `parseTimeZone`).
fn zone_length(value: &str) -> Option<usize> {
    let b = value.as_bytes();
    if b.len() < 3 {
        return None;
    }
    if value.starts_with("ChST") || value.starts_with("MeST") {
        return Some(4);
    }
    if value.starts_with("GMT") {
        let rest = b.get(3..).unwrap_or(&[]);
        let signed = matches!(rest.first(), Some(b'+' | b'-'));
        let digits = rest
            .get(1..)
            .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count());
        return Some(if signed && digits > 0 { 4 + digits } else { 3 });
    }
    if matches!(b.first(), Some(b'+' | b'-')) {
        let digits = b
            .get(1..)
            .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count());
        return (digits > 0).then_some(1 + digits);
    }
    let upper = b
        .iter()
        .take(6)
        .take_while(|c| c.is_ascii_uppercase())
        .count();
    match upper {
        3 => Some(3),
        4 if b.get(3) == Some(&b'T') || value.starts_with("WITA") => Some(4),
        5 if b.get(4) == Some(&b'T') => Some(5),
        _ => None,
    }
}

/// `time.Parse(layout, value)`.
pub(crate) fn parse(layout: &str, value: &str) -> Result<Time, String> {
    let bad = |what: &str| format!("parsing time \"{value}\" as \"{layout}\": {what}");
    let mut rest_layout = layout;
    let mut v = value;
    let (mut year, mut month, mut day) = (0i64, None::<u32>, None::<u32>);
    let mut yday: Option<u32> = None;
    let (mut hour, mut minute, mut second, mut nanos) = (0u32, 0u32, 0u32, 0u32);
    let (mut pm, mut am) = (false, false);
    let mut utc = false;
    let mut offset: Option<i32> = None;
    let mut zone_name: Option<&str> = None;
    loop {
        let (prefix, std) = next_chunk(rest_layout);
        v = skip(v, prefix).ok_or_else(|| bad(&format!("cannot parse \"{v}\" as \"{prefix}\"")))?;
        let Some((std, len)) = std else {
            if !v.is_empty() {
                return Err(bad(&format!("extra text: \"{v}\"")));
            }
            break;
        };
        let element = rest_layout
            .get(prefix.len()..prefix.len() + len)
            .unwrap_or("");
        rest_layout = rest_layout.get(prefix.len() + len..).unwrap_or("");
        let current = v;
        let cannot = || bad(&format!("cannot parse \"{current}\" as \"{element}\""));
        match std {
            Std::Year => {
                let digits = v
                    .get(..2)
                    .filter(|d| d.bytes().all(|c| c.is_ascii_digit()))
                    .ok_or_else(cannot)?;
                let y: i64 = digits.parse().map_err(|_| cannot())?;
                year = if y >= 69 { y + 1900 } else { y + 2000 };
                v = v.get(2..).unwrap_or("");
            }
            Std::LongYear => {
                let digits = v
                    .get(..4)
                    .filter(|d| d.bytes().all(|c| c.is_ascii_digit()))
                    .ok_or_else(cannot)?;
                year = digits.parse().map_err(|_| cannot())?;
                v = v.get(4..).unwrap_or("");
            }
            Std::Month | Std::LongMonth => {
                let (i, rest) = lookup(&LONG_MONTHS, std == Std::Month, v).ok_or_else(cannot)?;
                month = Some(u32::try_from(i).unwrap_or(0) + 1);
                v = rest;
            }
            Std::NumMonth | Std::ZeroMonth => {
                let (m, rest) = getnum(v, std == Std::ZeroMonth).ok_or_else(cannot)?;
                if !(1..=12).contains(&m) {
                    return Err(bad("month out of range"));
                }
                month = Some(m);
                v = rest;
            }
            Std::WeekDay | Std::LongWeekDay => {
                // Parsed and ignored, as Go does.
                let (_, rest) = lookup(&LONG_DAYS, std == Std::WeekDay, v).ok_or_else(cannot)?;
                v = rest;
            }
            Std::Day | Std::UnderDay | Std::ZeroDay => {
                if std == Std::UnderDay {
                    v = v.strip_prefix(' ').unwrap_or(v);
                }
                let (d, rest) = getnum(v, std == Std::ZeroDay).ok_or_else(cannot)?;
                day = Some(d);
                v = rest;
            }
            Std::UnderYearDay | Std::ZeroYearDay => {
                if std == Std::UnderYearDay {
                    for _ in 0..2 {
                        v = v.strip_prefix(' ').unwrap_or(v);
                    }
                }
                let (d, rest) = getnum3(v, std == Std::ZeroYearDay).ok_or_else(cannot)?;
                if !(1..=366).contains(&d) {
                    return Err(bad("day-of-year out of range"));
                }
                yday = Some(d);
                v = rest;
            }
            Std::Hour => {
                let (h, rest) = getnum(v, false).ok_or_else(cannot)?;
                if h >= 24 {
                    return Err(bad("hour out of range"));
                }
                hour = h;
                v = rest;
            }
            Std::Hour12 | Std::ZeroHour12 => {
                let (h, rest) = getnum(v, std == Std::ZeroHour12).ok_or_else(cannot)?;
                if h > 12 {
                    return Err(bad("hour out of range"));
                }
                hour = h;
                v = rest;
            }
            Std::Minute | Std::ZeroMinute => {
                let (m, rest) = getnum(v, std == Std::ZeroMinute).ok_or_else(cannot)?;
                if m >= 60 {
                    return Err(bad("minute out of range"));
                }
                minute = m;
                v = rest;
            }
            Std::Second | Std::ZeroSecond => {
                let (s, rest) = getnum(v, std == Std::ZeroSecond).ok_or_else(cannot)?;
                if s >= 60 {
                    return Err(bad("second out of range"));
                }
                second = s;
                v = rest;
                // A fraction the layout does not mention is still read.
                let next_is_frac = matches!(next_chunk(rest_layout).1, Some((Std::Frac { .. }, _)));
                let b = v.as_bytes();
                if !next_is_frac
                    && matches!(b.first(), Some(b'.' | b','))
                    && b.get(1).is_some_and(u8::is_ascii_digit)
                {
                    let n = 1 + b.iter().skip(1).take_while(|c| c.is_ascii_digit()).count();
                    nanos = nanoseconds(v, n).ok_or_else(cannot)?;
                    v = v.get(n..).unwrap_or("");
                }
            }
            Std::Pm { upper } => {
                let head = v.get(..2).ok_or_else(cannot)?;
                let (p, a) = if upper { ("PM", "AM") } else { ("pm", "am") };
                if head == p {
                    pm = true;
                } else if head == a {
                    am = true;
                } else {
                    return Err(cannot());
                }
                v = v.get(2..).unwrap_or("");
            }
            Std::NumTz { z, shape } => {
                if z && v.starts_with('Z') {
                    utc = true;
                    v = v.get(1..).unwrap_or("");
                    continue;
                }
                let field = |from: usize| {
                    v.get(from..from + 2)
                        .and_then(|s| getnum(s, true))
                        .map(|(n, _)| n)
                };
                let colon = |at: usize| v.as_bytes().get(at) == Some(&b':');
                let (h, m, s, used) = match shape {
                    TzShape::Short => (field(1), Some(0), Some(0), 3),
                    TzShape::Plain => (field(1), field(3), Some(0), 5),
                    TzShape::Colon if colon(3) => (field(1), field(4), Some(0), 6),
                    TzShape::Seconds => (field(1), field(3), field(5), 7),
                    TzShape::ColonSeconds if colon(3) && colon(6) => {
                        (field(1), field(4), field(7), 9)
                    }
                    _ => (None, None, None, 0),
                };
                let (Some(h), Some(m), Some(s)) = (h, m, s) else {
                    return Err(cannot());
                };
                if h > 24 || m > 60 || s > 60 {
                    return Err(bad("time zone offset out of range"));
                }
                let seconds = i32::try_from((h * 60 + m) * 60 + s).unwrap_or(0);
                offset = Some(match v.as_bytes().first() {
                    Some(b'+') => seconds,
                    Some(b'-') => -seconds,
                    _ => return Err(cannot()),
                });
                v = v.get(used..).unwrap_or("");
            }
            Std::Tz => {
                if v.starts_with("UTC") {
                    utc = true;
                    v = v.get(3..).unwrap_or("");
                    continue;
                }
                let n = zone_length(v).ok_or_else(cannot)?;
                zone_name = v.get(..n);
                v = v.get(n..).unwrap_or("");
            }
            Std::Frac { exact, digits } => {
                if exact {
                    nanos = nanoseconds(v, digits + 1).ok_or_else(cannot)?;
                    v = v.get(digits + 1..).unwrap_or("");
                } else {
                    let b = v.as_bytes();
                    if b.len() >= 2
                        && matches!(b.first(), Some(b'.' | b','))
                        && b.get(1).is_some_and(u8::is_ascii_digit)
                    {
                        let n = 1 + b.iter().skip(1).take_while(|c| c.is_ascii_digit()).count();
                        nanos = nanoseconds(v, n).ok_or_else(cannot)?;
                        v = v.get(n..).unwrap_or("");
                    }
                }
            }
        }
    }
    if pm && hour < 12 {
        hour += 12;
    } else if am && hour == 12 {
        hour = 0;
    }
    let (month, day) = match yday {
        Some(yd) => {
            let days_in_year = if is_leap(year) { 366 } else { 365 };
            if yd > days_in_year {
                return Err(bad("day-of-year out of range"));
            }
            let (mut m, mut d) = (1u32, yd);
            while d > days_in(m, year) {
                d -= days_in(m, year);
                m += 1;
            }
            if month.is_some_and(|x| x != m) || day.is_some_and(|x| x != d) {
                return Err(bad("day-of-year does not match month or day"));
            }
            (m, d)
        }
        None => (month.unwrap_or(1), day.unwrap_or(1)),
    };
    if day < 1 || day > days_in(month, year) {
        return Err(bad("day out of range"));
    }
    let offset = if utc {
        0
    } else if let Some(offset) = offset {
        offset
    } else if let Some(name) = zone_name {
        // An unknown abbreviation: offset zero, except GMT±N.
        name.strip_prefix("GMT")
            .and_then(|h| h.parse::<i32>().ok())
            .map_or(0, |h| h * 3600)
    } else {
        0
    };
    let days = days_from_civil(year, month, day);
    let local_seconds = i128::from(days) * 86_400
        + i128::from(hour) * 3600
        + i128::from(minute) * 60
        + i128::from(second);
    Ok(Time {
        unix_nanos: (local_seconds - i128::from(offset)) * NANOS_PER_SECOND + i128::from(nanos),
        offset,
    })
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
    fn civil_round_trip() {
        for (y, m, d) in [
            (1970, 1, 1),
            (2000, 2, 29),
            (2021, 1, 2),
            (1, 1, 1),
            (2400, 12, 31),
        ] {
            assert_eq!(civil_from_days(days_from_civil(y, m, d)), (y, m, d));
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
    }

    #[test]
    fn parses_go_layouts() {
        for (layout, value, want) in [
            (
                RFC3339,
                "2021-01-02T15:04:05-07:00",
                "2021-01-02T15:04:05-07:00",
            ),
            (RFC3339, "2023-02-02T15:04:05Z", "2023-02-02T15:04:05Z"),
            (RFC3339, "2023-02-02T15:04:05.123Z", "2023-02-02T15:04:05Z"),
            (
                "Mon Jan 02 15:04:05 -0700 2006",
                "Sat Jan 02 15:04:05 -0700 2021",
                "2021-01-02T15:04:05-07:00",
            ),
            (
                "Mon Jan _2 15:04:05 MST 2006",
                "Mon Jan 10 03:14:16 MST 2021",
                "2021-01-10T03:14:16Z",
            ),
            ("2006-01-02", "2024-02-29", "2024-02-29T00:00:00Z"),
            (
                "Jan 2, 2006 at 3:04pm (MST)",
                "Feb 3, 2013 at 7:54pm (PST)",
                "2013-02-03T19:54:00Z",
            ),
            (
                "02 Jan 06 15:04 MST",
                "02 Jan 06 15:04 UTC",
                "2006-01-02T15:04:00Z",
            ),
            ("2006-002", "2021-032", "2021-02-01T00:00:00Z"),
        ] {
            assert_eq!(
                parse(layout, value).unwrap().rfc3339(),
                want,
                "{layout} / {value}"
            );
        }
        for (layout, value) in [
            (RFC3339, ""),
            (RFC3339, "2021-02-30T00:00:00Z"),
            (RFC3339, "2021-01-02T25:04:05Z"),
            (RFC3339, "2021-01-02T15:04:05"),
            (RFC3339, "2021-01-02T15:04:05Zjunk"),
            ("2006-01-02", "2021-1-02"),
        ] {
            assert!(parse(layout, value).is_err(), "{layout} / {value}");
        }
    }

    #[test]
    fn civil_fields() {
        let t = parse(RFC3339, "2023-02-02T15:04:05Z").unwrap();
        let c = t.civil();
        assert_eq!(
            (c.minute, c.hour, c.day, c.month, c.weekday),
            (4, 15, 2, 2, 4)
        );
    }
}
