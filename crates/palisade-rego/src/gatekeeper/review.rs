//! `input.review`: what Gatekeeper's policies see of the object under
//! review. For an object read from a file it is the AdmissionRequest that
//! Gatekeeper's audit and `gator` build (kind, name, namespace, the object,
//! an empty operation and user); for an admission request it is the request
//! itself.

use regorus::Value;

use super::matching::{Target, labels};
use crate::value::{self, object};

/// A review and what matching needs of it.
#[derive(Debug, Clone)]
pub struct Review {
    /// The value policies read as `input.review`.
    pub value: Value,
    /// The object under review, for matching.
    pub target: Target,
}

impl Review {
    /// An object read from a file. `namespace` is its Namespace object when
    /// known (for `namespaceSelector`, and as `_unstable.namespace`).
    pub fn of_object(object_value: Value, namespace: Option<&Value>) -> Review {
        let (group, version) =
            group_version(value::get_str(&object_value, "apiVersion").unwrap_or(""));
        let kind = value::get_str(&object_value, "kind")
            .unwrap_or("")
            .to_string();
        let name = metadata_str(&object_value, "name");
        let namespace_name = metadata_str(&object_value, "namespace");
        let mut fields = vec![
            ("uid", Value::from("")),
            (
                "kind",
                object([
                    ("group", Value::from(group.as_str())),
                    ("version", Value::from(version.as_str())),
                    ("kind", Value::from(kind.as_str())),
                ]),
            ),
            (
                "resource",
                object([
                    ("group", Value::from("")),
                    ("version", Value::from("")),
                    ("resource", Value::from("")),
                ]),
            ),
            ("operation", Value::from("")),
            ("userInfo", Value::new_object()),
            ("oldObject", Value::Null),
            ("options", Value::Null),
        ];
        if !name.is_empty() {
            fields.push(("name", Value::from(name.as_str())));
        }
        if !namespace_name.is_empty() {
            fields.push(("namespace", Value::from(namespace_name.as_str())));
        }
        if let Some(ns) = namespace {
            fields.push(("_unstable", object([("namespace", ns.clone())])));
        }
        let target = Target {
            group,
            kind,
            name,
            namespace: namespace_name,
            labels: labels(&object_value),
            namespace_labels: namespace.map(labels),
        };
        fields.push(("object", object_value));
        Review {
            value: from_fields(fields),
            target,
        }
    }

    /// An AdmissionRequest, as the API server sends it (or as a suite's
    /// `AdmissionReview` case holds it). On DELETE the old object stands in
    /// for the missing object, as in Gatekeeper.
    pub fn of_request(request: Value, namespace: Option<&Value>) -> Result<Review, String> {
        let object_value = value::get(&request, "object").filter(|v| !matches!(v, Value::Null));
        let old_object = value::get(&request, "oldObject").filter(|v| !matches!(v, Value::Null));
        let Some(subject) = object_value.or(old_object).cloned() else {
            return Err(
                "the AdmissionRequest has neither `object` nor `oldObject` to review".into(),
            );
        };
        let mut request = request.clone();
        let operation = value::get_str(&request, "operation")
            .unwrap_or("")
            .to_string();
        if operation == "DELETE"
            && object_value.is_none()
            && let Ok(map) = request.as_object_mut()
        {
            map.insert(Value::from("object"), subject.clone());
        }
        if let (Some(ns), Ok(map)) = (namespace, request.as_object_mut()) {
            map.insert(
                Value::from("_unstable"),
                object([("namespace", ns.clone())]),
            );
        }
        let kind = value::get(&request, "kind");
        let (group, kind_name) = match kind {
            Some(k) => (
                value::get_str(k, "group").unwrap_or("").to_string(),
                value::get_str(k, "kind").unwrap_or("").to_string(),
            ),
            None => (
                group_version(value::get_str(&subject, "apiVersion").unwrap_or("")).0,
                value::get_str(&subject, "kind").unwrap_or("").to_string(),
            ),
        };
        let name = value::get_str(&request, "name")
            .map(str::to_string)
            .unwrap_or_else(|| metadata_str(&subject, "name"));
        let namespace_name = value::get_str(&request, "namespace")
            .map(str::to_string)
            .unwrap_or_else(|| metadata_str(&subject, "namespace"));
        Ok(Review {
            target: Target {
                group,
                kind: kind_name,
                name,
                namespace: namespace_name,
                labels: labels(&subject),
                namespace_labels: namespace.map(labels),
            },
            value: request,
        })
    }
}

fn from_fields(fields: Vec<(&str, Value)>) -> Value {
    Value::from(
        fields
            .into_iter()
            .map(|(k, v)| (Value::from(k), v))
            .collect::<std::collections::BTreeMap<_, _>>(),
    )
}

fn metadata_str(object: &Value, key: &str) -> String {
    value::get(object, "metadata")
        .and_then(|m| value::get_str(m, key))
        .unwrap_or("")
        .to_string()
}

/// `apps/v1` -> (`apps`, `v1`); `v1` -> (``, `v1`).
pub fn group_version(api_version: &str) -> (String, String) {
    match api_version.split_once('/') {
        Some((group, version)) => (group.to_string(), version.to_string()),
        None => (String::new(), api_version.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_object_is_reviewed_as_gator_reviews_it() {
        let pod = Value::from_json_str(
            r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns", "labels": {"a": "b"}}}"#,
        )
        .unwrap_or(Value::Null);
        let review = Review::of_object(pod, None);
        let json = value::to_json(&review.value);
        assert_eq!(
            json["kind"],
            serde_json::json!({"group": "", "version": "v1", "kind": "Pod"})
        );
        assert_eq!(json["operation"], "");
        assert_eq!(json["namespace"], "ns");
        assert_eq!(json["object"]["metadata"]["name"], "p");
        assert_eq!(review.target.labels.get("a").map(String::as_str), Some("b"));
    }

    #[test]
    fn a_delete_request_reviews_the_old_object() {
        let request = Value::from_json_str(
            r#"{"operation": "DELETE", "oldObject": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}}"#,
        )
        .unwrap_or(Value::Null);
        let review = Review::of_request(request, None);
        let review = review.ok();
        assert_eq!(
            review.as_ref().map(|r| r.target.group.as_str()),
            Some("apps")
        );
        let json = review.map(|r| value::to_json(&r.value)).unwrap_or_default();
        assert_eq!(json["object"]["metadata"]["name"], "d");
        assert!(Review::of_request(Value::new_object(), None).is_err());
    }
}
