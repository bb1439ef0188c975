//! Kyverno's ValidatingPolicy (`policies.kyverno.io` v1alpha1, v1beta1,
//! v1): `matchConstraints` as an admission webhook's rules,
//! `matchConditions`, `variables` and `validations` in CEL, and autogen for
//! the controllers of Pods (`pkg/cel/policies/vpol/autogen`).
//!
//! Autogen applies when the policy matches exactly `""/v1/pods`: one
//! variant for DaemonSets, Deployments, ReplicaSets, StatefulSets and Jobs
//! (`object.spec` read as `object.spec.template.spec`) and one for CronJobs
//! (`object.spec.jobTemplate.spec.template.spec`), `metadata` likewise
//! except `.namespace`; `spec.autogen.podControllers.controllers` narrows
//! them.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use crate::cel_validation::{self, CelOutcome, Inputs};
use crate::matching::selector_matches;
use crate::validate::{RuleResponse, Status};

/// One loaded policy.
#[derive(Debug, Clone)]
pub struct ValidatingPolicy {
    pub name: String,
    /// For `NamespacedValidatingPolicy`: it applies in that namespace only.
    pub namespace: Option<String>,
    pub annotations: serde_json::Map<String, Json>,
    /// `Deny`, `Audit`, `Warn`.
    pub actions: Vec<String>,
    /// The policy as written, then its autogen variants.
    variants: Vec<Variant>,
    /// `evaluation.mode: JSON`: the policy judges JSON payloads, not
    /// Kubernetes objects.
    pub json_mode: bool,
    /// For a Kubernetes ValidatingAdmissionPolicy: its bindings'
    /// `matchResources` (none: the policy applies wherever it matches).
    pub bindings: Option<Vec<Json>>,
}

/// A CEL PolicyException (`policies.kyverno.io`): the policies it names are
/// skipped where its match conditions hold.
#[derive(Debug, Clone)]
pub struct CelException {
    pub name: String,
    policies: Vec<String>,
    match_conditions: Json,
}

impl CelException {
    /// Reads an exception document, if it is one.
    pub fn from_json(document: &Json) -> Option<Self> {
        let api = document.get("apiVersion").and_then(Json::as_str)?;
        if !api.starts_with("policies.kyverno.io/")
            || document.get("kind").and_then(Json::as_str) != Some("PolicyException")
        {
            return None;
        }
        let spec = document.get("spec")?;
        Some(Self {
            name: document
                .pointer("/metadata/name")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string(),
            policies: spec
                .get("policyRefs")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(|r| r.get("name").and_then(Json::as_str).map(String::from))
                .collect(),
            match_conditions: spec.get("matchConditions").cloned().unwrap_or(Json::Null),
        })
    }
}

#[derive(Debug, Clone)]
struct Variant {
    /// `autogen-<config>` for a generated one, empty for the policy itself.
    name: String,
    spec: Json,
}

/// Whether `document` is a ValidatingPolicy.
pub fn is_validating_policy(document: &Json) -> bool {
    document
        .get("apiVersion")
        .and_then(Json::as_str)
        .is_some_and(|a| a.starts_with("policies.kyverno.io/"))
        && matches!(
            document.get("kind").and_then(Json::as_str),
            Some("ValidatingPolicy" | "NamespacedValidatingPolicy")
        )
}

/// The controller configurations of autogen: name, target and which
/// replacement set applies.
const CONTROLLERS: [(&str, &str, &str, &str, bool); 6] = [
    ("daemonsets", "apps", "DaemonSet", "daemonsets", false),
    ("deployments", "apps", "Deployment", "deployments", false),
    ("replicasets", "apps", "ReplicaSet", "replicasets", false),
    ("statefulsets", "apps", "StatefulSet", "statefulsets", false),
    ("jobs", "batch", "Job", "jobs", false),
    ("cronjobs", "batch", "CronJob", "cronjobs", true),
];

impl ValidatingPolicy {
    /// Reads a policy document.
    pub fn from_json(document: &Json) -> Result<Self, String> {
        let name = document
            .pointer("/metadata/name")
            .and_then(Json::as_str)
            .filter(|n| !n.is_empty())
            .ok_or("metadata.name is missing")?
            .to_string();
        let spec = document
            .get("spec")
            .ok_or_else(|| format!("ValidatingPolicy {name}: spec is missing"))?;
        if spec.get("validations").and_then(Json::as_array).is_none() {
            return Err(format!(
                "ValidatingPolicy {name}: spec.validations is missing"
            ));
        }
        let namespaced =
            document.get("kind").and_then(Json::as_str) == Some("NamespacedValidatingPolicy");
        let mut variants = vec![Variant {
            name: String::new(),
            spec: spec.clone(),
        }];
        variants.extend(autogen(spec));
        Ok(Self {
            namespace: namespaced.then(|| {
                document
                    .pointer("/metadata/namespace")
                    .and_then(Json::as_str)
                    .unwrap_or("default")
                    .to_string()
            }),
            annotations: document
                .pointer("/metadata/annotations")
                .and_then(Json::as_object)
                .cloned()
                .unwrap_or_default(),
            actions: spec
                .get("validationActions")
                .and_then(Json::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Json::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_else(|| vec!["Deny".into()]),
            json_mode: spec.pointer("/evaluation/mode").and_then(Json::as_str) == Some("JSON"),
            bindings: None,
            name,
            variants,
        })
    }

    /// Reads a Kubernetes ValidatingAdmissionPolicy
    /// (`admissionregistration.k8s.io/v1`): the same CEL machinery, no
    /// autogen; bindings are added with [`ValidatingPolicy::bind`].
    pub fn from_admission_policy(document: &Json) -> Result<Self, String> {
        let mut policy = Self::from_json(document)?;
        policy.variants.truncate(1);
        policy.bindings = Some(Vec::new());
        policy.actions = Vec::new();
        Ok(policy)
    }

    /// Adds a ValidatingAdmissionPolicyBinding of this policy: its
    /// `matchResources` narrows where the policy applies, its
    /// `validationActions` say what a failure does.
    pub fn bind(&mut self, binding: &Json) {
        let spec = binding.get("spec").unwrap_or(&Json::Null);
        for action in spec
            .get("validationActions")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(a) = action.as_str()
                && !self.actions.iter().any(|x| x == a)
            {
                self.actions.push(a.to_string());
            }
        }
        if let Some(bindings) = &mut self.bindings {
            bindings.push(spec.get("matchResources").cloned().unwrap_or(Json::Null));
        }
    }

    /// Judges one request: `None` when the policy does not apply (no
    /// variant matches, or a match condition is false).
    pub fn validate(
        &self,
        inputs: &Inputs<'_>,
        namespace_labels: &BTreeMap<String, String>,
        exceptions: &[CelException],
    ) -> Option<RuleResponse> {
        let subject = inputs.object.or(inputs.old_object)?;
        if let Some(ns) = &self.namespace
            && subject
                .pointer("/metadata/namespace")
                .and_then(Json::as_str)
                != Some(ns.as_str())
        {
            return None;
        }
        let variant = self.variants.iter().find(|v| {
            constraints_match(
                v.spec.get("matchConstraints"),
                subject,
                inputs.operation,
                namespace_labels,
            )
        })?;
        // A ValidatingAdmissionPolicy applies where one of its bindings
        // matches; bound elsewhere, the CLI reports it skipped.
        if let Some(bindings) = self.bindings.as_ref().filter(|b| !b.is_empty())
            && !bindings
                .iter()
                .any(|m| binding_matches(m, subject, inputs.operation, namespace_labels))
        {
            return Some(RuleResponse {
                rule: self.name.clone(),
                status: Status::Skip,
                message: "no binding of the policy matches the resource".into(),
                path: String::new(),
            });
        }
        let rule = if variant.name.is_empty() {
            self.name.clone()
        } else {
            format!("{}-{}", variant.name, self.name)
        };
        let respond = |status: Status, message: String| RuleResponse {
            rule: rule.clone(),
            status,
            message,
            path: String::new(),
        };
        if variant.spec.get("paramKind").is_some() {
            return Some(respond(
                Status::NotEvaluated,
                "a policy with params (paramKind) needs the parameter resources of a cluster"
                    .into(),
            ));
        }
        let activation = cel_validation::activation(inputs);
        let excepted: Vec<&str> = exceptions
            .iter()
            .filter(|e| e.policies.contains(&self.name))
            .filter(|e| cel_validation::conditions_hold(Some(&e.match_conditions), &activation))
            .map(|e| e.name.as_str())
            .collect();
        if !excepted.is_empty() {
            return Some(respond(
                Status::Skip,
                format!("skipped due to policy exceptions {}", excepted.join(", ")),
            ));
        }
        match cel_validation::run(
            variant.spec.get("matchConditions"),
            variant.spec.get("variables"),
            variant.spec.get("validations"),
            "",
            activation,
        ) {
            CelOutcome::NotMatched => None,
            CelOutcome::NotEvaluated(message) => Some(respond(Status::NotEvaluated, message)),
            CelOutcome::Pass => Some(respond(
                Status::Pass,
                format!("policy {} passed", self.name),
            )),
            CelOutcome::Fail(message) => Some(respond(Status::Fail, message)),
            CelOutcome::Error(message) => Some(respond(Status::Error, message)),
        }
    }

    /// Why the policy cannot be judged offline (it reads one of Kyverno's
    /// CEL libraries that reach a cluster or the network, or JSON
    /// payloads), if so.
    pub fn offline_gap(&self) -> Option<String> {
        if self.json_mode {
            return Some("ValidatingPolicy in JSON mode (payloads are not run yet)".into());
        }
        self.variants.first().and_then(|v| {
            cel_validation::missing_library(&[
                v.spec.get("matchConditions"),
                v.spec.get("variables"),
                v.spec.get("validations"),
            ])
        })
    }

    /// An annotation's text.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.get(key).and_then(Json::as_str)
    }
}

/// Kyverno's `CanAutoGen`: exactly one resource rule, for `""/v1/pods`,
/// with no names, object selector or exclusions.
fn can_autogen(constraints: Option<&Json>) -> bool {
    let Some(c) = constraints else { return false };
    let selector_set = c.get("objectSelector").is_some_and(|s| {
        s.as_object().is_some_and(|m| {
            m.values()
                .any(|v| !v.is_null() && v != &json!({}) && v != &json!([]))
        })
    });
    if selector_set
        || c.get("excludeResourceRules")
            .and_then(Json::as_array)
            .is_some_and(|a| !a.is_empty())
    {
        return false;
    }
    let rules = c.get("resourceRules").and_then(Json::as_array);
    let [rule] = rules.map_or(&[][..], Vec::as_slice) else {
        return false;
    };
    let only = |key: &str, value: &str| {
        rule.get(key)
            .and_then(Json::as_array)
            .is_some_and(|a| a.len() == 1 && a.first().and_then(Json::as_str) == Some(value))
    };
    rule.get("resourceNames")
        .and_then(Json::as_array)
        .is_none_or(Vec::is_empty)
        && only("apiGroups", "")
        && only("apiVersions", "v1")
        && only("resources", "pods")
}

fn autogen(spec: &Json) -> Vec<Variant> {
    if !can_autogen(spec.get("matchConstraints")) {
        return Vec::new();
    }
    let chosen: Option<Vec<String>> = spec
        .pointer("/autogen/podControllers/controllers")
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Json::as_str)
                .map(str::to_ascii_lowercase)
                .collect()
        });
    let operations = spec
        .pointer("/matchConstraints/resourceRules/0/operations")
        .cloned()
        .unwrap_or(json!(["*"]));
    let namespace_selector = spec.pointer("/matchConstraints/namespaceSelector").cloned();
    let mut variants = Vec::new();
    for (config, cronjob) in [("defaults", false), ("cronjobs", true)] {
        let targets: Vec<_> = CONTROLLERS
            .iter()
            .filter(|(name, .., is_cron)| {
                *is_cron == cronjob && chosen.as_ref().is_none_or(|c| c.iter().any(|x| x == name))
            })
            .collect();
        if targets.is_empty() {
            continue;
        }
        let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (_, group, _, resource, _) in &targets {
            groups.entry(group).or_default().push(resource);
        }
        let rules: Vec<Json> = groups
            .iter()
            .map(|(group, resources)| {
                let mut resources = resources.clone();
                resources.sort_unstable();
                json!({"apiGroups": [group], "apiVersions": ["v1"], "resources": resources, "operations": operations})
            })
            .collect();
        let mut constraints = json!({"resourceRules": rules});
        if let (Some(selector), Some(obj)) = (&namespace_selector, constraints.as_object_mut()) {
            obj.insert("namespaceSelector".into(), selector.clone());
        }
        let mut shifted = spec.clone();
        if let Some(obj) = shifted.as_object_mut() {
            obj.insert("matchConstraints".into(), constraints);
        }
        let template = if cronjob {
            "spec.jobTemplate.spec.template"
        } else {
            "spec.template"
        };
        variants.push(Variant {
            name: format!("autogen-{config}"),
            spec: replace_objects(&shifted, template),
        });
    }
    variants
}

/// Kyverno's autogen replacements: `object.spec` and `object.metadata`
/// (and `oldObject.`'s) moved under the template, in the policy's whole
/// text; `metadata.namespace` is kept (a Pod template has none).
fn replace_objects(spec: &Json, template: &str) -> Json {
    let mut text = spec.to_string();
    for root in ["object.", "oldObject."] {
        for (from, to) in [
            ("spec", format!("{template}.spec")),
            ("metadata", format!("{template}.metadata")),
        ] {
            text = replace_protected(&text, &format!("{root}{from}"), &format!("{root}{to}"));
        }
    }
    serde_json::from_str(&text).unwrap_or_else(|_| spec.clone())
}

/// Replaces `from` with `to` except where `.namespace` (as a whole name)
/// follows.
fn replace_protected(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        out.push_str(rest.get(..at).unwrap_or(""));
        let after = rest.get(at + from.len()..).unwrap_or("");
        let protected = after.strip_prefix(".namespace").is_some_and(|next| {
            next.chars()
                .next()
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
        });
        out.push_str(if protected { from } else { to });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// A binding's `matchResources`: like `matchConstraints`, but without
/// resource rules it matches every resource.
fn binding_matches(
    match_resources: &Json,
    object: &Json,
    operation: &str,
    namespace_labels: &BTreeMap<String, String>,
) -> bool {
    let mut constraints = match match_resources {
        Json::Object(m) => Json::Object(m.clone()),
        _ => json!({}),
    };
    if constraints.get("resourceRules").is_none()
        && let Some(obj) = constraints.as_object_mut()
    {
        obj.insert(
            "resourceRules".into(),
            json!([{"apiGroups": ["*"], "apiVersions": ["*"], "resources": ["*"], "operations": ["*"]}]),
        );
    }
    constraints_match(Some(&constraints), object, operation, namespace_labels)
}

/// An admission webhook's `matchConstraints` against the request.
fn constraints_match(
    constraints: Option<&Json>,
    object: &Json,
    operation: &str,
    namespace_labels: &BTreeMap<String, String>,
) -> bool {
    let Some(c) = constraints else { return false };
    let rule_matches = |rule: &Json| resource_rule_matches(rule, object, operation);
    let rules = c
        .get("resourceRules")
        .and_then(Json::as_array)
        .map_or(&[][..], Vec::as_slice);
    if !rules.iter().any(rule_matches) {
        return false;
    }
    let excluded = c
        .get("excludeResourceRules")
        .and_then(Json::as_array)
        .map_or(&[][..], Vec::as_slice);
    if excluded.iter().any(rule_matches) {
        return false;
    }
    let labels = |pointer: &str| -> BTreeMap<String, String> {
        object
            .pointer(pointer)
            .and_then(Json::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some(selector) = c.get("objectSelector").filter(|s| !s.is_null())
        && !selector_matches(selector, &labels("/metadata/labels"))
    {
        return false;
    }
    let namespaced = object
        .pointer("/metadata/namespace")
        .and_then(Json::as_str)
        .is_some_and(|n| !n.is_empty());
    if let Some(selector) = c.get("namespaceSelector").filter(|s| !s.is_null())
        && namespaced
        && !selector_matches(selector, namespace_labels)
    {
        return false;
    }
    true
}

fn resource_rule_matches(rule: &Json, object: &Json, operation: &str) -> bool {
    let api_version = object
        .get("apiVersion")
        .and_then(Json::as_str)
        .unwrap_or("");
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let kind = object.get("kind").and_then(Json::as_str).unwrap_or("");
    let resource = crate::cluster::plural(kind);
    let name = object
        .pointer("/metadata/name")
        .and_then(Json::as_str)
        .unwrap_or("");
    let has = |key: &str, value: &str| {
        rule.get(key).and_then(Json::as_array).is_some_and(|a| {
            a.iter()
                .filter_map(Json::as_str)
                .any(|v| v == "*" || v == value)
        })
    };
    let names_ok = rule
        .get("resourceNames")
        .and_then(Json::as_array)
        .is_none_or(|n| n.is_empty() || n.iter().any(|x| x.as_str() == Some(name)));
    has("apiGroups", group)
        && has("apiVersions", version)
        && has("resources", &resource)
        && (has("operations", operation) || has("operations", "*"))
        && names_ok
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn policy() -> ValidatingPolicy {
        ValidatingPolicy::from_json(&json!({
            "apiVersion": "policies.kyverno.io/v1alpha1",
            "kind": "ValidatingPolicy",
            "metadata": {"name": "no-host-pid"},
            "spec": {
                "validationActions": ["Deny"],
                "matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"], "resources": ["pods"]}]},
                "validations": [{"expression": "object.spec.?hostPID.orValue(false) == false", "message": "no host PID"}]
            }
        }))
        .unwrap()
    }

    fn judge(object: &Json) -> Option<(String, Status, String)> {
        let inputs = Inputs {
            object: Some(object),
            operation: "CREATE",
            ..Inputs::default()
        };
        policy()
            .validate(&inputs, &BTreeMap::new(), &[])
            .map(|r| (r.rule, r.status, r.message))
    }

    #[test]
    fn pods_and_their_controllers_are_judged() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"hostPID": true}});
        assert_eq!(
            judge(&pod),
            Some(("no-host-pid".into(), Status::Fail, "no host PID".into()))
        );
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"template": {"spec": {"hostPID": false}}}});
        assert_eq!(judge(&deployment).map(|r| r.1), Some(Status::Pass));
        let cronjob = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
            "spec": {"jobTemplate": {"spec": {"template": {"spec": {"hostPID": true}}}}}});
        assert_eq!(
            judge(&cronjob).map(|r| (r.0, r.1)),
            Some(("autogen-cronjobs-no-host-pid".into(), Status::Fail))
        );
        let service = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}});
        assert_eq!(judge(&service), None);
    }

    #[test]
    fn namespace_is_kept_by_the_replacements() {
        assert_eq!(
            replace_protected(
                "object.metadata.namespace + object.metadata.name",
                "object.metadata",
                "object.spec.template.metadata"
            ),
            "object.metadata.namespace + object.spec.template.metadata.name"
        );
    }
}
