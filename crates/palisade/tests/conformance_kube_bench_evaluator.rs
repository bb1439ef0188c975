//! Conformance harness: kube-bench's own evaluator tests
//! (`kube-bench/check/test_test.go` and its data file `check/data`),
//! run against the reading Palisade reproduces for `--compat kube-bench`.
//!
//! kube-bench labels its cases: `TestCompareOp` gives an operator, a
//! value, the value compared with and whether the test passes;
//! `TestTestExecute` gives a check of `check/data` and the output of its
//! audit command, configuration and environment, every one of which must
//! pass; `TestTestExecuteExceptions` gives checks and configurations that
//! must fail. The cases are read from the Go source as kube-bench wrote
//! them (its composite literals, field by field), so a case added
//! upstream is run here too.
//!
//! What they hold to kube-bench's behaviour is Palisade's, not a copy:
//! flags are found in the audit output by
//! `palisade_load::host::kube_bench::find`, the function `--compat
//! kube-bench` reads command lines with; configurations are parsed by
//! Palisade's YAML loader; the operators and the order of sources
//! (command, then configuration, then environment) are written below from
//! kube-bench's documented semantics and are the reference model the
//! `conformance_kube_bench` harness judges with. Without the corpus the
//! test says so and passes, unless `PALISADE_REQUIRE_CONFORMANCE=1`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use palisade_load::host::kube_bench;
use serde_json::Value;

mod conformance;
use conformance::kube_bench as kube_bench_model;

/// Cases run at least: raise it when kube-bench adds cases, never lower it.
const FLOOR: usize = 112;

// ---------------------------------------------------------------------
// kube-bench's test tables, read from the Go source

/// One element of a Go composite literal: `(field, value)` pairs, an
/// unkeyed element's values keyed `0`, `1`, ...; string literals
/// unquoted, anything else as written.
type GoCase = Vec<(String, String)>;

/// The elements of the `cases` table of test `function` in `source`.
fn go_cases(source: &str, function: &str) -> Vec<GoCase> {
    let start = source
        .find(&format!("func {function}("))
        .unwrap_or_else(|| panic!("{function} is not in the source"));
    let body = &source[start..];
    // The table's elements follow the struct type: `}{`.
    let table = body.find("cases := []struct").unwrap();
    let open = table + body[table..].find("}{").unwrap() + 2;
    let mut chars = body[open..].chars().peekable();
    let mut cases = Vec::new();
    loop {
        skip_blank(&mut chars);
        match chars.next() {
            Some('{') => cases.push(element(&mut chars)),
            Some(',') => {}
            _ => break,
        }
    }
    cases
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// Skips spaces and `//` comments.
fn skip_blank(chars: &mut Chars<'_>) {
    loop {
        match chars.peek() {
            Some(c) if c.is_whitespace() => {
                chars.next();
            }
            Some('/') => {
                chars.next();
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            _ => return,
        }
    }
}

/// One `{ ... }` element, its opening brace read.
fn element(chars: &mut Chars<'_>) -> GoCase {
    let mut fields = Vec::new();
    let mut unkeyed = 0;
    loop {
        skip_blank(chars);
        match chars.peek() {
            Some('}') => {
                chars.next();
                return fields;
            }
            Some(',') => {
                chars.next();
                continue;
            }
            None => return fields,
            _ => {}
        }
        let first = value(chars);
        skip_blank(chars);
        if chars.peek() == Some(&':') {
            chars.next();
            skip_blank(chars);
            let second = value(chars);
            fields.push((first, second));
        } else {
            fields.push((unkeyed.to_string(), first));
            unkeyed += 1;
        }
    }
}

/// A string literal (unquoted) or an expression up to `,`, `:` or `}`
/// outside brackets.
fn value(chars: &mut Chars<'_>) -> String {
    match chars.peek() {
        Some('"') => {
            chars.next();
            let mut out = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => match chars.next() {
                        Some('n') => out.push('\n'),
                        Some('t') => out.push('\t'),
                        Some(other) => out.push(other),
                        None => break,
                    },
                    c => out.push(c),
                }
            }
            out
        }
        Some('`') => {
            chars.next();
            chars.by_ref().take_while(|c| *c != '`').collect()
        }
        _ => {
            let mut out = String::new();
            let mut depth = 0;
            while let Some(&c) = chars.peek() {
                match c {
                    '[' | '(' => depth += 1,
                    ']' | ')' => depth -= 1,
                    ',' | ':' | '}' if depth == 0 => break,
                    _ => {}
                }
                out.push(c);
                chars.next();
            }
            out.trim().to_owned()
        }
    }
}

fn field<'a>(case: &'a GoCase, name: &str) -> &'a str {
    case.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// `controls.Groups[0].Checks[7]` as 7.
fn check_index(expression: &str) -> usize {
    let at = expression.rfind("Checks[").unwrap() + "Checks[".len();
    expression[at..].trim_end_matches(']').parse().unwrap()
}

// ---------------------------------------------------------------------
// kube-bench's evaluation

/// Where a test item looks.
#[derive(Clone, Copy, PartialEq)]
enum Source {
    Command,
    Config,
    Env,
}

/// A test item's value in `output`: `(found, value)`, `None` on an error
/// (an unparsable configuration or path), which fails the item.
fn find_value(item: &Value, source: Source, output: &str) -> Option<(bool, String)> {
    let text = |key: &str| item[key].as_str().unwrap_or_default().to_owned();
    match source {
        Source::Command => {
            let flag = text("flag");
            if output.is_empty() || flag.is_empty() {
                return Some((false, String::new()));
            }
            Some(match kube_bench::find(output, &flag) {
                Some(value) => (true, value),
                None => (false, String::new()),
            })
        }
        Source::Config => {
            let document = parse_config(output)?;
            let value = json_path(&text("path"), &document)?;
            Some((!value.is_empty(), value))
        }
        Source::Env => {
            let env = text("env");
            if output.is_empty() || env.is_empty() {
                return Some((false, String::new()));
            }
            let prefix = format!("{env}=");
            let value = output
                .lines()
                .find_map(|line| line.find(&prefix).map(|at| &line[at + prefix.len()..]))
                .unwrap_or_default();
            Some((!value.is_empty(), value.to_owned()))
        }
    }
}

/// JSON, else YAML, as kube-bench's `unmarshal` reads a configuration.
fn parse_config(output: &str) -> Option<Value> {
    if let Ok(value) = serde_json::from_str(output) {
        return Some(value);
    }
    let parsed = palisade_load::parse_documents(
        Arc::from("config"),
        output,
        &palisade_load::Limits::default(),
    );
    if !parsed.errors.is_empty() {
        return None;
    }
    parsed.documents.first().map(|d| d.root.to_json())
}

/// A `{.a.b}` JSONPath (missing keys allowed) printed as kube-bench's
/// does; `None` when the expression does not parse or meets no object.
fn json_path(path: &str, document: &Value) -> Option<String> {
    let inner = path.trim().strip_prefix('{')?.strip_suffix('}')?;
    let mut at = document;
    for key in inner.strip_prefix('.')?.split('.') {
        match at {
            Value::Object(map) => match map.get(key) {
                Some(next) => at = next,
                None => return Some(String::new()),
            },
            _ => return None,
        }
    }
    Some(match at {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    })
}

/// One item judged on one output (each line of it for a multi-line
/// check): `(passes, found)`.
fn execute(item: &Value, source: Source, output: &str, multiple: bool) -> (bool, bool) {
    let output = output.trim_end_matches([' ', '\n']);
    let lines: Vec<&str> = if multiple {
        output.split('\n').collect()
    } else {
        vec![output]
    };
    let mut result = (false, false);
    for line in lines {
        result = evaluate(item, source, line);
        if !result.0 {
            break;
        }
    }
    result
}

fn evaluate(item: &Value, source: Source, output: &str) -> (bool, bool) {
    let Some((found, value)) = find_value(item, source, output) else {
        return (false, false);
    };
    // `set` is true unless the item says otherwise.
    let set = item["set"].as_bool().unwrap_or(true);
    let op = item["compare"]["op"].as_str().unwrap_or_default();
    let expected = scalar(&item["compare"]["value"]);
    let passes = match (set, found) {
        (true, true) if !op.is_empty() => kube_bench_model::compare(op, &value, &expected),
        (true, found) => found,
        (false, found) => !found,
    };
    (passes, found)
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A check's verdict on its audit outputs: each item from the command
/// line, then the configuration (when the check has one), then the
/// environment; the items joined by `bin_op`.
fn check_passes(check: &Value, audit: &str, config: &str, env: &str) -> bool {
    let tests = &check["tests"];
    let multiple = check["use_multiple_values"].as_bool().unwrap_or(false);
    let has_config = check["audit_config"]
        .as_str()
        .is_some_and(|a| !a.is_empty());
    let results: Vec<bool> = tests["test_items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| {
            let has_env = item["env"].as_str().is_some_and(|e| !e.is_empty());
            let mut result = execute(item, Source::Command, audit, multiple);
            if !result.1 && has_config && !config.is_empty() {
                result = execute(item, Source::Config, config, multiple);
                if !result.1 && has_env {
                    result = execute(item, Source::Env, env, multiple);
                }
            }
            if !result.1 && has_env {
                result = execute(item, Source::Env, env, multiple);
            }
            result.0
        })
        .collect();
    match tests["bin_op"].as_str().unwrap_or("and") {
        "and" | "" => results.iter().all(|r| *r),
        "or" => results.iter().any(|r| *r),
        _ => false,
    }
}

// ---------------------------------------------------------------------

#[test]
fn kube_bench_evaluator_cases_pass_as_labelled() {
    let Some(corpus) = conformance::corpus_dir("kube-bench/check") else {
        return;
    };
    let source = std::fs::read_to_string(corpus.join("test_test.go")).unwrap();
    let data = std::fs::read_to_string(corpus.join("data"))
        .unwrap()
        .replace("$user", "root");
    let parsed = palisade_load::parse_documents(
        Arc::from("check/data"),
        &data,
        &palisade_load::Limits::default(),
    );
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let controls = parsed.documents[0].root.to_json();
    let checks = controls["groups"][0]["checks"].as_array().unwrap();

    let mut failures = Vec::new();
    let mut run = 0;
    for case in go_cases(&source, "TestCompareOp") {
        let (op, value, expected) = (
            field(&case, "op"),
            field(&case, "flagVal"),
            field(&case, "compareValue"),
        );
        let labelled = field(&case, "testResult") == "true";
        run += 1;
        if kube_bench_model::compare(op, value, expected) != labelled {
            failures.push(format!(
                "TestCompareOp {:?}: {op} {value:?} {expected:?} should be {labelled}",
                field(&case, "label")
            ));
        }
    }
    let compare_cases = run;
    for (function, labelled) in [
        ("TestTestExecute", true),
        ("TestTestExecuteExceptions", false),
    ] {
        for case in go_cases(&source, function) {
            let (index, audit, config, env) = if labelled {
                (
                    check_index(field(&case, "check")),
                    field(&case, "str"),
                    field(&case, "strConfig"),
                    field(&case, "strEnv"),
                )
            } else {
                // The exceptions give the configuration only.
                (check_index(field(&case, "0")), "", field(&case, "1"), "")
            };
            let check = &checks[index];
            run += 1;
            if check_passes(check, audit, config, env) != labelled {
                failures.push(format!(
                    "{function} check {index} ({}) on {audit:?} / {config:?} / {env:?} should {}",
                    check["text"],
                    if labelled { "pass" } else { "fail" }
                ));
            }
        }
    }
    println!(
        "kube-bench evaluator: {run} labelled cases ({compare_cases} of compareOp), {} disagree",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(run >= FLOOR, "{run} cases run, below the floor of {FLOOR}");
}
