//! One CEL engine for every CEL policy Palisade runs: Kyverno's
//! `validate.cel` rules and ValidatingPolicies (and later Kubernetes
//! ValidatingAdmissionPolicies and Gatekeeper's CEL templates).
//!
//! It is the `cel` crate's interpreter with optional syntax (`a.?b`,
//! `[?0]`, `orValue`, `hasValue`) and its string, list and math libraries,
//! built once ([`ENV`]); expressions are compiled once ([`Program`]) and
//! evaluated over JSON values converted as Kubernetes converts objects for
//! CEL (integers stay integers, so `object.spec.replicas == 3` holds).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use cel::{Context, Env, Value};
use serde_json::Value as Json;

/// The environment every program is compiled and run in. `None` only if
/// an extension failed to register, which [`Program::compile`] reports.
static ENV: LazyLock<Option<Arc<Env>>> = LazyLock::new(|| {
    let mut env = Env::stdlib().with_optional_support(true);
    env.add_extension(cel::extensions::strings).ok()?;
    env.add_extension(cel::extensions::lists).ok()?;
    env.add_extension(cel::extensions::math).ok()?;
    lenient_optionals(&mut env).ok()?;
    Some(Arc::new(env))
});

/// `orValue` and `hasValue` on values that are not optionals: the value
/// itself, and true, as cel-go answers them on Kyverno's `dyn` values (its
/// policies write `a.b.orValue([])` and its tests expect that to work). The
/// standard overloads refuse a value that is not optional, so both calls
/// are rewritten by macros into functions that take either.
fn lenient_optionals(env: &mut Env) -> Result<(), cel::DeclarationError> {
    use cel::common::ast::{CallExpr, Expr};
    use cel::common::types::DYN_TYPE;
    use cel::parser::Macro;
    for (method, function, arity) in [("orValue", "@orValue", 1), ("hasValue", "@hasValue", 0)] {
        env.add_macro(Macro::receiver(
            method,
            arity,
            move |helper, target, args| {
                let Some(target) = target.take() else {
                    return Ok(None);
                };
                let mut call_args = vec![target];
                call_args.append(args);
                Ok(Some(helper.next_expr(Expr::Call(CallExpr {
                    func_name: function.to_string(),
                    target: None,
                    args: call_args,
                }))))
            },
        ))?;
    }
    env.add_overload(
        "@orValue",
        "@orValue_dyn_dyn",
        vec![DYN_TYPE, DYN_TYPE],
        or_value,
    )?;
    env.add_overload("@hasValue", "@hasValue_dyn", vec![DYN_TYPE], has_value)?;
    Ok(())
}

fn or_value<'b, 'v>(
    mut args: Vec<cel::common::value::CowVal<'b, 'v>>,
) -> Result<cel::common::value::CowVal<'b, 'v>, cel::ExecutionError> {
    use cel::common::types::CelOptional;
    use cel::common::value::CowVal;
    if args.len() != 2 {
        return Err(cel::ExecutionError::invalid_argument_count(2, args.len()));
    }
    let default = args.remove(1);
    let value = args.remove(0);
    let inner = value
        .as_ref()
        .downcast_ref::<CelOptional>()
        .map(|o| o.inner().map(|v| v.clone_as_boxed()));
    Ok(match inner {
        Some(Some(v)) => CowVal::Owned(v),
        Some(None) => default,
        None => value,
    })
}

fn has_value<'b, 'v>(
    args: Vec<cel::common::value::CowVal<'b, 'v>>,
) -> Result<cel::common::value::CowVal<'b, 'v>, cel::ExecutionError> {
    use cel::common::types::{CelBool, CelOptional};
    use cel::common::value::CowVal;
    let present = args
        .first()
        .map(|v| {
            v.as_ref()
                .downcast_ref::<CelOptional>()
                .is_none_or(|o| o.inner().is_some())
        })
        .ok_or_else(cel::ExecutionError::missing_argument_or_target)?;
    Ok(CowVal::Owned(Box::new(CelBool::from(present))))
}

/// Why an expression could not be compiled or evaluated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CelError {
    #[error("compilation error: {0}")]
    Compile(String),
    #[error("evaluation error: {0}")]
    Evaluate(String),
}

/// A compiled expression.
#[derive(Debug)]
pub struct Program {
    program: cel::Program,
    source: String,
}

impl Program {
    /// Compiles `source`; an error names what did not parse. Expressions
    /// are bounded: longer than 64 KiB is refused.
    pub fn compile(source: &str) -> Result<Self, CelError> {
        if source.len() > 64 * 1024 {
            return Err(CelError::Compile("expression longer than 64 KiB".into()));
        }
        let env = ENV
            .as_ref()
            .ok_or_else(|| CelError::Compile("the CEL environment failed to build".into()))?;
        let program = env
            .compile(source)
            .map_err(|e| CelError::Compile(e.to_string()))?;
        Ok(Self {
            program,
            source: source.to_string(),
        })
    }

    /// [`Program::compile`], cached: each expression is compiled once per
    /// thread (the cache is bounded; past 4096 expressions it starts
    /// over).
    pub fn cached(source: &str) -> Result<Arc<Self>, CelError> {
        // One cache per thread: scans evaluate on every core, and a shared
        // lock taken for every expression of every object was contended.
        thread_local! {
            static CACHE: std::cell::RefCell<HashMap<String, Arc<Program>>> =
                std::cell::RefCell::default();
        }
        if let Some(found) = CACHE.with(|c| c.borrow().get(source).cloned()) {
            return Ok(found);
        }
        let program = Arc::new(Self::compile(source)?);
        CACHE.with(|c| {
            let mut cache = c.borrow_mut();
            if cache.len() >= 4096 {
                cache.clear();
            }
            cache.insert(source.to_string(), Arc::clone(&program));
        });
        Ok(program)
    }

    /// The first of `names` the expression reads as a variable (or calls
    /// as a function), if any: how a caller finds the libraries it does
    /// not provide.
    pub fn references_any<'n>(&self, names: &[&'n str]) -> Option<&'n str> {
        let references = self.program.references();
        names
            .iter()
            .find(|n| references.has_variable(n) || references.has_function(n))
            .copied()
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluates the program with `variables` bound by name.
    pub fn evaluate(&self, variables: &Activation) -> Result<Json, CelError> {
        let env = ENV
            .as_ref()
            .ok_or_else(|| CelError::Evaluate("the CEL environment failed to build".into()))?;
        let mut context = Context::with_env(Arc::clone(env));
        for (name, value) in &variables.values {
            context.add_variable_from_value(name.clone(), value.clone());
        }
        let value = self
            .program
            .execute(&context)
            .map_err(|e| CelError::Evaluate(e.to_string()))?;
        to_json(&value)
            .ok_or_else(|| CelError::Evaluate(format!("{} has no JSON form", self.source)))
    }

    /// Evaluates a condition: anything but a boolean is an error.
    pub fn evaluate_bool(&self, variables: &Activation) -> Result<bool, CelError> {
        match self.evaluate(variables)? {
            Json::Bool(b) => Ok(b),
            other => Err(CelError::Evaluate(format!(
                "{} evaluated to {other}, not a boolean",
                self.source
            ))),
        }
    }
}

/// The variables a program sees (`object`, `oldObject`, `request`,
/// `variables`, `params`, ...), converted once.
#[derive(Debug, Clone, Default)]
pub struct Activation {
    values: Vec<(String, Value)>,
}

impl Activation {
    /// Binds `name` to `value`.
    pub fn bind(&mut self, name: &str, value: &Json) {
        self.values.retain(|(n, _)| n != name);
        self.values.push((name.to_string(), from_json(value)));
    }
}

/// A JSON value as CEL sees it.
pub fn from_json(value: &Json) -> Value {
    match value {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::Int(i),
            (None, Some(u)) => Value::UInt(u),
            _ => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::String(Arc::new(s.clone())),
        Json::Array(items) => Value::List(Arc::new(items.iter().map(from_json).collect())),
        Json::Object(map) => {
            let entries: HashMap<String, Value> =
                map.iter().map(|(k, v)| (k.clone(), from_json(v))).collect();
            Value::from(entries)
        }
    }
}

/// A CEL value as JSON (`None` for values JSON cannot hold: functions,
/// optionals left unwrapped, bytes).
pub fn to_json(value: &Value) -> Option<Json> {
    value.json().ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn eval(expression: &str, object: Json) -> Result<Json, CelError> {
        let mut activation = Activation::default();
        activation.bind("object", &object);
        Program::compile(expression)?.evaluate(&activation)
    }

    #[test]
    fn integers_stay_integers_and_optionals_work() {
        let object = json!({"spec": {"replicas": 3, "containers": [{"name": "a"}]}});
        assert_eq!(
            eval("object.spec.replicas == 3", object.clone()),
            Ok(json!(true))
        );
        assert_eq!(
            eval(
                "object.spec.?initContainers.orValue([]).size()",
                object.clone()
            ),
            Ok(json!(0))
        );
        assert_eq!(
            eval(
                "object.spec.containers.all(c, c.?securityContext.?privileged.orValue(false) == false)",
                object.clone()
            ),
            Ok(json!(true))
        );
        assert_eq!(
            eval("object.spec.?containers[?0].?name.orValue('')", object),
            Ok(json!("a"))
        );
    }

    #[test]
    fn libraries_and_errors() {
        assert_eq!(
            eval("'abc'.upperAscii() + ['x','y'].join(',')", json!({})),
            Ok(json!("ABCx,y"))
        );
        assert!(matches!(
            eval("object.spec.missing", json!({"spec": {}})),
            Err(CelError::Evaluate(_))
        ));
        assert!(matches!(
            Program::compile("object.("),
            Err(CelError::Compile(_))
        ));
        // Non-optional receivers, as cel-go answers them in Kyverno.
        assert_eq!(
            eval("object.a.orValue([]).size()", json!({"a": [1, 2]})),
            Ok(json!(2))
        );
        assert_eq!(
            eval("object.?a.orValue([]).size()", json!({})),
            Ok(json!(0))
        );
    }
}
