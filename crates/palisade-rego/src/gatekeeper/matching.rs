//! A Constraint's `spec.match`, decided as Gatekeeper decides it: every
//! criterion given must hold; an absent one matches everything.

use std::collections::BTreeMap;

use regorus::Value;

use crate::value;

/// `spec.match` of a Constraint.
#[derive(Debug, Clone, Default)]
pub struct Match {
    kinds: Vec<KindSelector>,
    scope: Option<String>,
    namespaces: Vec<String>,
    excluded_namespaces: Vec<String>,
    label_selector: Option<Selector>,
    namespace_selector: Option<Selector>,
    name: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct KindSelector {
    api_groups: Vec<String>,
    kinds: Vec<String>,
}

/// A Kubernetes label selector.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    match_labels: BTreeMap<String, String>,
    expressions: Vec<Requirement>,
}

#[derive(Debug, Clone)]
struct Requirement {
    key: String,
    operator: String,
    values: Vec<String>,
}

/// What matching needs to know of the object under review.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// API group (`""` for the core group).
    pub group: String,
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Namespace; empty for cluster-scoped objects.
    pub namespace: String,
    /// The object's labels.
    pub labels: BTreeMap<String, String>,
    /// The labels of the object's Namespace, when it is known.
    pub namespace_labels: Option<BTreeMap<String, String>>,
}

impl Target {
    /// What matching needs, read from a parsed object (no conversion of
    /// the whole object: most objects of a scan match no constraint).
    pub fn of_node(
        node: &palisade_model::Node,
        namespace_labels: Option<BTreeMap<String, String>>,
    ) -> Target {
        let text = |path: &[&str]| {
            node.get_path(path)
                .and_then(palisade_model::Node::as_str)
                .unwrap_or("")
                .to_string()
        };
        let api_version = text(&["apiVersion"]);
        let group = api_version
            .split_once('/')
            .map(|(g, _)| g.to_string())
            .unwrap_or_default();
        let labels = node
            .get_path(&["metadata", "labels"])
            .map(|l| {
                l.entries()
                    .iter()
                    .map(|e| (e.key.clone(), e.value.scalar_text()))
                    .collect()
            })
            .unwrap_or_default();
        Target {
            group,
            kind: text(&["kind"]),
            name: text(&["metadata", "name"]),
            namespace: text(&["metadata", "namespace"]),
            labels,
            namespace_labels,
        }
    }

    fn is_namespace(&self) -> bool {
        self.group.is_empty() && self.kind == "Namespace"
    }
}

impl Match {
    /// Reads `spec.match` (absent: matches everything).
    pub fn from_value(value: Option<&Value>) -> Result<Match, String> {
        let Some(value) = value else {
            return Ok(Match::default());
        };
        let kinds = list(value, "kinds")
            .iter()
            .map(|k| KindSelector {
                api_groups: strings(k, "apiGroups"),
                kinds: strings(k, "kinds"),
            })
            .collect();
        let selector = |key: &str| value::get(value, key).map(Selector::from_value).transpose();
        Ok(Match {
            kinds,
            scope: value::get_str(value, "scope").map(str::to_string),
            namespaces: strings(value, "namespaces"),
            excluded_namespaces: strings(value, "excludedNamespaces"),
            label_selector: selector("labelSelector")?,
            namespace_selector: selector("namespaceSelector")?,
            name: value::get_str(value, "name").map(str::to_string),
        })
    }

    /// Whether matching needs the labels of the object's Namespace.
    pub fn needs_namespace(&self) -> bool {
        self.namespace_selector.is_some()
    }

    /// Whether the constraint applies to the target.
    pub fn matches(&self, target: &Target) -> bool {
        self.kinds_match(target)
            && self.scope_matches(target)
            && self.namespaces_match(target)
            && self.name.as_deref().is_none_or(|n| glob(n, &target.name))
            && self
                .label_selector
                .as_ref()
                .is_none_or(|s| s.matches(&target.labels))
            && self.namespace_selector_matches(target)
    }

    fn kinds_match(&self, target: &Target) -> bool {
        self.kinds.is_empty()
            || self.kinds.iter().any(|k| {
                let kind =
                    k.kinds.is_empty() || k.kinds.iter().any(|x| x == "*" || *x == target.kind);
                let group = k.api_groups.is_empty()
                    || k.api_groups.iter().any(|g| g == "*" || *g == target.group);
                kind && group
            })
    }

    fn scope_matches(&self, target: &Target) -> bool {
        let namespaced = !target.namespace.is_empty();
        match self.scope.as_deref() {
            Some("Cluster") => !namespaced,
            Some("Namespaced") => namespaced,
            _ => true,
        }
    }

    /// A Namespace is matched by its own name; other cluster-scoped objects
    /// are outside namespace criteria (they match them).
    fn namespaces_match(&self, target: &Target) -> bool {
        let namespace = if target.is_namespace() {
            target.name.as_str()
        } else if target.namespace.is_empty() {
            return true;
        } else {
            target.namespace.as_str()
        };
        (self.namespaces.is_empty() || self.namespaces.iter().any(|n| glob(n, namespace)))
            && !self.excluded_namespaces.iter().any(|n| glob(n, namespace))
    }

    /// Needs the Namespace's labels: a namespaced object whose Namespace is
    /// unknown does not match (Gatekeeper fails the review instead).
    fn namespace_selector_matches(&self, target: &Target) -> bool {
        let Some(selector) = &self.namespace_selector else {
            return true;
        };
        if target.is_namespace() {
            return selector.matches(&target.labels);
        }
        if target.namespace.is_empty() {
            return true;
        }
        target
            .namespace_labels
            .as_ref()
            .is_some_and(|labels| selector.matches(labels))
    }
}

impl Selector {
    /// Reads `{matchLabels, matchExpressions}`.
    pub fn from_value(value: &Value) -> Result<Selector, String> {
        let match_labels = value::get(value, "matchLabels")
            .and_then(|v| v.as_object().ok())
            .map(|map| {
                map.iter()
                    .filter_map(|(k, v)| Some((k.as_string().ok()?.to_string(), scalar(v)?)))
                    .collect()
            })
            .unwrap_or_default();
        let mut expressions = Vec::new();
        for e in list(value, "matchExpressions") {
            let operator = value::get_str(e, "operator")
                .unwrap_or_default()
                .to_string();
            if !["In", "NotIn", "Exists", "DoesNotExist"].contains(&operator.as_str()) {
                return Err(format!("unknown label selector operator `{operator}`"));
            }
            expressions.push(Requirement {
                key: value::get_str(e, "key").unwrap_or_default().to_string(),
                operator,
                values: strings(e, "values"),
            });
        }
        Ok(Selector {
            match_labels,
            expressions,
        })
    }

    /// Whether labels satisfy every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.expressions.iter().all(|r| {
                let value = labels.get(&r.key);
                match r.operator.as_str() {
                    "In" => value.is_some_and(|v| r.values.contains(v)),
                    "NotIn" => value.is_none_or(|v| !r.values.contains(v)),
                    "Exists" => value.is_some(),
                    _ => value.is_none(),
                }
            })
    }
}

/// Gatekeeper's wildcards: `kube-*` (prefix), `*-system` (suffix), exact.
fn glob(pattern: &str, text: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix('*') {
        text.starts_with(prefix)
    } else if let Some(suffix) = pattern.strip_prefix('*') {
        text.ends_with(suffix)
    } else {
        pattern == text
    }
}

fn list<'a>(value: &'a Value, key: &str) -> Vec<&'a Value> {
    value::get(value, key)
        .and_then(|v| v.as_array().ok())
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn strings(value: &Value, key: &str) -> Vec<String> {
    list(value, key).into_iter().filter_map(scalar).collect()
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.to_string()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
        _ => None,
    }
}

/// The labels of an object value.
pub fn labels(object: &Value) -> BTreeMap<String, String> {
    value::get(object, "metadata")
        .and_then(|m| value::get(m, "labels"))
        .and_then(|l| l.as_object().ok())
        .map(|map| {
            map.iter()
                .filter_map(|(k, v)| Some((k.as_string().ok()?.to_string(), scalar(v)?)))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Value {
        Value::from_json_str(text).unwrap_or(Value::Null)
    }

    fn pod(namespace: &str, labels: &[(&str, &str)]) -> Target {
        Target {
            group: String::new(),
            kind: "Pod".into(),
            name: "web-1".into(),
            namespace: namespace.into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            namespace_labels: None,
        }
    }

    #[test]
    fn kinds_namespaces_and_names() {
        let m = Match::from_value(Some(&yaml(
            r#"{"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}], "excludedNamespaces": ["kube-*"], "name": "web-*"}"#,
        )));
        let m = m.unwrap_or_default();
        assert!(m.matches(&pod("default", &[])));
        assert!(!m.matches(&pod("kube-system", &[])));
        let mut deployment = pod("default", &[]);
        deployment.group = "apps".into();
        deployment.kind = "Deployment".into();
        assert!(!m.matches(&deployment));
        let mut other = pod("default", &[]);
        other.name = "db".into();
        assert!(!m.matches(&other));
    }

    #[test]
    fn label_and_namespace_selectors() {
        let m = Match::from_value(Some(&yaml(
            r#"{"labelSelector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}]},
                "namespaceSelector": {"matchLabels": {"env": "prod"}}}"#,
        )))
        .unwrap_or_default();
        let mut target = pod("shop", &[("tier", "web")]);
        assert!(!m.matches(&target), "namespace labels unknown");
        target.namespace_labels = Some([("env".to_string(), "prod".to_string())].into());
        assert!(m.matches(&target));
        target.labels.clear();
        assert!(!m.matches(&target));
        let bad = Match::from_value(Some(&yaml(
            r#"{"labelSelector": {"matchExpressions": [{"key": "a", "operator": "Near"}]}}"#,
        )));
        assert!(bad.is_err());
    }

    #[test]
    fn scope() {
        let m = Match::from_value(Some(&yaml(r#"{"scope": "Cluster"}"#))).unwrap_or_default();
        assert!(!m.matches(&pod("default", &[])));
        assert!(m.matches(&pod("", &[])));
    }
}
