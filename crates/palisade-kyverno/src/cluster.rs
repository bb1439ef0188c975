//! Offline answers to `apiCall` and `configMap` context entries, from the
//! objects a test supplies as `clusterResources` (as the Kyverno CLI's fake
//! client answers them): `GET` of an API path, one object or a list.

use serde_json::{Value as Json, json};

/// Why a lookup has no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LookupError {
    #[error("{0} not found")]
    NotFound(String),
    #[error("unsupported API path {0}")]
    Unsupported(String),
}

/// The lower-case plural Kubernetes serves a kind under.
pub(crate) fn plural(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    if let Some(stem) = lower.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    if lower.ends_with('s') || lower.ends_with('x') || lower.ends_with("ch") {
        return format!("{lower}es");
    }
    format!("{lower}s")
}

fn text<'a>(object: &'a Json, pointer: &str) -> &'a str {
    object.pointer(pointer).and_then(Json::as_str).unwrap_or("")
}

/// `GET urlPath` against `objects`: `/api/v1/...` or `/apis/G/V/...`,
/// optionally under `namespaces/NS/`, a resource plural and a name.
pub fn get(objects: &[Json], url_path: &str) -> Result<Json, LookupError> {
    let path = url_path.split('?').next().unwrap_or("");
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let (api_version, rest) = match parts.as_slice() {
        ["api", version, rest @ ..] => ((*version).to_string(), rest),
        ["apis", group, version, rest @ ..] => (format!("{group}/{version}"), rest),
        _ => return Err(LookupError::Unsupported(url_path.into())),
    };
    let (namespace, rest) = match rest {
        ["namespaces", ns] => {
            // The Namespace itself.
            return objects
                .iter()
                .find(|o| text(o, "/kind") == "Namespace" && text(o, "/metadata/name") == *ns)
                .cloned()
                .ok_or_else(|| LookupError::NotFound(format!("namespace {ns}")));
        }
        ["namespaces", ns, rest @ ..] => (Some(*ns), rest),
        rest => (None, rest),
    };
    let (resource, name) = match rest {
        [resource] => (*resource, None),
        [resource, name] => (*resource, Some(*name)),
        _ => return Err(LookupError::Unsupported(url_path.into())),
    };
    let matching: Vec<&Json> = objects
        .iter()
        .filter(|o| text(o, "/apiVersion") == api_version && plural(text(o, "/kind")) == resource)
        .filter(|o| namespace.is_none_or(|ns| text(o, "/metadata/namespace") == ns))
        .collect();
    match name {
        Some(name) => matching
            .into_iter()
            .find(|o| text(o, "/metadata/name") == name)
            .cloned()
            .ok_or_else(|| LookupError::NotFound(format!("{resource} {name}"))),
        None => {
            let kind = matching
                .first()
                .map_or_else(String::new, |o| text(o, "/kind").to_string());
            Ok(json!({
                "apiVersion": api_version,
                "kind": format!("{kind}List"),
                "metadata": {},
                "items": matching,
            }))
        }
    }
}

/// A ConfigMap as a `configMap` context entry sees it: `data` and
/// `metadata`.
pub fn config_map(objects: &[Json], name: &str, namespace: &str) -> Result<Json, LookupError> {
    objects
        .iter()
        .find(|o| {
            text(o, "/kind") == "ConfigMap"
                && text(o, "/metadata/name") == name
                && text(o, "/metadata/namespace") == namespace
        })
        .map(|o| {
            json!({
                "data": o.get("data").cloned().unwrap_or(json!({})),
                "metadata": o.get("metadata").cloned().unwrap_or(json!({})),
            })
        })
        .ok_or_else(|| LookupError::NotFound(format!("configmap {namespace}/{name}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn paths_find_objects_and_lists() {
        let objects = vec![
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "x"}, "data": {"k": "v"}}),
            json!({"apiVersion": "cloud.google.com/v1", "kind": "ComputeClass", "metadata": {"name": "spot"}}),
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "i", "namespace": "x"}}),
            json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "p", "namespace": "x"}}),
        ];
        assert_eq!(
            get(&objects, "/api/v1/namespaces/x/configmaps/a").unwrap()["data"]["k"],
            "v"
        );
        assert_eq!(
            get(&objects, "/apis/cloud.google.com/v1/computeclasses/spot").unwrap()["metadata"]["name"],
            "spot"
        );
        assert_eq!(
            get(&objects, "/apis/networking.k8s.io/v1/ingresses").unwrap()["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            get(
                &objects,
                "/apis/policy/v1/namespaces/x/poddisruptionbudgets"
            )
            .unwrap()["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert!(matches!(
            get(&objects, "/api/v1/namespaces/x/configmaps/b"),
            Err(LookupError::NotFound(_))
        ));
        assert_eq!(config_map(&objects, "a", "x").unwrap()["data"]["k"], "v");
    }
}
