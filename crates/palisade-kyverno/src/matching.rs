//! `match` and `exclude`: which resources a rule applies to
//! (`pkg/engine/utils/match.go`, `pkg/utils/match`).
//!
//! A block is `{any: [...]}`, `{all: [...]}` or one filter written inline;
//! a filter has `resources` (kinds, name, names, namespaces, annotations,
//! selector, namespaceSelector, operations) and user criteria (roles,
//! clusterRoles, subjects). Every value may hold `*` and `?` wildcards.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::wildcards;

/// What is known about the resource and the request being judged.
#[derive(Debug, Clone, Default)]
pub struct Subject<'a> {
    pub object: &'a Json,
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
    pub operation: &'a str,
    /// The labels of the resource's namespace (a test's `namespaceSelector`).
    pub namespace_labels: BTreeMap<String, String>,
    /// The requesting user, when known.
    pub user: Option<&'a UserInfo>,
}

/// The admission request's user (a test's `userinfo` file).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserInfo {
    pub username: String,
    pub groups: Vec<String>,
    pub roles: Vec<String>,
    pub cluster_roles: Vec<String>,
}

impl UserInfo {
    /// Reads Kyverno's `RequestInfo` shape (`roles`, `clusterRoles`,
    /// `userInfo: {username, groups}`).
    pub fn from_json(value: &Json) -> Self {
        let strings = |v: Option<&Json>| -> Vec<String> {
            v.and_then(Json::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Json::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default()
        };
        let user = value.get("userInfo");
        Self {
            username: user
                .and_then(|u| u.get("username"))
                .and_then(Json::as_str)
                .unwrap_or("")
                .into(),
            groups: strings(user.and_then(|u| u.get("groups"))),
            roles: strings(value.get("roles")),
            cluster_roles: strings(value.get("clusterRoles")),
        }
    }
}

impl Subject<'_> {
    fn str_at(&self, path: &[&str]) -> &str {
        let mut v = self.object;
        for key in path {
            match v.get(key) {
                Some(next) => v = next,
                None => return "",
            }
        }
        v.as_str().unwrap_or("")
    }

    fn kind(&self) -> &str {
        self.str_at(&["kind"])
    }

    fn namespace(&self) -> &str {
        if self.kind() == "Namespace" {
            return self.name();
        }
        self.str_at(&["metadata", "namespace"])
    }

    fn name(&self) -> &str {
        match self.str_at(&["metadata", "name"]) {
            "" => self.str_at(&["metadata", "generateName"]),
            name => name,
        }
    }

    fn group_version(&self) -> (&str, &str) {
        let api_version = self.str_at(&["apiVersion"]);
        match api_version.split_once('/') {
            Some((group, version)) => (group, version),
            None => ("", api_version),
        }
    }

    fn map_at(&self, path: &[&str]) -> BTreeMap<String, String> {
        let mut v = self.object;
        for key in path {
            match v.get(key) {
                Some(next) => v = next,
                None => return BTreeMap::new(),
            }
        }
        v.as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            v.as_str().map_or_else(|| v.to_string(), String::from),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Whether the rule (its `match` and `exclude`) applies to `subject`.
pub fn rule_applies(rule: &Json, subject: &Subject<'_>) -> bool {
    let Some(matching) = rule.get("match") else {
        return false;
    };
    if !block_matches(matching, subject, true) {
        return false;
    }
    match rule.get("exclude").filter(|e| !is_empty_block(e)) {
        Some(exclude) => !block_excludes(exclude, subject),
        None => true,
    }
}

fn is_empty_block(block: &Json) -> bool {
    block
        .as_object()
        .is_none_or(|m| m.values().all(is_empty_value))
}

fn is_empty_value(value: &Json) -> bool {
    match value {
        Json::Null => true,
        Json::Array(a) => a.is_empty(),
        Json::Object(m) => m.values().all(is_empty_value),
        Json::String(s) => s.is_empty(),
        _ => false,
    }
}

fn filters(block: &Json, key: &str) -> Vec<Json> {
    block
        .get(key)
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default()
}

fn block_matches(block: &Json, subject: &Subject<'_>, is_match: bool) -> bool {
    let any = filters(block, "any");
    let all = filters(block, "all");
    if !any.is_empty() {
        any.iter().any(|f| filter_matches(f, subject, is_match))
    } else if !all.is_empty() {
        all.iter().all(|f| filter_matches(f, subject, is_match))
    } else {
        filter_matches(block, subject, is_match)
    }
}

fn block_excludes(block: &Json, subject: &Subject<'_>) -> bool {
    let any = filters(block, "any");
    let all = filters(block, "all");
    if !any.is_empty() {
        any.iter().any(|f| excluded_by(f, subject))
    } else if !all.is_empty() {
        all.iter().all(|f| excluded_by(f, subject))
    } else {
        excluded_by(block, subject)
    }
}

fn excluded_by(filter: &Json, subject: &Subject<'_>) -> bool {
    let resources = filter.get("resources").unwrap_or(&Json::Null);
    if is_empty_value(resources) && !has_user_criteria(filter) {
        return false;
    }
    criteria_hold(resources, filter, subject, false)
}

fn has_user_criteria(filter: &Json) -> bool {
    ["roles", "clusterRoles", "subjects"]
        .iter()
        .any(|k| filter.get(k).is_some_and(|v| !is_empty_value(v)))
}

/// A match filter; an empty one matches nothing ("match cannot be empty").
fn filter_matches(filter: &Json, subject: &Subject<'_>, is_match: bool) -> bool {
    let resources = filter.get("resources").unwrap_or(&Json::Null);
    // Without a request's user, user criteria of a match are ignored.
    let use_user = subject.user.is_some();
    if is_empty_value(resources) && !(use_user && has_user_criteria(filter)) {
        return false;
    }
    criteria_hold(resources, filter, subject, is_match && !use_user)
}

fn strings(value: Option<&Json>) -> Vec<&str> {
    value
        .and_then(Json::as_array)
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default()
}

fn criteria_hold(
    resources: &Json,
    filter: &Json,
    subject: &Subject<'_>,
    ignore_user: bool,
) -> bool {
    let operations = strings(resources.get("operations"));
    if !operations.is_empty() && !operations.contains(&subject.operation) {
        return false;
    }
    let kinds = strings(resources.get("kinds"));
    if !kinds.is_empty() && !kind_matches(&kinds, subject) {
        return false;
    }
    let name = subject.name();
    if let Some(expected) = resources.get("name").and_then(Json::as_str)
        && !expected.is_empty()
        && !wildcards::matches(expected, name)
    {
        return false;
    }
    let names = strings(resources.get("names"));
    if !names.is_empty() && !names.iter().any(|n| wildcards::matches(n, name)) {
        return false;
    }
    let namespaces = strings(resources.get("namespaces"));
    if !namespaces.is_empty()
        && !namespaces
            .iter()
            .any(|n| wildcards::matches(n, subject.namespace()))
    {
        return false;
    }
    if let Some(expected) = resources.get("annotations").and_then(Json::as_object)
        && !expected.is_empty()
    {
        let actual = subject.map_at(&["metadata", "annotations"]);
        let all = expected.iter().all(|(k, v)| {
            let v = v.as_str().unwrap_or("");
            actual
                .iter()
                .any(|(ak, av)| wildcards::matches(k, ak) && wildcards::matches(v, av))
        });
        if !all {
            return false;
        }
    }
    if let Some(selector) = resources.get("selector").filter(|s| !s.is_null())
        && !selector_matches(selector, &subject.map_at(&["metadata", "labels"]))
    {
        return false;
    }
    if let Some(selector) = resources.get("namespaceSelector").filter(|s| !s.is_null()) {
        if subject.kind() == "Namespace" {
            return false;
        }
        if !selector_matches(selector, &subject.namespace_labels) {
            return false;
        }
    }
    if ignore_user {
        return true;
    }
    user_matches(filter, subject.user)
}

fn user_matches(filter: &Json, user: Option<&UserInfo>) -> bool {
    let empty = UserInfo::default();
    let user = user.unwrap_or(&empty);
    let roles = strings(filter.get("roles"));
    if !roles.is_empty() && !user.roles.iter().any(|r| roles.contains(&r.as_str())) {
        return false;
    }
    let cluster_roles = strings(filter.get("clusterRoles"));
    if !cluster_roles.is_empty()
        && !user
            .cluster_roles
            .iter()
            .any(|r| cluster_roles.contains(&r.as_str()))
    {
        return false;
    }
    if let Some(subjects) = filter.get("subjects").and_then(Json::as_array)
        && !subjects.is_empty()
    {
        let matched = subjects.iter().any(|s| {
            let kind = s.get("kind").and_then(Json::as_str).unwrap_or("");
            let name = s.get("name").and_then(Json::as_str).unwrap_or("");
            match kind {
                "Group" => user.groups.iter().any(|g| wildcards::matches(name, g)),
                "ServiceAccount" => {
                    let ns = s.get("namespace").and_then(Json::as_str).unwrap_or("");
                    user.username == format!("system:serviceaccount:{ns}:{name}")
                }
                _ => wildcards::matches(name, &user.username),
            }
        });
        if !matched {
            return false;
        }
    }
    true
}

/// A kind selector: `[group/][version/]Kind[/subresource]` with wildcards
/// (`pkg/utils/kube/kind.go` `ParseKindSelector`).
pub fn parse_kind_selector(input: &str) -> (String, String, String, String) {
    let mut parts: Vec<String> = input.split('/').map(String::from).collect();
    if let Some(last) = parts.pop() {
        parts.extend(last.split('.').map(String::from));
    }
    let version_like = |s: &str| is_version(s) || s == "*";
    let s = |v: &str| v.to_string();
    match parts.as_slice() {
        [kind] => (s("*"), s("*"), kind.clone(), String::new()),
        [a, b] => {
            if a == "*" && b == "*" {
                (s("*"), s("*"), s("*"), s("*"))
            } else if a == "*" && b.to_lowercase() == *b {
                (s("*"), s("*"), a.clone(), b.clone())
            } else if version_like(a) {
                (s("*"), a.clone(), b.clone(), String::new())
            } else {
                (s("*"), s("*"), a.clone(), b.clone())
            }
        }
        [a, b, c] => {
            if version_like(a) {
                (s("*"), a.clone(), b.clone(), c.clone())
            } else {
                (a.clone(), b.clone(), c.clone(), String::new())
            }
        }
        [a, b, c, d] => (a.clone(), b.clone(), c.clone(), d.clone()),
        _ => (String::new(), String::new(), String::new(), String::new()),
    }
}

/// `v1`, `v2beta1`, `v1alpha3`.
fn is_version(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    let tail = rest.get(digits..).unwrap_or("");
    if tail.is_empty() {
        return true;
    }
    ["alpha", "beta"].iter().any(|stage| {
        tail.strip_prefix(stage)
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    })
}

fn kind_matches(kinds: &[&str], subject: &Subject<'_>) -> bool {
    let (group, version) = subject.group_version();
    let kind = subject.kind();
    kinds.iter().any(|selector| {
        let (g, v, k, sub) = parse_kind_selector(selector);
        wildcards::matches(&g, group)
            && wildcards::matches(&v, version)
            && wildcards::matches(&k, kind)
            && wildcards::matches(&sub, "")
    })
}

/// A Kubernetes label selector, with Kyverno's wildcards in `matchLabels`.
pub fn selector_matches(selector: &Json, labels: &BTreeMap<String, String>) -> bool {
    if let Some(match_labels) = selector.get("matchLabels").and_then(Json::as_object) {
        for (key, value) in match_labels {
            let value = value.as_str().unwrap_or("");
            let found = labels
                .iter()
                .any(|(k, v)| wildcards::matches(key, k) && wildcards::matches(value, v));
            if !found {
                return false;
            }
        }
    }
    for expression in selector
        .get("matchExpressions")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let key = expression.get("key").and_then(Json::as_str).unwrap_or("");
        let values = strings(expression.get("values"));
        let actual = labels.get(key);
        let holds = match expression
            .get("operator")
            .and_then(Json::as_str)
            .unwrap_or("")
        {
            "In" => actual.is_some_and(|a| values.contains(&a.as_str())),
            "NotIn" => actual.is_none_or(|a| !values.contains(&a.as_str())),
            "Exists" => actual.is_some(),
            "DoesNotExist" => actual.is_none(),
            _ => false,
        };
        if !holds {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn subject(object: &Json) -> Subject<'_> {
        Subject {
            object,
            operation: "CREATE",
            ..Subject::default()
        }
    }

    #[test]
    fn kind_selectors_read_as_kyverno_reads_them() {
        let p = |s: &str| {
            let (g, v, k, sub) = parse_kind_selector(s);
            format!("{g}|{v}|{k}|{sub}")
        };
        assert_eq!(p("Pod"), "*|*|Pod|");
        assert_eq!(p("v1/Pod"), "*|v1|Pod|");
        assert_eq!(p("apps/v1/Deployment"), "apps|v1|Deployment|");
        assert_eq!(p("Pod/exec"), "*|*|Pod|exec");
        assert_eq!(p("*/*"), "*|*|*|*");
        assert_eq!(p("v1/Pod/status"), "*|v1|Pod|status");
        assert_eq!(
            p("networking.k8s.io/v1/NetworkPolicy"),
            "networking.k8s.io|v1|NetworkPolicy|"
        );
    }

    #[test]
    fn any_all_and_exclude() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "prod", "labels": {"app": "web"}}});
        let rule = json!({
            "match": {"any": [{"resources": {"kinds": ["Deployment"]}}, {"resources": {"kinds": ["Pod"], "namespaces": ["pr*"]}}]},
            "exclude": {"any": [{"resources": {"selector": {"matchLabels": {"app": "db"}}}}]}
        });
        assert!(rule_applies(&rule, &subject(&pod)));
        let db = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db", "namespace": "prod", "labels": {"app": "db"}}});
        assert!(!rule_applies(&rule, &subject(&db)));
        let dep = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}});
        assert!(rule_applies(&rule, &subject(&dep)));
        let other = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x", "namespace": "dev"}});
        assert!(!rule_applies(&rule, &subject(&other)));
    }

    #[test]
    fn operations_and_empty_matches() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}});
        let rule = json!({"match": {"resources": {"kinds": ["Pod"], "operations": ["UPDATE"]}}});
        assert!(!rule_applies(&rule, &subject(&pod)));
        assert!(!rule_applies(&json!({"match": {}}), &subject(&pod)));
    }
}
