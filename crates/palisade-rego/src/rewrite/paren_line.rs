//! A line that opens with `(` starts a new expression, as in OPA.
//!
//! OPA ends a term at any white space: in
//!
//! ```text
//! input.parameters.minimumReplicaSpread
//! (hpa.spec.maxReplicas - hpa.spec.minReplicas) >= input.parameters.minimumReplicaSpread
//! ```
//!
//! (Gatekeeper library's `horizontalpodautoscaler` template) the second line
//! is a second expression. regorus stops a reference at a line break before
//! `.` or `[`, but not before `(`: it reads a call of
//! `input.parameters.minimumReplicaSpread` with the parenthesised
//! difference as its argument, and the module fails to compile. Here a `;`
//! is inserted at the end of the first line, which both read as the end of
//! an expression:
//!
//! ```text
//! input.parameters.minimumReplicaSpread;
//! (hpa.spec.maxReplicas - hpa.spec.minReplicas) >= input.parameters.minimumReplicaSpread
//! ```
//!
//! Only where a query goes on (a rule body, or a comprehension after its
//! `|`), and only after a name or a `]`, the ends of a reference regorus
//! would call; after an operator or a comma the expression goes on in both.

use regorus::unstable::TokenKind;

use super::{Insertion, Token};

/// Words that never end a reference: after them the expression goes on
/// (`x in`, `with input as`) or a keyword construct begins.
const KEYWORDS: [&str; 15] = [
    "as", "contains", "default", "else", "every", "false", "if", "import", "in", "not", "null",
    "package", "some", "true", "with",
];

/// One `;` at the end of each line that a following `(` line would
/// otherwise continue as a call.
pub(crate) fn separate(text: &str, tokens: &[Token]) -> Vec<Insertion> {
    // Open brackets, each with whether a `|` (a comprehension's query)
    // was seen directly inside it.
    let mut open: Vec<(&str, bool)> = Vec::new();
    let mut out = Vec::new();
    let mut previous: Option<&Token> = None;
    for token in tokens {
        let symbol = if token.kind == TokenKind::Symbol {
            token.text(text)
        } else {
            ""
        };
        if symbol == "("
            && let Some(before) = previous
            && before.line < token.line
            && ends_reference(text, before)
            && in_query(&open)
        {
            out.push(Insertion {
                at: before.end,
                text: ";".to_string(),
            });
        }
        match symbol {
            "{" | "[" | "(" => open.push((symbol, false)),
            "}" | "]" | ")" => {
                open.pop();
            }
            "|" => {
                if let Some(innermost) = open.last_mut() {
                    innermost.1 = true;
                }
            }
            _ => {}
        }
        previous = Some(token);
    }
    out
}

fn ends_reference(text: &str, token: &Token) -> bool {
    match token.kind {
        TokenKind::Ident => !KEYWORDS.contains(&token.text(text)),
        TokenKind::Symbol => token.text(text) == "]",
        _ => false,
    }
}

/// Inside a rule body (a `{` group: an object or set literal broken this
/// way is an error in OPA either way), or in a comprehension's query.
fn in_query(open: &[(&str, bool)]) -> bool {
    match open.last() {
        Some(("{", _)) => true,
        Some(("[", seen_bar)) => *seen_bar,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rewrite::{apply, tokens};

    fn separated(text: &str) -> String {
        let found = tokens("t.rego", text).unwrap_or_default();
        apply(text, &separate(text, &found))
    }

    #[test]
    fn ends_the_expression_before_a_line_opening_with_a_parenthesis() {
        let text = "package t\n\np {\n  x := input.a\n  (x + 1) > 2\n  y := [v | v := input.b[_]\n    (v) > 0]\n}\n";
        assert_eq!(
            separated(text),
            "package t\n\np {\n  x := input.a;\n  (x + 1) > 2\n  y := [v | v := input.b[_];\n    (v) > 0]\n}\n"
        );
    }

    #[test]
    fn leaves_calls_continued_expressions_and_literals_alone() {
        let text = "package t\n\np {\n  x := f(1)\n  (x) > 0\n  y := 1 +\n    (2)\n  z := [a,\n    (b)]\n  x in\n    (s)\n  w := [\"a\"\n    (0)]\n}\n";
        assert_eq!(separated(text), text);
    }
}

#[cfg(test)]
mod engine_tests {
    use crate::rewrite::evaluate;

    /// Gatekeeper's `horizontalpodautoscaler` spread check in miniature,
    /// with a message built from the values the next line compares.
    const POLICY: &str = "package t\n\nspread_ok(hpa) {\n  input.parameters.minimumReplicaSpread\n  \
                          (hpa.max - hpa.min) >= input.parameters.minimumReplicaSpread\n}\n\n\
                          violation[msg] {\n  hpa := input.hpa\n  not spread_ok(hpa)\n  spread := hpa.max\n  \
                          (spread - hpa.min) >= 0\n  msg := sprintf(\"spread %v, at least %v\", [spread - hpa.min, input.parameters.minimumReplicaSpread])\n}\n";
    const INPUT: &str =
        r#"{"parameters": {"minimumReplicaSpread": 3}, "hpa": {"min": 1, "max": 2}}"#;

    #[test]
    fn a_parenthesised_line_is_an_expression_of_its_own() {
        assert_eq!(
            evaluate(POLICY, INPUT, "data.t.violation", true),
            r#"["spread 1, at least 3"]"#
        );
    }

    /// Documents why the rewrite exists: regorus calls
    /// `input.parameters.minimumReplicaSpread(...)` and fails ("could not
    /// find function"). When it reads OPA's way, this fails and
    /// `paren_line.rs` can go.
    #[test]
    fn regorus_alone_still_reads_a_call() {
        assert_eq!(evaluate(POLICY, INPUT, "data.t.violation", false), "error");
    }
}
