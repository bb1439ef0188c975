//! String functions, each as Go's `strings` package or `regexp` does it.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

use jmespath::Rcvar;
use regex::Regex;

use super::{FnError, error, number_arg, number_result, string_arg, stringish_arg};
use crate::jmespath::value::{boolean, string};
use crate::wildcards as wildcard;

pub(crate) fn compare(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let a = string_arg("compare", args, 0)?;
    let b = string_arg("compare", args, 1)?;
    let ordering = a.cmp(b) as i8;
    number_result("compare", f64::from(ordering))
}

pub(crate) fn equal_fold(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let a = string_arg("equal_fold", args, 0)?;
    let b = string_arg("equal_fold", args, 1)?;
    let same = a.chars().count() == b.chars().count()
        && a.chars().zip(b.chars()).all(|(x, y)| fold(x) == fold(y));
    Ok(boolean(same))
}

/// A character's simple case fold, close to Go's `EqualFold` orbit.
fn fold(c: char) -> char {
    single(c.to_lowercase()).unwrap_or(c)
}

/// The one character a case mapping yields, if it yields one (Go's
/// `unicode.ToUpper` maps rune to rune: `ß` stays `ß`).
fn single(mut mapped: impl Iterator<Item = char>) -> Option<char> {
    let first = mapped.next()?;
    mapped.next().is_none().then_some(first)
}

pub(crate) fn replace(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let s = string_arg("replace", args, 0)?;
    let old = string_arg("replace", args, 1)?;
    let new = string_arg("replace", args, 2)?;
    let n = number_arg("replace", args, 3)?;
    // Go: int(n), and a negative count replaces every instance.
    #[allow(clippy::cast_possible_truncation)]
    let n = n.trunc() as i64;
    Ok(string(match usize::try_from(n) {
        Ok(n) => s.replacen(old, new, n),
        Err(_) => s.replace(old, new),
    }))
}

pub(crate) fn replace_all(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let s = string_arg("replace_all", args, 0)?;
    let old = string_arg("replace_all", args, 1)?;
    let new = string_arg("replace_all", args, 2)?;
    Ok(string(s.replace(old, new)))
}

pub(crate) fn to_upper(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let s = string_arg("to_upper", args, 0)?;
    Ok(string(
        s.chars()
            .map(|c| single(c.to_uppercase()).unwrap_or(c))
            .collect::<String>(),
    ))
}

pub(crate) fn to_lower(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let s = string_arg("to_lower", args, 0)?;
    Ok(string(
        s.chars()
            .map(|c| single(c.to_lowercase()).unwrap_or(c))
            .collect::<String>(),
    ))
}

pub(crate) fn trim(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let s = string_arg("trim", args, 0)?;
    let cutset = string_arg("trim", args, 1)?;
    Ok(string(s.trim_matches(|c| cutset.contains(c))))
}

pub(crate) fn trim_prefix(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let s = string_arg("trim_prefix", args, 0)?;
    let prefix = string_arg("trim_prefix", args, 1)?;
    Ok(string(s.strip_prefix(prefix).unwrap_or(s)))
}

pub(crate) fn split(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let s = string_arg("split", args, 0)?;
    let sep = string_arg("split", args, 1)?;
    // Go splits around an empty separator into single characters.
    let parts: Vec<Rcvar> = if sep.is_empty() {
        s.chars().map(|c| string(c.to_string())).collect()
    } else {
        s.split(sep).map(string).collect()
    };
    Ok(Rcvar::new(jmespath::Variable::Array(parts)))
}

/// Compiled regular expressions by pattern: policies apply the same few
/// to every resource. Emptied when full.
static REGEXES: LazyLock<Mutex<HashMap<String, Regex>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn regex(name: &str, pattern: &str) -> Result<Regex, FnError> {
    let mut cache = REGEXES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(re) = cache.get(pattern) {
        return Ok(re.clone());
    }
    let re = Regex::new(pattern).map_err(|e| error(name, format!("error parsing regexp: {e}")))?;
    if cache.len() >= 512 {
        cache.clear();
    }
    cache.insert(pattern.to_string(), re.clone());
    Ok(re)
}

pub(crate) fn regex_replace_all(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    const NAME: &str = "regex_replace_all";
    let pattern = string_arg(NAME, args, 0)?;
    let src = stringish_arg(NAME, args, 1)?;
    let replacement = stringish_arg(NAME, args, 2)?;
    let re = regex(NAME, pattern)?;
    // `$1` and `${name}` expand as in Go's `Regexp.ReplaceAll`.
    Ok(string(re.replace_all(&src, replacement.as_str())))
}

pub(crate) fn regex_replace_all_literal(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    const NAME: &str = "regex_replace_all_literal";
    let pattern = string_arg(NAME, args, 0)?;
    let src = stringish_arg(NAME, args, 1)?;
    let replacement = stringish_arg(NAME, args, 2)?;
    let re = regex(NAME, pattern)?;
    Ok(string(re.replace_all(&src, regex::NoExpand(&replacement))))
}

pub(crate) fn regex_match(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    const NAME: &str = "regex_match";
    let pattern = string_arg(NAME, args, 0)?;
    let src = stringish_arg(NAME, args, 1)?;
    Ok(boolean(regex(NAME, pattern)?.is_match(&src)))
}

pub(crate) fn pattern_match(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    const NAME: &str = "pattern_match";
    let pattern = string_arg(NAME, args, 0)?;
    let src = stringish_arg(NAME, args, 1)?;
    Ok(boolean(wildcard::matches(pattern, &src)))
}

pub(crate) fn to_boolean(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let s = string_arg("to_boolean", args, 0)?;
    match s.to_lowercase().as_str() {
        "true" => Ok(boolean(true)),
        "false" => Ok(boolean(false)),
        _ => Err(error(
            "to_boolean",
            format!("lowercase argument must be 'true' or 'false' (provided: '{s}')"),
        )),
    }
}

/// Go's `filepath.Join(path)` on Unix: `filepath.Clean` of a non-empty
/// path, the empty path as is.
pub(crate) fn path_canonicalize(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let path = string_arg("path_canonicalize", args, 0)?;
    if path.is_empty() {
        return Ok(string(""));
    }
    Ok(string(clean(path)))
}

/// Lexical path cleaning: one slash between elements, no `.`, `..`
/// removing the element before it, and none above the root.
fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for element in path.split('/') {
        match element {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// The first `length` characters (Go truncates the float; negative is 0).
pub(crate) fn truncate(args: &[Rcvar]) -> Result<Rcvar, FnError> {
    let s = string_arg("truncate", args, 0)?;
    let length = number_arg("truncate", args, 1)?.max(0.0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let length = length as usize;
    Ok(string(s.chars().take(length).collect::<String>()))
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

    /// Runs (arguments, expected result or None for an error) cases.
    fn table(handler: Handler, name: &str, cases: &[(Json, Option<Json>)]) {
        for (input, want) in cases {
            let got = handler(&args(input.as_array().unwrap()));
            match want {
                Some(want) => assert_eq!(&json(&got.unwrap()), want, "{name}({input})"),
                None => assert!(got.is_err(), "{name}({input}) should fail"),
            }
        }
    }

    // Go: Test_TrimPrefix.
    #[test]
    fn trim_prefix_cases() {
        table(
            trim_prefix,
            "trim_prefix",
            &[
                (
                    json!(["¡¡¡Hello, Gophers!!!", "¡¡¡Hello, "]),
                    Some(json!("Gophers!!!")),
                ),
                (
                    json!(["¡¡¡Hello, Gophers!!!", "¡¡¡Hola, "]),
                    Some(json!("¡¡¡Hello, Gophers!!!")),
                ),
                (json!([1, "¡¡¡Hello, "]), None),
                (json!(["¡¡¡Hello, Gophers!!!", 1]), None),
            ],
        );
    }

    // Go: Test_jpfCompare.
    #[test]
    fn compare_cases() {
        table(
            compare,
            "compare",
            &[
                (json!(["a", "b"]), Some(json!(-1))),
                (json!(["b", "a"]), Some(json!(1))),
                (json!(["b", "b"]), Some(json!(0))),
                (json!([1, "b"]), None),
                (json!(["a", 1]), None),
            ],
        );
    }

    // Go: Test_jpfEqualFold.
    #[test]
    fn equal_fold_cases() {
        table(
            equal_fold,
            "equal_fold",
            &[
                (json!(["Go", "go"]), Some(json!(true))),
                (json!(["a", "b"]), Some(json!(false))),
                (json!([1, "b"]), None),
                (json!(["a", 1]), None),
            ],
        );
    }

    // Go: Test_jpfReplace.
    #[test]
    fn replace_cases() {
        let lorem3 = "Lorem ipsum ipsum ipsum dolor sit amet";
        table(
            replace,
            "replace",
            &[
                (
                    json!(["Lorem ipsum dolor sit amet", "ipsum", "muspi", -1.0]),
                    Some(json!("Lorem muspi dolor sit amet")),
                ),
                (
                    json!([lorem3, "ipsum", "muspi", -1.0]),
                    Some(json!("Lorem muspi muspi muspi dolor sit amet")),
                ),
                (
                    json!([lorem3, "ipsum", "muspi", 1.0]),
                    Some(json!("Lorem muspi ipsum ipsum dolor sit amet")),
                ),
                (json!([1.0, "ipsum", "muspi", 1.0]), None),
                (json!([lorem3, 1.0, "muspi", 1.0]), None),
                (json!([lorem3, "ipsum", false, 1.0]), None),
                (json!([lorem3, "ipsum", "muspi", true]), None),
            ],
        );
    }

    // Go: Test_jpfReplaceAll.
    #[test]
    fn replace_all_cases() {
        let lorem3 = "Lorem ipsum ipsum ipsum dolor sit amet";
        table(
            replace_all,
            "replace_all",
            &[
                (
                    json!(["Lorem ipsum dolor sit amet", "ipsum", "muspi"]),
                    Some(json!("Lorem muspi dolor sit amet")),
                ),
                (
                    json!([lorem3, "ipsum", "muspi"]),
                    Some(json!("Lorem muspi muspi muspi dolor sit amet")),
                ),
                (json!([1.0, "ipsum", "muspi"]), None),
                (json!([lorem3, 1.0, "muspi"]), None),
                (json!([lorem3, "ipsum", false]), None),
            ],
        );
    }

    // Go: Test_jpfToUpper and Test_jpfToLower.
    #[test]
    fn case_cases() {
        table(
            to_upper,
            "to_upper",
            &[
                (json!(["abc"]), Some(json!("ABC"))),
                (json!(["123"]), Some(json!("123"))),
                (json!(["a#%&123Bc"]), Some(json!("A#%&123BC"))),
                (json!([32.0]), None),
            ],
        );
        table(
            to_lower,
            "to_lower",
            &[
                (json!(["ABC"]), Some(json!("abc"))),
                (json!(["123"]), Some(json!("123"))),
                (json!(["A#%&123BC"]), Some(json!("a#%&123bc"))),
                (json!([32.0]), None),
            ],
        );
    }

    // Go: Test_JpToBoolean.
    #[test]
    fn to_boolean_cases() {
        table(
            to_boolean,
            "to_boolean",
            &[
                (json!(["true"]), Some(json!(true))),
                (json!(["TRue"]), Some(json!(true))),
                (json!(["FaLse"]), Some(json!(false))),
                (json!(["FaLsee"]), None),
                (json!(["false"]), Some(json!(false))),
                (json!(["foo"]), None),
                (json!([1]), None),
                (json!([null]), None),
            ],
        );
    }

    // Go: Test_CustomFunctions_ValidationErrors (pattern_match).
    #[test]
    fn pattern_match_validation_errors() {
        let err = pattern_match(&args(&[json!(123), json!("foo")])).unwrap_err();
        assert!(
            err.0
                .contains("JMESPath function 'pattern_match': argument #1 is not of type string")
        );
        let err = pattern_match(&args(&[json!("foo"), json!([])])).unwrap_err();
        assert!(err.0.contains(
            "JMESPath function 'pattern_match': argument #2 is not of type String or Real"
        ));
    }

    #[test]
    fn clean_paths() {
        for (path, want) in [
            ("a/b/../c", "a/c"),
            ("../a", "../a"),
            ("a/..", "."),
            ("./", "."),
            ("/a/./b/", "/a/b"),
        ] {
            assert_eq!(clean(path), want, "{path}");
        }
    }

    #[test]
    fn split_on_empty_separator_gives_characters() {
        let got = split(&args(&[json!("añb"), json!("")])).unwrap();
        assert_eq!(json(&got), json!(["a", "ñ", "b"]));
    }
}
