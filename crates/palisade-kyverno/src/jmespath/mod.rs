//! JMESPath with Kyverno's function set, evaluated as Kyverno's fork of
//! go-jmespath evaluates it.
//!
//! Parsing is the `jmespath` crate's; evaluation is ours (`interpreter.rs`)
//! because the fork differs from the standard in one way policies rely on:
//! a field missing from an object is an error ("Unknown key"), which the
//! fork swallows inside `||`, `&&`'s left side, `!`, comparisons, pipes,
//! projections, multi-selects and function arguments. A field of a
//! non-object (null included) is null, as in the standard.
//!
//! Kyverno's functions live in `functions/`, one file per family; the
//! crate's built-ins are kept beside them (Kyverno overrides `sum`, and we
//! override `to_string` so numbers print as Go prints them).

mod functions;
mod interpreter;
mod value;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use jmespath::Runtime;
use jmespath::ast::Ast;
use serde_json::Value as Json;

/// Why a query failed. Each variant names the expression; `detail` gives
/// the bare message as Kyverno words it, for callers that compose
/// Kyverno's own messages ("JMESPath query failed: ...").
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// The expression is not valid JMESPath.
    #[error("JMESPath query {expression:?} does not parse: {message}")]
    Parse { expression: String, message: String },
    /// A field on the path is missing from its object (the fork's
    /// `NotFoundError`, which Kyverno treats as "variable not found").
    #[error("JMESPath query {expression:?} failed: Unknown key \"{key}\" in path")]
    NotFound { expression: String, key: String },
    /// The expression calls a function that exists neither in JMESPath nor
    /// in Kyverno.
    #[error("JMESPath query {expression:?} failed: unknown function: {name}")]
    UnknownFunction { expression: String, name: String },
    /// A function refused its arguments or failed, or the result is not JSON.
    #[error("JMESPath query {expression:?} failed: {message}")]
    Evaluate { expression: String, message: String },
}

impl Error {
    /// The message without the expression, as the Go code words it
    /// (`Unknown key "x" in path`, `JMESPath function 'divide': Zero divisor passed`).
    pub fn detail(&self) -> String {
        match self {
            Error::Parse { message, .. } | Error::Evaluate { message, .. } => message.clone(),
            Error::NotFound { key, .. } => format!("Unknown key \"{key}\" in path"),
            Error::UnknownFunction { name, .. } => format!("unknown function: {name}"),
        }
    }

    /// Whether this is the fork's "Unknown key" error.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }
}

/// The runtime: JMESPath's built-ins, then Kyverno's functions over them.
/// Built-ins evaluate expression references (`sort_by(@, &x)`) through the
/// crate's interpreter, which looks functions up here.
static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    let mut runtime = Runtime::new();
    runtime.register_builtin_functions();
    functions::register(&mut runtime);
    runtime
});

/// Parsed expressions, by text. Policies repeat the same few expressions
/// over every resource; when the cache is full it is emptied, which keeps
/// it bounded without bookkeeping.
static CACHE: LazyLock<Mutex<HashMap<String, Arc<Ast>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));
const CACHE_CAPACITY: usize = 4096;

/// Deepest bracket nesting accepted: the parser recurses, so an absurdly
/// nested expression would overflow the stack instead of failing.
const MAX_NESTING: usize = 256;

/// Evaluates `expression` on `data` with Kyverno's functions.
///
/// Integral numbers come back as JSON integers (`length(x)` is `3`, not
/// `3.0`), as Go's JSON encoding prints them.
pub fn search(expression: &str, data: &Json) -> Result<Json, Error> {
    search_converted(expression, &value::from_json(data))
}

/// Data converted once for several searches ([`convert`]).
pub type Converted = jmespath::Rcvar;

/// Converts JSON for [`search_converted`].
pub fn convert(data: &Json) -> Converted {
    value::from_json(data)
}

/// An object of converted values, by key: a context whose parts were
/// converted one by one.
pub fn object_of(parts: std::collections::BTreeMap<String, Converted>) -> Converted {
    jmespath::Rcvar::new(jmespath::Variable::Object(parts))
}

/// [`search`] on data already converted.
pub fn search_converted(expression: &str, data: &Converted) -> Result<Json, Error> {
    let ast = compile(expression)?;
    let result = interpreter::evaluate(&ast, data, expression, &RUNTIME)?;
    value::to_json(&result).map_err(|message| Error::Evaluate {
        expression: expression.to_string(),
        message,
    })
}

/// Parses `expression`, or takes it from the cache.
fn compile(expression: &str) -> Result<Arc<Ast>, Error> {
    {
        let cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(ast) = cache.get(expression) {
            return Ok(Arc::clone(ast));
        }
    }
    if nesting(expression) > MAX_NESTING {
        return Err(Error::Parse {
            expression: expression.to_string(),
            message: format!("nested deeper than {MAX_NESTING} brackets"),
        });
    }
    let ast = Arc::new(jmespath::parse(expression).map_err(|e| Error::Parse {
        expression: expression.to_string(),
        // The reason and column, without the crate's multi-line caret.
        message: format!("{} (column {})", e.reason, e.column),
    })?);
    let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    if cache.len() >= CACHE_CAPACITY {
        cache.clear();
    }
    cache.insert(expression.to_string(), Arc::clone(&ast));
    Ok(ast)
}

/// The deepest nesting of `(`, `[` and `{` outside quotes and literals.
fn nesting(expression: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in expression.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' | '`' => quote = Some(c),
            '(' | '[' | '{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests;
