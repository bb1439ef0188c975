//! A test's values file (`cli.kyverno.io/v1alpha1` `Values`): variables
//! for all policies, per policy and rule, per resource, and the labels of
//! namespaces for `namespaceSelector`.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

/// What a values file supplies.
#[derive(Debug, Clone, Default)]
pub struct Values {
    pub global: Map<String, Json>,
    /// `(policy, rule) -> values`.
    pub rules: BTreeMap<(String, String), Map<String, Json>>,
    /// `(policy, resource name) -> values`.
    pub resources: BTreeMap<(String, String), Map<String, Json>>,
    /// Namespace name -> labels.
    pub namespace_labels: BTreeMap<String, BTreeMap<String, String>>,
}

fn object(value: Option<&Json>) -> Map<String, Json> {
    value.and_then(Json::as_object).cloned().unwrap_or_default()
}

fn labels(value: Option<&Json>) -> BTreeMap<String, String> {
    object(value)
        .into_iter()
        .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), String::from)))
        .collect()
}

impl Values {
    /// Reads a values document.
    pub fn from_json(document: &Json) -> Self {
        let mut values = Values {
            global: object(document.get("globalValues")),
            ..Values::default()
        };
        for policy in document
            .get("policies")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let name = policy
                .get("name")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string();
            for rule in policy
                .get("rules")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                let rule_name = rule
                    .get("name")
                    .and_then(Json::as_str)
                    .unwrap_or("")
                    .to_string();
                values
                    .rules
                    .insert((name.clone(), rule_name), object(rule.get("values")));
            }
            for resource in policy
                .get("resources")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                let resource_name = resource
                    .get("name")
                    .and_then(Json::as_str)
                    .unwrap_or("")
                    .to_string();
                values.resources.insert(
                    (name.clone(), resource_name),
                    object(resource.get("values")),
                );
            }
        }
        for selector in document
            .get("namespaceSelector")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let name = selector
                .get("name")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string();
            values
                .namespace_labels
                .insert(name, labels(selector.get("labels")));
        }
        for namespace in document
            .get("namespaces")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let name = namespace
                .pointer("/metadata/name")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string();
            values
                .namespace_labels
                .entry(name)
                .or_insert_with(|| labels(namespace.pointer("/metadata/labels")));
        }
        values
    }

    /// The values for one policy on one resource: global, then the
    /// resource's own.
    pub fn for_resource(&self, policy: &str, resource: &str) -> Map<String, Json> {
        let mut out = self.global.clone();
        if let Some(own) = self
            .resources
            .get(&(policy.to_string(), resource.to_string()))
        {
            out.extend(own.clone());
        }
        out
    }

    /// The rule values of one policy, by rule name (autogen rules see the
    /// values of the rule they came from).
    pub fn for_rules(&self, policy: &str, rules: &[String]) -> BTreeMap<String, Map<String, Json>> {
        let mut out = BTreeMap::new();
        for rule in rules {
            let base = rule
                .strip_prefix("autogen-cronjob-")
                .or_else(|| rule.strip_prefix("autogen-"))
                .unwrap_or(rule);
            for name in [rule.as_str(), base] {
                if let Some(values) = self.rules.get(&(policy.to_string(), name.to_string())) {
                    out.insert(rule.clone(), values.clone());
                    break;
                }
            }
        }
        out
    }
}
