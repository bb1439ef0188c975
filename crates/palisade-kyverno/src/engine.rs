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
    /// `object`, already shared: callers judging one object with many
    /// policies make it once, instead of one copy per policy.
    pub shared_object: Option<std::sync::Arc<Json>>,
}

/// The rule features this engine does not run, with why.
fn unsupported(rule: &Json) -> Option<&'static str> {
    let validate = rule.get("validate")?;
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
    let object = request
        .shared_object
        .clone()
        .or_else(|| request.object.map(|o| std::sync::Arc::new(o.clone())));
    let mut base = Context::shared(
        object,
        request.old_object.map(|o| std::sync::Arc::new(o.clone())),
        operation,
    );
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
    static NULL: Json = Json::Null;
    let object: &Json = match operation.as_str() {
        "DELETE" => base.old_object().unwrap_or(&NULL),
        _ => base.object(),
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
        object,
        operation: &operation,
        namespace_labels: request.namespace_labels.clone(),
        user: request.user,
    };
    let mut responses = Vec::new();
    for rule in &policy.rules {
        if !rule.has_validate() || !matching::rule_applies(&rule.json, &subject) {
            continue;
        }
        let excepted: Vec<&Exception> = exceptions
            .iter()
            .filter(|e| e.applies(policy, &rule.name, &subject, &base))
            .collect();
        let pod_security = rule.json.pointer("/validate/podSecurity").is_some();
        if let Some(skip) = excepted_response(&rule.name, &excepted, pod_security) {
            responses.push(skip);
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
        let response = if pod_security {
            crate::pod_security::validate(&rule.name, &rule.json, &mut ctx, &excepted)
        } else {
            Validator::for_rule(&rule.name, &rule.json).validate(&mut ctx)
        };
        if let Some(response) = response {
            let applied = response.status != Status::Skip;
            responses.push(response);
            if applied && policy.apply_one {
                break;
            }
        }
    }
    responses
}

/// The skip of a rule that matched exceptions. A `validate.podSecurity`
/// rule is only skipped by an exception without `podSecurity` exemptions
/// (the others exempt controls when the rule runs), with Kyverno's message
/// for it (`validate_pss.go`).
fn excepted_response(
    rule: &str,
    excepted: &[&Exception],
    pod_security: bool,
) -> Option<RuleResponse> {
    let message = if pod_security {
        let whole = excepted.iter().find(|e| e.pod_security.is_empty())?;
        format!("rule is skipped due to policy exception {}", whole.key())
    } else if excepted.is_empty() {
        return None;
    } else {
        let names: Vec<&str> = excepted.iter().map(|e| e.name.as_str()).collect();
        format!(
            "rule is skipped due to policy exceptions {}",
            names.join(", ")
        )
    };
    Some(RuleResponse {
        rule: rule.to_string(),
        status: Status::Skip,
        message,
        path: String::new(),
    })
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
