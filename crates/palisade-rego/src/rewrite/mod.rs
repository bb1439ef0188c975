//! Where regorus reads Rego differently from OPA, the module text is
//! rewritten before regorus sees it, so that policies written for OPA
//! (Conftest, Gatekeeper) run unchanged. The policy on disk is never
//! touched, and every rewrite only inserts text on an existing line, so the
//! line numbers of rules, messages and errors stay those of the file.
//!
//! - `paren_line.rs`: a line opening with `(` starts a new expression
//!   (OPA), not a call of the previous line's last name (regorus);
//! - `chained_bodies.rs`: `p { a } { b }` is two rules `p`, one per body
//!   (OPA's "or"), where regorus refuses it for partial set rules and gives
//!   later bodies of other rules the value `true`;
//! - `negation.rs`: `not f(input.missing)` is undefined, not true.
//!
//! `docs/rego-compatibility.md` lists each difference with examples.

pub(crate) mod chained_bodies;
pub(crate) mod negation;
pub(crate) mod paren_line;

use regorus::unstable::{Lexer, Source, TokenKind};

/// Text inserted before the byte at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Insertion {
    pub at: usize,
    pub text: String,
}

/// The widest line regorus' lexer accepts (`DEFAULT_MAX_COL`), with room to
/// spare: an insertion that would push a line past it is left out, and the
/// module is read as regorus reads it.
const MAX_LINE_CHARS: usize = 1000;

/// `text` with every insertion made. Insertions at the same place keep
/// their order; one that would not fall on a character boundary or would
/// make its line too long for regorus is dropped.
pub(crate) fn apply(text: &str, insertions: &[Insertion]) -> String {
    if insertions.is_empty() {
        return text.to_string();
    }
    let mut kept: Vec<&Insertion> = insertions
        .iter()
        .filter(|i| text.is_char_boundary(i.at))
        .collect();
    kept.retain(|i| {
        let (start, end) = line_bounds(text, i.at);
        let added: usize = insertions
            .iter()
            .filter(|j| (start..=end).contains(&j.at))
            .map(|j| j.text.chars().count())
            .sum();
        text.get(start..end).map_or(0, |l| l.chars().count()) + added <= MAX_LINE_CHARS
    });
    // Back to front, so that earlier offsets hold; the sort is stable, so
    // insertions at one offset go in together in their given order.
    kept.sort_by_key(|i| std::cmp::Reverse(i.at));
    let mut out = text.to_string();
    for group in kept.chunk_by(|a, b| a.at == b.at) {
        let joined: String = group.iter().map(|i| i.text.as_str()).collect();
        if let Some(first) = group.first() {
            out.insert_str(first.at, &joined);
        }
    }
    out
}

/// The byte range of the line holding `at`, without its line break.
fn line_bounds(text: &str, at: usize) -> (usize, usize) {
    let start = text
        .get(..at)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |i| i + 1);
    let end = text
        .get(at..)
        .and_then(|after| after.find('\n'))
        .map_or(text.len(), |i| at + i);
    (start, end)
}

/// One token as regorus' lexer reads it (comments and white space are not
/// tokens), strings with their quotes.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub line: u32,
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub fn text<'t>(&self, source: &'t str) -> &'t str {
        source.get(self.start..self.end).unwrap_or("")
    }

    pub fn is_symbol(&self, source: &str, symbol: &str) -> bool {
        self.kind == TokenKind::Symbol && self.text(source) == symbol
    }
}

/// Every token of `text`, or `None` when regorus cannot lex it (its parser
/// then reports the error, so there is nothing to rewrite).
pub(crate) fn tokens(file: &str, text: &str) -> Option<Vec<Token>> {
    let source = Source::from_contents(file.to_string(), text.to_string()).ok()?;
    let mut lexer = Lexer::new(&source);
    let mut out = Vec::new();
    loop {
        let token = lexer.next_token().ok()?;
        if token.0 == TokenKind::Eof {
            return Some(out);
        }
        // A string's span leaves out its quotes (one byte each).
        let quoted = usize::from(matches!(token.0, TokenKind::String | TokenKind::RawString));
        out.push(Token {
            kind: token.0,
            line: token.1.line,
            start: (token.1.start as usize).saturating_sub(quoted),
            end: token.1.end as usize + quoted,
        });
    }
}

/// The text regorus is given for a module: every rewrite that does not need
/// the parsed module, in order (each reads the previous one's output).
pub(crate) fn before_parsing(file: &str, text: &str, rego_v1: bool) -> String {
    let Some(found) = tokens(file, text) else {
        return text.to_string();
    };
    let text = apply(text, &paren_line::separate(text, &found));
    let Some(found) = tokens(file, &text) else {
        return text;
    };
    apply(&text, &chained_bodies::split(file, &text, &found, rego_v1))
}

/// A test's window on the engine: a v0 module evaluated as regorus reads
/// it (`rewritten: false`) or as Palisade gives it to regorus, the rule's
/// value as JSON, or `error` when regorus refuses the module or fails.
#[cfg(test)]
pub(crate) fn evaluate(text: &str, input: &str, rule: &str, rewritten: bool) -> String {
    let mut engine = crate::new_engine();
    let added = if rewritten {
        crate::module::ParsedModule::parse("t.rego", text, crate::module::Syntax::V0)
            .and_then(|m| crate::add_modules(&mut engine, &[m]))
            .is_ok()
    } else {
        engine.set_rego_v0(true);
        engine.add_policy("t.rego".into(), text.into()).is_ok()
    };
    let Ok(input) = regorus::Value::from_json_str(input) else {
        return "bad input".to_string();
    };
    engine.set_input(input);
    match engine.eval_rule(rule.into()) {
        Ok(value) if added => crate::value::to_json(&value).to_string(),
        _ => "error".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(at: usize, text: &str) -> Insertion {
        Insertion {
            at,
            text: text.to_string(),
        }
    }

    #[test]
    fn inserts_in_order_without_moving_lines() {
        let text = "ab\ncd\n";
        assert_eq!(
            apply(text, &[at(4, "2"), at(1, "x"), at(1, "y")]),
            "axyb\nc2d\n"
        );
    }

    #[test]
    fn leaves_out_what_would_make_a_line_too_long_for_regorus() {
        let long = "x".repeat(990);
        let text = format!("a\n{long}\n");
        let out = apply(&text, &[at(0, "1"), at(2, &"y".repeat(20))]);
        assert_eq!(out, format!("1a\n{long}\n"));
    }
}
