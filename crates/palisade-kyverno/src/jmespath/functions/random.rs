//! `random(pattern)`: a random string matching a regular expression, as
//! goregen generates one: each alternative and class member equally
//! likely, unbounded repeats at most ten more than their minimum.

use std::hash::{BuildHasher, RandomState};

use jmespath::Rcvar;
use regex_syntax::hir::{Class, Hir, HirKind};

use super::{FnError, error, string_arg};
use crate::jmespath::value::string;

/// Longest string generated; a pattern like `a{1000}{1000}` fails instead.
const MAX_LENGTH: usize = 64 * 1024;
/// goregen's `MaxUnboundedRepeatCount`.
const MAX_UNBOUNDED: u32 = 10;

/// A small xorshift generator seeded from the process's random hasher
/// keys (not for secrets; neither is Kyverno's use).
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        Rng(RandomState::new().hash_one(0x5eed_u64) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

pub(crate) fn random(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let pattern = string_arg("random", args, 0)?;
    if pattern.is_empty() {
        return Err(error("random", "no pattern provided"));
    }
    let hir = regex_syntax::Parser::new()
        .parse(pattern)
        .map_err(|e| error("random", e))?;
    let mut out = String::new();
    generate(&hir, &mut Rng::new(), &mut out)?;
    Ok(string(out))
}

fn generate(hir: &Hir, rng: &mut Rng, out: &mut String) -> Result<(), FnError> {
    if out.len() > MAX_LENGTH {
        return Err(error("random", "generated string too long"));
    }
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(literal) => out.push_str(&String::from_utf8_lossy(&literal.0)),
        HirKind::Class(Class::Unicode(class)) => {
            let ranges: Vec<(u32, u32)> = class
                .ranges()
                .iter()
                .map(|r| (u32::from(r.start()), u32::from(r.end())))
                .collect();
            if let Some(c) = pick(&ranges, rng) {
                out.push(c);
            }
        }
        HirKind::Class(Class::Bytes(class)) => {
            let ranges: Vec<(u32, u32)> = class
                .ranges()
                .iter()
                .map(|r| (u32::from(r.start()), u32::from(r.end())))
                .collect();
            if let Some(c) = pick(&ranges, rng) {
                out.push(c);
            }
        }
        HirKind::Repetition(rep) => {
            let max = rep.max.unwrap_or(rep.min.saturating_add(MAX_UNBOUNDED));
            let span = u64::from(max.saturating_sub(rep.min)) + 1;
            let count = u64::from(rep.min) + rng.below(span);
            for _ in 0..count {
                generate(&rep.sub, rng, out)?;
            }
        }
        HirKind::Capture(capture) => generate(&capture.sub, rng, out)?,
        HirKind::Concat(items) => {
            for item in items {
                generate(item, rng, out)?;
            }
        }
        HirKind::Alternation(items) => {
            let i = usize::try_from(rng.below(items.len() as u64)).unwrap_or(0);
            if let Some(item) = items.get(i) {
                generate(item, rng, out)?;
            }
        }
    }
    Ok(())
}

/// A random member of a class. A huge class (`.`, `[^a]`) is narrowed to
/// the printable ASCII it contains, so the output stays readable.
fn pick(ranges: &[(u32, u32)], rng: &mut Rng) -> Option<char> {
    let size: u64 = ranges.iter().map(|(a, b)| u64::from(b - a) + 1).sum();
    let narrowed: Vec<(u32, u32)>;
    let ranges = if size > 256 {
        narrowed = ranges
            .iter()
            .filter_map(|&(a, b)| {
                let (a, b) = (a.max(0x20), b.min(0x7e));
                (a <= b).then_some((a, b))
            })
            .collect();
        if narrowed.is_empty() {
            ranges
        } else {
            &narrowed
        }
    } else {
        ranges
    };
    let size: u64 = ranges.iter().map(|(a, b)| u64::from(b - a) + 1).sum();
    let mut index = rng.below(size);
    for &(a, b) in ranges {
        let width = u64::from(b - a) + 1;
        if index < width {
            let code = a + u32::try_from(index).unwrap_or(0);
            return char::from_u32(code).or(char::from_u32(a));
        }
        index -= width;
    }
    None
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

    use super::super::testing::{args, json};
    use super::*;

    #[test]
    fn generates_matching_strings() {
        for pattern in [
            "[a-z]{5}",
            "[0-9a-f]{8}-[0-9a-f]{4}",
            "(foo|bar)+",
            "a.b",
            "x?y*z",
        ] {
            let re = regex::Regex::new(&format!("^(?:{pattern})$")).unwrap();
            for _ in 0..20 {
                let got = json(&random(&args(&[json!(pattern)])).unwrap());
                assert!(re.is_match(got.as_str().unwrap()), "{pattern}: {got}");
            }
        }
        assert!(random(&args(&[json!("")])).is_err());
        assert!(random(&args(&[json!("a{1000}{1000}")])).is_err());
    }
}
