//! A policy on one resource: the rules that match, each validated, with
//! exceptions applied (`pkg/engine/validation.go`).

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use crate::context::Context;
use crate::exception::Exception;
use crate::matching::{self, Subject, UserInfo};
use crate::policy::Policy;
use crate::validate::{RuleResponse, Status, Validator};

/// The request a policy judges, with what a test or the webhook knows
/// beside the object.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    pub object: Option<&'a Json>,
    pub old_object: Option<&'a Json>,
    /// `CREATE` unless said otherwise.
    pub operation: &'a str,
    pub namespace_labels: BTreeMap<String, String>,
    pub user: Option<&'a UserInfo>,
    /// Values set before the rules run (`request.operation`, a variable of
    /// the policy, fields of `request.object`), by dotted key.
    pub values: Map<String, Json>,
    /// Values for one rule, by rule name.
    pub rule_values: BTreeMap<String, Map<String, Json>>,
    /// Objects `apiCall` and `configMap` context entries may read (a
    /// test's `clusterResources`); `None` when there is no cluster.
    pub cluster: Option<std::sync::Arc<Vec<Json>>>,
}

/// The rule features this engine does not run, with why.
fn unsupported(rule: &Json) -> Option<&'static str> {
    let validate = rule.get("validate")?;
    if validate.get("podSecurity").is_some() {
        return Some("validate.podSecurity is not evaluated by the Kyverno engine yet");
    }
    if validate.get("cel").is_some() {
        return Some("validate.cel needs the CEL engine, not built yet");
    }
    if validate.get("manifests").is_some() {
        return Some("validate.manifests (signed manifests) needs signature verification");
    }
    None
}

/// Evaluates every validate rule of `policy` on the request.
pub fn validate(
    policy: &Policy,
    request: &Request<'_>,
    exceptions: &[Exception],
) -> Vec<RuleResponse> {
    let operation = if request.operation.is_empty() {
        "CREATE"
    } else {
        request.operation
    };
    let mut base = Context::new(request.object, request.old_object, operation);
    base.set_cluster(request.cluster.clone());
    if let Some(images) = request.object.and_then(crate::images::image_infos) {
        base.insert("images", images);
    }
    if let Some(user) = request.user {
        add_user(&mut base, user);
    }
    for (key, value) in &request.values {
        base.set(key, value.clone());
    }
    let operation = base.operation().to_string();
    // Values may change the object (`request.object.metadata.name`): judge
    // what the context holds, as the Kyverno CLI does.
    let object = match operation.as_str() {
        "DELETE" => base.query("request.oldObject").unwrap_or(Json::Null),
        _ => base.query("request.object").unwrap_or(Json::Null),
    };
    if object.is_null() {
        return Vec::new();
    }
    if let Some(namespace) = &policy.namespace {
        let ns = object
            .pointer("/metadata/namespace")
            .and_then(Json::as_str)
            .unwrap_or("");
        if ns != namespace {
            return Vec::new();
        }
    }
    let subject = Subject {
        object: &object,
        operation: &operation,
        namespace_labels: request.namespace_labels.clone(),
        user: request.user,
    };
    let mut responses = Vec::new();
    for rule in &policy.rules {
        if !rule.has_validate() || !matching::rule_applies(&rule.json, &subject) {
            continue;
        }
        let excepted: Vec<&str> = exceptions
            .iter()
            .filter(|e| e.applies(policy, &rule.name, &subject, &base))
            .map(|e| e.name.as_str())
            .collect();
        if !excepted.is_empty() {
            responses.push(RuleResponse {
                rule: rule.name.clone(),
                status: Status::Skip,
                message: format!(
                    "rule is skipped due to policy exceptions {}",
                    excepted.join(", ")
                ),
                path: String::new(),
            });
            continue;
        }
        if let Some(reason) = unsupported(&rule.json) {
            responses.push(RuleResponse {
                rule: rule.name.clone(),
                status: Status::NotEvaluated,
                message: reason.into(),
                path: String::new(),
            });
            continue;
        }
        let mut ctx = base.clone();
        for (key, value) in request.rule_values.get(&rule.name).into_iter().flatten() {
            ctx.set(key, value.clone());
        }
        if let Some(response) = Validator::for_rule(&rule.name, &rule.json).validate(&mut ctx) {
            let applied = response.status != Status::Skip;
            responses.push(response);
            if applied && policy.apply_one {
                break;
            }
        }
    }
    responses
}

fn add_user(ctx: &mut Context, user: &UserInfo) {
    ctx.set(
        "request.userInfo.username",
        Json::String(user.username.clone()),
    );
    ctx.set(
        "request.userInfo.groups",
        Json::Array(user.groups.iter().cloned().map(Json::String).collect()),
    );
    ctx.set(
        "request.roles",
        Json::Array(user.roles.iter().cloned().map(Json::String).collect()),
    );
    ctx.set(
        "request.clusterRoles",
        Json::Array(
            user.cluster_roles
                .iter()
                .cloned()
                .map(Json::String)
                .collect(),
        ),
    );
}
