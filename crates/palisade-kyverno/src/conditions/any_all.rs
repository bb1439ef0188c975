//! `any`/`all` condition blocks, as preconditions and deny conditions read
//! them (`pkg/engine/variables/evaluate.go`).
//!
//! A block is `{any: [...], all: [...]}` (either may be absent), a list of
//! such blocks, or the old form: a plain list of conditions, all of which
//! must hold. A condition's key and value are substituted first; a
//! variable that cannot be resolved makes the whole evaluation an error,
//! as in Kyverno (the caller decides what an error means).

use std::str::FromStr;

use serde_json::Value as Json;

use super::operator::Operator;
use crate::context::Context;
use crate::variables::{self, SubstitutionError};

/// Why conditions could not be evaluated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConditionError {
    #[error("failed to substitute variables in condition {part}: {source}")]
    Substitution {
        part: &'static str,
        source: SubstitutionError,
    },
    #[error("unknown condition operator {0:?}")]
    Operator(String),
    #[error("invalid condition: {0}")]
    Shape(String),
}

/// Whether the conditions hold, with the messages Kyverno joins for them
/// (those of the conditions that decided).
pub fn evaluate(ctx: &Context, conditions: &Json) -> Result<(bool, String), ConditionError> {
    match conditions {
        Json::Null => Ok((true, String::new())),
        Json::Object(_) => block(ctx, conditions),
        Json::Array(items) if items.iter().all(is_block) => {
            let mut messages = Vec::new();
            for item in items {
                let (holds, message) = block(ctx, item)?;
                if !holds {
                    return Ok((false, message));
                }
                messages.push(message);
            }
            Ok((true, join(&messages, ";")))
        }
        Json::Array(items) => {
            let mut messages = Vec::new();
            for item in items {
                let (holds, message) = condition(ctx, item)?;
                if !holds {
                    return Ok((false, message));
                }
                messages.push(message);
            }
            Ok((true, join(&messages, ";")))
        }
        other => Err(ConditionError::Shape(format!(
            "expected a list or a map, found {other}"
        ))),
    }
}

fn is_block(value: &Json) -> bool {
    value
        .as_object()
        .is_some_and(|m| m.contains_key("any") || m.contains_key("all"))
}

fn block(ctx: &Context, block: &Json) -> Result<(bool, String), ConditionError> {
    let mut true_messages = Vec::new();
    let mut false_messages = Vec::new();
    let mut any_holds = true;
    if let Some(any) = block.get("any").filter(|v| !v.is_null()) {
        any_holds = false;
        for item in list(any)? {
            let (holds, message) = condition(ctx, item)?;
            if holds {
                any_holds = true;
                true_messages.push(message);
                break;
            }
            false_messages.push(message);
        }
    }
    let mut all_holds = true;
    if let Some(all) = block.get("all").filter(|v| !v.is_null()) {
        for item in list(all)? {
            let (holds, message) = condition(ctx, item)?;
            if holds {
                true_messages.push(message);
            } else {
                all_holds = false;
                false_messages.push(message);
                break;
            }
        }
    }
    if any_holds && all_holds {
        Ok((true, join(&true_messages, "; ")))
    } else {
        Ok((false, join(&false_messages, "; ")))
    }
}

fn list(value: &Json) -> Result<&Vec<Json>, ConditionError> {
    value.as_array().ok_or_else(|| {
        ConditionError::Shape(format!("expected a list of conditions, found {value}"))
    })
}

/// One `{key, operator, value, message}`.
fn condition(ctx: &Context, condition: &Json) -> Result<(bool, String), ConditionError> {
    let key = condition.get("key").unwrap_or(&Json::Null);
    let value = condition.get("value").unwrap_or(&Json::Null);
    let key = variables::substitute(ctx, key).map_err(|source| ConditionError::Substitution {
        part: "key",
        source,
    })?;
    let value =
        variables::substitute(ctx, value).map_err(|source| ConditionError::Substitution {
            part: "value",
            source,
        })?;
    let name = condition
        .get("operator")
        .and_then(Json::as_str)
        .unwrap_or("");
    let operator = Operator::from_str(name).map_err(|_| ConditionError::Operator(name.into()))?;
    let message = condition
        .get("message")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_string();
    Ok((operator.evaluate(&key, &value), message))
}

fn join(messages: &[String], separator: &str) -> String {
    messages
        .iter()
        .filter(|m| !m.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(separator)
}
