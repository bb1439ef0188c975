//! Evaluation with the fork's rule for missing fields.
//!
//! A field missing from an object yields `NotFound`. Dots and indexes
//! pass it up; everything else the fork lists turns it into null: `||`
//! (both sides), `&&` (left side only), `!`, comparisons, pipes, function
//! arguments, multi-selects and the right side of projections. The left
//! side of a projection turns it into null too, and filter projections,
//! flattens and `*` over an object turn any error there into null.

use jmespath::ast::{Ast, Comparator};
use jmespath::{Context, Rcvar, Runtime, Variable};

use super::Error;
use super::functions;
use super::value::{boolean, null};

/// Deepest evaluation recursion; the parser's own limit is `MAX_NESTING`,
/// this guards the interpreter against long chains (`a.b.c...`) too.
const MAX_DEPTH: usize = 1024;

/// Why evaluation stopped.
pub(crate) enum Failure {
    /// The fork's `NotFoundError`, with the missing key.
    NotFound(String),
    /// A call to a function that does not exist.
    UnknownFunction(String),
    /// Any other error, worded for the user.
    Other(String),
}

type Eval = Result<Rcvar, Failure>;

struct Interpreter<'a> {
    expression: &'a str,
    runtime: &'a Runtime,
    depth: usize,
}

/// Evaluates a parsed `expression` on `data`.
pub(crate) fn evaluate(
    ast: &Ast,
    data: &Rcvar,
    expression: &str,
    runtime: &Runtime,
) -> Result<Rcvar, Error> {
    let mut interpreter = Interpreter {
        expression,
        runtime,
        depth: 0,
    };
    interpreter.eval(ast, data).map_err(|failure| {
        let expression = expression.to_string();
        match failure {
            Failure::NotFound(key) => Error::NotFound { expression, key },
            Failure::UnknownFunction(name) => Error::UnknownFunction { expression, name },
            Failure::Other(message) => Error::Evaluate {
                expression,
                message,
            },
        }
    })
}

/// `result`, with a missing field read as null.
fn or_null(result: Eval) -> Eval {
    match result {
        Err(Failure::NotFound(_)) => Ok(null()),
        other => other,
    }
}

impl Interpreter<'_> {
    fn eval(&mut self, node: &Ast, data: &Rcvar) -> Eval {
        if self.depth >= MAX_DEPTH {
            return Err(Failure::Other(format!(
                "expression nested deeper than {MAX_DEPTH} levels"
            )));
        }
        self.depth += 1;
        let result = self.eval_node(node, data);
        self.depth -= 1;
        result
    }

    fn eval_node(&mut self, node: &Ast, data: &Rcvar) -> Eval {
        match node {
            Ast::Field { name, .. } => match &**data {
                Variable::Object(map) => map
                    .get(name)
                    .cloned()
                    .ok_or_else(|| Failure::NotFound(name.clone())),
                _ => Ok(null()),
            },
            Ast::Subexpr {
                lhs, rhs, offset, ..
            } => {
                if self.expression.as_bytes().get(*offset) == Some(&b'|') {
                    // A pipe: the fork reads each side's missing field as null.
                    let left = or_null(self.eval(lhs, data))?;
                    or_null(self.eval(rhs, &left))
                } else {
                    let left = self.eval(lhs, data)?;
                    self.eval(rhs, &left)
                }
            }
            Ast::Identity { .. } => Ok(data.clone()),
            Ast::Literal { value, .. } => Ok(value.clone()),
            Ast::Index { idx, .. } => Ok(if *idx >= 0 {
                data.get_index(usize::try_from(*idx).unwrap_or(usize::MAX))
            } else {
                data.get_negative_index(usize::try_from(idx.unsigned_abs()).unwrap_or(usize::MAX))
            }),
            Ast::Or { lhs, rhs, .. } => {
                let left = or_null(self.eval(lhs, data))?;
                if left.is_truthy() {
                    Ok(left)
                } else {
                    or_null(self.eval(rhs, data))
                }
            }
            Ast::And { lhs, rhs, .. } => {
                let left = or_null(self.eval(lhs, data))?;
                if left.is_truthy() {
                    self.eval(rhs, data)
                } else {
                    Ok(left)
                }
            }
            Ast::Not { node, .. } => {
                let value = or_null(self.eval(node, data))?;
                Ok(boolean(!value.is_truthy()))
            }
            Ast::Condition {
                predicate, then, ..
            } => {
                let matched = or_null(self.eval(predicate, data))?;
                if matched.is_truthy() {
                    or_null(self.eval(then, data))
                } else {
                    Ok(null())
                }
            }
            Ast::Comparison {
                comparator,
                lhs,
                rhs,
                ..
            } => {
                let left = or_null(self.eval(lhs, data))?;
                let right = or_null(self.eval(rhs, data))?;
                Ok(compare(comparator, &left, &right))
            }
            Ast::ObjectValues { node, .. } => match self.eval(node, data) {
                Ok(value) => Ok(match &*value {
                    Variable::Object(map) => {
                        Rcvar::new(Variable::Array(map.values().cloned().collect()))
                    }
                    _ => null(),
                }),
                Err(_) => Ok(null()),
            },
            Ast::Projection { lhs, rhs, .. } => self.projection(lhs, rhs, data),
            Ast::Flatten { node, .. } => {
                let Ok(value) = self.eval(node, data) else {
                    return Ok(null());
                };
                let Some(items) = value.as_array() else {
                    return Ok(null());
                };
                let mut flat = Vec::with_capacity(items.len());
                for item in items {
                    match item.as_array() {
                        Some(inner) => flat.extend(inner.iter().cloned()),
                        None => flat.push(item.clone()),
                    }
                }
                Ok(Rcvar::new(Variable::Array(flat)))
            }
            Ast::MultiList { elements, .. } => {
                if data.is_null() {
                    return Ok(null());
                }
                let mut items = Vec::with_capacity(elements.len());
                for element in elements {
                    items.push(or_null(self.eval(element, data))?);
                }
                Ok(Rcvar::new(Variable::Array(items)))
            }
            Ast::MultiHash { elements, .. } => {
                if data.is_null() {
                    return Ok(null());
                }
                let mut map = std::collections::BTreeMap::new();
                for pair in elements {
                    map.insert(pair.key.clone(), or_null(self.eval(&pair.value, data))?);
                }
                Ok(Rcvar::new(Variable::Object(map)))
            }
            Ast::Function {
                name, args, offset, ..
            } => {
                let mut values = Vec::with_capacity(args.len());
                for arg in args {
                    values.push(or_null(self.eval(arg, data))?);
                }
                self.call(name, &values, *offset)
            }
            Ast::Expref { ast, .. } => Ok(Rcvar::new(Variable::Expref((**ast).clone()))),
            Ast::Slice {
                start, stop, step, ..
            } => {
                if *step == 0 {
                    return Err(Failure::Other("invalid slice, step cannot be 0".into()));
                }
                Ok(match data.slice(*start, *stop, *step) {
                    Some(items) => Rcvar::new(Variable::Array(items)),
                    None => null(),
                })
            }
        }
    }

    /// `lhs[*].rhs` and its kinds (`[?...]`, `[]`, `*`): rhs over each
    /// element of lhs, nulls dropped.
    fn projection(&mut self, lhs: &Ast, rhs: &Ast, data: &Rcvar) -> Eval {
        let left = match self.eval(lhs, data) {
            Ok(left) => left,
            Err(Failure::NotFound(_)) => return Ok(null()),
            // The fork's filter projection reads any error on its left as null.
            Err(_) if matches!(rhs, Ast::Condition { .. }) => return Ok(null()),
            Err(other) => return Err(other),
        };
        let Some(items) = left.as_array() else {
            return Ok(null());
        };
        let mut collected = Vec::with_capacity(items.len());
        for item in items {
            let value = or_null(self.eval(rhs, item))?;
            if !value.is_null() {
                collected.push(value);
            }
        }
        Ok(Rcvar::new(Variable::Array(collected)))
    }

    /// Calls Kyverno's function `name`, else the crate's built-in.
    fn call(&mut self, name: &str, args: &[Rcvar], offset: usize) -> Eval {
        if let Some(function) = functions::lookup(name) {
            return function.call(args).map_err(|e| Failure::Other(e.0));
        }
        let Some(builtin) = self.runtime.get_function(name) else {
            return Err(Failure::UnknownFunction(name.to_string()));
        };
        let mut ctx = Context::new(self.expression, self.runtime);
        ctx.offset = offset;
        builtin
            .evaluate(args, &mut ctx)
            .map_err(|e| Failure::Other(e.reason.to_string()))
    }
}

/// A comparison as the fork makes it: equality of any two values, order
/// only between numbers (null otherwise).
fn compare(comparator: &Comparator, left: &Variable, right: &Variable) -> Rcvar {
    match left.compare(comparator, right) {
        Some(result) => boolean(result),
        None => null(),
    }
}
