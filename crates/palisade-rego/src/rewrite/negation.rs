//! OPA's meaning of `not f(x, input.missing)`, restored before regorus
//! compiles a module.
//!
//! In OPA, an argument of a user-defined function call that is undefined
//! makes the whole negated expression undefined, so the rule body fails: the
//! reference is evaluated before the negation, as its compiler does. regorus
//! evaluates the call inside the negation instead, finds it undefined and
//! makes `not` true. Gatekeeper's `users` template relies on OPA's reading
//! (`not accept_value(rule, value, params.ranges)` with no `ranges` must not
//! fire), so every such reference is lifted out of the negation here:
//!
//! ```text
//! not accept_value(rule, value, params.ranges)
//! _ = params.ranges; not accept_value(rule, value, params.ranges)
//! ```
//!
//! The rewrite only inserts text on the same line, so line numbers in
//! messages and errors stay those of the file. Calls to built-ins keep
//! regorus' (and OPA's) reading: `not startswith(input.missing, "x")` is true.

use std::collections::BTreeSet;

use regorus::unstable::{Expr, Literal, Query, Rule, RuleHead};

use super::{Insertion, apply};
use crate::module::{ParsedModule, last_segment};

/// The module's text with every undefined-able argument of a negated
/// user-function call evaluated before the negation.
pub fn lift_negated_call_arguments(module: &ParsedModule, functions: &BTreeSet<String>) -> String {
    let mut insertions: Vec<Insertion> = Vec::new();
    for rule in &module.module.policy {
        if let Rule::Spec { head, bodies, .. } = rule.as_ref() {
            if let RuleHead::Compr {
                assign: Some(a), ..
            }
            | RuleHead::Func {
                assign: Some(a), ..
            } = head
            {
                visit_expr(&a.value, functions, &mut insertions);
            }
            for body in bodies {
                visit_query(&body.query, functions, &mut insertions);
                if let Some(assign) = &body.assign {
                    visit_expr(&assign.value, functions, &mut insertions);
                }
            }
        }
    }
    apply(&module.text, &insertions)
}

fn visit_query(query: &Query, functions: &BTreeSet<String>, out: &mut Vec<Insertion>) {
    for stmt in &query.stmts {
        match &stmt.literal {
            Literal::NotExpr { span, expr } => {
                if let Expr::Call { fcn, params, .. } = expr.as_ref()
                    && functions.contains(&last_segment(fcn))
                {
                    let guards: String = params
                        .iter()
                        .filter(|p| is_liftable_reference(p))
                        .map(|p| format!("_ = {}; ", p.span().text()))
                        .collect();
                    if !guards.is_empty() {
                        out.push(Insertion {
                            at: span.start as usize,
                            text: guards,
                        });
                    }
                }
                visit_expr(expr, functions, out);
            }
            Literal::Expr { expr, .. } => visit_expr(expr, functions, out),
            Literal::SomeIn { collection, .. } => visit_expr(collection, functions, out),
            Literal::Every { domain, query, .. } => {
                visit_expr(domain, functions, out);
                visit_query(query, functions, out);
            }
            Literal::SomeVars { .. } => {}
        }
    }
}

/// Comprehensions hold queries of their own.
fn visit_expr(expr: &Expr, functions: &BTreeSet<String>, out: &mut Vec<Insertion>) {
    match expr {
        Expr::ArrayCompr { query, .. }
        | Expr::SetCompr { query, .. }
        | Expr::ObjectCompr { query, .. } => {
            visit_query(query, functions, out);
        }
        Expr::Array { items, .. } | Expr::Set { items, .. } => {
            for item in items {
                visit_expr(item, functions, out);
            }
        }
        Expr::Object { fields, .. } => {
            for (_, k, v) in fields {
                visit_expr(k, functions, out);
                visit_expr(v, functions, out);
            }
        }
        Expr::Call { params, .. } => {
            for p in params {
                visit_expr(p, functions, out);
            }
        }
        Expr::BinExpr { lhs, rhs, .. }
        | Expr::BoolExpr { lhs, rhs, .. }
        | Expr::ArithExpr { lhs, rhs, .. }
        | Expr::AssignExpr { lhs, rhs, .. } => {
            visit_expr(lhs, functions, out);
            visit_expr(rhs, functions, out);
        }
        _ => {}
    }
}

/// `input.a.b`, `params["ranges"]`, `x.y[0]`: a reference rooted at a
/// named variable with constant keys. Anything with a variable key or a
/// wildcard would iterate once lifted, which the negation never did.
fn is_liftable_reference(expr: &Expr) -> bool {
    fn rooted(expr: &Expr, depth: usize) -> bool {
        match expr {
            Expr::Var { span, .. } => depth > 0 && span.text() != "_",
            Expr::RefDot { refr, .. } => rooted(refr, depth + 1),
            Expr::RefBrack { refr, index, .. } => {
                matches!(
                    index.as_ref(),
                    Expr::String { .. } | Expr::RawString { .. } | Expr::Number { .. }
                ) && rooted(refr, depth + 1)
            }
            _ => false,
        }
    }
    rooted(expr, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module::Syntax;

    fn lifted(text: &str) -> String {
        let module = ParsedModule::parse("t.rego", text, Syntax::V0);
        let module = module.ok();
        let functions = module
            .as_ref()
            .map(|m| m.functions.clone())
            .unwrap_or_default();
        module
            .map(|m| lift_negated_call_arguments(&m, &functions))
            .unwrap_or_default()
    }

    #[test]
    fn lifts_references_passed_to_user_functions_under_not() {
        let text =
            "package t\n\nv { not ok(input.x, input.params.ranges, y) }\n\nok(a, b, c) { true }\n";
        assert_eq!(
            lifted(text),
            "package t\n\nv { _ = input.x; _ = input.params.ranges; not ok(input.x, input.params.ranges, y) }\n\nok(a, b, c) { true }\n"
        );
    }

    #[test]
    fn leaves_builtins_variables_and_iteration_alone() {
        let text = "package t\n\nv { not startswith(input.x, \"a\"); not ok(x); not ok(input.a[_]) }\n\nok(a) { true }\n";
        assert_eq!(lifted(text), text);
    }
}

#[cfg(test)]
mod engine_tests {
    use crate::module::{ParsedModule, Syntax};

    /// Gatekeeper's `users` template in miniature: with no `ranges`
    /// parameter, OPA does not fire the rule.
    const POLICY: &str = "package t\n\nviolation[msg] {\n  params := input.parameters\n  \
                          not accept(params.rule, input.value, params.ranges)\n  msg := \"denied\"\n}\n\n\
                          accept(\"RunAsAny\", _, _)\n";

    fn violations(lift: bool) -> usize {
        let Ok(module) = ParsedModule::parse("t.rego", POLICY, Syntax::V0) else {
            return usize::MAX;
        };
        let mut engine = regorus::Engine::new();
        engine.set_rego_v0(true);
        let text = if lift {
            super::lift_negated_call_arguments(&module, &module.functions)
        } else {
            POLICY.to_string()
        };
        if engine.add_policy("t.rego".into(), text).is_err() {
            return usize::MAX;
        }
        let input =
            regorus::Value::from_json_str(r#"{"parameters": {"rule": "MustRunAs"}, "value": 5}"#);
        engine.set_input(input.unwrap_or(regorus::Value::Null));
        engine
            .eval_rule("data.t.violation".into())
            .map(|v| crate::members(&v).len())
            .unwrap_or(usize::MAX)
    }

    #[test]
    fn an_undefined_argument_under_not_does_not_fire_the_rule() {
        assert_eq!(violations(true), 0);
    }

    /// Documents why the rewrite exists: when regorus adopts OPA's reading,
    /// this fails and `negation.rs` can go.
    #[test]
    fn regorus_alone_still_reads_it_differently() {
        assert_eq!(violations(false), 1);
    }
}
