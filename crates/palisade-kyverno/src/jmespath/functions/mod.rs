//! Kyverno's JMESPath functions (`pkg/engine/jmespath` in Kyverno), with
//! the argument types it declares, checked before each call as the fork's
//! function caller checks them.
//!
//! Messages follow Kyverno's (`JMESPath function 'x': argument #1 is not of
//! type string`), so that users see what Kyverno would show them.

mod arithmetic;
mod collections;
mod encoding;
mod golayout;
mod image;
mod network;
mod random;
mod semver;
mod strings;
mod time;

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::LazyLock;

use jmespath::functions::Function as JmespathFunction;
use jmespath::{Context, ErrorReason, JmespathError, Rcvar, Runtime, SearchResult, Variable};

use super::value;

/// A function's failure, worded as Kyverno words it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FnError(pub(crate) String);

/// `JMESPath function 'name': message` (Kyverno's `genericError`).
pub(crate) fn error(name: &str, message: impl Display) -> FnError {
    FnError(format!("JMESPath function '{name}': {message}"))
}

type Handler = fn(&[Rcvar]) -> Result<Rcvar, FnError>;

/// An argument type as Kyverno declares it (`jpString`, `jpNumber`, ...).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Arg {
    String,
    Number,
    Object,
    Array,
    Any,
    StringOrNumber,
    ObjectOrArray,
}

impl Arg {
    fn accepts(self, value: &Variable) -> bool {
        match self {
            Arg::String => value.is_string(),
            Arg::Number => value.is_number(),
            Arg::Object => value.is_object(),
            Arg::Array => value.is_array(),
            Arg::Any => true,
            Arg::StringOrNumber => value.is_string() || value.is_number(),
            Arg::ObjectOrArray => value.is_object() || value.is_array(),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Arg::String => "string",
            Arg::Number => "number",
            Arg::Object => "object",
            Arg::Array => "array",
            Arg::Any => "any",
            Arg::StringOrNumber => "string|number",
            Arg::ObjectOrArray => "object|array",
        }
    }
}

/// One of Kyverno's functions.
pub(crate) struct Function {
    name: &'static str,
    /// `None`: any arguments (Kyverno declares none for `time_now`).
    args: Option<&'static [Arg]>,
    handler: Handler,
}

impl Function {
    /// Checks the arguments against the declaration, then calls.
    pub(crate) fn call(&self, args: &[Rcvar]) -> Result<Rcvar, FnError> {
        if let Some(expected) = self.args {
            if expected.len() != args.len() {
                return Err(error(
                    self.name,
                    format!(
                        "incorrect number of args: expected {}, got {}",
                        expected.len(),
                        args.len()
                    ),
                ));
            }
            for (i, (arg, value)) in expected.iter().zip(args).enumerate() {
                if !arg.accepts(value) {
                    return Err(error(
                        self.name,
                        format!(
                            "Invalid type for: {value}, expected: {} (argument #{})",
                            arg.describe(),
                            i + 1
                        ),
                    ));
                }
            }
        }
        (self.handler)(args)
    }
}

/// Lets the crate's interpreter call our functions inside expression
/// references (`map(&to_upper(@), names)`).
struct Registered(&'static Function);

impl JmespathFunction for Registered {
    fn evaluate(&self, args: &[Rcvar], ctx: &mut Context<'_>) -> SearchResult {
        self.0
            .call(args)
            .map_err(|e| JmespathError::from_ctx(ctx, ErrorReason::Parse(e.0)))
    }
}

use Arg::{Any, Array, Number as Num, Object, ObjectOrArray, String as Str, StringOrNumber};

/// Every function, in Kyverno's order (`GetFunctions`), then our
/// `to_string`, which prints numbers and strings as Go's JSON encoder does.
const FUNCTIONS: &[Function] = &[
    f("compare", &[Str, Str], strings::compare),
    f("equal_fold", &[Str, Str], strings::equal_fold),
    f("replace", &[Str, Str, Str, Num], strings::replace),
    f("replace_all", &[Str, Str, Str], strings::replace_all),
    f("to_upper", &[Str], strings::to_upper),
    f("to_lower", &[Str], strings::to_lower),
    f("trim", &[Str, Str], strings::trim),
    f("trim_prefix", &[Str, Str], strings::trim_prefix),
    f("split", &[Str, Str], strings::split),
    f(
        "regex_replace_all",
        &[Str, StringOrNumber, StringOrNumber],
        strings::regex_replace_all,
    ),
    f(
        "regex_replace_all_literal",
        &[Str, StringOrNumber, StringOrNumber],
        strings::regex_replace_all_literal,
    ),
    f("regex_match", &[Str, StringOrNumber], strings::regex_match),
    f(
        "pattern_match",
        &[Str, StringOrNumber],
        strings::pattern_match,
    ),
    f("label_match", &[Object, Object], collections::label_match),
    f("to_boolean", &[Str], strings::to_boolean),
    f("add", &[Any, Any], arithmetic::add),
    f("sum", &[Array], arithmetic::sum),
    f("subtract", &[Any, Any], arithmetic::subtract),
    f("multiply", &[Any, Any], arithmetic::multiply),
    f("divide", &[Any, Any], arithmetic::divide),
    f("modulo", &[Any, Any], arithmetic::modulo),
    f("round", &[Num, Num], arithmetic::round),
    f("base64_decode", &[Str], encoding::base64_decode),
    f("base64_encode", &[Str], encoding::base64_encode),
    f("time_since", &[Str, Str, Str], time::time_since),
    Function {
        name: "time_now",
        args: None,
        handler: time::time_now,
    },
    Function {
        name: "time_now_utc",
        args: None,
        handler: time::time_now_utc,
    },
    f("path_canonicalize", &[Str], strings::path_canonicalize),
    f("truncate", &[Str, Num], strings::truncate),
    f("semver_compare", &[Str, Str], semver::semver_compare),
    f("parse_json", &[Str], encoding::parse_json),
    f("parse_yaml", &[Str], encoding::parse_yaml),
    f(
        "lookup",
        &[ObjectOrArray, StringOrNumber],
        collections::lookup,
    ),
    f("items", &[ObjectOrArray, Str, Str], collections::items),
    f(
        "object_from_lists",
        &[Array, Array],
        collections::object_from_lists,
    ),
    f("random", &[Str], random::random),
    f("x509_decode", &[Str], encoding::x509_decode),
    f("time_to_cron", &[Str], time::time_to_cron),
    f("time_add", &[Str, Str], time::time_add),
    f("time_parse", &[Str, Str], time::time_parse),
    f("time_utc", &[Str], time::time_utc),
    f("time_diff", &[Str, Str], time::time_diff),
    f("time_before", &[Str, Str], time::time_before),
    f("time_after", &[Str, Str], time::time_after),
    f("time_between", &[Str, Str, Str], time::time_between),
    f("time_truncate", &[Str, Str], time::time_truncate),
    f("image_normalize", &[Str], image::image_normalize),
    f("is_external_url", &[Str], network::is_external_url),
    f("sha256", &[Str], encoding::sha256),
    f("sha1", &[Str], encoding::sha1),
    f("md5", &[Str], encoding::md5),
    f("to_string", &[Any], collections::to_string),
];

const fn f(name: &'static str, args: &'static [Arg], handler: Handler) -> Function {
    Function {
        name,
        args: Some(args),
        handler,
    }
}

static TABLE: LazyLock<HashMap<&'static str, &'static Function>> =
    LazyLock::new(|| FUNCTIONS.iter().map(|f| (f.name, f)).collect());

/// Kyverno's function `name`, if it has one.
pub(crate) fn lookup(name: &str) -> Option<&'static Function> {
    TABLE.get(name).copied()
}

/// Registers every function on `runtime`, over built-ins of the same name.
pub(crate) fn register(runtime: &mut Runtime) {
    for function in FUNCTIONS {
        runtime.register_function(function.name, Box::new(Registered(function)));
    }
}

/// Argument `i` as a string, or Kyverno's `validateArg` error.
pub(crate) fn string_arg<'a>(name: &str, args: &'a [Rcvar], i: usize) -> Result<&'a str, FnError> {
    match args.get(i) {
        None => Err(out_of_bounds(name, args, i)),
        Some(v) => v
            .as_string()
            .map(String::as_str)
            .ok_or_else(|| not_of_type(name, i, "string")),
    }
}

/// Argument `i` as a number, or Kyverno's `validateArg` error (Go calls
/// the type `float64`).
pub(crate) fn number_arg(name: &str, args: &[Rcvar], i: usize) -> Result<f64, FnError> {
    match args.get(i) {
        None => Err(out_of_bounds(name, args, i)),
        Some(v) => v.as_number().ok_or_else(|| not_of_type(name, i, "float64")),
    }
}

/// Argument `i` (a string or a number) as a string, as Kyverno's
/// `ifaceToString` makes it.
pub(crate) fn stringish_arg(name: &str, args: &[Rcvar], i: usize) -> Result<String, FnError> {
    match args.get(i).map(|v| &**v) {
        Some(Variable::String(s)) => Ok(s.clone()),
        Some(Variable::Number(n)) => Ok(value::go_float32_string(n.as_f64().unwrap_or(0.0))),
        Some(Variable::Bool(b)) => Ok(b.to_string()),
        _ => Err(not_of_type(name, i, "String or Real")),
    }
}

pub(crate) fn not_of_type(name: &str, i: usize, kind: &str) -> FnError {
    error(name, format!("argument #{} is not of type {kind}", i + 1))
}

fn out_of_bounds(name: &str, args: &[Rcvar], i: usize) -> FnError {
    error(
        name,
        format!("{} argument is out of bounds ({})", i + 1, args.len()),
    )
}

/// A number result; JSON has no NaN or infinity.
pub(crate) fn number_result(name: &str, f: f64) -> Result<Rcvar, FnError> {
    value::number(f).ok_or_else(|| error(name, format!("result {f} is not a finite number")))
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for the handler tests ported from Kyverno's Go tests.
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]

    use jmespath::Rcvar;
    use serde_json::Value as Json;

    /// Arguments from JSON values.
    pub(crate) fn args(values: &[Json]) -> Vec<Rcvar> {
        values
            .iter()
            .map(crate::jmespath::value::from_json)
            .collect()
    }

    /// A result as JSON.
    pub(crate) fn json(result: &Rcvar) -> Json {
        crate::jmespath::value::to_json(result).unwrap()
    }
}
