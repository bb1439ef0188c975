//! kube-bench's comparison operators, as its `compareOp` applies them:
//! the reference both kube-bench harnesses judge with, itself held to
//! kube-bench's labelled `TestCompareOp` cases by
//! `conformance_kube_bench_evaluator`.

/// `compareOp`: whether `value` passes `op` against `expected`.
pub fn compare(op: &str, value: &str, expected: &str) -> bool {
    let numbers = || -> Option<(i64, i64)> {
        Some((value.trim().parse().ok()?, expected.trim().parse().ok()?))
    };
    // Booleans compare in lower case, anything else exactly.
    let equal = || {
        let lower = value.to_lowercase();
        if lower == "true" || lower == "false" {
            lower == expected
        } else {
            value == expected
        }
    };
    match op {
        "eq" => equal(),
        "noteq" => !equal(),
        "gt" => numbers().is_some_and(|(a, b)| a > b),
        "gte" => numbers().is_some_and(|(a, b)| a >= b),
        "lt" => numbers().is_some_and(|(a, b)| a < b),
        "lte" => numbers().is_some_and(|(a, b)| a <= b),
        "has" => value.contains(expected),
        "nothave" => !value.contains(expected),
        "regex" => regex::Regex::new(expected).is_ok_and(|re| re.is_match(value)),
        "valid_elements" => {
            let split = |s: &str| -> Vec<String> {
                let clean = s.trim().trim_end_matches(',');
                if clean.is_empty() {
                    Vec::new()
                } else {
                    clean.split(',').map(|e| e.trim().to_owned()).collect()
                }
            };
            let (given, allowed) = (split(value), split(expected));
            match (given.is_empty(), allowed.is_empty()) {
                (true, true) => true,
                (true, false) | (false, true) => false,
                _ => given.iter().all(|g| allowed.contains(g)),
            }
        }
        "bitmask" => match (
            i64::from_str_radix(value, 8),
            i64::from_str_radix(expected, 8),
        ) {
            (Ok(requested), Ok(max)) => max & requested == requested,
            _ => false,
        },
        _ => false,
    }
}
