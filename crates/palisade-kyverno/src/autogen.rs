//! Autogen: Kyverno's rules for Pods, rewritten for the controllers that
//! make Pods (`pkg/autogen/v1`), so that a Deployment is judged before its
//! Pods exist.
//!
//! - A policy qualifies when no rule generates or patches with JSON 6902,
//!   and no match or exclude names resources by name, selector or
//!   annotations, or lists Pod with other kinds; and some rule matches Pod.
//! - `pod-policies.kyverno.io/autogen-controllers` chooses the
//!   controllers (`none` turns autogen off); by default DaemonSet,
//!   Deployment, Job, StatefulSet, ReplicaSet, ReplicationController and
//!   CronJob.
//! - Each rule matching Pod gets `autogen-<rule>` (pattern under
//!   `spec.template`) and `autogen-cronjob-<rule>` (under
//!   `spec.jobTemplate.spec.template`); names are cut to 63 characters;
//!   `request.object.spec` and `.metadata` in the rule's text are moved to
//!   the template's.

use serde_json::{Map, Value as Json, json};

/// The annotation that names the controllers.
pub const CONTROLLERS_ANNOTATION: &str = "pod-policies.kyverno.io/autogen-controllers";

const POD_CONTROLLERS: [&str; 7] = [
    "DaemonSet",
    "Deployment",
    "Job",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
    "CronJob",
];

/// The rules of `spec` with the generated ones appended (the policy's own
/// `autogen-` rules are replaced by the computed ones).
pub fn compute_rules(spec: &Json, annotations: &Map<String, Json>) -> Vec<Json> {
    let rules: Vec<Json> = spec
        .get("rules")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    if !can_autogen(&rules) {
        return rules;
    }
    let controllers: Vec<String> = match annotations
        .get(CONTROLLERS_ANNOTATION)
        .and_then(Json::as_str)
    {
        Some(text) => text.split(',').map(String::from).collect(),
        None => POD_CONTROLLERS.iter().map(|s| (*s).to_string()).collect(),
    };
    if controllers.iter().any(|c| c == "none") {
        return rules;
    }
    let controllers = controllers.join(",");
    let mut generated = Vec::new();
    for rule in &rules {
        if let Some(r) = rule_for_controllers(rule, &strip_cronjob(&controllers)) {
            generated.push(shift(&r, "request.object.spec.template"));
        }
        if let Some(r) = cronjob_rule(rule, &controllers) {
            generated.push(shift(&r, "request.object.spec.jobTemplate.spec.template"));
        }
    }
    if generated.is_empty() {
        return rules;
    }
    let mut out: Vec<Json> = rules
        .into_iter()
        .filter(|r| !is_autogen_name(name(r)))
        .collect();
    out.extend(generated);
    out
}

fn name(rule: &Json) -> &str {
    rule.get("name").and_then(Json::as_str).unwrap_or("")
}

fn is_autogen_name(name: &str) -> bool {
    name.starts_with("autogen-")
}

fn kinds_of(block: &Json) -> Vec<String> {
    let mut kinds = Vec::new();
    let mut add = |filter: &Json| {
        if let Some(list) = filter.pointer("/resources/kinds").and_then(Json::as_array) {
            kinds.extend(list.iter().filter_map(Json::as_str).map(String::from));
        }
    };
    add(block);
    for key in ["any", "all"] {
        for filter in block
            .get(key)
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            add(filter);
        }
    }
    kinds
}

/// Kyverno's `ContainsKind`: a kind selector naming `kind` (with or
/// without group and version).
fn contains_kind(kinds: &[String], kind: &str) -> bool {
    kinds
        .iter()
        .any(|k| crate::matching::parse_kind_selector(k).2 == kind)
}

fn can_autogen(rules: &[Json]) -> bool {
    let mut needed = false;
    for rule in rules {
        if rule.get("generate").is_some() {
            return false;
        }
        if let Some(mutate) = rule.get("mutate") {
            let json6902 = |m: &Json| {
                m.get("patchesJson6902")
                    .and_then(Json::as_str)
                    .is_some_and(|s| !s.is_empty())
            };
            if json6902(mutate)
                || mutate
                    .get("foreach")
                    .and_then(Json::as_array)
                    .is_some_and(|f| f.iter().any(json6902))
            {
                return false;
            }
        }
        for key in ["match", "exclude"] {
            let Some(block) = rule.get(key) else { continue };
            let mut filters = vec![block.clone()];
            for list in ["any", "all"] {
                filters.extend(
                    block
                        .get(list)
                        .and_then(Json::as_array)
                        .cloned()
                        .unwrap_or_default(),
                );
            }
            for filter in &filters {
                let Some(resources) = filter.get("resources") else {
                    continue;
                };
                let set = |k: &str| {
                    resources
                        .get(k)
                        .is_some_and(|v| !v.is_null() && v != &json!("") && v != &json!([]))
                };
                let kinds = kinds_of(filter);
                if set("name")
                    || set("names")
                    || set("selector")
                    || resources.get("annotations").is_some_and(|a| !a.is_null())
                {
                    return false;
                }
                if kinds.len() > 1 && contains_kind(&kinds, "Pod") {
                    return false;
                }
                if kinds
                    .iter()
                    .any(|k| k == "Pod" || POD_CONTROLLERS.contains(&k.as_str()))
                {
                    needed = true;
                }
            }
        }
    }
    needed
}

fn strip_cronjob(controllers: &str) -> String {
    controllers
        .split(',')
        .filter(|c| *c != "CronJob")
        .collect::<Vec<_>>()
        .join(",")
}

fn sorted_kinds(controllers: &str) -> Vec<String> {
    let mut kinds: Vec<String> = controllers.split(',').map(String::from).collect();
    kinds.sort();
    kinds
}

fn gvk(kind: &str) -> String {
    match kind {
        "DaemonSet" | "Deployment" | "StatefulSet" | "ReplicaSet" => format!("apps/v1/{kind}"),
        "Job" | "CronJob" => format!("batch/v1/{kind}"),
        "ReplicationController" | "Pod" => format!("v1/{kind}"),
        other => other.to_string(),
    }
}

fn autogen_name(prefix: &str, name: &str) -> String {
    let name = format!("{prefix}-{name}");
    // Cut at 63 bytes, on a character boundary.
    let mut end = name.len().min(63);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name.get(..end).unwrap_or(&name).to_string()
}

fn rule_for_controllers(rule: &Json, controllers: &str) -> Option<Json> {
    if is_autogen_name(name(rule)) || controllers.is_empty() {
        return None;
    }
    let match_kinds = rule.get("match").map(kinds_of).unwrap_or_default();
    let exclude_kinds = rule.get("exclude").map(kinds_of).unwrap_or_default();
    if !contains_kind(&match_kinds, "Pod")
        || (!exclude_kinds.is_empty() && !contains_kind(&exclude_kinds, "Pod"))
    {
        return None;
    }
    let known = [
        "DaemonSet",
        "Deployment",
        "Job",
        "StatefulSet",
        "ReplicaSet",
        "ReplicationController",
    ];
    let controllers = if controllers == "all" {
        known.join(",")
    } else {
        let valid: Vec<&str> = sorted_kinds(controllers)
            .iter()
            .filter(|c| known.contains(&c.as_str()))
            .map(|c| known.iter().find(|k| *k == c).copied().unwrap_or(""))
            .collect();
        if valid.is_empty() {
            controllers.to_string()
        } else {
            valid.join(",")
        }
    };
    generate(
        &autogen_name("autogen", name(rule)),
        rule,
        "template",
        &sorted_kinds(&controllers),
        true,
    )
}

fn cronjob_rule(rule: &Json, controllers: &str) -> Option<Json> {
    if !controllers.contains("CronJob") && !controllers.contains("all") {
        return None;
    }
    let base = rule_for_controllers(rule, controllers)?;
    generate(
        &autogen_name("autogen-cronjob", name(rule)),
        &base,
        "jobTemplate",
        &["CronJob".to_string()],
        false,
    )
}

/// Kyverno's `generateRule`: the rule with its kinds replaced and its
/// validation moved under `spec.<template_key>`.
fn generate(
    name: &str,
    rule: &Json,
    template_key: &str,
    kinds: &[String],
    only_pod_filters: bool,
) -> Option<Json> {
    let mut rule = rule.clone();
    let gvks: Vec<Json> = kinds.iter().map(|k| Json::String(gvk(k))).collect();
    let obj = rule.as_object_mut()?;
    obj.insert("name".into(), Json::String(name.into()));
    if let Some(block) = obj.get_mut("match") {
        replace_kinds(block, &gvks, only_pod_filters, true);
    }
    if let Some(block) = obj.get_mut("exclude") {
        replace_kinds(block, &gvks, only_pod_filters, false);
    }
    let wrap = |pattern: &Json| json!({"spec": {template_key: pattern}});
    if let Some(validate) = obj.get_mut("validate").and_then(Json::as_object_mut) {
        if let Some(pattern) = validate.get("pattern").cloned() {
            validate.insert("pattern".into(), wrap(&pattern));
        } else if validate.contains_key("deny") || validate.contains_key("podSecurity") {
        } else if let Some(Json::Array(patterns)) = validate.get("anyPattern").cloned() {
            validate.insert(
                "anyPattern".into(),
                Json::Array(patterns.iter().map(wrap).collect()),
            );
        } else if validate.contains_key("foreach") || validate.contains_key("cel") {
        } else {
            return None;
        }
        return Some(rule);
    }
    if let Some(mutate) = obj.get_mut("mutate").and_then(Json::as_object_mut) {
        if let Some(patch) = mutate.get("patchStrategicMerge").cloned() {
            let mut m = Map::new();
            m.insert("patchStrategicMerge".into(), wrap(&patch));
            *mutate = m;
            return Some(rule);
        }
        if let Some(Json::Array(foreach)) = mutate.get("foreach").cloned() {
            let items = foreach
                .iter()
                .map(|f| {
                    let mut item = Map::new();
                    for key in ["list", "context", "preconditions"] {
                        if let Some(v) = f.get(key) {
                            item.insert(key.into(), v.clone());
                        }
                    }
                    item.insert(
                        "patchStrategicMerge".into(),
                        wrap(f.get("patchStrategicMerge").unwrap_or(&Json::Null)),
                    );
                    Json::Object(item)
                })
                .collect();
            let mut m = Map::new();
            m.insert("foreach".into(), Json::Array(items));
            *mutate = m;
            return Some(rule);
        }
    }
    if obj.get("verifyImages").is_some() {
        return Some(rule);
    }
    None
}

fn replace_kinds(block: &mut Json, gvks: &[Json], only_pod_filters: bool, is_match: bool) {
    let Some(obj) = block.as_object_mut() else {
        return;
    };
    for key in ["any", "all"] {
        if let Some(Json::Array(filters)) = obj.get_mut(key)
            && !filters.is_empty()
        {
            for filter in filters.iter_mut() {
                let names_pod = contains_kind(&kinds_of(filter), "Pod");
                if (!only_pod_filters || names_pod)
                    && let Some(resources) =
                        filter.get_mut("resources").and_then(Json::as_object_mut)
                {
                    resources.insert("kinds".into(), Json::Array(gvks.to_vec()));
                }
            }
            return;
        }
    }
    let has_kinds = obj
        .get("resources")
        .and_then(|r| r.get("kinds"))
        .and_then(Json::as_array)
        .is_some_and(|k| !k.is_empty());
    if is_match || has_kinds {
        let resources = obj
            .entry("resources")
            .or_insert_with(|| Json::Object(Map::new()));
        if let Some(resources) = resources.as_object_mut() {
            resources.insert("kinds".into(), Json::Array(gvks.to_vec()));
        }
    }
}

/// Moves `request.object.spec`/`.metadata` (and the old object's) to the
/// template's, in the rule's whole text, as Kyverno does on its JSON.
/// A rule with `validate.cel` has its CEL names moved instead (`object.spec`
/// to `object.spec.template.spec`), as Kyverno's `podCELReplacementRules`.
fn shift(rule: &Json, template: &str) -> Json {
    let text = rule.to_string();
    let cel = rule.pointer("/validate/cel").is_some_and(|c| !c.is_null());
    let (new, old) = if cel {
        (
            template.trim_start_matches("request.").to_string(),
            template.replacen("request.object", "oldObject", 1),
        )
    } else {
        (
            template.to_string(),
            template.replacen("request.object", "request.oldObject", 1),
        )
    };
    let (object, old_object) = if cel {
        ("object", "oldObject")
    } else {
        ("request.object", "request.oldObject")
    };
    let text = text
        .replace(&format!("{object}.spec"), &format!("{new}.spec"))
        .replace(&format!("{old_object}.spec"), &format!("{old}.spec"))
        .replace(&format!("{object}.metadata"), &format!("{new}.metadata"))
        .replace(
            &format!("{old_object}.metadata"),
            &format!("{old}.metadata"),
        );
    serde_json::from_str(&text).unwrap_or_else(|_| rule.clone())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn pod_policy() -> Json {
        json!({"rules": [{
            "name": "check",
            "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
            "validate": {"message": "m", "pattern": {"spec": {"hostNetwork": false}}}
        }]})
    }

    #[test]
    fn pod_rules_gain_controller_and_cronjob_rules() {
        let rules = compute_rules(&pod_policy(), &Map::new());
        let names: Vec<&str> = rules.iter().map(name).collect();
        assert_eq!(names, ["check", "autogen-check", "autogen-cronjob-check"]);
        assert_eq!(
            rules[1]["match"]["any"][0]["resources"]["kinds"],
            json!([
                "apps/v1/DaemonSet",
                "apps/v1/Deployment",
                "batch/v1/Job",
                "apps/v1/ReplicaSet",
                "v1/ReplicationController",
                "apps/v1/StatefulSet"
            ])
        );
        assert_eq!(
            rules[1]["validate"]["pattern"],
            json!({"spec": {"template": {"spec": {"hostNetwork": false}}}})
        );
        assert_eq!(
            rules[2]["match"]["any"][0]["resources"]["kinds"],
            json!(["batch/v1/CronJob"])
        );
        assert_eq!(
            rules[2]["validate"]["pattern"],
            json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {"hostNetwork": false}}}}}})
        );
    }

    #[test]
    fn the_annotation_chooses_or_disables() {
        let mut ann = Map::new();
        ann.insert(CONTROLLERS_ANNOTATION.into(), json!("none"));
        assert_eq!(compute_rules(&pod_policy(), &ann).len(), 1);
        ann.insert(CONTROLLERS_ANNOTATION.into(), json!("Deployment"));
        let rules = compute_rules(&pod_policy(), &ann);
        assert_eq!(rules.len(), 2);
        assert_eq!(
            rules[1]["match"]["any"][0]["resources"]["kinds"],
            json!(["apps/v1/Deployment"])
        );
    }

    #[test]
    fn variables_move_to_the_template() {
        let policy = json!({"rules": [{
            "name": "d",
            "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
            "validate": {"deny": {"conditions": {"any": [{"key": "{{ request.object.spec.hostPID }}", "operator": "Equals", "value": true}]}}}
        }]});
        let rules = compute_rules(&policy, &Map::new());
        assert_eq!(
            rules[2]["validate"]["deny"]["conditions"]["any"][0]["key"],
            json!("{{ request.object.spec.jobTemplate.spec.template.spec.hostPID }}")
        );
    }

    #[test]
    fn names_and_selectors_disable_autogen() {
        let policy = json!({"rules": [{
            "name": "n",
            "match": {"any": [{"resources": {"kinds": ["Pod"], "names": ["x"]}}]},
            "validate": {"pattern": {"spec": {}}}
        }]});
        assert_eq!(compute_rules(&policy, &Map::new()).len(), 1);
    }
}
