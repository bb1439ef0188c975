//! Gatekeeper's `suite.yaml` fixture suites, read as they are: each test
//! names a template and a constraint (or, Palisade additions, a built-in
//! `control`, or Conftest policies as `policy:` with an optional
//! `namespace:`), and cases that name an object file, optional inventory
//! files, and assertions: `violations` (`yes`, `no` or a count; `yes` when
//! absent) of the violations whose message matches `message` (a regular
//! expression; every violation when absent).

use std::path::{Path, PathBuf};
use std::time::Instant;

use regex::Regex;
use regorus::Value;

use crate::error::RegoError;
use crate::gatekeeper::review::Review;
use crate::load::{Sources, read_documents};
use crate::testing::{Checked, Outcome};
use crate::{LoadOptions, Policies, members, value};

/// Evaluates a built-in control on an object file, for suites whose tests
/// name a `control` instead of a template.
pub trait BuiltinControls {
    /// The messages of `control`'s findings on the object in `file`, or why
    /// it could not be evaluated.
    fn messages(&self, control: &str, file: &Path) -> Result<Vec<String>, String>;
}

/// Whether a document is a Gatekeeper suite.
pub fn is_suite(doc: &Value) -> bool {
    value::get_str(doc, "kind") == Some("Suite")
}

/// Runs every test of the suite at `path`.
pub fn run(path: &Path, builtins: Option<&dyn BuiltinControls>) -> Result<Vec<Checked>, RegoError> {
    let name = path.display().to_string();
    let doc = read_documents(path)
        .map_err(|e| {
            e.into_iter()
                .next()
                .unwrap_or_else(|| RegoError::file(&name, "unreadable"))
        })?
        .into_iter()
        .find(is_suite)
        .ok_or_else(|| RegoError::file(&name, "no `kind: Suite` document"))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut results = Vec::new();
    for test in members(value::get(&doc, "tests").unwrap_or(&Value::Null)) {
        let test_name = value::get_str(test, "name").unwrap_or("(unnamed)");
        let label = |case: &str| format!("{name}: {test_name} / {case}");
        let cases = members(value::get(test, "cases").unwrap_or(&Value::Null));
        if truthy(value::get(test, "skip")) {
            for case in cases {
                results.push(skipped(label(value::get_str(case, "name").unwrap_or("?"))));
            }
            continue;
        }
        let subject = match Subject::prepare(test, dir, builtins) {
            Ok(subject) => subject,
            Err(error) => {
                results.push(Checked {
                    name: label("(setup)"),
                    outcome: Outcome::Fail(error),
                    duration: std::time::Duration::ZERO,
                });
                continue;
            }
        };
        for case in cases {
            let case_name = value::get_str(case, "name").unwrap_or("(unnamed)");
            if truthy(value::get(case, "skip")) {
                results.push(skipped(label(case_name)));
                continue;
            }
            let started = Instant::now();
            let outcome = match run_case(&subject, case, dir) {
                Ok(()) => Outcome::Pass,
                Err(why) => Outcome::Fail(why),
            };
            results.push(Checked {
                name: label(case_name),
                outcome,
                duration: started.elapsed(),
            });
        }
    }
    Ok(results)
}

fn skipped(name: String) -> Checked {
    Checked {
        name,
        outcome: Outcome::Skip,
        duration: std::time::Duration::ZERO,
    }
}

fn truthy(value: Option<&Value>) -> bool {
    matches!(value, Some(Value::Bool(true)))
}

/// What a test checks cases against.
enum Subject<'a> {
    /// A template and its constraint (Gatekeeper's own form).
    Constraint(Policies),
    /// Conftest policies (`policy: path`, a Palisade addition): the object
    /// is their input.
    Conftest(Policies),
    /// A built-in control (`control: ID`, a Palisade addition).
    Builtin(&'a dyn BuiltinControls, String),
}

impl<'a> Subject<'a> {
    fn prepare(
        test: &Value,
        dir: &Path,
        builtins: Option<&'a dyn BuiltinControls>,
    ) -> Result<Self, String> {
        if let Some(control) = value::get_str(test, "control") {
            let builtins = builtins.ok_or("built-in controls are not available here")?;
            return Ok(Subject::Builtin(builtins, control.to_string()));
        }
        if let Some(policy) = value::get_str(test, "policy") {
            let namespaces = match value::get_str(test, "namespace") {
                Some(ns) => crate::Namespaces::Only(vec![ns.to_string()]),
                None => crate::Namespaces::default(),
            };
            let options = LoadOptions {
                namespaces,
                data: Vec::new(),
            };
            return Policies::load(&[dir.join(policy)], &options)
                .map(Subject::Conftest)
                .map_err(joined);
        }
        let template = value::get_str(test, "template")
            .ok_or("missing template (or `control:` for a built-in control, `policy:` for Conftest policies)")?;
        let constraint = value::get_str(test, "constraint").ok_or("missing constraint")?;
        let mut sources = Sources::default();
        let template_path = dir.join(template);
        for doc in read_documents(&template_path).map_err(joined)? {
            sources
                .templates
                .push((template_path.display().to_string(), doc));
        }
        let constraint_path = dir.join(constraint);
        for doc in read_documents(&constraint_path).map_err(joined)? {
            sources
                .constraints
                .push((constraint_path.display().to_string(), doc));
        }
        if sources.templates.len() != 1 || sources.constraints.len() != 1 {
            return Err(format!(
                "expected one template and one constraint, found {} and {}",
                sources.templates.len(),
                sources.constraints.len()
            ));
        }
        Policies::compile(&sources, &LoadOptions::default())
            .map(Subject::Constraint)
            .map_err(joined)
    }
}

fn joined(errors: Vec<RegoError>) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

fn run_case(subject: &Subject<'_>, case: &Value, dir: &Path) -> Result<(), String> {
    let object_file = value::get_str(case, "object").ok_or("the case names no object")?;
    let object_path = dir.join(object_file);
    let assertions = members(value::get(case, "assertions").unwrap_or(&Value::Null));
    if assertions.is_empty() {
        return Err("a case needs at least one assertion".into());
    }
    let messages = match subject {
        Subject::Builtin(builtins, control) => builtins.messages(control, &object_path)?,
        Subject::Constraint(policies) => constraint_messages(policies, case, dir, &object_path)?,
        Subject::Conftest(policies) => {
            let mut messages = Vec::new();
            for object in read_documents(&object_path).map_err(joined)? {
                let findings = policies.check_document(object).map_err(|e| e.to_string())?;
                messages.extend(findings.into_iter().map(|f| f.message));
            }
            messages
        }
    };
    for assertion in assertions {
        check_assertion(assertion, &messages)?;
    }
    Ok(())
}

fn constraint_messages(
    policies: &Policies,
    case: &Value,
    dir: &Path,
    object_path: &Path,
) -> Result<Vec<String>, String> {
    let objects = read_documents(object_path).map_err(joined)?;
    let [object] = objects.as_slice() else {
        return Err(format!(
            "{} defines {} objects, not one",
            object_path.display(),
            objects.len()
        ));
    };
    let mut inventory = Vec::new();
    for file in members(value::get(case, "inventory").unwrap_or(&Value::Null)) {
        let Ok(file) = file.as_string() else { continue };
        let path: PathBuf = dir.join(file.as_ref());
        inventory.extend(read_documents(&path).map_err(joined)?);
    }
    let with_inventory;
    let policies = if inventory.is_empty() {
        policies
    } else {
        with_inventory = policies.with_inventory(&inventory);
        &with_inventory
    };
    let is_review = value::get_str(object, "kind") == Some("AdmissionReview")
        && value::get_str(object, "apiVersion").is_some_and(|v| v.starts_with("admission.k8s.io/"));
    let review = if is_review {
        let request = value::get(object, "request").ok_or("the AdmissionReview has no request")?;
        let namespace = namespace_of(request_namespace(request), &inventory);
        Review::of_request(request.clone(), namespace)?
    } else {
        let namespace = namespace_of(object_namespace(object), &inventory);
        Review::of_object(object.clone(), namespace)
    };
    let findings = policies.review(&review).map_err(|e| e.to_string())?;
    Ok(findings.into_iter().map(|f| f.message).collect())
}

fn object_namespace(object: &Value) -> Option<&str> {
    value::get(object, "metadata").and_then(|m| value::get_str(m, "namespace"))
}

fn request_namespace(request: &Value) -> Option<&str> {
    value::get_str(request, "namespace")
        .or_else(|| value::get(request, "object").and_then(object_namespace))
}

fn namespace_of<'a>(name: Option<&str>, inventory: &'a [Value]) -> Option<&'a Value> {
    crate::gatekeeper::inventory::namespace_named(inventory, name?)
}

/// One assertion against the messages.
fn check_assertion(assertion: &Value, messages: &[String]) -> Result<(), String> {
    let pattern = value::get_str(assertion, "message");
    let regex = pattern
        .map(Regex::new)
        .transpose()
        .map_err(|e| format!("invalid message regex: {e}"))?;
    let matching = messages
        .iter()
        .filter(|m| regex.as_ref().is_none_or(|r| r.is_match(m)))
        .count();
    let containing = pattern
        .map(|p| format!(" containing {p:?}"))
        .unwrap_or_default();
    let expected = Expected::read(value::get(assertion, "violations"))?;
    let ok = match expected {
        Expected::Yes => matching > 0,
        Expected::No => matching == 0,
        Expected::Exactly(n) => matching == n,
    };
    if ok {
        return Ok(());
    }
    let want = match expected {
        Expected::Yes => "at least 1".to_string(),
        Expected::No => "none".to_string(),
        Expected::Exactly(n) => format!("exactly {n}"),
    };
    Err(format!(
        "got {matching} violations{containing} but want {want}: got messages {messages:?}"
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expected {
    Yes,
    No,
    Exactly(usize),
}

impl Expected {
    /// `yes`/`no` arrive as booleans from YAML 1.1 readers and as strings
    /// from YAML 1.2 ones; both are accepted, as are counts.
    fn read(value: Option<&Value>) -> Result<Expected, String> {
        match value {
            None | Some(Value::Bool(true)) => Ok(Expected::Yes),
            Some(Value::Bool(false)) => Ok(Expected::No),
            Some(Value::String(s)) if s.as_ref() == "yes" => Ok(Expected::Yes),
            Some(Value::String(s)) if s.as_ref() == "no" => Ok(Expected::No),
            Some(v @ Value::Number(_)) => v
                .as_u64()
                .ok()
                .and_then(|n| usize::try_from(n).ok())
                .map(Expected::Exactly)
                .ok_or_else(|| "violations must be a non-negative integer, yes or no".to_string()),
            Some(other) => Err(format!(
                "violations must be a non-negative integer, yes or no, not {other}"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assertions_count_matching_messages() {
        let messages = vec![
            "container a is privileged".to_string(),
            "container b is privileged".to_string(),
        ];
        let assertion = |text: &str| Value::from_json_str(text).unwrap_or(Value::Null);
        assert!(check_assertion(&assertion(r#"{"violations": true}"#), &messages).is_ok());
        assert!(check_assertion(&assertion(r#"{}"#), &messages).is_ok());
        assert!(check_assertion(&assertion(r#"{"violations": 2}"#), &messages).is_ok());
        assert!(
            check_assertion(
                &assertion(r#"{"violations": 1, "message": "container a"}"#),
                &messages
            )
            .is_ok()
        );
        assert!(
            check_assertion(
                &assertion(r#"{"violations": "no", "message": "container c"}"#),
                &messages
            )
            .is_ok()
        );
        let failed = check_assertion(&assertion(r#"{"violations": "no"}"#), &messages);
        assert!(failed.is_err_and(|e| e.starts_with("got 2 violations but want none")));
        assert!(check_assertion(&assertion(r#"{"violations": -1}"#), &messages).is_err());
    }
}
