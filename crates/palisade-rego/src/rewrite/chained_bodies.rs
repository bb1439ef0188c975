//! `p { a } { b }`: one head, several bodies, each its own rule, as in OPA.
//!
//! OPA's parser (`parseRules`) reads a rule body followed directly by
//! another `{ ... }` as a second rule with a copy of the head: the rule
//! holds when either body does (an "or"), and a value rule or function
//! takes its value from whichever body holds. Any head may be chained this
//! way, in Rego v0 and v1 (`p if { a } { b }`), but not after `else`.
//!
//! regorus reads the same text differently: a partial set rule with a
//! second body (`violation[{"msg": msg}] { a } { b }`) is refused ("else
//! cannot be used with set rules"), and a second body of a value rule or
//! function is taken as an `else` without a value, so it yields `true`
//! instead of the head's value. Gatekeeper library's
//! `noupdateserviceaccount` template has both. Here the head is copied in
//! front of each later body, on the same line, so regorus sees OPA's rules:
//!
//! ```text
//! get_service_account(obj) = spec {
//!   obj.kind == "Pod"
//!   spec := obj.spec.serviceAccountName
//! } get_service_account(obj) = spec {
//!   obj.kind == "ReplicationController"
//!   ...
//! ```
//!
//! A head written over several lines is copied onto one; a head holding a
//! multi-line string is left alone.

use regorus::unstable::{Parser, Rule, Source};

use super::{Insertion, Token};

/// A `{ ... }` outside any other bracket: a rule body, or a head's object
/// or set value.
#[derive(Debug, Clone, Copy)]
struct Group {
    open: usize,
    close: usize,
}

/// The head copies that turn every chained body into a rule of its own.
pub(crate) fn split(file: &str, text: &str, tokens: &[Token], rego_v1: bool) -> Vec<Insertion> {
    let groups = top_level_groups(text, tokens);
    // A group opening right after another group closed: a chained body, or
    // the first body after a head whose value is an object or a set.
    let follows = |index: usize| {
        index > 0
            && matches!((groups.get(index - 1), groups.get(index)),
                (Some(before), Some(group)) if before.close + 1 == group.open)
    };
    let candidates: Vec<usize> = (0..groups.len()).filter(|&i| follows(i)).collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    // Without the candidates, regorus parses the module and tells which
    // rule each run of candidates follows.
    let mut blanked = text.to_string();
    for &index in &candidates {
        if let Some(group) = groups.get(index) {
            blank(&mut blanked, span(tokens, *group));
        }
    }
    let Some(rules) = rules_of(file, &blanked, rego_v1) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut index = 0;
    while index < groups.len() {
        if !candidates.contains(&index) {
            index += 1;
            continue;
        }
        let first = index;
        while candidates.contains(&index) {
            index += 1;
        }
        let (Some(run), Some(before)) = (
            groups.get(first..index),
            first.checked_sub(1).and_then(|i| groups.get(i)),
        ) else {
            continue;
        };
        if let Some((head_end, chained)) = chained_in_run(&rules, tokens, *before, run)
            && let Some(head) = one_line_head(text, tokens, head_end)
        {
            out.extend(chained.iter().filter_map(|group| {
                tokens.get(group.open).map(|open| Insertion {
                    at: open.start,
                    text: head.clone(),
                })
            }));
        }
    }
    out
}

/// The rule a run of candidate groups follows: where its head ends, and
/// which of the groups are chained bodies (the first one is the rule's
/// first body when `before` is its head's value).
fn chained_in_run(
    rules: &[RuleShape],
    tokens: &[Token],
    before: Group,
    run: &[Group],
) -> Option<((usize, usize), Vec<Group>)> {
    let (start, end) = span(tokens, before);
    let rule = rules.iter().find(|r| r.start <= start && r.end == end)?;
    match rule.last_body {
        // `before` is the rule's only body: every group of the run chains.
        Some((body_start, false)) if body_start == start => {
            Some(((rule.start, rule.first_body?), run.to_vec()))
        }
        // `before` is the head's value: the run's first group is the body.
        None => {
            let (first, rest) = run.split_first()?;
            let body_start = tokens.get(first.open)?.start;
            (!rest.is_empty()).then(|| ((rule.start, body_start), rest.to_vec()))
        }
        // After `else`, OPA refuses a chained body too ("expected else
        // keyword"), as regorus does.
        _ => None,
    }
}

/// What is needed of each rule of the module without its candidates.
struct RuleShape {
    start: usize,
    end: usize,
    /// Where the first body's `{` stands.
    first_body: Option<usize>,
    /// Where the last body's `{` stands, and whether it follows `else`.
    last_body: Option<(usize, bool)>,
}

fn rules_of(file: &str, text: &str, rego_v1: bool) -> Option<Vec<RuleShape>> {
    let source = Source::from_contents(file.to_string(), text.to_string()).ok()?;
    let mut parser = Parser::new(&source).ok()?;
    if rego_v1 {
        parser.enable_rego_v1().ok()?;
    }
    let module = parser.parse().ok()?;
    Some(
        module
            .policy
            .iter()
            .filter_map(|rule| match rule.as_ref() {
                Rule::Spec { span, bodies, .. } => Some(RuleShape {
                    start: span.start as usize,
                    end: span.end as usize,
                    first_body: bodies.first().map(|b| b.query.span.start as usize),
                    last_body: bodies
                        .last()
                        .map(|b| (b.query.span.start as usize, b.is_else)),
                }),
                Rule::Default { .. } => None,
            })
            .collect(),
    )
}

/// The head between `start` and `end`, its tokens on one line as written
/// (spaces where it broke lines or held comments), then a space; `None`
/// when a token itself spans lines.
fn one_line_head(text: &str, tokens: &[Token], (start, end): (usize, usize)) -> Option<String> {
    let mut head = String::new();
    let mut previous_end: Option<usize> = None;
    for token in tokens.iter().filter(|t| t.start >= start && t.end <= end) {
        let word = token.text(text);
        if word.contains('\n') {
            return None;
        }
        if let Some(previous_end) = previous_end {
            let gap = text.get(previous_end..token.start).unwrap_or(" ");
            if gap.contains(['\n', '#']) {
                head.push(' ');
            } else {
                head.push_str(gap);
            }
        }
        head.push_str(word);
        previous_end = Some(token.end);
    }
    (!head.is_empty()).then(|| head + " ")
}

/// Every `{ ... }` group outside any bracket, by token index.
fn top_level_groups(text: &str, tokens: &[Token]) -> Vec<Group> {
    let mut groups = Vec::new();
    let mut depth = 0usize;
    let mut open = None;
    for (index, token) in tokens.iter().enumerate() {
        if token.kind != regorus::unstable::TokenKind::Symbol {
            continue;
        }
        match token.text(text) {
            "{" | "[" | "(" => {
                if depth == 0 && token.is_symbol(text, "{") {
                    open = Some(index);
                }
                depth += 1;
            }
            "}" | "]" | ")" => {
                depth = depth.saturating_sub(1);
                if depth == 0
                    && token.is_symbol(text, "}")
                    && let Some(open) = open.take()
                {
                    groups.push(Group { open, close: index });
                }
            }
            _ => {}
        }
    }
    groups
}

/// The byte range of a group, braces included.
fn span(tokens: &[Token], group: Group) -> (usize, usize) {
    (
        tokens.get(group.open).map_or(0, |t| t.start),
        tokens.get(group.close).map_or(0, |t| t.end),
    )
}

/// Spaces over `range`, keeping line breaks and byte offsets.
fn blank(text: &mut String, (start, end): (usize, usize)) {
    let Some(inner) = text.get(start..end) else {
        return;
    };
    let spaces: String = inner
        .chars()
        .map(|c| {
            if c == '\n' {
                "\n".to_string()
            } else {
                " ".repeat(c.len_utf8())
            }
        })
        .collect();
    text.replace_range(start..end, &spaces);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rewrite::{apply, tokens};

    fn split_text(text: &str, rego_v1: bool) -> String {
        let found = tokens("t.rego", text).unwrap_or_default();
        apply(text, &split("t.rego", text, &found, rego_v1))
    }

    #[test]
    fn copies_the_head_before_each_chained_body() {
        let text = "package t\n\nviolation[{\"msg\": msg}] {\n  input.a\n  msg := \"a\"\n} {\n  input.b\n  msg := \"b\"\n}\n\
                    {\n  input.c\n  msg := \"c\"\n}\n";
        assert_eq!(
            split_text(text, false),
            "package t\n\nviolation[{\"msg\": msg}] {\n  input.a\n  msg := \"a\"\n} violation[{\"msg\": msg}] {\n  input.b\n  msg := \"b\"\n}\n\
             violation[{\"msg\": msg}] {\n  input.c\n  msg := \"c\"\n}\n"
        );
    }

    #[test]
    fn knows_a_head_value_object_from_a_chained_body() {
        let text =
            "package t\n\nf(x) = {\"a\": x} { x > 1 } { x < 0 }\n\ng(x) = {\"b\": x} { x > 1 }\n";
        assert_eq!(
            split_text(text, false),
            "package t\n\nf(x) = {\"a\": x} { x > 1 } f(x) = {\"a\": x} { x < 0 }\n\ng(x) = {\"b\": x} { x > 1 }\n"
        );
    }

    #[test]
    fn copies_v1_heads_with_if_and_puts_long_heads_on_one_line() {
        let text = "package t\n\ndeny contains {\"msg\": m,\n  # why\n  \"x\": 1} if { m := \"a\" } { m := \"b\" }\n";
        assert_eq!(
            split_text(text, true),
            "package t\n\ndeny contains {\"msg\": m,\n  # why\n  \"x\": 1} if { m := \"a\" } deny contains {\"msg\": m, \"x\": 1} if { m := \"b\" }\n"
        );
    }

    #[test]
    fn leaves_else_chains_and_single_bodies_alone() {
        for text in [
            "package t\n\np := 1 { input.a } else := 2 { input.b }\n",
            "package t\n\np := 1 { input.a } else := 2 { input.b } { input.c }\n",
            "package t\n\np[x] { x := input.a }\n\nq { true }\n",
        ] {
            assert_eq!(split_text(text, false), text);
        }
    }
}

#[cfg(test)]
mod engine_tests {
    use crate::rewrite::evaluate;

    /// A partial set rule with two bodies, as in Gatekeeper's
    /// `noupdateserviceaccount` `violation`.
    const SET: &str = "package t\n\nviolation[msg] {\n  input.a\n  msg := \"a\"\n} {\n  input.b\n  msg := \"b\"\n}\n";
    /// A function with a value and two bodies, as its `get_service_account`.
    const FUNCTION: &str = "package t\n\nsa(o) = s {\n  o.kind == \"Pod\"\n  s := o.spec.sa\n} {\n  o.kind == \"Job\"\n  s := o.spec.template.sa\n}\n\nr := sa(input)\n";
    /// A complete rule with a constant value and two bodies.
    const VALUE: &str = "package t\n\np := 7 {\n  input.a\n} {\n  input.b\n}\n";

    #[test]
    fn every_body_is_a_rule_of_its_own() {
        let both = r#"{"a": true, "b": true}"#;
        assert_eq!(
            evaluate(SET, both, "data.t.violation", true),
            r#"["a","b"]"#
        );
        let job = r#"{"kind": "Job", "spec": {"template": {"sa": "builder"}}}"#;
        assert_eq!(evaluate(FUNCTION, job, "data.t.r", true), r#""builder""#);
        assert_eq!(evaluate(VALUE, r#"{"b": true}"#, "data.t.p", true), "7");
    }

    /// Documents why the rewrite exists: regorus refuses the set rule and
    /// gives later bodies of value rules another value than the head's.
    /// When it reads OPA's way, this fails and `chained_bodies.rs` can go.
    #[test]
    fn regorus_alone_still_reads_them_differently() {
        let both = r#"{"a": true, "b": true}"#;
        assert_eq!(evaluate(SET, both, "data.t.violation", false), "error");
        let job = r#"{"kind": "Job", "spec": {"template": {"sa": "builder"}}}"#;
        assert_ne!(evaluate(FUNCTION, job, "data.t.r", false), r#""builder""#);
        assert_eq!(evaluate(VALUE, r#"{"b": true}"#, "data.t.p", false), "true");
    }
}
