//! One Rego module, parsed with regorus' parser so that its package, rules
//! and functions are known before it is compiled (regorus' engine does not
//! expose them). What is parsed is the text as OPA reads it (`rewrite/`):
//! the rewrites that need no syntax tree are made first, and the tree lets
//! `rewrite/negation.rs` make the last one.

use std::collections::BTreeSet;

use regorus::unstable::{Expr, Module, Parser, Rule, RuleHead, Source};

use crate::error::RegoError;
use crate::rewrite;

/// Which Rego syntax a module is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// OPA 0.x: `deny[msg] { ... }` (Gatekeeper's `rego:` field).
    V0,
    /// OPA 1.0: `deny contains msg if { ... }`.
    V1,
    /// Whichever parses, v1 first: Conftest accepts both.
    Detect,
}

/// A parsed module and what Palisade needs to know of it.
pub struct ParsedModule {
    /// Where it came from.
    pub file: String,
    /// Its text as regorus is given it: as written, with the rewrites of
    /// `rewrite/` that need no syntax tree (same lines, same comments).
    pub text: String,
    /// Whether it parsed as Rego v1.
    pub rego_v1: bool,
    /// Its package without the `data.` prefix, e.g. `main` or `lib.helpers`.
    pub package: String,
    /// Every rule definition (not functions): name and first line. A rule
    /// defined by several bodies appears once per body.
    pub rules: Vec<(String, u32)>,
    /// The names of the functions it defines (last path segment).
    pub functions: BTreeSet<String>,
    /// The line of its `package` statement.
    pub package_line: u32,
    pub(crate) module: Module,
}

impl ParsedModule {
    /// Parses `text` in the given syntax.
    pub fn parse(file: &str, text: &str, syntax: Syntax) -> Result<Self, RegoError> {
        match syntax {
            Syntax::V0 => Self::parse_as(file, text, false),
            Syntax::V1 => Self::parse_as(file, text, true),
            Syntax::Detect => Self::parse_as(file, text, true).or_else(|v1_error| {
                // A v0 module fails v1 parsing at its first `deny[msg] {`
                // ("`if` keyword is required"): then its real mistake is
                // the one v0 parsing finds.
                Self::parse_as(file, text, false).map_err(|v0_error| {
                    if v1_error.message.contains("keyword is required") {
                        v0_error
                    } else {
                        v1_error
                    }
                })
            }),
        }
    }

    fn parse_as(file: &str, text: &str, rego_v1: bool) -> Result<Self, RegoError> {
        let text = rewrite::before_parsing(file, text, rego_v1);
        let source = Source::from_contents(file.to_string(), text.clone())
            .map_err(|e| RegoError::from_engine(file, &e))?;
        let mut parser = Parser::new(&source).map_err(|e| RegoError::from_engine(file, &e))?;
        if rego_v1 {
            parser
                .enable_rego_v1()
                .map_err(|e| RegoError::from_engine(file, &e))?;
        }
        let module = parser
            .parse()
            .map_err(|e| RegoError::from_engine(file, &e))?;
        let package = strip_data(module.package.refr.span().text());
        let package_line = module.package.span.line;
        let mut rules = Vec::new();
        let mut functions = BTreeSet::new();
        for rule in &module.policy {
            match rule.as_ref() {
                Rule::Spec { head, span, .. } => match head {
                    RuleHead::Func { refr, .. } => {
                        functions.insert(last_segment(refr));
                    }
                    RuleHead::Compr { refr, .. } | RuleHead::Set { refr, .. } => {
                        rules.push((refr.span().text().to_string(), span.line));
                    }
                },
                Rule::Default {
                    refr, span, args, ..
                } => {
                    if args.is_empty() {
                        rules.push((refr.span().text().to_string(), span.line));
                    } else {
                        functions.insert(last_segment(refr));
                    }
                }
            }
        }
        Ok(ParsedModule {
            file: file.to_string(),
            text,
            rego_v1,
            package,
            rules,
            functions,
            package_line,
            module,
        })
    }
}

impl ParsedModule {
    /// The names of the rules it defines, each once, in order.
    pub fn rule_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for (name, _) in &self.rules {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        names
    }
}

fn strip_data(package: &str) -> String {
    package.strip_prefix("data.").unwrap_or(package).to_string()
}

/// `lib.helpers.f` -> `f`.
pub(crate) fn last_segment(expr: &Expr) -> String {
    let text = expr.span().text();
    text.rsplit('.').next().unwrap_or(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_package_rules_and_functions_in_either_syntax() {
        let v0 = "package main\n\ndeny[msg] {\n  input.kind == \"Pod\"\n  msg := \"x\"\n}\n\nf(x) = y { y := x }\n";
        let parsed = ParsedModule::parse("p.rego", v0, Syntax::Detect);
        let parsed = parsed.as_ref().ok();
        assert_eq!(parsed.map(|p| p.rego_v1), Some(false));
        assert_eq!(parsed.map(|p| p.package.as_str()), Some("main"));
        assert_eq!(parsed.map(|p| p.rule_names()), Some(vec!["deny"]));
        assert_eq!(
            parsed.map(|p| p.rules.clone()),
            Some(vec![("deny".to_string(), 3)])
        );
        assert!(parsed.is_some_and(|p| p.functions.contains("f")));

        let v1 = "package a.b\n\nwarn contains msg if {\n  msg := \"x\"\n}\n";
        let parsed = ParsedModule::parse("p.rego", v1, Syntax::Detect);
        assert_eq!(parsed.as_ref().map(|p| p.rego_v1).ok(), Some(true));
        assert_eq!(
            parsed.as_ref().map(|p| p.package.clone()).ok(),
            Some("a.b".to_string())
        );
    }

    #[test]
    fn a_syntax_error_names_file_and_line() {
        let error =
            ParsedModule::parse("bad.rego", "package main\n\ndeny[msg] {\n", Syntax::Detect);
        let message = error.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.starts_with("bad.rego:3: "), "{message}");
    }
}
