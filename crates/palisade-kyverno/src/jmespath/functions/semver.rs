//! `semver_compare(version, range)` with blang/semver v4's ranges:
//! `>=1.2.3 <2.0.0` (and), `<1.0.0 || >=2.0.0` (or), `!1.2.3`, and `x`
//! wildcards (`1.2.x`, `>=4.1.x`). A version that does not parse is 0.0.0,
//! as Kyverno ignores the parse error.

use std::cmp::Ordering;

use jmespath::Rcvar;

use super::{FnError, error, string_arg};
use crate::jmespath::value::boolean;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<Pre>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pre {
    Numeric(u64),
    Alpha(String),
}

fn number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

impl Version {
    /// `semver.Parse`: strict `MAJOR.MINOR.PATCH[-pre][+build]`.
    fn parse(s: &str) -> Option<Version> {
        // Build metadata does not take part in comparisons.
        let s = match s.split_once('+') {
            Some((_, "")) => return None,
            Some((version, _)) => version,
            None => s,
        };
        let (core, pre) = match s.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (s, None),
        };
        let mut parts = core.split('.');
        let (major, minor, patch) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let mut version = Version {
            major: number(major)?,
            minor: number(minor)?,
            patch: number(patch)?,
            pre: Vec::new(),
        };
        if let Some(pre) = pre {
            for part in pre.split('.') {
                if part.is_empty() || !part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                {
                    return None;
                }
                version
                    .pre
                    .push(if part.bytes().all(|b| b.is_ascii_digit()) {
                        Pre::Numeric(number(part)?)
                    } else {
                        Pre::Alpha(part.to_string())
                    });
            }
        }
        Some(version)
    }

    fn compare(&self, other: &Version) -> Ordering {
        let core =
            (self.major, self.minor, self.patch).cmp(&(other.major, other.minor, other.patch));
        if core != Ordering::Equal {
            return core;
        }
        match (self.pre.is_empty(), other.pre.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Greater,
            (false, true) => return Ordering::Less,
            (false, false) => {}
        }
        for (a, b) in self.pre.iter().zip(&other.pre) {
            let order = match (a, b) {
                (Pre::Numeric(x), Pre::Numeric(y)) => x.cmp(y),
                (Pre::Numeric(_), Pre::Alpha(_)) => Ordering::Less,
                (Pre::Alpha(_), Pre::Numeric(_)) => Ordering::Greater,
                (Pre::Alpha(x), Pre::Alpha(y)) => x.cmp(y),
            };
            if order != Ordering::Equal {
                return order;
            }
        }
        self.pre.len().cmp(&other.pre.len())
    }
}

/// A comparison: operator and version.
struct Comparison {
    op: String,
    version: Version,
}

impl Comparison {
    fn holds(&self, v: &Version) -> bool {
        let order = v.compare(&self.version);
        match self.op.as_str() {
            "" | "=" | "==" => order == Ordering::Equal,
            "!" | "!=" => order != Ordering::Equal,
            ">" => order == Ordering::Greater,
            ">=" => order != Ordering::Less,
            "<" => order == Ordering::Less,
            "<=" => order != Ordering::Greater,
            _ => false,
        }
    }
}

/// blang's `splitAndTrim`: split at spaces, except after `<`, `>`, `=`.
fn split_and_trim(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut last = ' ';
    for c in s.chars() {
        if c == ' ' && !matches!(last, '>' | '<' | '=') {
            if !current.is_empty() {
                parts.push(std::mem::take(&mut current));
            }
        } else if c != ' ' {
            current.push(c);
            last = c;
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

/// Operator and version text of `>=1.2.3`.
fn split_comparator(s: &str) -> Result<(&str, &str), String> {
    let i = s
        .find(|c: char| c.is_ascii_digit())
        .ok_or_else(|| format!("Could not get version from string: \"{s}\""))?;
    Ok((s.get(..i).unwrap_or("").trim(), s.get(i..).unwrap_or("")))
}

/// blang's `expandWildcardVersion` for one comparison.
fn expand(part: &str) -> Result<Vec<String>, String> {
    let (op, version) = split_comparator(part)?;
    if !part.contains(".x") {
        return Ok(vec![part.to_string()]);
    }
    let pieces: Vec<&str> = version.split('.').collect();
    // blang counts the parts: three means a patch wildcard, even in 1.x.x.
    let patch_wildcard = pieces.len() == 3 && pieces.last() == Some(&"x");
    let minor_wildcard = pieces.len() == 2 && pieces.last() == Some(&"x");
    let mut flat = version.replacen(".x.x", ".x", 1).replacen(".x", ".0", 1);
    if flat.split('.').count() == 2 {
        flat.push_str(".0");
    }
    let increment = |index: usize| -> String {
        let mut parts: Vec<String> = flat.split('.').map(str::to_string).collect();
        if let Some(p) = parts.get_mut(index)
            && let Ok(n) = p.parse::<u64>()
        {
            *p = (n + 1).to_string();
        }
        parts.join(".")
    };
    let bumped = if patch_wildcard {
        increment(1)
    } else if minor_wildcard {
        increment(0)
    } else {
        String::new()
    };
    Ok(match op {
        ">" => vec![format!(">={bumped}")],
        ">=" => vec![format!(">={flat}")],
        "<" => vec![format!("<{flat}")],
        "<=" => vec![format!("<{bumped}")],
        "" | "=" | "==" => vec![format!(">={flat}"), format!("<{bumped}")],
        // As blang: both must hold, so this matches nothing.
        "!=" | "!" => vec![format!("<{flat}"), format!(">={bumped}")],
        _ => vec![part.to_string()],
    })
}

/// `semver.ParseRange`: alternatives of conjunctions.
fn parse_range(s: &str) -> Result<Vec<Vec<Comparison>>, String> {
    let parts = split_and_trim(s);
    let mut groups: Vec<Vec<String>> = vec![Vec::new()];
    for (i, part) in parts.iter().enumerate() {
        if part == "||" {
            if i == 0 {
                return Err("First element in range is '||'".into());
            }
            groups.push(Vec::new());
        } else if let Some(group) = groups.last_mut() {
            group.push(part.clone());
        }
    }
    if groups.last().is_some_and(Vec::is_empty) && !parts.is_empty() {
        return Err("Last element in range is '||'".into());
    }
    let mut range = Vec::new();
    for group in groups {
        let mut all = Vec::new();
        for part in group {
            for expanded in expand(&part)? {
                let (op, version) = split_comparator(&expanded)?;
                if !matches!(op, "" | "=" | "==" | "!" | "!=" | ">" | ">=" | "<" | "<=") {
                    return Err(format!(
                        "Could not parse comparator \"{op}\" in \"{expanded}\""
                    ));
                }
                let version = Version::parse(version)
                    .ok_or_else(|| format!("Could not parse Range \"{expanded}\""))?;
                all.push(Comparison {
                    op: op.to_string(),
                    version,
                });
            }
        }
        range.push(all);
    }
    Ok(range)
}

pub(crate) fn semver_compare(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    const NAME: &str = "semver_compare";
    let version = Version::parse(string_arg(NAME, args, 0)?).unwrap_or_default();
    let range = parse_range(string_arg(NAME, args, 1)?).map_err(|e| error(NAME, e))?;
    Ok(boolean(range.iter().any(|all| {
        !all.is_empty() && all.iter().all(|c| c.holds(&version))
    })))
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

    fn satisfies(version: &str, range: &str) -> bool {
        let v = Version::parse(version).unwrap_or_default();
        parse_range(range)
            .unwrap()
            .iter()
            .any(|all| all.iter().all(|c| c.holds(&v)))
    }

    #[test]
    fn ranges_as_blang() {
        for (version, range, want) in [
            ("1.1.1", ">1.0.0 <2.0.0", true),
            ("2.0.0", ">1.0.0 <2.0.0", false),
            ("1.2.3", ">= 1.2.3", true),
            ("2.0.3-beta.2", ">1.0.0 <3.0.0 !2.0.3-beta.2", false),
            ("4.2.1", ">1.0.0 <2.0.0 || >3.0.0 !4.2.1", false),
            ("3.1.1", ">1.0.0 <2.0.0 || >3.0.0 !4.2.1", true),
            ("1.2.5", "1.2.x", true),
            ("1.3.0", "1.2.x", false),
            ("1.9.0", "<=1.x", true),
            ("1.0.0-alpha", "<1.0.0", true),
            ("1.0.0-alpha.1", ">1.0.0-alpha", true),
            ("1.0.0-2", "<1.0.0-10", true),
            ("v1.0.0", "0.0.0", true),
        ] {
            assert_eq!(satisfies(version, range), want, "{version} in {range}");
        }
        for range in ["|| 1.0.0", "1.0.0 ||", "~1.0.0", "abc", ">=1.0"] {
            assert!(parse_range(range).is_err(), "{range}");
        }
    }
}
