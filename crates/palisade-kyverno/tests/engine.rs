//! The engine end to end on small policies: one case per kind of rule, so
//! that a user's clone (without the conformance corpora) still tests each.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use palisade_kyverno::{Policy, Request, Status, engine};
use serde_json::{Value as Json, json};

fn policy(rules: Json) -> Policy {
    Policy::from_json(&json!({
        "apiVersion": "kyverno.io/v1",
        "kind": "ClusterPolicy",
        "metadata": {"name": "p"},
        "spec": {"validationFailureAction": "Enforce", "rules": rules}
    }))
    .unwrap()
}

fn statuses(policy: &Policy, object: &Json) -> Vec<(String, Status)> {
    let request = Request {
        object: Some(object),
        ..Request::default()
    };
    engine::validate(policy, &request, &[])
        .into_iter()
        .map(|r| (r.rule, r.status))
        .collect()
}

fn pod(spec: Json) -> Json {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x", "namespace": "default"}, "spec": spec})
}

fn pod_rule(name: &str, validate: Json) -> Json {
    json!({"name": name, "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}, "validate": validate})
}

#[test]
fn foreach_deny_with_element_variables() {
    let p = policy(json!([pod_rule(
        "drop-all",
        json!({
            "message": "drop ALL",
            "foreach": [{
                "list": "request.object.spec.containers",
                "deny": {"conditions": {"all": [{
                    "key": "ALL", "operator": "AnyNotIn",
                    "value": "{{ element.securityContext.capabilities.drop[] || `[]` }}"
                }]}}
            }]
        })
    )]));
    let good = pod(
        json!({"containers": [{"name": "a", "securityContext": {"capabilities": {"drop": ["ALL"]}}}]}),
    );
    let bad = pod(
        json!({"containers": [{"name": "a"}, {"name": "b", "securityContext": {"capabilities": {"drop": ["ALL"]}}}]}),
    );
    assert_eq!(statuses(&p, &good), [("drop-all".into(), Status::Pass)]);
    assert_eq!(statuses(&p, &bad), [("drop-all".into(), Status::Fail)]);
}

#[test]
fn preconditions_skip_and_any_pattern() {
    let p = policy(json!([{
        "name": "run-as-non-root",
        "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
        "preconditions": {"all": [{"key": "{{ request.operation || 'BACKGROUND' }}", "operator": "NotEquals", "value": "DELETE"}]},
        "validate": {"anyPattern": [
            {"spec": {"securityContext": {"runAsNonRoot": true}}},
            {"spec": {"containers": [{"securityContext": {"runAsNonRoot": true}}]}}
        ]}
    }]));
    assert_eq!(
        statuses(
            &p,
            &pod(json!({"securityContext": {"runAsNonRoot": true}, "containers": [{"name": "a"}]}))
        )[0]
        .1,
        Status::Pass
    );
    assert_eq!(
        statuses(&p, &pod(json!({"containers": [{"name": "a"}]})))[0].1,
        Status::Fail
    );
    // A DELETE does not meet the precondition.
    let object = pod(json!({"containers": [{"name": "a"}]}));
    let request = Request {
        object: None,
        old_object: Some(&object),
        operation: "DELETE",
        ..Request::default()
    };
    let responses = engine::validate(&p, &request, &[]);
    assert_eq!(responses[0].status, Status::Skip);
}

#[test]
fn autogen_judges_controllers_and_unmatched_kinds_are_left_alone() {
    let p = policy(json!([pod_rule(
        "no-host-network",
        json!({
            "pattern": {"spec": {"=(hostNetwork)": false}}
        })
    )]));
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"template": {"spec": {"hostNetwork": true, "containers": [{"name": "a"}]}}}});
    assert_eq!(
        statuses(&p, &deployment),
        [("autogen-no-host-network".into(), Status::Fail)]
    );
    let config_map = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
    assert!(statuses(&p, &config_map).is_empty());
}

#[test]
fn unresolvable_variables_are_errors_and_offline_lookups_are_not_evaluated() {
    let p = policy(json!([
        pod_rule("missing", json!({"deny": {"conditions": {"any": [
            {"key": "{{ request.object.spec.nodeName }}", "operator": "Equals", "value": "x"}
        ]}}})),
        {
            "name": "lookup",
            "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
            "context": [{"name": "cm", "configMap": {"name": "settings", "namespace": "default"}}],
            "validate": {"deny": {"conditions": {"any": [
                {"key": "{{ cm.data.allowed }}", "operator": "Equals", "value": "no"}
            ]}}}
        }
    ]));
    let result = statuses(&p, &pod(json!({"containers": [{"name": "a"}]})));
    assert_eq!(
        result,
        [
            ("missing".into(), Status::Error),
            ("lookup".into(), Status::NotEvaluated)
        ]
    );
}

#[test]
fn exceptions_skip_the_rules_they_name() {
    let p = policy(json!([pod_rule(
        "no-host-network",
        json!({
            "pattern": {"spec": {"=(hostNetwork)": false}}
        })
    )]));
    let exception = palisade_kyverno::Exception::from_json(&json!({
        "apiVersion": "kyverno.io/v2",
        "kind": "PolicyException",
        "metadata": {"name": "allow-x", "namespace": "default"},
        "spec": {
            "exceptions": [{"policyName": "p", "ruleNames": ["no-host-network"]}],
            "match": {"any": [{"resources": {"kinds": ["Pod"], "names": ["x"]}}]}
        }
    }))
    .unwrap();
    let object = pod(json!({"hostNetwork": true, "containers": [{"name": "a"}]}));
    let request = Request {
        object: Some(&object),
        ..Request::default()
    };
    let responses = engine::validate(&p, &request, &[exception]);
    assert_eq!(responses[0].status, Status::Skip);
    assert!(responses[0].message.contains("allow-x"));
}

#[test]
fn invalid_policies_name_what_is_missing() {
    let err = Policy::from_json(&json!({
        "apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy",
        "metadata": {"name": "p"}, "spec": {"rules": [{"match": {}}]}
    }))
    .unwrap_err();
    assert_eq!(err.to_string(), "policy p: spec.rules[0].name is missing");
}
