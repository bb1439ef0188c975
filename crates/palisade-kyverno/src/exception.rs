//! PolicyException (`kyverno.io/v2`, `v2beta1`): rules of named policies
//! skipped for the resources the exception matches.

use serde_json::Value as Json;

use crate::conditions::any_all;
use crate::context::Context;
use crate::matching::{self, Subject};
use crate::policy::Policy;

/// One loaded exception.
#[derive(Debug, Clone)]
pub struct Exception {
    pub name: String,
    /// The exception's namespace (it applies in it when namespaced).
    pub namespace: Option<String>,
    /// `(policy, rule names)`; a rule name may carry an `autogen-` prefix.
    pub exceptions: Vec<(String, Vec<String>)>,
    /// `spec.match`, read as a rule's `match`.
    pub matching: Json,
    pub conditions: Option<Json>,
    /// `spec.podSecurity`: the Pod Security controls exempted for a
    /// `validate.podSecurity` rule, instead of skipping the whole rule.
    pub pod_security: Vec<crate::pod_security::Exclusion>,
}

/// Whether `document` is a PolicyException.
pub fn is_exception(document: &Json) -> bool {
    document.get("kind").and_then(Json::as_str) == Some("PolicyException")
        && document
            .get("apiVersion")
            .and_then(Json::as_str)
            .is_some_and(|a| a.starts_with("kyverno.io/"))
}

impl Exception {
    /// Reads an exception document.
    pub fn from_json(document: &Json) -> Option<Self> {
        if !is_exception(document) {
            return None;
        }
        let spec = document.get("spec")?;
        let exceptions = spec
            .get("exceptions")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .map(|e| {
                let policy = e
                    .get("policyName")
                    .and_then(Json::as_str)
                    .unwrap_or("")
                    .to_string();
                let rules = e
                    .get("ruleNames")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Json::as_str)
                    .map(String::from)
                    .collect();
                (policy, rules)
            })
            .collect();
        Some(Self {
            name: document
                .pointer("/metadata/name")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string(),
            namespace: document
                .pointer("/metadata/namespace")
                .and_then(Json::as_str)
                .map(String::from),
            exceptions,
            matching: spec.get("match").cloned().unwrap_or(Json::Null),
            conditions: spec.get("conditions").cloned(),
            pod_security: crate::pod_security::Exclusion::list(spec.get("podSecurity")),
        })
    }

    /// `namespace/name`, or `name` for a cluster-wide exception (Kyverno's
    /// `MetaNamespaceKeyFunc`), as Pod Security messages name it.
    pub fn key(&self) -> String {
        match &self.namespace {
            Some(ns) if !ns.is_empty() => format!("{ns}/{}", self.name),
            _ => self.name.clone(),
        }
    }

    /// Whether the exception covers `rule` of `policy` for this subject.
    pub fn applies(
        &self,
        policy: &Policy,
        rule: &str,
        subject: &Subject<'_>,
        ctx: &Context,
    ) -> bool {
        let policy_key = match &policy.namespace {
            Some(ns) => format!("{ns}/{}", policy.name),
            None => policy.name.clone(),
        };
        let named = self.exceptions.iter().any(|(p, rules)| {
            (*p == policy.name || *p == policy_key)
                && rules.iter().any(|r| {
                    crate::wildcards::matches(r, rule)
                        || rule
                            .strip_prefix("autogen-cronjob-")
                            .is_some_and(|b| r == b)
                        || rule.strip_prefix("autogen-").is_some_and(|b| r == b)
                })
        });
        if !named {
            return false;
        }
        let rule_shape = serde_json::json!({"match": self.matching});
        if !matching::rule_applies(&rule_shape, subject) {
            return false;
        }
        match &self.conditions {
            Some(conditions) => any_all::evaluate(ctx, conditions).is_ok_and(|(holds, _)| holds),
            None => true,
        }
    }
}
