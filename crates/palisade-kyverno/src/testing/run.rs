//! One test file: load, run, compare.
//!
//! Comparison follows the Kyverno CLI's `printTestResult`:
//! - a result's `resources` are found by name (or `namespace/name`) among
//!   the test's resources, whatever their kind; none found means every
//!   resource;
//! - for each, the rules of the named policy are those named by the result
//!   (`rule`, `autogen-rule`, `autogen-cronjob-rule`), or all when it names
//!   none; each rule's response is a row that passes when its status is the
//!   expected one;
//! - a resource the policy judged with no such rule is "excluded" and
//!   passes (counted as skipped).
//!
//! Beyond the CLI:
//! - a result whose policy or rule Palisade cannot run (mutation,
//!   generation, image verification, CEL policy kinds) is a failed row
//!   saying so, never a pass;
//! - a result naming a resource the test does not have, or a rule its
//!   policy does not have, fails (the CLI checks every resource instead,
//!   or reports the resource as excluded).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

use super::files::{documents, expand};
use super::values::Values;
use crate::cel_validation::Inputs;
use crate::engine::{self, Request};
use crate::exception::{self, Exception};
use crate::matching::UserInfo;
use crate::policy::{self, Policy};
use crate::validate::{RuleResponse, Status};
use crate::validating_policy::{self, CelException, ValidatingPolicy};

/// One compared expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub policy: String,
    pub rule: String,
    /// `kind/namespace/name` (namespace empty for cluster objects).
    pub resource: String,
    /// The expected result as written (`pass`, `fail`, `skip`, `warn`,
    /// `error`).
    pub expected: String,
    /// What Palisade decided (`None`: the rule did not apply, "excluded").
    pub actual: Option<Status>,
    /// Whether the row agrees with the expectation.
    pub ok: bool,
    /// Why, when it does not (and for excluded rows).
    pub message: String,
}

/// A test file's rows, or why it could not run.
#[derive(Debug, Clone)]
pub struct TestFile {
    pub path: PathBuf,
    pub rows: Vec<Row>,
}

/// A resource of the test.
struct Resource {
    json: Json,
    name: String,
    namespace: String,
    kind: String,
}

impl Resource {
    fn new(json: Json) -> Self {
        let text = |p: &str| {
            json.pointer(p)
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string()
        };
        Self {
            name: text("/metadata/name"),
            namespace: text("/metadata/namespace"),
            kind: text("/kind"),
            json,
        }
    }

    fn label(&self) -> String {
        format!("{}/{}/{}", self.kind, self.namespace, self.name)
    }
}

/// A policy document of a kind this engine does not run, by name.
fn unsupported_kind(document: &Json) -> Option<(String, String)> {
    let kind = document.get("kind").and_then(Json::as_str)?;
    let name = document.pointer("/metadata/name").and_then(Json::as_str)?;
    let reason = match kind {
        "ValidatingPolicy" | "NamespacedValidatingPolicy" => {
            "ValidatingPolicy (CEL) is not run yet"
        }
        "MutatingPolicy" | "NamespacedMutatingPolicy" | "MutatingAdmissionPolicy" => {
            "mutation is not run yet"
        }
        "GeneratingPolicy" | "NamespacedGeneratingPolicy" => "generation is not run yet",
        "ImageValidatingPolicy" | "NamespacedImageValidatingPolicy" => {
            "image verification needs registry access"
        }
        "DeletingPolicy" | "NamespacedDeletingPolicy" => "deleting policies are not run",
        _ => return None,
    };
    Some((name.to_string(), format!("{kind} {name}: {reason}")))
}

/// Why a rule of a classic policy is not run, when it is not a validate
/// rule.
fn rule_not_run(rule: &Json) -> Option<&'static str> {
    if rule.get("validate").is_some_and(|v| !v.is_null()) {
        return None;
    }
    Some(if rule.get("mutate").is_some() {
        "mutate rules are not run yet"
    } else if rule.get("generate").is_some() {
        "generate rules are not run yet"
    } else if rule.get("verifyImages").is_some() {
        "verifyImages rules need registry access"
    } else {
        "the rule has no validate, mutate or generate"
    })
}

struct Loaded {
    policies: Vec<Policy>,
    validating: Vec<ValidatingPolicy>,
    cel_exceptions: Vec<CelException>,
    unsupported: BTreeMap<String, String>,
    resources: Vec<Resource>,
    values: Values,
    user: Option<UserInfo>,
    exceptions: Vec<Exception>,
    /// `clusterResources`: what `apiCall` and `configMap` entries read.
    cluster: Option<std::sync::Arc<Vec<Json>>>,
}

fn strings(value: Option<&Json>) -> Vec<String> {
    value
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Json::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

fn load(test: &Json, base: &Path) -> Result<Loaded, String> {
    let mut policies = Vec::new();
    let mut validating = Vec::new();
    let mut cel_exceptions = Vec::new();
    let mut bindings: Vec<Json> = Vec::new();
    let mut unsupported = BTreeMap::new();
    let mut exceptions = Vec::new();
    for entry in strings(test.get("policies")) {
        for file in expand(base, &entry) {
            for document in documents(&file)? {
                if policy::is_policy(&document) {
                    policies.push(
                        Policy::from_json(&document)
                            .map_err(|e| format!("{}: {e}", file.display()))?,
                    );
                } else if document.get("kind").and_then(Json::as_str)
                    == Some("ValidatingAdmissionPolicy")
                {
                    validating.push(
                        ValidatingPolicy::from_admission_policy(&document)
                            .map_err(|e| format!("{}: {e}", file.display()))?,
                    );
                } else if document.get("kind").and_then(Json::as_str)
                    == Some("ValidatingAdmissionPolicyBinding")
                {
                    bindings.push(document);
                } else if validating_policy::is_validating_policy(&document) {
                    validating.push(
                        ValidatingPolicy::from_json(&document)
                            .map_err(|e| format!("{}: {e}", file.display()))?,
                    );
                } else if exception::is_exception(&document) {
                    exceptions.extend(Exception::from_json(&document));
                } else if let Some(e) = CelException::from_json(&document) {
                    cel_exceptions.push(e);
                } else if let Some((name, reason)) = unsupported_kind(&document) {
                    unsupported.insert(name, reason);
                }
            }
        }
    }
    for binding in &bindings {
        let name = binding
            .pointer("/spec/policyName")
            .and_then(Json::as_str)
            .unwrap_or("");
        if let Some(policy) = validating
            .iter_mut()
            .find(|p| p.name == name && p.bindings.is_some())
        {
            policy.bind(binding);
        }
    }
    for entry in strings(test.get("exceptions")) {
        for file in expand(base, &entry) {
            for document in documents(&file)? {
                exceptions.extend(Exception::from_json(&document));
                cel_exceptions.extend(CelException::from_json(&document));
            }
        }
    }
    let mut resources = Vec::new();
    for entry in strings(test.get("resources")) {
        for file in expand(base, &entry) {
            for document in documents(&file)? {
                let is_list = document
                    .get("kind")
                    .and_then(Json::as_str)
                    .is_some_and(|k| k.ends_with("List"));
                match document.get("items").and_then(Json::as_array) {
                    Some(items) if is_list => {
                        resources.extend(items.iter().cloned().map(Resource::new))
                    }
                    _ => resources.push(Resource::new(document)),
                }
            }
        }
    }
    let mut values = Values::default();
    if let Some(file) = test.get("variables").and_then(Json::as_str) {
        if let Some(document) = documents(&base.join(file))?.first() {
            values = Values::from_json(document);
        }
    } else if let Some(inline) = test.get("values") {
        values = Values::from_json(inline);
    }
    let mut cluster: Option<Vec<Json>> = None;
    for entry in strings(test.get("clusterResources")) {
        let objects = cluster.get_or_insert_with(Vec::new);
        for file in expand(base, &entry) {
            for document in documents(&file)? {
                let kind = document.get("kind").and_then(Json::as_str).unwrap_or("");
                if kind == "ClusterResource" {
                    objects.extend(
                        document
                            .pointer("/spec/resources")
                            .and_then(Json::as_array)
                            .cloned()
                            .unwrap_or_default(),
                    );
                } else if let (true, Some(items)) = (
                    kind.ends_with("List"),
                    document.get("items").and_then(Json::as_array),
                ) {
                    objects.extend(items.iter().cloned());
                } else {
                    objects.push(document);
                }
            }
        }
    }
    let user = match test.get("userinfo").and_then(Json::as_str) {
        Some(file) => documents(&base.join(file))?
            .first()
            .map(UserInfo::from_json),
        None => None,
    };
    Ok(Loaded {
        policies,
        validating,
        cel_exceptions,
        unsupported,
        resources,
        values,
        user,
        exceptions,
        cluster: cluster.map(std::sync::Arc::new),
    })
}

/// Runs one `kyverno-test.yaml`.
pub fn run_test(path: &Path) -> Result<TestFile, String> {
    let base = path.parent().unwrap_or(Path::new("."));
    let test = documents(path)?
        .into_iter()
        .next()
        .ok_or_else(|| format!("{}: empty test file", path.display()))?;
    let loaded = load(&test, base)?;
    let mut cache: BTreeMap<(String, usize, usize), Vec<RuleResponse>> = BTreeMap::new();
    let mut rows = Vec::new();
    let results = test
        .get("results")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    for result in &results {
        rows.extend(compare(result, &loaded, &mut cache));
    }
    Ok(TestFile {
        path: path.to_path_buf(),
        rows,
    })
}

fn responses<'c>(
    loaded: &Loaded,
    policy_index: usize,
    resource_index: usize,
    operation: &str,
    cache: &'c mut BTreeMap<(String, usize, usize), Vec<RuleResponse>>,
) -> &'c [RuleResponse] {
    cache
        .entry((operation.to_string(), policy_index, resource_index))
        .or_insert_with(|| {
            let (Some(policy), Some(resource)) = (
                loaded.policies.get(policy_index),
                loaded.resources.get(resource_index),
            ) else {
                return Vec::new();
            };
            let mut values: Map<String, Json> =
                loaded.values.for_resource(&policy.name, &resource.name);
            if !operation.is_empty() {
                values.insert("request.operation".into(), Json::String(operation.into()));
            }
            let op = values
                .get("request.operation")
                .and_then(Json::as_str)
                .unwrap_or("CREATE")
                .to_string();
            let (object, old) = objects_for(&op, &resource.json);
            let rule_names: Vec<String> = policy.rules.iter().map(|r| r.name.clone()).collect();
            let request = Request {
                object,
                old_object: old,
                operation: &op,
                namespace_labels: loaded
                    .values
                    .namespace_labels
                    .get(&resource.namespace)
                    .cloned()
                    .unwrap_or_default(),
                user: loaded.user.as_ref(),
                values,
                rule_values: loaded.values.for_rules(&policy.name, &rule_names),
                cluster: loaded.cluster.clone(),
                shared_object: None,
            };
            engine::validate(policy, &request, &loaded.exceptions)
        })
}

fn rule_matches(wanted: &str, actual: &str) -> bool {
    wanted.is_empty()
        || actual == wanted
        || actual == format!("autogen-{wanted}")
        || actual == format!("autogen-cronjob-{wanted}")
}

fn compare(
    result: &Json,
    loaded: &Loaded,
    cache: &mut BTreeMap<(String, usize, usize), Vec<RuleResponse>>,
) -> Vec<Row> {
    let text = |k: &str| {
        result
            .get(k)
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string()
    };
    let policy_name = text("policy").rsplit('/').next().unwrap_or("").to_string();
    let rule = text("rule");
    let expected = text("result");
    let operation = text("operation");
    let mut wanted = strings(result.get("resources"));
    if let Some(single) = result.get("resource").and_then(Json::as_str) {
        wanted.push(single.to_string());
    }
    let row = |resource: String, actual: Option<Status>, ok: bool, message: String| Row {
        policy: policy_name.clone(),
        rule: rule.clone(),
        resource,
        expected: expected.clone(),
        actual,
        ok,
        message,
    };

    let named: Vec<usize> = loaded
        .resources
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            wanted.iter().any(|w| match w.split_once('/') {
                Some((ns, name)) => r.namespace == ns && r.name == name,
                None => r.name == *w,
            })
        })
        .map(|(i, _)| i)
        .collect();
    let labels = |indices: &[usize]| -> Vec<String> {
        if indices.is_empty() {
            wanted.clone()
        } else {
            indices
                .iter()
                .filter_map(|i| loaded.resources.get(*i))
                .map(Resource::label)
                .collect()
        }
    };

    if let Some(policy) = loaded.validating.iter().find(|p| p.name == policy_name) {
        return compare_validating(policy, loaded, &named, &wanted, &operation, &expected, &row);
    }
    let Some(policy_index) = loaded.policies.iter().position(|p| p.name == policy_name) else {
        let reason = loaded
            .unsupported
            .get(&policy_name)
            .cloned()
            .unwrap_or_else(|| format!("policy {policy_name} not found in the test's policies"));
        return not_evaluated(labels(&named), &reason, &row);
    };
    let Some(policy) = loaded.policies.get(policy_index) else {
        return Vec::new();
    };
    if !rule.is_empty() && !policy.rules.iter().any(|r| rule_matches(&rule, &r.name)) {
        // Stricter than the CLI, which reports the resource as excluded.
        return vec![row(
            String::new(),
            None,
            false,
            format!("rule {rule} not found in policy {policy_name}"),
        )];
    }
    // A rule Palisade does not run is never reported as agreeing.
    if let Some(reason) = policy
        .rules
        .iter()
        .filter(|r| rule_matches(&rule, &r.name))
        .find_map(|r| rule_not_run(&r.json))
    {
        return not_evaluated(labels(&named), reason, &row);
    }
    let indices = if !named.is_empty() {
        named
    } else if !wanted.is_empty() {
        return not_found(&wanted, &row);
    } else {
        (0..loaded.resources.len()).collect()
    };

    let mut rows = Vec::new();
    for index in indices {
        let Some(resource) = loaded.resources.get(index) else {
            continue;
        };
        let found: Vec<RuleResponse> = responses(loaded, policy_index, index, &operation, cache)
            .iter()
            .filter(|r| rule_matches(&rule, &r.rule))
            .cloned()
            .collect();
        if found.is_empty() {
            rows.push(row(resource.label(), None, true, "excluded".into()));
            continue;
        }
        let unscored = policy.annotation("policies.kyverno.io/scored") == Some("false");
        for response in found {
            rows.push(judged(
                &response,
                unscored,
                &expected,
                resource.label(),
                &row,
            ));
        }
    }
    rows
}

/// A result about a ValidatingPolicy: one response per resource (the
/// policy has no rules), excluded when it does not apply.
fn compare_validating(
    policy: &ValidatingPolicy,
    loaded: &Loaded,
    named: &[usize],
    wanted: &[String],
    operation: &str,
    expected: &str,
    row: &dyn Fn(String, Option<Status>, bool, String) -> Row,
) -> Vec<Row> {
    if policy.json_mode {
        return not_evaluated(
            wanted.to_vec(),
            "ValidatingPolicy in JSON mode (payloads are not run yet)",
            row,
        );
    }
    if named.is_empty() && !wanted.is_empty() {
        return not_found(wanted, row);
    }
    let indices: Vec<usize> = if named.is_empty() {
        (0..loaded.resources.len()).collect()
    } else {
        named.to_vec()
    };
    let operation = match operation {
        "" => loaded
            .values
            .global
            .get("request.operation")
            .and_then(Json::as_str)
            .unwrap_or("CREATE"),
        op => op,
    };
    let (username, groups) = loaded
        .user
        .as_ref()
        .map_or((String::new(), Vec::new()), |u| {
            (u.username.clone(), u.groups.clone())
        });
    let unscored = policy.annotation("policies.kyverno.io/scored") == Some("false");
    indices
        .iter()
        .filter_map(|i| loaded.resources.get(*i))
        .map(|resource| {
            let (object, old_object) = objects_for(operation, &resource.json);
            let labels = loaded
                .values
                .namespace_labels
                .get(&resource.namespace)
                .cloned()
                .unwrap_or_default();
            let inputs = Inputs {
                object,
                old_object,
                operation,
                username: &username,
                groups: &groups,
                namespace_labels: Some(&labels),
            };
            match policy.validate(&inputs, &labels, &loaded.cel_exceptions) {
                None => row(resource.label(), None, true, "excluded".into()),
                Some(response) => judged(&response, unscored, expected, resource.label(), row),
            }
        })
        .collect()
}

/// The request's objects for an operation: a DELETE has only the old one,
/// an UPDATE both (the resource is its own previous version).
fn objects_for<'a>(operation: &str, resource: &'a Json) -> (Option<&'a Json>, Option<&'a Json>) {
    match operation {
        "DELETE" => (None, Some(resource)),
        "UPDATE" => (Some(resource), Some(resource)),
        _ => (Some(resource), None),
    }
}

/// A row per resource for a policy or rule Palisade does not run.
fn not_evaluated(
    labels: Vec<String>,
    reason: &str,
    row: &dyn Fn(String, Option<Status>, bool, String) -> Row,
) -> Vec<Row> {
    labels
        .into_iter()
        .map(|label| {
            row(
                label,
                Some(Status::NotEvaluated),
                false,
                format!("not evaluated: {reason}"),
            )
        })
        .collect()
}

/// A failed row per named resource the test does not have. Stricter than
/// the Kyverno CLI, which then checks every resource: a result about a
/// resource the test lacks is a mistake in the test, not a pass.
fn not_found(
    wanted: &[String],
    row: &dyn Fn(String, Option<Status>, bool, String) -> Row,
) -> Vec<Row> {
    wanted
        .iter()
        .map(|w| {
            row(
                w.clone(),
                None,
                false,
                format!("resource {w} not found in the test's resources"),
            )
        })
        .collect()
}

/// A response compared with the expected result. A policy annotated
/// `policies.kyverno.io/scored: "false"` reports its failures as warnings.
fn judged(
    response: &RuleResponse,
    unscored: bool,
    expected: &str,
    resource: String,
    row: &dyn Fn(String, Option<Status>, bool, String) -> Row,
) -> Row {
    let actual = match response.status {
        Status::Fail if unscored => "warn",
        status => status.as_str(),
    };
    let ok = actual == expected;
    let message = match (ok, response.status) {
        (true, _) => response.message.clone(),
        (false, Status::NotEvaluated) => format!("not evaluated: {}", response.message),
        (false, _) => format!(
            "rule {}: want {expected}, got {actual}: {}",
            response.rule, response.message
        ),
    };
    Row {
        rule: response.rule.clone(),
        ..row(resource, Some(response.status), ok, message)
    }
}
