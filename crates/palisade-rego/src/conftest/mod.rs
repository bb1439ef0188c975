//! Conftest's conventions: which rules are checks, what their values mean.
//!
//! In each selected namespace (package), the rules named `deny`, `violation`
//! or `warn`, alone or followed by `_suffix`es, are checks. A check's value is
//! a set (or array) of messages: strings, or objects with `msg` and any
//! metadata. `deny` and `violation` messages are failures, `warn` messages
//! warnings. A value that is not a collection (`deny { ... }` without a
//! message) reports nothing, as in Conftest. A namespace's `exception` rule,
//! a set of rule-name lists, turns the failures of the rules it names
//! (without their `deny_`/`violation_` prefix) into exceptions.

pub mod dockerfile;

use std::collections::BTreeMap;
use std::sync::Arc;

use palisade_model::{ControlMeta, Enforcement, Severity, Waiver};
use regorus::{Engine, Value};

use crate::error::RegoError;
use crate::metadata::{PolicyMeta, Scope, annotations, control_meta};
use crate::module::ParsedModule;
use crate::{RegoFinding, value};

/// Whether a rule name is a Conftest check, and which kind.
pub fn check_kind(rule: &str) -> Option<Enforcement> {
    let (head, rest) = match rule.split_once('_') {
        Some((head, rest)) => (head, Some(rest)),
        None => (rule, None),
    };
    let suffix_ok = rest.is_none_or(|rest| {
        rest.split('_')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric()))
    });
    if !suffix_ok {
        return None;
    }
    match head {
        "deny" | "violation" => Some(Enforcement::Enforce),
        "warn" => Some(Enforcement::Warn),
        _ => None,
    }
}

/// One check rule of one namespace, ready to query.
#[derive(Debug, Clone)]
pub struct CheckRule {
    /// `main`, `kubernetes.pods`, ...
    pub namespace: String,
    /// `deny`, `warn_latest`, ...
    pub rule: String,
    /// `data.<namespace>.<rule>`.
    pub query: String,
    /// Failure or warning.
    pub enforcement: Enforcement,
    /// What it is in reports.
    pub meta: &'static ControlMeta,
    /// Framework ID -> requirement IDs it declares it serves.
    pub frameworks: BTreeMap<String, Vec<String>>,
}

/// Which namespaces to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Namespaces {
    /// These (Conftest's `--namespace`, `main` by default).
    Only(Vec<String>),
    /// Every namespace that has a check (`--all-namespaces`).
    All,
}

impl Default for Namespaces {
    fn default() -> Self {
        Namespaces::Only(vec!["main".to_string()])
    }
}

impl Namespaces {
    fn includes(&self, namespace: &str) -> bool {
        match self {
            Namespaces::Only(list) => list.iter().any(|n| n == namespace),
            Namespaces::All => true,
        }
    }
}

/// The check rules of the modules in the selected namespaces, with their
/// metadata: rule annotation, else package annotation, else a
/// `__rego_metadata__` rule, else the defaults.
pub fn check_rules(
    modules: &[ParsedModule],
    namespaces: &Namespaces,
    engine: &mut Engine,
) -> Vec<CheckRule> {
    let mut rules: Vec<CheckRule> = Vec::new();
    for module in modules {
        if !namespaces.includes(&module.package) {
            continue;
        }
        let found = annotations(module);
        let package_meta = found
            .iter()
            .find(|(scope, _)| *scope == Scope::Package)
            .map(|(_, m)| m.clone())
            .or_else(|| rego_metadata_rule(module, engine))
            .unwrap_or_default();
        for name in module.rule_names() {
            let Some(enforcement) = check_kind(name) else {
                continue;
            };
            if rules
                .iter()
                .any(|r| r.namespace == module.package && r.rule == name)
            {
                continue;
            }
            let rule_meta = found
                .iter()
                .find(|(scope, _)| *scope == Scope::Rule(name.to_string()))
                .map(|(_, m)| m.clone())
                .unwrap_or_default();
            let mut meta = rule_meta.or(&package_meta);
            if meta.id.is_empty() {
                meta.id = format!("{}.{name}", module.package);
            }
            if meta.source.is_empty() {
                meta.source = format!("{}:{}", module.file, module.package_line);
            }
            let default = match enforcement {
                Enforcement::Enforce => Severity::High,
                _ => Severity::Low,
            };
            rules.push(CheckRule {
                namespace: module.package.clone(),
                rule: name.to_string(),
                query: format!("data.{}.{name}", module.package),
                enforcement,
                meta: control_meta(&meta, default),
                frameworks: meta.frameworks.clone(),
            });
        }
    }
    rules
}

/// A package's `__rego_metadata__` rule, evaluated without input.
fn rego_metadata_rule(module: &ParsedModule, engine: &mut Engine) -> Option<PolicyMeta> {
    if !module.rule_names().contains(&"__rego_metadata__") {
        return None;
    }
    engine.set_input(Value::new_object());
    let value = engine
        .eval_rule(format!("data.{}.__rego_metadata__", module.package))
        .ok()?;
    let source = format!("{}:{}", module.file, module.package_line);
    Some(PolicyMeta::from_json(&value::to_json(&value), source))
}

/// Checks one input against every rule, pushing findings.
pub fn check(
    engine: &mut Engine,
    rules: &[CheckRule],
    input: Value,
    out: &mut Vec<RegoFinding>,
) -> Result<(), RegoError> {
    engine.set_input(input);
    let mut exceptions: Vec<(String, Vec<String>)> = Vec::new();
    for rule in rules {
        if !exceptions.iter().any(|(ns, _)| *ns == rule.namespace) {
            let names = exception_names(engine, &rule.namespace);
            exceptions.push((rule.namespace.clone(), names));
        }
        let value = engine
            .eval_rule(rule.query.clone())
            .map_err(|e| RegoError::from_engine(rule.meta.id, &e))?;
        let excepted = exceptions.iter().any(|(ns, names)| {
            *ns == rule.namespace && names.iter().any(|n| n == exception_key(&rule.rule))
        }) && rule.enforcement == Enforcement::Enforce;
        for message in messages(&value) {
            let severity = message.severity.unwrap_or(rule.meta.severity);
            out.push(RegoFinding {
                control: rule.meta,
                severity,
                enforcement: rule.enforcement,
                message: message.text,
                waiver: excepted.then(|| {
                    Arc::new(Waiver {
                        justification: format!(
                            "exception rule data.{}.exception names `{}`",
                            rule.namespace,
                            exception_key(&rule.rule)
                        ),
                        owner: None,
                        ticket: None,
                        expires: None,
                        source: "policy".to_string(),
                    })
                }),
            });
        }
    }
    Ok(())
}

/// `deny_latest` is excepted as `latest`, `deny` as `deny`.
fn exception_key(rule: &str) -> &str {
    rule.strip_prefix("deny_")
        .or_else(|| rule.strip_prefix("violation_"))
        .unwrap_or(rule)
}

fn exception_names(engine: &mut Engine, namespace: &str) -> Vec<String> {
    let Ok(value) = engine.eval_rule(format!("data.{namespace}.exception")) else {
        return Vec::new();
    };
    let mut names = Vec::new();
    for entry in values(&value) {
        for name in values(entry) {
            if let Ok(name) = name.as_string() {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// The members of a set or array (nothing for anything else).
fn values(value: &Value) -> Vec<&Value> {
    if let Ok(set) = value.as_set() {
        set.iter().collect()
    } else if let Ok(array) = value.as_array() {
        array.iter().collect()
    } else {
        Vec::new()
    }
}

/// A message of a check.
pub struct Message {
    /// Its text.
    pub text: String,
    /// A severity its metadata gives, if any.
    pub severity: Option<Severity>,
}

/// The messages in a check's value.
pub fn messages(value: &Value) -> Vec<Message> {
    values(value)
        .into_iter()
        .filter_map(|v| {
            if let Ok(text) = v.as_string() {
                return Some(Message {
                    text: text.to_string(),
                    severity: None,
                });
            }
            let text = value::get_str(v, "msg")?;
            let severity =
                value::get_str(v, "severity").and_then(|s| s.to_ascii_lowercase().parse().ok());
            Some(Message {
                text: text.to_string(),
                severity,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_conftest_checks_like_conftest() {
        assert_eq!(check_kind("deny"), Some(Enforcement::Enforce));
        assert_eq!(check_kind("violation_no_root"), Some(Enforcement::Enforce));
        assert_eq!(check_kind("warn_latest_tag"), Some(Enforcement::Warn));
        assert_eq!(check_kind("denying"), None);
        assert_eq!(check_kind("deny_"), None);
        assert_eq!(check_kind("allow"), None);
        assert_eq!(exception_key("deny_latest"), "latest");
        assert_eq!(exception_key("warn_x"), "warn_x");
    }
}
